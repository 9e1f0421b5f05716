import Dispatch

/// The threads of a parallel run and the batches the driver hands them.
///
/// The work is cut into (variant, POP group) pieces — a POP group is POPs joined by parent
/// links, which never affect another group — dealt by weight (`deal`: their POPs' share of the
/// first requests) to the threads; each thread keeps one unit per variant covering the groups
/// it was dealt. The
/// driver (the caller's thread) resolves every request and copies it into the current batch of
/// each thread that owns its POP (the pieces it replays itself, if any — `readerShare` — are
/// not here); a thread replays its batches in order, so every unit sees its
/// requests in trace order, exactly as in a one-thread run. Each thread has `slots` batch slots
/// (by default `Worker.defaultSlots`): the driver waits when a thread is that many batches
/// behind, a thread waits when it has none.
struct ParallelRun {
    private let workers: [Worker]
    /// Each thread's (variant, POP group) pieces, as dealt.
    let assignments: [[(variant: Int, group: Int)]]
    /// Threads that own POP `p`: `routeWorkers[routeStart[p] ..< routeStart[p + 1]]`.
    private let routeStart: [Int32]
    private let routeWorkers: [Int32]
    private let group = DispatchGroup()
    /// Per thread: where the next request goes in its open batch, and how many fit.
    private var cursor: [UnsafeMutablePointer<Work>?]
    private var filled: [Int]
    private var openSlot: [Int]

    /// Requests a batch holds, by default. With `Worker.defaultSlots`, a thread may fall 65,536
    /// requests (5 MB of `Work`) behind before the driver waits: when threads outnumber cores,
    /// the scheduler runs one simulation thread and not another for several milliseconds at a
    /// time, and with 16,384 (4 × 4,096) the driver soon waited on the one left behind while the
    /// other ran dry — 15 % of two cores stood idle in a `perf` timeline of 8 POPs on 2 threads
    /// (two simulation threads and the reading one). Measured, 8 POPs on 2 cores, paired runs:
    /// 4 × 4,096: 1.60× one thread; 16 × 1,024: 1.70×; 16 × 4,096: 1.82×; 32 × 2,048: 1.88×;
    /// 64 × 2,048 and 128 × 1,024: the same as 32 × 2,048 within noise.
    static let defaultBatchSize = 2048
    private let batchSize: Int

    /// The (variant, POP group) pieces of a run, variants outermost: POP groups (POPs joined
    /// by parent links) never affect one another, nor do variants.
    static func pieces(variants: [Int], ownsPOP: [Bool], groups: [Int]) -> [(variant: Int, group: Int)] {
        let ownedGroups = Array(Set(ownsPOP.indices.filter { ownsPOP[$0] }.map { groups[$0] })).sorted()
        var pieces: [(variant: Int, group: Int)] = []
        for v in variants { for g in ownedGroups { pieces.append((v, g)) } }
        return pieces
    }

    /// The units that replay `pieces`: one per variant that has any, owning those groups' POPs.
    static func units(for pieces: [(variant: Int, group: Int)], config: SimulationConfig, catalog: Catalog, variants: [Int],
                      ownsPOP: [Bool], groups: [Int], shared: RunShared, sampleLimit: Int, countsURLs: Bool) -> [VariantSimulator] {
        var units: [VariantSimulator] = []
        for v in variants {
            let owned = ownedPOPs(of: v, in: pieces, ownsPOP: ownsPOP, groups: groups)
            if !owned.contains(true) { continue }
            units.append(VariantSimulator(index: v, config: config, catalog: catalog, owned: owned, shared: shared,
                                          observer: nil, sampleLimit: sampleLimit, countsURLs: countsURLs))
        }
        return units
    }

    /// Per POP, whether `pieces` give variant `v` that POP: its group is one of them, and the run owns it.
    static func ownedPOPs(of v: Int, in pieces: [(variant: Int, group: Int)], ownsPOP: [Bool], groups: [Int]) -> [Bool] {
        let mine = Set(pieces.filter { $0.variant == v }.map(\.group))
        return ownsPOP.indices.map { ownsPOP[$0] && mine.contains(groups[$0]) }
    }

    /// Each piece's weight for `readerShare`: its POP group's share of the requests at
    /// `requestPOPs` (POP indices; `groups[p]` is POP p's group), so that a variant's pieces sum
    /// to 1; equal shares when there are no requests.
    static func weights(of pieces: [(variant: Int, group: Int)], groups: [Int], requestPOPs: [Int]) -> [Double] {
        var perGroup = [Int](repeating: 0, count: groups.count)
        for p in requestPOPs { perGroup[groups[p]] += 1 }
        let groupCount = Set(pieces.map(\.group)).count
        return pieces.map { requestPOPs.isEmpty ? 1 / Double(groupCount) : Double(perGroup[$0.group]) / Double(requestPOPs.count) }
    }

