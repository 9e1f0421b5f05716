import Workload

// Miss-ratio curves in one pass (Mattson et al., "Evaluation techniques for storage
// hierarchies", 1970): LRU is a stack algorithm, so a request hits in every cache at least as
// large as its stack distance — the number (or bytes) of distinct objects used since the
// object's previous request, itself included. One pass that records each request's distance in
// a histogram gives the miss ratio at every size.
//
// Distances come from a Fenwick tree over access times (Bennett & Kruskal 1975; Almási et al.
// 2002): each object is marked, with its weight (1, or its size), at the time of its latest
// request; the distance of a request is the weight marked after its object's previous request,
// plus its own. That is O(log n) per request. Times are compacted when they run out, so the tree
// has at most twice as many slots as live objects, whatever the trace's length.
//
// Counting objects, the curve is exact at every size. In bytes, it is exact (the same as
// `CacheOnlyReplay`, so the same as libCacheSim) at every size at least as large as the largest
// object, when no object changes size. Below the largest object it is an upper bound on the miss
// ratio: libCacheSim's LRU lets an object larger than the cache pass without evicting anything,
// so for that cache the object is not in the stack at all, and LRU is then no longer a stack
// algorithm. (Trace a(1) b(10) a(1): a 5-byte cache hits the second a, a 10-byte cache misses it,
// an 11-byte cache hits it again.) A stack-distance hit is a hit there too — every object in
// between is no larger than the distance, so none was bypassed — but some real hits are missed.
// When an object changes size, the stack weighs it by its latest size, where libCacheSim's cache
// keeps the size it was inserted with; such requests are counted (`sizeChanges`).

/// One point of a miss-ratio curve.
public struct MissRatioPoint: Sendable, Equatable {
    /// The cache size the point is exact for: bytes, or objects when counting objects.
    public var capacity: Int64
    public var misses: Int64
    public var missBytes: Int64
    public var missRatio: Double
    public var byteMissRatio: Double
    /// Whether a simulation at `capacity` gives exactly these misses; false below the largest
    /// object, where the curve bounds the misses from above, and at every size when objects
    /// change size, where it only approximates them (from above or below).
    public var exact: Bool
}

/// An LRU miss-ratio curve: hit counts by stack distance, from `StackDistanceProfiler`.
///
/// Counting objects, distances are kept one by one, and the curve is exact at every size. In
/// bytes they are kept in buckets of at most 1/1024 of their value (a distance below 2048 bytes
/// has its own bucket), and the curve is exact at each bucket's upper edge: asked for any other
/// size, it answers at the largest edge below it (at most 0.1 % smaller) and says so in
/// `capacity`. From the largest distance up every reuse hits, so there — at the working set
/// itself, when no object changes size — it answers at the size asked.
public struct MissRatioCurve: Sendable, Equatable {
    /// Whether sizes are object counts (every request weighs 1).
    public let countingObjects: Bool
    /// Requests profiled (size-0 requests excluded, as in `CacheOnlyReplay`).
    public let requests: Int64
    public let requestBytes: Int64
    public let zeroSizeSkipped: Int64
    public let withoutSize: Int64
    public let workingSet: WorkingSet
    /// The largest request size (1 when counting objects).
    public let largestObject: Int64
    /// The smallest request size (1 when counting objects; 0 for an empty trace).
    public let smallestObject: Int64
    /// Requests whose size differs from their object's previous request.
    public let sizeChanges: Int64
    /// Reuses: requests that were not the first to their object.
    public var reuses: Int64 { hitsAtOrBelow.last ?? 0 }
    /// A size no reuse's distance exceeds (0 when nothing is reused): from it up every reuse hits,
    /// so the curve is exact at every size, not only at bucket edges. In bytes it is the upper
    /// edge of the largest distance's bucket, or the working set if smaller: without size
    /// changes a stack never weighs more than every object once, so a cache as large as the
    /// working set misses only first requests.
    let everyReuseHits: Int64

    // Cumulative: requests (and their bytes) with a distance in bucket 0…b.
    let hitsAtOrBelow: [Int64]
    let hitBytesAtOrBelow: [Int64]