    /// What reading and resolving a request costs the reading thread, against replaying it
    /// through one variant: measured on the bench's 8-POP `.pstrace` run on two threads, the
    /// reading thread had 0.56 of a simulation thread's samples (`perf`), each of those replaying
    /// half the POPs.
    static let readingCost = 0.5

    /// Which pieces the reading thread should replay itself on `threads` threads, the others
    /// going to `threads − 1` simulation threads, given each piece's weight (its POP group's
    /// share of the requests: a variant's pieces sum to 1). The reading thread's work is
    /// `readingCost` plus its pieces; it takes the k lightest, for the k that makes the larger
    /// of its work and the heaviest other thread's smallest (the rest dealt largest first, each
    /// to the least loaded thread), and keeps them only when that comes within 5 % of the work
    /// spread evenly. Otherwise none — `threads` simulation threads beside
    /// it, as when reading costs more (a CSV trace), or when the pieces are too few or too coarse
    /// to share (one POP, or one POP carrying most requests).
    ///
    /// With three threads on two cores (the reading one and two simulation threads), the run
    /// waited on the reading thread, which needs 36 % of the work but was scheduled as one of
    /// three; with two threads each with its share, both cores stay busy.
    static func readerShare(weights: [Double], threads: Int) -> [Int] {
        guard threads > 1, weights.count > threads - 1 else { return [] }
        let total = weights.reduce(0, +)
        let even = (readingCost + total) / Double(threads)
        func others(_ rest: [Double]) -> Double { dealing(weights: rest, threads: threads - 1).loads.max() ?? 0 }
        let lightest = weights.indices.sorted { (weights[$0], $0) < (weights[$1], $1) }
        var best: [Int] = [], bestTime = Double.infinity, reading = readingCost
        for k in 1...(weights.count - (threads - 1)) {
            reading += weights[lightest[k - 1]]
            let taken = Set(lightest.prefix(k))
            let time = max(reading, others(weights.indices.filter { !taken.contains($0) }.map { weights[$0] }))
            if time < bestTime { (best, bestTime) = (Array(lightest.prefix(k)), time) }
        }
        return bestTime <= even * 1.05 ? best.sorted() : []
    }

    /// Deals pieces of the given weights to `threads` threads, heaviest first, each to the thread
    /// with the least weight so far — of those, the one with the fewest pieces, then the
    /// lower-numbered: the longest-processing-time rule, within 4/3 of the best spread. Dealt in
    /// turn regardless of weight, 8 POPs of which the eighth carries half the requests went 4
    /// light ones to one thread and that POP with 3 light ones to the other, which then did
    /// 10/14 of the work instead of 7/14. The fewest pieces on ties spread pieces that weigh
    /// nothing (POPs not among the requests sampled, which may come later) over the threads,
    /// rather than all onto one while others got none.
    /// - Returns: per thread (at most `threads`, none empty unless there are no pieces), the
    ///   indices of its pieces in increasing order.
    static func deal(weights: [Double], threads: Int) -> [[Int]] {
        dealing(weights: weights, threads: threads).pieces.map { $0.sorted() }
    }

    /// `deal`'s pieces per thread in the order dealt, and each thread's load, summed in that
    /// order (`readerShare` compares loads, some equal but for rounding, by the same sums).
    private static func dealing(weights: [Double], threads: Int) -> (pieces: [[Int]], loads: [Double]) {
        let count = max(1, min(threads, weights.count))
        var dealt: [[Int]] = Array(repeating: [], count: count)
        var loads = [Double](repeating: 0, count: count)
        for piece in weights.indices.sorted(by: { (weights[$1], $0) < (weights[$0], $1) }) {
            let thread = loads.indices.min { (loads[$0], dealt[$0].count, $0) < (loads[$1], dealt[$1].count, $1) }!
            dealt[thread].append(piece)
            loads[thread] += weights[piece]
        }
        return (dealt, loads)
    }