    init(countingObjects: Bool, requests: Int64, requestBytes: Int64, zeroSizeSkipped: Int64, withoutSize: Int64,
         workingSet: WorkingSet, largestObject: Int64, smallestObject: Int64, sizeChanges: Int64,
         hitCounts: [Int64], hitBytes: [Int64]) {
        self.countingObjects = countingObjects
        self.requests = requests
        self.requestBytes = requestBytes
        self.zeroSizeSkipped = zeroSizeSkipped
        self.withoutSize = withoutSize
        self.workingSet = workingSet
        self.largestObject = largestObject
        self.smallestObject = smallestObject
        self.sizeChanges = sizeChanges
        var running: Int64 = 0, runningBytes: Int64 = 0
        hitsAtOrBelow = hitCounts.map { running += $0; return running }
        hitBytesAtOrBelow = hitBytes.map { runningBytes += $0; return runningBytes }
        // The cumulative counts only grow: the first bucket holding them all holds the largest distance.
        if running > 0, let top = hitsAtOrBelow.firstIndex(of: running) {
            let edge = countingObjects ? Int64(top) : DistanceBuckets.upperEdge(top)
            everyReuseHits = countingObjects || sizeChanges > 0 ? edge : min(edge, workingSet.bytes)
        } else {
            everyReuseHits = 0
        }
    }

    /// The largest size at or below `capacity` at which the curve is exact (`capacity` itself
    /// when counting objects, below 2048 bytes, or where every reuse hits), or 0 for a capacity of 0.
    public func exactSize(atMost capacity: Int64) -> Int64 {
        guard capacity > 0 else { return 0 }
        if countingObjects || capacity >= everyReuseHits { return capacity }
        let b = DistanceBuckets.bucket(capacity)
        let edge = DistanceBuckets.upperEdge(b)
        return edge == capacity ? capacity : DistanceBuckets.upperEdge(b - 1)
    }

    /// The smallest size at or above `capacity` at which the curve is exact (`capacity` itself
    /// when counting objects, below 2048 bytes, or where every reuse hits), or 0 for a capacity of 0.
    public func exactSize(atLeast capacity: Int64) -> Int64 {
        guard capacity > 0 else { return 0 }
        if countingObjects || capacity >= everyReuseHits { return capacity }
        return min(DistanceBuckets.upperEdge(DistanceBuckets.bucket(capacity)), everyReuseHits)
    }

    /// The curve at `exactSize(atMost: capacity)`.
    public func point(at capacity: Int64) -> MissRatioPoint {
        let size = exactSize(atMost: max(0, capacity))
        var hits: Int64 = 0, hitBytes: Int64 = 0
        if size > 0, !hitsAtOrBelow.isEmpty {
            let b = min(countingObjects ? Int(min(size, Int64(Int.max))) : DistanceBuckets.bucket(size), hitsAtOrBelow.count - 1)
            hits = hitsAtOrBelow[b]
            hitBytes = hitBytesAtOrBelow[b]
        }
        let misses = requests - hits, missBytes = requestBytes - hitBytes
        return MissRatioPoint(capacity: size, misses: misses, missBytes: missBytes,
                              missRatio: requests == 0 ? 0 : Double(misses) / Double(requests),
                              byteMissRatio: requestBytes == 0 ? 0 : Double(missBytes) / Double(requestBytes),
                              exact: sizeChanges == 0 && size >= largestObject)
    }

    /// A point at every size where the curve steps down — where some request's distance ends
    /// (counting objects), or the upper edge of each bucket holding one (bytes; the last one no
    /// further than the working set) — in increasing size, from the smallest object to the
    /// working set.
    ///
    /// The ends are not steps: the smallest object, so that a plot begins before the first step,
    /// and the working set itself (when no object changes size: else the exact size at or below
    /// it), past the last step when some object is never reused in a stack that large — so that
    /// the points end where `points(count:)` ends, where only first requests miss.
    public func allSteps() -> [MissRatioPoint] {
        var result: [MissRatioPoint] = []
        let first = point(at: max(1, smallestObject))
        if requests > 0 { result.append(first) }
        var previous: Int64 = 0
        for (b, hits) in hitsAtOrBelow.enumerated() where hits != previous {
            previous = hits
            let edge = countingObjects ? Int64(b) : min(DistanceBuckets.upperEdge(b), everyReuseHits)
            if edge <= first.capacity && !result.isEmpty { continue }
            result.append(point(at: edge))
        }
        let whole = point(at: workingSetSize)
        if whole.capacity > result.last?.capacity ?? 0 { result.append(whole) }
        return result
    }

    /// The working set in the curve's unit: bytes, or objects when counting objects.
    public var workingSetSize: Int64 { countingObjects ? Int64(workingSet.objects) : workingSet.bytes }

    /// About `count` points spaced evenly on a log scale up to the working set, each at an exact
    /// size (duplicates dropped), in increasing size; the last one is the working set itself
    /// (when no object changes size: else the exact size at or below it).
    ///
    /// In bytes they start at the smallest exact size at least as large as the largest object:
    /// below it the curve is only an upper bound on the miss ratio, which can be far from a
    /// simulation (an object larger than the cache passes it by), so a row there cannot size a
    /// cache, and spent half the rows of a trace of large objects. Counting objects, every size
    /// is exact and they start at 1. `allSteps()` still lists the sizes below the largest object.
    public func points(count: Int) -> [MissRatioPoint] {
        let top = workingSetSize
        guard top > 0, count > 0 else { return [] }
        let bottom = countingObjects ? 1 : min(exactSize(atLeast: max(1, largestObject)), top)
        var sizes: [Int64] = []
        if count == 1 || bottom == top {
            sizes = [top]
        } else {
            let lo = deterministicLog(Double(bottom)), hi = deterministicLog(Double(top))
            for i in 0..<count {
                let x = lo + (hi - lo) * Double(i) / Double(count - 1)
                // The ends as they are: exp(log(x)) need not give x back.
                let v = i == 0 ? bottom : i == count - 1 ? top : Int64(min(max(Double(bottom), deterministicExp(x).rounded()), Double(top)))
                sizes.append(v)
            }
        }
        var result: [MissRatioPoint] = []
        for s in sizes {
            let p = point(at: s)
            if p.capacity > 0, result.last?.capacity != p.capacity { result.append(p) }
        }
        return result
    }
}

/// Buckets for byte distances: exact below 2048, then 1024 buckets per power of two (HDR
/// histogram layout), so a bucket spans at most 1/1024 of its values.
enum DistanceBuckets {
    static let subBits = 10
    static let sub = 1 << subBits

    /// The bucket of `v` ≥ 1.
    @inline(__always)
    static func bucket(_ v: Int64) -> Int {
        if v < 2 * Int64(sub) { return Int(v) }
        let e = 63 - v.leadingZeroBitCount
        let shift = e - subBits
        return shift * sub + Int(v >> Int64(shift))
    }

    /// The largest value in bucket `b`.
    static func upperEdge(_ b: Int) -> Int64 {
        if b < 2 * sub { return Int64(b) }
        let shift = b / sub - 1
        let m = Int64(b - shift * sub)
        return (m << Int64(shift)) + (Int64(1) << Int64(shift)) - 1
    }
}

/// Computes an LRU miss-ratio curve in one pass over a trace, by stack distances.
///
/// Requests follow `CacheOnlyReplay`'s rules (size-0 requests skipped; `unknownSize` for a
/// request without one; with `countingObjects`, every request weighs 1), so the curve at a size
/// equals a replay at that size — exactly when counting objects, and in bytes at every size at
/// least as large as the largest object (see `MissRatioPoint.exact`).
///
/// The Fenwick tree is blocked: each time slot holds its weight, and the tree sums blocks of 32
/// slots, so it is 32 times smaller than the slots and stays in the processor's cache; a query
/// adds the tree's prefix to the weights before the slot within its block (at most 31, adjacent
/// in memory). Per request: one hash probe, one object record, one block of slots, and two
/// walks of a small tree.
///
/// Memory per distinct object: 16–32 bytes of index, 16 of record (latest slot and weight), and
/// up to 2 slots of 12 bytes each (weight and owner) plus their share of the tree; counting
/// objects, 8 more per possible distance for the histogram.
/// Not copyable: it owns its storage.
/// - Complexity: O(log m) per request, m the number of distinct objects; O(m) per compaction,
///   amortised O(1).
public struct StackDistanceProfiler: ~Copyable {
    public let countingObjects: Bool
    public let unknownSize: Int64

    private static let blockShift = 5
    private static let blockSize = 1 << blockShift

    private var index = DenseObjectIndex()
    /// Per object (dense index): the slot of its latest request (-1: none) and its weight there.
    private struct Record {
        var slot: Int32
        var weight: Int64
    }
    private var records: [Record] = []
    // Time slots 0..<slotCapacity: the weight marked there (0: none) and whose mark it is.
    private var slotWeight: [Int64]
    private var owner: [Int32]
    /// Fenwick tree (1-based) over blocks of `blockSize` slots.
    private var tree: [Int64]
    private var slotCapacity: Int
    private var now = 0 // the next slot to use
    private var liveWeight: Int64 = 0
    private var liveObjects = 0