    /// - Parameter weights: the pieces' weights (`weights(of:groups:requestPOPs:)`), by which
    ///   they are dealt to the threads (`deal`); nil: equal.
    init(config: SimulationConfig, catalog: Catalog, pieces: [(variant: Int, group: Int)], variants: [Int], ownsPOP: [Bool], groups: [Int],
         threads: Int, weights: [Double]? = nil, shared: RunShared, sampleLimit: Int, countsURLs: Bool, batchSize: Int = defaultBatchSize,
         slots: Int = Worker.defaultSlots) {
        precondition(batchSize > 0 && slots > 0, "batches need room")
        precondition(weights == nil || weights!.count == pieces.count, "internal error: a weight per piece")
        self.batchSize = batchSize
        let dealt = Self.deal(weights: weights ?? Array(repeating: 1, count: pieces.count), threads: threads).map { $0.map { pieces[$0] } }

        var workers: [Worker] = []
        for pieces in dealt {
            let units = Self.units(for: pieces, config: config, catalog: catalog, variants: variants, ownsPOP: ownsPOP, groups: groups,
                                   shared: shared, sampleLimit: sampleLimit, countsURLs: countsURLs)
            workers.append(Worker(units: units, pops: config.pops.count, slots: slots, batchSize: batchSize))
        }
        var start: [Int32] = [0], list: [Int32] = []
        for p in config.pops.indices {
            for (k, w) in workers.enumerated() where w.ownsPOP(p) { list.append(Int32(k)) }
            start.append(Int32(list.count))
        }
        self.workers = workers
        assignments = dealt
        routeStart = start
        routeWorkers = list
        cursor = Array(repeating: nil, count: workers.count)
        filled = Array(repeating: 0, count: workers.count)
        openSlot = Array(repeating: 0, count: workers.count)
        // A queue of its own per thread: such queues may always get a thread ("overcommit"),
        // whereas the global queue runs no more blocks at once than there are cores, counting
        // this (reading) thread as one — which left a thread's batches waiting for another's.
        for (k, w) in workers.enumerated() {
            DispatchQueue(label: "popsim.simulation.\(k)").async(group: group) { w.run() }
        }
    }

    /// Hands a request at POP `p` to every thread that owns that POP, `write` filling in its place
    /// in each thread's batch (uninitialised memory: every field must be written).
    @inline(__always)
    mutating func dispatch(pop p: Int, _ write: (UnsafeMutablePointer<Work>) -> Void) {
        var j = Int(routeStart[p])
        let end = Int(routeStart[p + 1])
        while j < end {
            let k = Int(routeWorkers[j])
            if cursor[k] == nil { cursor[k] = workers[k].acquire(openSlot[k]) }
            write(cursor[k]! + filled[k])
            filled[k] += 1
            if filled[k] == batchSize { submit(k) }
            j += 1
        }
    }

    private mutating func submit(_ k: Int) {
        workers[k].publish(openSlot[k], count: filled[k])
        openSlot[k] = (openSlot[k] + 1) % workers[k].slots
        filled[k] = 0
        cursor[k] = nil
    }

    /// Sends what is left, waits for every thread to finish its events, and returns the units.
    mutating func finish() -> [VariantSimulator] {
        for k in workers.indices {
            if cursor[k] != nil { submit(k) }
            _ = workers[k].acquire(openSlot[k])
            workers[k].publish(openSlot[k], count: -1)
        }
        group.wait()
        return workers.flatMap(\.units)
    }
}

/// One simulation thread: its units, and `slots` batch slots shared with the driver.
final class Worker: @unchecked Sendable {
    static let defaultSlots = 32
    let slots: Int
    private(set) var units: [VariantSimulator]
    private let buffers: [UnsafeMutablePointer<Work>]
    /// Requests in each published slot; -1 ends the run. Written before `ready` is signalled.
    private let counts: UnsafeMutablePointer<Int>
    private let ready = DispatchSemaphore(value: 0)
    /// Created at 0 and signalled once per slot: libdispatch refuses to dispose of a semaphore
    /// whose count is below the value it was created with.
    private let free = DispatchSemaphore(value: 0)
    /// Units that own POP `p`: `routeUnits[routeStart[p] ..< routeStart[p + 1]]`, in variant order.
    private let routeStart: [Int32]
    private let routeUnits: [Int32]
    /// What the replays' touch loops read (kept so that the loads are made).
    private(set) var touched: UInt64 = 0

    init(units: [VariantSimulator], pops: Int, slots: Int, batchSize: Int) {
        self.units = units
        self.slots = slots
        buffers = (0..<slots).map { _ in UnsafeMutablePointer<Work>.allocate(capacity: batchSize) }
        counts = .allocate(capacity: slots)
        counts.initialize(repeating: 0, count: slots)
        for _ in 0..<slots { free.signal() }
        (routeStart, routeUnits) = Self.routes(units, pops: pops)
    }

    /// Units that own POP `p` (of `pops`): `routeUnits[routeStart[p] ..< routeStart[p + 1]]`, in variant order.
    static func routes(_ units: [VariantSimulator], pops: Int) -> (routeStart: [Int32], routeUnits: [Int32]) {
        var start: [Int32] = [0], list: [Int32] = []
        for p in 0..<pops {
            for (i, u) in units.enumerated() where u.owned[p] { list.append(Int32(i)) }
            start.append(Int32(list.count))
        }
        return (start, list)
    }