    private var hitCounts: [Int64] = []
    private var hitBytes: [Int64] = [] // bytes only; counting objects, the counts are the bytes
    private var requests: Int64 = 0
    private var requestBytes: Int64 = 0
    private var zeroSizeSkipped: Int64 = 0
    private var withoutSize: Int64 = 0
    private var workingSetBytes: Int64 = 0
    private var largest: Int64 = 0
    private var smallest: Int64 = .max
    private var sizeChanges: Int64 = 0
    /// Where the batch's touches go.
    private var touched: Int64 = 0

    /// - Parameters:
    ///   - countingObjects: sizes are object counts (libCacheSim's `--ignore-obj-size`).
    ///   - unknownSize: the size of a request without one.
    public init(countingObjects: Bool, unknownSize: Int64 = 1) {
        precondition(unknownSize >= 0, "unknownSize must not be negative")
        self.countingObjects = countingObjects
        self.unknownSize = unknownSize
        slotCapacity = 1 << 16
        slotWeight = Array(repeating: 0, count: slotCapacity)
        owner = Array(repeating: -1, count: slotCapacity)
        tree = Array(repeating: 0, count: slotCapacity / Self.blockSize + 1)
    }

    /// The curve so far.
    public var curve: MissRatioCurve {
        MissRatioCurve(countingObjects: countingObjects, requests: requests, requestBytes: requestBytes,
                       zeroSizeSkipped: zeroSizeSkipped, withoutSize: withoutSize,
                       workingSet: WorkingSet(objects: numbersObjects ? numberedObjects : index.count, bytes: workingSetBytes),
                       largestObject: largest, smallestObject: smallest == .max ? 0 : smallest, sizeChanges: sizeChanges,
                       hitCounts: hitCounts, hitBytes: countingObjects ? hitCounts : hitBytes)
    }

    /// Profiles one request of `id` with `size` bytes (0 skips it; nil gives it `unknownSize`).
    public mutating func access(_ id: UInt64, size: Int64?) {
        var s: Int64
        if let size { s = size } else { s = unknownSize; withoutSize += 1 }
        precondition(s >= 0, "a request's size must not be negative")
        if s == 0 { zeroSizeSkipped += 1; return }
        if countingObjects { s = 1 }
        let distance = touch(resolve(id, s), s)
        if distance > 0 { count(distance, s) }
    }

    /// Profiles every record of an oracleGeneral trace.
    ///
    /// In batches of 64: first the batch's hash slots, object records and slot blocks are
    /// touched (independent reads whose cache misses the processor overlaps), then the requests
    /// run one at a time, and last the batch's distances go into the histogram.
    public mutating func replay(_ reader: OracleGeneralReader) throws(TraceError) {
        let counting = countingObjects
        let batch = 64
        let ids = UnsafeMutablePointer<UInt64>.allocate(capacity: batch)
        let sizes = UnsafeMutablePointer<Int64>.allocate(capacity: batch)
        let objects = UnsafeMutablePointer<Int>.allocate(capacity: batch)
        let distances = UnsafeMutablePointer<Int64>.allocate(capacity: batch)
        defer { ids.deallocate(); sizes.deallocate(); objects.deallocate(); distances.deallocate() }
        var sink: Int64 = 0
        while true {
            var n = 0
            while n < batch, let r = try reader.next() {
                if r.size == 0 { zeroSizeSkipped += 1; continue }
                ids[n] = r.id
                sizes[n] = counting ? 1 : Int64(r.size)
                sink &+= index.touch(r.id)
                n &+= 1
            }
            if n == 0 { break }
            for j in 0..<n { objects[j] = resolve(ids[j], sizes[j]) }
            sink &+= touchRecordsAndSlots(objects, n)
            for j in 0..<n { distances[j] = touch(objects[j], sizes[j]) }
            for j in 0..<n where distances[j] > 0 { count(distances[j], sizes[j]) }
        }
        touched &+= sink // stored, so that the touches are not optimised away
    }

    /// Profiles a trace whose reader numbers its objects (a CSV trace through its fast reader,
    /// the url and bytes columns only; a `.pstrace`'s URL ids): records are kept by number, so
    /// no id is hashed, and each batch's records and slot blocks are touched before its requests
    /// run, as on the oracleGeneral path. Only on a fresh profiler.
    /// With `readAhead`, the file is read and numbered on a second thread (the results are the same).
    public mutating func replay(_ reader: some NumberedRequestBatches, readAhead: Bool = false) throws(TraceError) {
        precondition(requests == 0 && zeroSizeSkipped == 0 && index.count == 0 && !numbersObjects,
                     "a numbered replay starts on a fresh StackDistanceProfiler")
        numbersObjects = true
        let objects = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        let sizes = UnsafeMutablePointer<Int64>.allocate(capacity: 64)
        let distances = UnsafeMutablePointer<Int64>.allocate(capacity: 64)
        defer { objects.deallocate(); sizes.deallocate(); distances.deallocate() }
        try reader.forEachBatch(readAhead: readAhead) { given, givenSizes, count in
            var start = 0
            while start < count {
                let n = min(64, count - start)
                profileNumbered(given + start, givenSizes + start, n, objects, sizes, distances)
                start += n
            }
        }
    }

    /// Reads what a batch's requests will read first — each object's record, then the block of
    /// its latest slot — in two loops whose loads do not wait for each other, so that the
    /// processor overlaps their cache misses; returns a value made of them for the caller to keep.
    @inline(__always)
    private func touchRecordsAndSlots(_ objects: UnsafePointer<Int>, _ n: Int) -> Int64 {
        var sink: Int64 = 0
        records.withUnsafeBufferPointer { r in
            for j in 0..<n { sink &+= Int64(r[objects[j]].slot) }
        }
        records.withUnsafeBufferPointer { r in
            slotWeight.withUnsafeBufferPointer { w in
                for j in 0..<n {
                    let slot = Int(r[objects[j]].slot)
                    // The slot's block, from its start: prefix(through:) sums it.
                    if slot >= 0 && slot < w.count { sink &+= w[slot] &+ w[slot & ~(Self.blockSize &- 1)] }
                }
            }
        }
        return sink
    }

    /// Whether records are kept by the reader's numbers (`replay` of numbered batches).
    private var numbersObjects = false
    /// Objects seen, when they are numbered by the reader.
    private var numberedObjects = 0

    /// One batch of numbered requests (at most 64; sizes -1 for none), as `access` takes each.
    private mutating func profileNumbered(_ given: UnsafePointer<Int>, _ givenSizes: UnsafePointer<Int64>, _ total: Int,
                                          _ objects: UnsafeMutablePointer<Int>, _ sizes: UnsafeMutablePointer<Int64>,
                                          _ distances: UnsafeMutablePointer<Int64>) {
        var n = 0
        for j in 0..<total {
            var s = givenSizes[j]
            if s < 0 { s = unknownSize; withoutSize &+= 1 }
            if s == 0 { zeroSizeSkipped &+= 1; continue }
            if countingObjects { s = 1 }
            let object = given[j]
            // The reader numbers every URL, also one whose requests so far were skipped (size 0):
            // records wait, unused (slot -1), for their object's first counted request.
            if object >= records.count {
                records.append(contentsOf: repeatElement(Record(slot: -1, weight: 0), count: Swift.max(object + 1 - records.count, records.count)))
            }
            objects[n] = object
            sizes[n] = s
            n &+= 1
        }
        let sink = touchRecordsAndSlots(objects, n)
        for j in 0..<n {
            // A first request: slot -1 until then (a later request of the same object in this
            // batch finds the slot this one marks).
            if records[objects[j]].slot < 0 {
                numberedObjects &+= 1
                workingSetBytes &+= sizes[j]
            }
            distances[j] = touch(objects[j], sizes[j])
        }
        for j in 0..<n where distances[j] > 0 { count(distances[j], sizes[j]) }
        touched &+= sink
    }

    /// Profiles every record of a trace source, keyed by URL as `CacheOnlyReplay` keys them.
    public mutating func replay(_ source: any TraceSource) throws(TraceError) {
        while let r = try source.next() { access(UInt64(r.url), size: r.bytes) }
    }

    /// The dense index of `id`, with a record (a new object gets one, and its working-set bytes).
    @inline(__always)
    private mutating func resolve(_ id: UInt64, _ size: Int64) -> Int {
        precondition(!numbersObjects, "StackDistanceProfiler: ids after a numbered replay")
        let (object, isNew) = index.index(of: id)
        if isNew {
            records.append(Record(slot: -1, weight: 0))
            workingSetBytes &+= size
        }
        return object
    }