    deinit {
        for b in buffers { b.deallocate() }
        counts.deallocate()
    }

    func ownsPOP(_ p: Int) -> Bool { routeStart[p + 1] > routeStart[p] }

    /// Waits until slot `s` is free and returns its buffer (driver thread).
    func acquire(_ s: Int) -> UnsafeMutablePointer<Work> {
        free.wait()
        return buffers[s]
    }

    /// Hands slot `s` with `count` requests (initialised) to the thread; -1 ends the run.
    func publish(_ s: Int, count: Int) {
        counts[s] = count
        ready.signal()
    }

    /// The thread's loop: replay each batch through the units that own each request's POP.
    func run() {
        var units = self.units
        self.units = []
        var slot = 0
        while true {
            ready.wait()
            let n = counts[slot]
            if n < 0 { break }
            let buffer = buffers[slot]
            touched &+= replay(UnsafePointer(buffer), count: n, through: &units, routeStart: routeStart, routeUnits: routeUnits)
            (buffer).deinitialize(count: n)
            free.signal()
            slot = (slot + 1) % slots
        }
        for i in units.indices { units[i].finish() }
        self.units = units
    }
}

/// Replays `count` requests through the units that own each request's POP, in order.
///
/// A chunk of requests at a time. One unit (one variant on this thread) replays the chunk in one
/// call, prefetching each request's cache entry a few requests ahead
/// (`VariantSimulator.replay(_:count:)`); several units each first touch the chunk's cache entries
/// in a loop of their own (`VariantSimulator.touch`), then the chunk runs a request at a time.
/// - Returns: what the touch loops read, to be kept so that the loads are made.
func replay(_ batch: UnsafePointer<Work>, count: Int, through units: inout [VariantSimulator],
            routeStart: [Int32], routeUnits: [Int32]) -> UInt64 {
    // The units through one borrowed buffer and `pointee`, which reaches a unit in place: the
    // array's subscript checks its sole ownership for every request, and a buffer's subscript
    // copies the unit (about fifty fields, a retain and a release each) for a call of a
    // non-mutating method (so `touch` is `mutating`).
    units.withUnsafeMutableBufferPointer { units in
        routeStart.withUnsafeBufferPointer { start in
            routeUnits.withUnsafeBufferPointer { route in
                guard let unit = units.baseAddress else { return 0 }
                var sum: UInt64 = 0
                var chunk = 0
                while chunk < count {
                    let n = min(BatchTouch.capacity, count - chunk)
                    if units.count == 1 {
                        // One unit: it owns the POP of every request it is handed.
                        sum &+= unit.pointee.replay(batch + chunk, count: n)
                        chunk += n
                        continue
                    }
                    for u in units.indices { sum &+= (unit + u).pointee.touch(batch + chunk, count: n) }
                    for k in chunk..<chunk + n {
                        let p = Int(batch[k].pop)
                        var j = Int(start[p])
                        let stop = Int(start[p + 1])
                        while j < stop {
                            (unit + Int(route[j])).pointee.handle(batch[k])
                            j += 1
                        }
                    }
                    chunk += n
                }
                return sum
            }
        }
    }
}

/// Which thread of a parallel run replayed which variants at which POPs: what `--stats` shows,
/// so that a speed-up can be read against the work each thread had.
public struct ThreadLayout: Sendable, Equatable, CustomStringConvertible {
    /// A variant's POPs on one thread.
    public struct Share: Sendable, Equatable {
        public var variant: String
        public var pops: [String]
        public init(variant: String, pops: [String]) { (self.variant, self.pops) = (variant, pops) }
    }

    /// What the thread that reads the trace replays itself (`ParallelRun.readerShare`): often nothing.
    public var reading: [Share]
    /// Each simulation thread's shares.
    public var threads: [[Share]]

    public init(reading: [Share], threads: [[Share]]) { (self.reading, self.threads) = (reading, threads) }

    /// `reading thread: pass-through at p7, p8; simulation thread 1: pass-through at p1, …, p6`
    /// (at most eight POPs named a share, then how many more).
    public var description: String {
        func text(_ shares: [Share]) -> String {
            shares.map { s in
                let named = s.pops.prefix(8).joined(separator: ", ")
                return "\(s.variant) at \(named)" + (s.pops.count > 8 ? " and \(s.pops.count - 8) more" : "")
            }.joined(separator: "; ")
        }
        var parts = ["reading thread: " + (reading.isEmpty ? "reads only" : text(reading))]
        for (k, shares) in threads.enumerated() { parts.append("simulation thread \(k + 1): " + text(shares)) }
        return parts.joined(separator: " | ")
    }
}