    /// One request of a resolved object: marks its new slot and returns its stack distance, or
    /// 0 for a first request.
    @inline(__always)
    private mutating func touch(_ object: Int, _ size: Int64) -> Int64 {
        if now == slotCapacity { compact() }
        requests &+= 1
        requestBytes &+= size
        if size > largest { largest = size }
        if size < smallest { smallest = size }
        let last = records[object]
        var distance: Int64 = 0
        if last.slot >= 0 {
            let previous = Int(last.slot)
            // The weight marked after the previous request, plus this request's own.
            distance = liveWeight &- prefix(through: previous) &+ size
            if last.weight != size { sizeChanges &+= 1 }
            add(previous, -last.weight)
            owner[previous] = -1
            liveWeight &-= last.weight
        } else {
            liveObjects &+= 1
        }
        let slot = now
        now &+= 1
        add(slot, size)
        owner[slot] = Int32(truncatingIfNeeded: object)
        records[object] = Record(slot: Int32(truncatingIfNeeded: slot), weight: size)
        liveWeight &+= size
        return distance
    }

    @inline(__always)
    private mutating func count(_ distance: Int64, _ size: Int64) {
        let b = countingObjects ? Int(distance) : DistanceBuckets.bucket(distance)
        if b >= hitCounts.count {
            let n = max(b + 1, hitCounts.count * 2)
            hitCounts.append(contentsOf: repeatElement(0, count: n - hitCounts.count))
            if !countingObjects { hitBytes.append(contentsOf: repeatElement(0, count: n - hitBytes.count)) }
        }
        hitCounts[b] &+= 1
        if !countingObjects { hitBytes[b] &+= size }
    }

    /// The weight marked at slots 0…t.
    @inline(__always)
    private func prefix(through t: Int) -> Int64 {
        let block = t &>> Self.blockShift
        var s: Int64 = 0
        tree.withUnsafeBufferPointer { tree in
            var i = block // blocks 0..<block are tree entries 1…block
            while i > 0 {
                s &+= tree[i]
                i &= i &- 1
            }
        }
        slotWeight.withUnsafeBufferPointer { w in
            for u in (block &<< Self.blockShift)...t { s &+= w[u] }
        }
        return s
    }

    @inline(__always)
    private mutating func add(_ t: Int, _ delta: Int64) {
        slotWeight[t] &+= delta
        let n = tree.count &- 1
        tree.withUnsafeMutableBufferPointer { tree in
            var i = (t &>> Self.blockShift) &+ 1
            while i <= n {
                tree[i] &+= delta
                i &+= i & -i
            }
        }
    }

    /// Renumbers the live objects' slots 0..<live in time order (doubling the slots when they
    /// would fill more than half of them) and rebuilds the tree in O(slots).
    private mutating func compact() {
        var j = 0
        for t in 0..<now where owner[t] >= 0 {
            let o = owner[t]
            owner[j] = o
            slotWeight[j] = slotWeight[t]
            records[Int(o)].slot = Int32(j)
            j += 1
        }
        precondition(j == liveObjects, "StackDistanceProfiler: slots and live objects disagree")
        var capacity = slotCapacity
        while 2 * j > capacity { capacity *= 2 }
        precondition(capacity < Int(Int32.max), "StackDistanceProfiler: more objects than Int32 slots")
        if capacity != slotCapacity {
            owner.append(contentsOf: repeatElement(-1, count: capacity - slotCapacity))
            slotWeight.append(contentsOf: repeatElement(0, count: capacity - slotCapacity))
            slotCapacity = capacity
        }
        for t in j..<slotCapacity {
            owner[t] = -1
            slotWeight[t] = 0
        }
        let blocks = slotCapacity / Self.blockSize
        tree = Array(repeating: 0, count: blocks + 1)
        slotWeight.withUnsafeBufferPointer { w in
            tree.withUnsafeMutableBufferPointer { tree in
                for t in 0..<j { tree[(t >> Self.blockShift) + 1] &+= w[t] }
                for i in 1...blocks {
                    let p = i + (i & -i)
                    if p <= blocks { tree[p] &+= tree[i] }
                }
            }
        }
        now = j
    }
}
