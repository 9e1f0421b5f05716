import HTTPModel
import Workload

/// Which part of a run a shard simulates.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// How requests are split between shards.
    public enum Key: String, Sendable, CaseIterable {
        /// By POP group: a POP and its parent tier stay together; group `g` goes to shard `g mod count`.
        /// Exact: groups never affect each other.
        case pop
        /// By the FNV-1a hash of the URL's canonical form (`scheme://host/path`, no query), mod `count`.
        /// Exact only while no cache is full (no evictions) — see `VariantResult.peakBytes`.
        case url
    }
    /// 0-based.
    public var index: Int
    public var count: Int
    public var key: Key

    public init(index: Int, count: Int, key: Key) {
        self.index = index
        self.count = count
        self.key = key
    }

    /// `2/8 by pop`.
    public var description: String { "\(index)/\(count) by \(key.rawValue)" }
}

/// How a run is carried out; none of it changes a result (shards give a part of one).
public struct SimulationOptions: Sendable {
    /// Threads simulating POP groups and variants; 1 runs everything on the caller's thread,
    /// which reads and resolves the requests. With more, the simulation threads run beside the
    /// reading one — `threads` of them, or `threads − 1` when the reading thread replays a share
    /// too (see `cheapReading`). An observer forces 1 (outcomes must come in request order).
    public var threads = 1
    /// Simulate only this part of the run.
    public var shard: Shard? = nil
    /// Count requests, CORS-checked requests and failures per URL (the report's failing URLs).
    public var countURLs = false
    /// Keep the first `sampleLimit` outcomes per variant of requests for this URL (as written
    /// in the trace): the report's timeline.
    public var sampleURL: String? = nil
    public var sampleLimit = 0
    /// Requests per batch handed to a simulation thread, and batches a thread may hold before
    /// the reading thread waits for it (see `ParallelRun`). Tests make them small, so that a short
    /// run waits and reuses slots as a long one does.
    package var batchSize = ParallelRun.defaultBatchSize
    package var batchSlots = Worker.defaultSlots
    /// Build the table of canonical cache keys from the first URL on (see `Driver.spellings`);
    /// tests compare runs with and without it.
    package var tableEveryURL = false
    /// Let a reader that can hand over requests in columns do so (`Simulation.takesColumns`);
    /// tests compare runs with and without.
    package var requestsInColumns = true
    /// The requests will come in columns from a `.pstrace` (`process(_:firstSeq:)`), where
    /// reading and resolving one costs the reading thread about half of what replaying it
    /// through one variant costs: on several threads the reading thread then also replays a
    /// share of the POP groups when that evens out the threads' work (`ParallelRun.readerShare`,
    /// the groups weighed by their share of the first 4,096 requests).
    package var cheapReading = false
    /// Tests: the number of (variant, POP group) pieces the reading thread replays, instead of
    /// `ParallelRun.readerShare`'s choice.
    package var readerPieces: Int? = nil

    public init(threads: Int = 1, shard: Shard? = nil, countURLs: Bool = false, sampleURL: String? = nil, sampleLimit: Int = 0) {
        self.threads = threads
        self.shard = shard
        self.countURLs = countURLs
        self.sampleURL = sampleURL
        self.sampleLimit = sampleLimit
    }
}

/// A run: every variant of a configuration fed the same requests, each in its own world.
///
/// Variants share nothing but the catalog, so a run's results per variant are the same whether
/// variants run together or alone, and the same on every machine. POPs that share no parent
/// tier share nothing either, so with `threads > 1` the variants and POP groups are split
/// between threads (the caller's thread resolves requests and hands them over in batches, and
/// from a `.pstrace` may replay a share itself: `ParallelRun.readerShare`), and the parts'
/// counts are added at the end: the results are identical to a one-thread run.
public final class Simulation {
    public let config: SimulationConfig
    public let catalog: Catalog
    public let options: SimulationOptions
    /// Unchecked: the one caller thread is its only user, and the dynamic exclusivity check of
    /// a class's stored property (begin and end an access, through thread-local storage) was a
    /// few percent of the reading thread's time, once per request.
    @exclusivity(unchecked) private var driver: Driver

    /// - Parameters:
    ///   - only: names of the variants to run (nil: all), in the configuration's order.
    ///   - observer: called with every request's outcome (audit logs, timelines); nil costs nothing.
    public init(config: SimulationConfig, catalog: Catalog, only: [String]? = nil,
                observer: ((RequestOutcome) -> Void)? = nil, options: SimulationOptions = SimulationOptions()) {
        self.config = config
        self.catalog = catalog
        self.options = options
        let variants = config.variants.indices.filter { only == nil || only!.contains(config.variants[$0].name) }
        driver = Driver(config: config, catalog: catalog, variants: variants, observer: observer, options: options)
    }

    /// The names of the variants this run simulates, in order.
    public var variantNames: [String] { driver.variants.map { config.variants[$0].name } }

    /// Requests simulated so far (in a shard: its part).
    public var requestCount: Int { driver.requestCount }

    /// Whether the sampled URL has been seen `sampleLimit` times: the samples are then final,
    /// and a caller that wants nothing else can stop feeding requests.
    public var samplesComplete: Bool { driver.sampleLimit > 0 && driver.sampledRequests >= driver.sampleLimit }

    /// Replays one request in every variant. Requests must come in time order.
    ///
    /// Without an observer or samples, the request may wait in a small batch (see `Driver`):
    /// `finish` replays what waits.
    public func process(_ request: SimRequest) {
        driver.take(request)
    }

    /// A request read but not simulated, at `time`: the catalog gets the URLs that prefetch
    /// events due by then add, as `process` would give them, so that a reading that goes on
    /// after the simulation has what it needs (the report's timeline, checking that the trace
    /// is the one a sharded run read) numbers the trace's URLs as a whole run does.
    public func readOnly(upTo time: SimTime) {
        driver.resolvePrefetchesOnly(upTo: time.microseconds)
    }

    /// Whether requests may come in columns (`process(_:firstSeq:)`): not when an observer or
    /// the report's timeline needs each outcome as its request comes, nor when a prefetch event
    /// adds URLs to the catalog during the run (they must join it between two requests).
    public var takesColumns: Bool { driver.takesColumns }

    /// Replays the requests of `columns` in every variant, in order: as many calls of
    /// `process(_:)`, request `i` numbered `firstSeq + i`, without making each a `SimRequest`.
    /// The columns' ids must be the catalog's (URLs, page origins, methods) and the POP the
    /// configuration's index. Requires `takesColumns`.
    public func process(_ columns: RequestColumns, firstSeq: Int) {
        driver.take(columns, firstSeq: firstSeq)
    }

    /// Runs what is left in the queues and returns the results, after checking the invariants
    /// every run must hold (a violation is a bug in popsim, never a result).
    public func finish() -> [VariantResult] {
        driver.finish()
    }

    /// Which thread replayed what, on several threads (nil on one): for `--stats`.
    public var layout: ThreadLayout? { driver.layout }

    /// Requests and CORS-checked requests per URL id (with `countURLs`; valid after `finish`).
    public var urlRequests: [Int] { driver.urlRequests }
    public var urlChecked: [Int] { driver.urlChecked }

    /// Per variant (in `variantNames` order), the first outcomes for the sampled URL, in request
    /// order (valid after `finish`).
    public var samples: [[RequestOutcome]] { driver.samples }

    /// POP groups: POPs joined by parent links, numbered by their lowest POP index.
    public static func popGroups(_ pops: [POPSpec]) -> [Int] {
        var group = Array(pops.indices)
        func root(_ p: Int) -> Int {
            var p = p
            while group[p] != p { p = group[p] }
            return p
        }
        for (i, pop) in pops.enumerated() {
            if let parent = pop.parent {
                let a = root(i), b = root(parent)
                group[max(a, b)] = min(a, b)
            }
        }
        var number: [Int: Int] = [:]
        return pops.indices.map { p in
            let r = root(p)
            if let n = number[r] { return n }
            number[r] = number.count
            return number[r]!
        }
    }

    /// The shard key of a URL: FNV-1a of `scheme://host/path` (no query), so that every form of
    /// a resource's cache key — with or without query, path or absolute URL — falls in one shard.
    public static func shardHash(_ info: Catalog.URLInfo, domains: [DomainSpec]) -> UInt64 {
        shardHash(info, seeds: domains.map(shardSeed))
    }

    /// `shardHash` from the hashes of the domains' `scheme://host` (`shardSeed`): the path's bytes
    /// continue the hash, so that no string of the whole is made.
    static func shardHash(_ info: Catalog.URLInfo, seeds: [UInt64]) -> UInt64 {
        info.withPathBytes(includingQuery: false) { fnv1a64(UnsafeRawBufferPointer($0), continuing: seeds[info.domain]) }
    }

    /// FNV-1a of a domain's `scheme://host`, where a URL's shard hash starts.
    static func shardSeed(_ d: DomainSpec) -> UInt64 { fnv1a64("\(d.scheme)://\(d.host)") }
}

/// What every unit of a run may read besides its requests: prefetch URLs, resolved by the
/// driver before the first request at or after the event's time is handed out (written once,
/// read after the hand-off).
final class RunShared: @unchecked Sendable {
    struct Prefetch {
        var url: UInt32
        var facts: URLFacts
        /// Whether this shard owns the URL (URL shards prefetch only their own URLs).
        var owned: Bool
    }
    private let slots: UnsafeMutablePointer<Prefetch?>
    private let count: Int

    init(events: Int) {
        count = events
        slots = .allocate(capacity: max(1, events))
        slots.initialize(repeating: nil, count: max(1, events))
    }

    deinit {
        slots.deinitialize(count: max(1, count))
        slots.deallocate()
    }

    func prefetch(_ event: Int) -> Prefetch? { slots[event] }
    func setPrefetch(_ event: Int, _ p: Prefetch) { slots[event] = p }
}

/// The driver's state, as a value so that the per-request path makes no dynamic exclusivity
/// checks: URL facts, request classes, shard filter, per-URL counts, and either the units
/// themselves (one thread) or the batches for the threads that own them.
struct Driver {
    let config: SimulationConfig
    let catalog: Catalog
    let variants: [Int]
    let options: SimulationOptions
    let shared: RunShared
    let sampleLimit: Int
    private let hasObserver: Bool
    private let ownsPOP: [Bool]
    /// Per origin server, the size of an object the trace gives none for.
    private let defaultBytes: [Int64]
    /// Per domain, FNV-1a of its `scheme://host` (`Simulation.shardSeed`).
    private let shardSeeds: [UInt64]
    /// Whether every path rule's and TTL rule's prefix is printable ASCII: `deriveFacts` then
    /// matches printable paths on their bytes.
    private let printableRulePrefixes: Bool
    private var lastTime: Int64 = 0
    private(set) var requestCount = 0
    private(set) var sampledRequests = 0

    // Per URL id, 4 bytes: the index of its facts among the distinct ones (which differ only in
    // TTL, domain, origin, path rule and flags), and two bits: the URL is not this shard's, and
    // its cache keys are other URLs' ids (then in `urlKeys`). A request reads one 4-byte entry:
    // a million URLs' entries fit in the processor's cache, where 32-byte facts would not.
    private var urlEntries: [UInt32] = []
    private var urlKeys: [UInt64] = []
    private var factKinds = FlatMap<FactKind, Void>()
    /// (domain, text) → the URL that made the entry and whether the text was its path; by entry:
    /// the first URL id whose path and query is the text, and the first whose path is the text.
    private var canonical = FlatMap<CanonicalKey, (representative: UInt32, isPath: Bool)>()
    private var canonicalIDs: [(exact: UInt32, path: UInt32)] = []
    /// While every URL so far has no query and spells its domain one way — the bytes before
    /// its path, `spellings[domain]` — two URL ids are two (domain, path) pairs (the catalog
    /// holds each text once), so each URL is its own cache key with and without query and
    /// `canonical` is not built: a trace of a million such URLs saves a hash of each path and
    /// a probe of a table of millions. Nil once a URL breaks the rule (or with
    /// `tableEveryURL`): that URL first puts every one before it in `canonical`, in id order,
    /// as if the table had been built all along.
    private var spellings: [[UInt8]?]?
    private static let notOwnedBit: UInt32 = 1 << 31
    private static let otherKeysBit: UInt32 = 1 << 30
    private static let kindMask: UInt32 = (1 << 30) - 1
    private(set) var urlRequests: [Int] = []
    private(set) var urlChecked: [Int] = []

    // Request classes: (page origin, kind, credentials, method) → id and profile.
    private var classOfGET: [Int32] = []
    private var classOther = FlatMap<ClassKey, UInt32>()
    private var profiles: [UInt8] = []
    // Instance constants, not static ones: a static `let` is read through a once-guard on every
    // request (two calls per request here).
    private let kindCount = resourceKinds.count
    private let credentialCount = credentialsModes.count
    /// Per kind ordinal, the ordinal of its default credentials mode.
    private let defaultCredentials: [UInt8] = resourceKinds.map { UInt8($0.defaultCredentials.ordinal) }

    // Prefetch events still to resolve, by (earliest time, ordinal).
    private var prefetchQueue: [(time: Int64, ordinal: Int, event: Int)] = []
    private var nextPrefetch = 0

    // The units this thread replays and their batch: one per variant on one thread; on several,
    // the reading thread's share (often none). The other units are the workers'.
    private var units: [VariantSimulator] = []
    private var local = Local(units: [], pops: 0)
    /// Per POP, whether a unit of `units` replays it (on several threads, the reading thread's share).
    private var localOwnsPOP: [Bool] = []
    /// Requests waiting to be resolved, when nothing needs each one's outcome at once and no
    /// prefetch event adds URLs to the catalog during the run: a batch
    /// lets the driver load their URLs' entries in a loop of its own first, so that the
    /// processor overlaps those loads (a million URLs' entries are 4 MB, past the core's L2
    /// cache; one request at a time, each load waited for ~100 ns — 12 % of a run).
    private let incoming: BatchBuffer<SimRequest>?
    private var incomingCount = 0
    private static let incomingCapacity = 256
    /// Sum of the entries the prefetch loop read, kept so the loop is not optimised away.
    private var touched: UInt64 = 0
    private var parallel: ParallelRun? = nil
    private var results: [VariantResult]? = nil
    private(set) var samples: [[RequestOutcome]] = []

    init(config: SimulationConfig, catalog: Catalog, variants: [Int], observer: ((RequestOutcome) -> Void)?, options: SimulationOptions) {
        precondition(config.pops.count < 1 << 16, "popsim supports at most 65,535 POPs")
        precondition(config.variants.allSatisfy { ($0.capacities?.count ?? config.pops.count) == config.pops.count },
                     "internal error: a variant's capacities are not one per POP")
        self.config = config
        self.catalog = catalog
        self.variants = variants
        self.options = options
        self.hasObserver = observer != nil
        defaultBytes = config.origins.map(\.defaultObjectBytes)
        shardSeeds = config.domains.map(Simulation.shardSeed)
        printableRulePrefixes = config.origins.allSatisfy { $0.pathRules.allSatisfy { isPrintableASCII($0.prefix) } }
            && config.domains.allSatisfy(TTLPolicy.hasPrintablePrefixes)
        sampleLimit = options.sampleURL == nil ? 0 : max(0, options.sampleLimit)
        shared = RunShared(events: config.events.count)
        spellings = options.tableEveryURL ? nil : Array(repeating: nil, count: config.domains.count)
        let groups = Simulation.popGroups(config.pops)
        if let shard = options.shard, shard.key == .pop {
            ownsPOP = groups.map { $0 % shard.count == shard.index }
        } else {
            ownsPOP = Array(repeating: true, count: config.pops.count)
        }
        
        // Prefetch URLs are resolved when the first instance of their event is due, as if the
        // event ran then: the catalog must grow in the same order in every shard and thread count.
        var ordinal = 0
        for (e, event) in config.events.enumerated() {
            let applies = variants.contains { v in event.variants.map { $0.contains(config.variants[v].name) } ?? true }
            var earliest: (Int64, Int)? = nil
            for pop in event.pops ?? Array(config.pops.indices) {
                let t = event.at + event.delay(at: pop)
                if earliest == nil || (t, ordinal) < earliest! { earliest = (t, ordinal) }
                ordinal += 1
            }
            if applies, case .prefetch = event.action, let (t, o) = earliest { prefetchQueue.append((t, o, e)) }
        }
        prefetchQueue.sort { ($0.time, $0.ordinal) < ($1.time, $1.ordinal) }

        // Not with prefetch events either: the catalog grows as requests are read, and a prefetch
        // URL must join it when its event is due, before the URLs of later requests.
        incoming = observer == nil && sampleLimit == 0 && prefetchQueue.isEmpty ? BatchBuffer(capacity: Self.incomingCapacity) : nil
        let threads = observer != nil ? 1 : max(1, options.threads)
        let shared = self.shared
        if threads == 1 {
            units = variants.map { v in
                VariantSimulator(index: v, config: config, catalog: catalog, owned: ownsPOP, shared: shared, observer: observer,
                                 sampleLimit: sampleLimit, countsURLs: options.countURLs)
            }
            local = Local(units: units, pops: config.pops.count)
            localOwnsPOP = ownsPOP
        } else {
            let pieces = ParallelRun.pieces(variants: variants, ownsPOP: ownsPOP, groups: groups)
            if options.readerPieces == nil {
                // The layout waits for the first requests: their POPs weigh the pieces, which
                // decides whether the reading thread takes a share and which (a `.pstrace` read
                // in columns), and how the rest are dealt to the simulation threads (`chooseLayout`).
                // Held requests are resolved ones: prefetch URLs resolved on the way stay in
                // `shared`, where the units read them when their events run, as on several threads.
                pendingLayout = PendingLayout(pieces: pieces, groups: groups, threads: threads,
                                              readerMayShare: options.cheapReading && takesColumns)
            } else {
                let kept = max(0, min(options.readerPieces ?? 0, pieces.count - 1))
                // A forced share (tests): the last pieces.
                startThreads(reading: Array(pieces.suffix(kept)), others: Array(pieces.dropLast(kept)), groups: groups,
                             threads: kept > 0 ? threads - 1 : threads)
            }
        }
    }

    /// A parallel layout still to choose: the pieces, each POP's group, and the threads.
    private struct PendingLayout {
        var pieces: [(variant: Int, group: Int)]
        var groups: [Int]
        var threads: Int
        /// Whether reading is cheap enough for the reading thread to replay a share (`cheapReading`).
        var readerMayShare: Bool
    }
    /// Set until the layout is chosen: resolved requests are held in `held` meanwhile.
    private var pendingLayout: PendingLayout? = nil
    private var held: [Work] = []
    /// Requests whose POPs weigh the pieces before the layout is chosen.
    static let layoutSample = 4096

    /// Makes the units of `reading` (replayed on this thread) and starts `threads` simulation
    /// threads for `others`.
    /// `weights`: those of `others`, by which they are dealt (nil: equal).
    private mutating func startThreads(reading: [(variant: Int, group: Int)], others: [(variant: Int, group: Int)], groups: [Int], threads: Int,
                                       weights: [Double]? = nil) {
        units = ParallelRun.units(for: reading, config: config, catalog: catalog, variants: variants, ownsPOP: ownsPOP, groups: groups,
                                  shared: shared, sampleLimit: sampleLimit, countsURLs: options.countURLs)
        local = Local(units: units, pops: config.pops.count)
        localOwnsPOP = config.pops.indices.map { p in units.contains { $0.owned[p] } }
        let run = ParallelRun(config: config, catalog: catalog, pieces: others, variants: variants, ownsPOP: ownsPOP,
                              groups: groups, threads: threads, weights: weights, shared: shared, sampleLimit: sampleLimit,
                              countsURLs: options.countURLs, batchSize: options.batchSize, slots: options.batchSlots)
        let (config, ownsPOP) = (config, ownsPOP)
        func share(_ pieces: [(variant: Int, group: Int)]) -> [ThreadLayout.Share] {
            variants.compactMap { v in
                let owned = ParallelRun.ownedPOPs(of: v, in: pieces, ownsPOP: ownsPOP, groups: groups)
                let pops = owned.indices.filter { owned[$0] }.map { config.pops[$0].id }
                return pops.isEmpty ? nil : ThreadLayout.Share(variant: config.variants[v].name, pops: pops)
            }
        }
        layout = ThreadLayout(reading: share(reading), threads: run.assignments.map(share))
        parallel = run
    }

    /// Which thread replays what, once the threads are started.
    private(set) var layout: ThreadLayout? = nil

    /// Holds a resolved request until the layout is chosen: at `layoutSample` requests (or at the
    /// end), when their POPs weigh the pieces.
    private mutating func hold(_ w: Work) {
        held.append(w)
        if held.count == Self.layoutSample { chooseLayout() }
    }

    /// Chooses the pending layout — each piece weighs its POP group's share of the held requests
    /// (none: equal shares), the reading thread takes the pieces `ParallelRun.readerShare` picks
    /// (reading a `.pstrace`), and the rest are dealt to the simulation threads by weight
    /// (`ParallelRun.deal`) — then hands the held requests over in order. A `.pstrace` defines each POP where
    /// it first appears, so the first batches can be a few requests at one POP: hence a sample
    /// of thousands, not the first batch.
    private mutating func chooseLayout() {
        guard let pending = pendingLayout else { return }
        pendingLayout = nil
        let weights = ParallelRun.weights(of: pending.pieces, groups: pending.groups, requestPOPs: held.map { Int($0.pop) })
        let mine = Set(pending.readerMayShare ? ParallelRun.readerShare(weights: weights, threads: pending.threads) : [])
        let reading = pending.pieces.indices.filter { mine.contains($0) }.map { pending.pieces[$0] }
        let rest = pending.pieces.indices.filter { !mine.contains($0) }
        startThreads(reading: reading, others: rest.map { pending.pieces[$0] }, groups: pending.groups,
                     threads: reading.isEmpty ? pending.threads : pending.threads - 1, weights: rest.map { weights[$0] })
        for w in held { route(w) }
        held = []
    }

    /// Takes one request: resolved now, or put in the incoming batch, resolved when it is full.
    @inline(__always)
    mutating func take(_ r: SimRequest) {
        guard let requests = incoming?.base else { return process(r) }
        requests[incomingCount] = r
        incomingCount += 1
        if incomingCount == Self.incomingCapacity { drainIncoming() }
    }

    /// Whether `take(_:firstSeq:)` may be used (see `Simulation.takesColumns`).
    var takesColumns: Bool { incoming != nil && options.requestsInColumns }

    /// Takes a batch of requests in columns: resolved now, as if each were taken in turn.
    mutating func take(_ c: RequestColumns, firstSeq: Int) {
        precondition(takesColumns, "internal error: requests in columns for a run that needs each outcome at once")
        if incomingCount > 0 { drainIncoming() }
        let n = c.count
        prepare(count: n) { Int(c.url[$0]) }
        for i in 0..<n {
            let kind = c.kind[i], credentialsPlus1 = c.credentialsPlus1[i]
            resolve(time: c.time[i], seq: firstSeq &+ i, pop: Int(c.pop[i]), url: c.url[i], originPlus1: c.originPlus1[i],
                    kind: kind, credentials: credentialsPlus1 == 0 ? defaultCredentials[Int(kind)] : credentialsPlus1 &- 1,
                    method: c.method[i], bytes: c.bytes[i], prepared: true)
        }
    }

    /// Resolves the incoming batch: its URLs' entries are read first, all at once.
    private mutating func drainIncoming() {
        guard let requests = incoming?.base, incomingCount > 0 else { return }
        let n = incomingCount
        prepare(count: n) { Int(requests[$0].url) }
        for i in 0..<n { process(requests[i]) }
        incomingCount = 0
    }

    /// Before a batch of `n` requests is resolved (`url(i)`, the i-th one's URL id): reads
    /// their URLs' entries (and counts) in a loop of its own, so that the processor overlaps
    /// the loads, and derives the facts of the batch's new URLs.
    @inline(__always)
    private mutating func prepare(count n: Int, url: (Int) -> Int) {
        var sum: UInt32 = 0
        var newest = -1
        urlEntries.withUnsafeBufferPointer { entries in
            for i in 0..<n {
                let url = url(i)
                if url < entries.count { sum &+= entries[url] } else { newest = max(newest, url) }
            }
        }
        touched &+= UInt64(sum)
        if options.countURLs {
            // The URLs' counts too: on a trace of millions of URLs each is a cache miss of its own,
            // and waited for one request at a time they made a run with a bundle a third slower
            // than one without (a 100M-request day of 14M URLs: 66.6 s against 49.9 s).
            var counts = 0
            urlRequests.withUnsafeBufferPointer { requested in
                urlChecked.withUnsafeBufferPointer { checked in
                    let known = min(requested.count, checked.count)
                    for i in 0..<n {
                        let url = url(i)
                        if url < known { counts &+= requested[url] &+ checked[url] }
                    }
                }
            }
            touched &+= UInt64(truncatingIfNeeded: counts)
        }
        // The batch's new URLs (ids past the entries): their facts are derived now, in id order as
        // `process` would, after their canonical keys' buckets are touched as above — early in a
        // trace most requests bring a new URL.
        if newest >= 0 { deriveFacts(through: newest, textHashes: spellings == nil ? touchCanonicalKeys(urlEntries.count...newest) : []) }
    }

    @inline(__always)
    mutating func process(_ r: SimRequest) {
        resolve(time: r.time.microseconds, seq: r.seq, pop: r.pop, url: r.url, originPlus1: r.origin.map { $0 + 1 } ?? 0,
                kind: UInt8(truncatingIfNeeded: r.kind.ordinal), credentials: UInt8(truncatingIfNeeded: r.credentials.ordinal),
                method: r.method, bytes: r.bytes ?? -1)
    }

    /// Resolves one request — its URL's facts, its class — and hands it to the units that own
    /// its POP. `kind` and `credentials` are ordinals; `bytes` is -1 when the trace gives none.
    /// `prepared`: the request is one of a batch in columns, whose URLs' facts `prepare` has
    /// derived, in a run without prefetch events (`takesColumns`).
    @inline(__always)
    private mutating func resolve(time: Int64, seq: Int, pop: Int, url u: UInt32, originPlus1: UInt32, kind: UInt8,
                                  credentials: UInt8, method: UInt32, bytes: Int64, prepared: Bool = false) {
        InternalError.check(time >= lastTime, "time went backwards: request \(seq) at \(time) µs after \(lastTime) µs")
        lastTime = time
        let url = Int(u)
        if !prepared {
            if nextPrefetch < prefetchQueue.count && prefetchQueue[nextPrefetch].time <= time { resolvePrefetches(upTo: time) }
            if url >= urlEntries.count { deriveFacts(through: url) }
        }
        let entry = urlEntries[url]
        if entry & Self.notOwnedBit != 0 { return }
        if !ownsPOP[pop] { return }
        requestCount += 1
        let f = facts(url, entry: entry)
        let cls = requestClass(originPlus1: originPlus1, kind: Int(kind), credentials: Int(credentials), method: method)
        let profile = profiles[Int(cls)]
        if options.countURLs {
            if url >= urlRequests.count {
                urlRequests.append(contentsOf: repeatElement(0, count: urlEntries.count - urlRequests.count))
                urlChecked.append(contentsOf: repeatElement(0, count: urlEntries.count - urlChecked.count))
            }
            urlRequests[url] += 1
            if profile & Profile.checked != 0 { urlChecked[url] += 1 }
        }
        if sampleLimit > 0 && f.flags & URLFacts.sampled != 0 { sampledRequests += 1 }
        let size = bytes >= 0 ? bytes : defaultBytes[Int(f.origin)]
        if hasObserver || pendingLayout != nil {
            let w = Work(time: time, seq: seq, bytes: size, facts: f, url: u, cls: cls, originPlus1: originPlus1, method: method,
                         pop: Int32(pop), kind: kind, credentials: credentials, profile: profile, hasBytes: bytes >= 0)
            if hasObserver {
                // An observer sees each outcome before `process` returns (one thread).
                for i in units.indices { units[i].handle(w) }
                return
            }
            return hold(w)
        }
        // Written field by field where it goes: a `Work` built whole and then copied was made on
        // the stack with narrow stores and copied with 16-byte loads, which waited for those
        // stores to land (a store-to-load forward that fails) — a third of this loop's samples.
        route(pop: pop) { slot in
            slot.pointee.time = time
            slot.pointee.seq = seq
            slot.pointee.bytes = size
            slot.pointee.facts = f
            slot.pointee.url = u
            slot.pointee.cls = cls
            slot.pointee.originPlus1 = originPlus1
            slot.pointee.method = method
            slot.pointee.pop = Int32(pop)
            slot.pointee.kind = kind
            slot.pointee.credentials = credentials
            slot.pointee.profile = profile
            slot.pointee.hasBytes = bytes >= 0
        }
    }

    /// Hands `w` to the units that own its POP: this thread's batch, the simulation threads'.
    @inline(__always)
    private mutating func route(_ w: Work) {
        route(pop: Int(w.pop)) { $0.initialize(to: w) }
    }

    /// Hands a request at `pop` to the units that own it, `write` filling in each place it goes
    /// (a `Work`'s memory, uninitialised: every field must be written).
    @inline(__always)
    private mutating func route(pop: Int, _ write: (UnsafeMutablePointer<Work>) -> Void) {
        if localOwnsPOP[pop] {
            write(local.batch + local.count)
            local.count += 1
            if local.count == Local.capacity { flushLocal() }
        }
        if parallel != nil { parallel!.dispatch(pop: pop, write) }
    }

    /// This thread's units (all of them on one thread, a share on several): requests wait in a
    /// small batch, replayed as the threads replay theirs.
    private mutating func flushLocal() {
        touched &+= replay(UnsafePointer(local.batch), count: local.count, through: &units, routeStart: local.routeStart, routeUnits: local.routeUnits)
        local.count = 0
    }

    mutating func finish() -> [VariantResult] {
        if let results { return results }
        drainIncoming()
        if pendingLayout != nil { chooseLayout() }
        resolvePrefetches(upTo: .max)
        var parts: [[VariantResult]] = Array(repeating: [], count: variants.count)
        var sampleParts: [[RequestOutcome]] = Array(repeating: [], count: variants.count)
        var finished: [VariantSimulator]
        flushLocal()
        for i in units.indices { units[i].finish() }
        finished = units
        units = []
        if parallel != nil { finished += parallel!.finish() }
        for u in finished {
            let slot = variants.firstIndex(of: u.index)!
            parts[slot].append(u.result())
            sampleParts[slot] += u.samples
        }
        let hasParentTier = config.pops.contains { $0.parent != nil }
        var out: [VariantResult] = []
        for (slot, v) in variants.enumerated() {
            var r = VariantResult(name: config.variants[v].name, popCount: config.pops.count)
            for p in parts[slot] { r.merge(p) }
            // The peak bytes each POP's cache ever held, against its capacity (stronger than the end state).
            let spec = config.variants[v]
            let cacheBytes = r.peakBytes.enumerated().map { (used: $0.element, capacity: spec.capacity(of: $0.offset, in: config.pops)) }
            Simulation.checkInvariants(r, requests: requestCount, hasParentTier: hasParentTier, cacheBytes: cacheBytes)
            out.append(r)
        }
        samples = sampleParts.map { Array($0.sorted { $0.request.seq < $1.request.seq }.prefix(sampleLimit)) }
        if options.countURLs {
            // Every URL the catalog knows gets a row, asked for or not.
            if urlRequests.count < urlEntries.count {
                urlRequests.append(contentsOf: repeatElement(0, count: urlEntries.count - urlRequests.count))
                urlChecked.append(contentsOf: repeatElement(0, count: urlEntries.count - urlChecked.count))
            }
        }
        results = out
        return out
    }

    // MARK: - URL facts

    /// The facts of URL `url`, whose entry is `entry`.
    @inline(__always)
    private func facts(_ url: Int, entry: UInt32) -> URLFacts {
        var f = factKinds.keys[Int(entry & Self.kindMask)].facts
        if entry & Self.otherKeysBit != 0 {
            let keys = urlKeys[url]
            f.keyWithQuery = UInt32(truncatingIfNeeded: keys)
            f.keyWithoutQuery = UInt32(truncatingIfNeeded: keys >> 32)
        } else {
            f.keyWithQuery = UInt32(truncatingIfNeeded: url)
            f.keyWithoutQuery = UInt32(truncatingIfNeeded: url)
        }
        return f
    }

    /// Derives the facts of every URL id up to `url` not yet derived. `textHashes[k]`, when
    /// given, is FNV-1a of the path and of the path with query of the k-th of them.
    private mutating func deriveFacts(through url: Int, textHashes: [(path: UInt64, pathAndQuery: UInt64)] = []) {
        let first = urlEntries.count
        // Read in place through locals (a copy of a domain or origin retains its strings and
        // arrays, a million times; read through `self`, which this loop mutates, they are copied).
        let domains = config.domains, origins = config.origins
        while urlEntries.count <= url {
            let id = UInt32(urlEntries.count)
            let info = catalog.url(id)
            let originIndex = domains[info.domain].origin
            // One key per resource, however the trace spelt it (a path or an absolute URL), with
            // or without the query: the first URL id seen with that domain and path (and query).
            let keyWithQuery: UInt32, keyWithoutQuery: UInt32
            if spellings != nil && spellsAsBefore(info) {
                (keyWithQuery, keyWithoutQuery) = (id, id)
            } else {
                if spellings != nil {
                    spellings = nil
                    for earlier in 0..<id {
                        let known = catalog.url(earlier)
                        _ = canonicalKeys(known, id: earlier, hashes: Self.textHashes(known))
                    }
                }
                let k = urlEntries.count - first
                (keyWithQuery, keyWithoutQuery) = canonicalKeys(info, id: id, hashes: k < textHashes.count ? textHashes[k] : Self.textHashes(info))
            }
            // The path only for the rules that read it: its bytes when it and the rules' prefixes
            // are printable ASCII (where a byte is a `Character`, so the tests answer as on
            // strings), else a `Substring` (a string made, a few hundred instructions).
            let pathRules = origins[originIndex].pathRules
            var pathRule: Int32 = -1
            /// The origin's path rule with the longest prefix `hasPrefix` accepts, or -1.
            func longestPathRule(_ hasPrefix: (String) -> Bool) -> Int32 {
                var found: Int32 = -1, best = -1
                for (i, rule) in pathRules.enumerated() where rule.prefix.count > best && hasPrefix(rule.prefix) {
                    found = Int32(i); best = rule.prefix.count
                }
                return found
            }
            let ttl: Int64
            if pathRules.isEmpty && domains[info.domain].ttlRules.isEmpty {
                // What `TTLPolicy.ttl` gives without rules, read in place: a call would be handed a
                // copy of the domain (its strings and arrays retained and released, per URL).
                ttl = domains[info.domain].defaultTTL
            } else if printableRulePrefixes, let t = info.withPathBytes(includingQuery: false, { (p) -> Int64? in
                let path = UnsafeRawBufferPointer(p)
                guard isPrintableASCII(path) else { return nil }
                pathRule = longestPathRule { TTLPolicy.hasBytePrefix(path, $0) }
                return TTLPolicy.ttl(printablePath: path, domain: domains[info.domain],
                                     originCacheControl: pathRule >= 0 ? pathRules[Int(pathRule)].cacheControl : nil)
            }) {
                ttl = t
            } else {
                let path = info.path
                pathRule = longestPathRule { path.hasPrefix($0) }
                ttl = TTLPolicy.ttl(path: path, domain: domains[info.domain],
                                    originCacheControl: pathRule >= 0 ? pathRules[Int(pathRule)].cacheControl : nil)
            }
            let dynamic = pathRule >= 0 && pathRules[Int(pathRule)].dynamic
            var flags: UInt8 = 0
            if dynamic { flags |= URLFacts.dynamic }
            if !dynamic && ttl > 0 { flags |= URLFacts.cacheable }
            if let sample = options.sampleURL, Self.spells(info, sample) { flags |= URLFacts.sampled }
            let kind = FactKind(facts: URLFacts(ttl: ttl, domain: Int32(info.domain), origin: Int32(originIndex), keyWithQuery: 0,
                                                keyWithoutQuery: 0, pathRule: pathRule, flags: flags))
            let kindIndex = factKinds.find(kind) ?? factKinds.insert(kind, ())
            precondition(kindIndex <= Int(Self.kindMask), "internal error: too many distinct URL facts")
            var entry = UInt32(kindIndex)
            if keyWithQuery != id || keyWithoutQuery != id {
                entry |= Self.otherKeysBit
                if urlKeys.count <= Int(id) { urlKeys.append(contentsOf: repeatElement(0, count: Int(id) + 1 - urlKeys.count)) }
                urlKeys[Int(id)] = UInt64(keyWithQuery) | UInt64(keyWithoutQuery) << 32
            }
            if let shard = options.shard, shard.key == .url,
               Simulation.shardHash(info, seeds: shardSeeds) % UInt64(shard.count) != UInt64(shard.index) {
                entry |= Self.notOwnedBit
            }
            urlEntries.append(entry)
        }
    }

    /// Whether `info`'s text is `text` as `String`s compare: by bytes when both are printable
    /// ASCII (then the same answer), else by making the URL's `String`.
    private static func spells(_ info: Catalog.URLInfo, _ text: String) -> Bool {
        var t = text
        return t.withUTF8 { wanted in
            info.withTextBytes { have in
                let a = UnsafeRawBufferPointer(have), b = UnsafeRawBufferPointer(wanted)
                if isPrintableASCII(a) && isPrintableASCII(b) { return sameBytes(a, b) }
                return info.text == text
            }
        }
    }

    /// Whether `info` has no query and spells its domain as every URL of it before (the first
    /// one's spelling is kept): see `spellings`.
    private mutating func spellsAsBefore(_ info: Catalog.URLInfo) -> Bool {
        // A URL without a path ("https://host") has the path "/", which its text does not end with.
        guard !info.hasQuery, let pathStart = info.pathOffset else { return false }
        let domain = info.domain
        // The bytes in place: the kept spelling through a borrow of the table, the URL's in its text.
        return info.withTextBytes { t in
            let prefix = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: t[..<pathStart]))
            let same: Bool? = spellings!.withUnsafeBufferPointer { all in
                all[domain].map { known in known.withUnsafeBytes { sameBytes($0, prefix) } }
            }
            if let same { return same }
            spellings![domain] = Array(prefix)
            return true
        }
    }

    /// The cache keys of URL `id` with and without its query (`info`, `hashes` its texts'
    /// FNV-1a), entering it in `canonical`.
    private mutating func canonicalKeys(_ info: Catalog.URLInfo, id: UInt32, hashes: (path: UInt64, pathAndQuery: UInt64)) -> (UInt32, UInt32) {
        if !info.hasQuery {
            let e = canonicalEntry(of: info, hash: hashes.path, id: id, isPath: true)
            if canonicalIDs[e].exact == .max { canonicalIDs[e].exact = id }
            if canonicalIDs[e].path == .max { canonicalIDs[e].path = id }
            return (canonicalIDs[e].exact, canonicalIDs[e].path)
        }
        let q = canonicalEntry(of: info, hash: hashes.pathAndQuery, id: id, isPath: false)
        if canonicalIDs[q].exact == .max { canonicalIDs[q].exact = id }
        let p = canonicalEntry(of: info, hash: hashes.path, id: id, isPath: true)
        if canonicalIDs[p].path == .max { canonicalIDs[p].path = id }
        return (canonicalIDs[q].exact, canonicalIDs[p].path)
    }

    /// Reads the canonical-key buckets `deriveFacts` will probe for these URL ids (see
    /// `FlatMap.touch`) and returns their texts' hashes, for `deriveFacts`.
    private mutating func touchCanonicalKeys(_ ids: ClosedRange<Int>) -> [(path: UInt64, pathAndQuery: UInt64)] {
        var texts: [(path: UInt64, pathAndQuery: UInt64)] = []
        var keys: [UInt64] = []
        texts.reserveCapacity(ids.count)
        keys.reserveCapacity(2 * ids.count)
        for id in ids {
            let info = catalog.url(UInt32(id))
            let h = Self.textHashes(info)
            texts.append(h)
            keys.append(CanonicalKey(hash: h.path, domain: UInt32(info.domain), salt: 0).mixedHash)
            if info.hasQuery {
                keys.append(CanonicalKey(hash: h.pathAndQuery, domain: UInt32(info.domain), salt: 0).mixedHash)
            }
        }
        touched &+= keys.withUnsafeBufferPointer { canonical.touch($0.baseAddress!, count: $0.count) }
        return texts
    }

    /// FNV-1a of a URL's path and of its path with query: the canonical keys' hashes.
    private static func textHashes(_ info: Catalog.URLInfo) -> (path: UInt64, pathAndQuery: UInt64) {
        let path = info.withPathBytes(includingQuery: false) { fnv1a64(UnsafeRawBufferPointer($0)) }
        return (path, info.hasQuery ? info.withPathBytes(includingQuery: true) { fnv1a64(UnsafeRawBufferPointer($0)) } : path)
    }

    /// The entry of (domain, text) in the table of canonical keys — the text being `info`'s
    /// path (`isPath`) or path with query — made when new. Keys are hashes of the text, checked
    /// against the bytes of the URL that made the entry; a collision of two different texts
    /// moves on to the next salt, so the table stays exact. `h` is FNV-1a of the text.
    private mutating func canonicalEntry(of info: Catalog.URLInfo, hash h: UInt64, id: UInt32, isPath: Bool) -> Int {
        var salt: UInt32 = 0
        while true {
            let key = CanonicalKey(hash: h, domain: UInt32(info.domain), salt: salt)
            guard let e = canonical.find(key) else {
                canonical.insert(key, (representative: id, isPath: isPath))
                canonicalIDs.append((.max, .max))
                return canonicalIDs.count - 1
            }
            let (representative, repIsPath) = canonical.values[e]
            let rep = catalog.url(representative)
            if rep.domain == info.domain && rep.withPathBytes(includingQuery: !repIsPath, { a in
                info.withPathBytes(includingQuery: !isPath) { b in sameBytes(UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b)) }
            }) { return e }
            salt += 1
        }
    }

    // MARK: - Request classes

    /// The request's class: a table read for a GET (nearly every request), inlined into `process`.
    @inline(__always)
    private mutating func requestClass(originPlus1: UInt32, kind: Int, credentials: Int, method: UInt32) -> UInt32 {
        let i = method == 0 ? (Int(originPlus1) * kindCount + kind) * credentialCount + credentials : -1
        if i >= 0, i < classOfGET.count, classOfGET[i] >= 0 { return UInt32(classOfGET[i]) }
        return classOnceMore(getIndex: i, originPlus1: originPlus1, kind: kind, credentials: credentials, method: method)
    }

    /// `requestClass` for a class of GET not seen before (`getIndex`, its slot in `classOfGET`),
    /// or a request of another method (`getIndex` −1).
    @inline(never)
    private mutating func classOnceMore(getIndex i: Int, originPlus1: UInt32, kind k: Int, credentials c: Int, method: UInt32) -> UInt32 {
        let kind = ResourceKind(ordinal: UInt8(k)), credentials = CredentialsMode(ordinal: UInt8(c))
        if i >= 0 {
            let id = newClass(originPlus1: originPlus1, kind: kind, credentials: credentials, method: method)
            if i >= classOfGET.count { classOfGET.append(contentsOf: repeatElement(-1, count: i + 1 - classOfGET.count)) }
            classOfGET[i] = Int32(id)
            return id
        }
        let key = ClassKey(originPlus1: originPlus1, kind: UInt8(kind.ordinal), credentials: UInt8(credentials.ordinal), method: method)
        if let id = classOther[key] { return id }
        let id = newClass(originPlus1: originPlus1, kind: kind, credentials: credentials, method: method)
        classOther.insert(key, id)
        return id
    }

    private mutating func newClass(originPlus1: UInt32, kind: ResourceKind, credentials: CredentialsMode, method: UInt32) -> UInt32 {
        let b = BrowserRequest(method: catalog.method(method), pageOrigin: originPlus1 == 0 ? nil : catalog.origin(originPlus1 - 1),
                               kind: kind, credentials: credentials)
        var p: UInt8 = 0
        if b.sendsOriginHeader { p |= Profile.sendsOrigin }
        if b.isCORSChecked { p |= Profile.checked }
        if b.needsPreflight { p |= Profile.preflight }
        if b.normalizedMethod == "GET" || b.normalizedMethod == "HEAD" { p |= Profile.cacheableMethod }
        profiles.append(p)
        return UInt32(profiles.count - 1)
    }

    // MARK: - Prefetch events

    /// Enters in the catalog the URLs of the prefetch events due by `time`, as taking a request
    /// at `time` would, without taking one: for a reading that goes on past the simulation
    /// (`Simulation.readOnly(upTo:)`).
    mutating func resolvePrefetchesOnly(upTo time: Int64) {
        if nextPrefetch < prefetchQueue.count && prefetchQueue[nextPrefetch].time <= time { resolvePrefetches(upTo: time) }
    }

    private mutating func resolvePrefetches(upTo time: Int64) {
        while nextPrefetch < prefetchQueue.count && prefetchQueue[nextPrefetch].time <= time {
            let e = prefetchQueue[nextPrefetch].event
            nextPrefetch += 1
            guard case let .prefetch(text) = config.events[e].action, let id = try? catalog.urlID(for: text) else { continue }
            deriveFacts(through: Int(id))
            let entry = urlEntries[Int(id)]
            shared.setPrefetch(e, RunShared.Prefetch(url: id, facts: facts(Int(id), entry: entry), owned: entry & Self.notOwnedBit == 0))
        }
    }
}

/// URL facts without the keys: what URLs have in common.
struct FactKind: FlatKey {
    var facts: URLFacts
    static func == (a: Self, b: Self) -> Bool {
        a.facts.ttl == b.facts.ttl && a.facts.domain == b.facts.domain && a.facts.origin == b.facts.origin
            && a.facts.pathRule == b.facts.pathRule && a.facts.flags == b.facts.flags
    }
    var mixedHash: UInt64 {
        mix64(UInt64(bitPattern: facts.ttl) ^ UInt64(mix(UInt32(bitPattern: facts.domain), UInt32(bitPattern: facts.origin),
                                                           UInt32(bitPattern: facts.pathRule), UInt32(facts.flags))))
    }
}

/// A buffer of `capacity` elements that a value type fills in place, freed when the last copy
/// of the value holding it goes (the driver's batches). Elements are plain data (no references),
/// so they are assigned and dropped without initialising or deinitialising.
final class BatchBuffer<Element> {
    let base: UnsafeMutablePointer<Element>
    init(capacity: Int) {
        precondition(_isPOD(Element.self), "internal error: a BatchBuffer holds plain data only")
        base = .allocate(capacity: capacity)
    }
    deinit { base.deallocate() }
}

/// The one-thread batch: requests waiting for `replay`, and the routes (every unit owns every
/// POP the run owns).
struct Local {
    static let capacity = 256
    let batch: UnsafeMutablePointer<Work>
    var count = 0
    let routeStart: [Int32]
    let routeUnits: [Int32]
    private let storage: BatchBuffer<Work>

    /// The batch of `units`, which routes each POP's requests to the units that own it.
    init(units: [VariantSimulator], pops: Int) {
        storage = BatchBuffer(capacity: Self.capacity)
        batch = storage.base
        (routeStart, routeUnits) = Worker.routes(units, pops: pops)
    }
}

struct CanonicalKey: FlatKey {
    var hash: UInt64; var domain: UInt32; var salt: UInt32
    var mixedHash: UInt64 { mix64(hash ^ mix64(UInt64(domain) | UInt64(salt) << 32)) }
}

struct ClassKey: FlatKey {
    var originPlus1: UInt32; var kind: UInt8; var credentials: UInt8; var method: UInt32
    var mixedHash: UInt64 { mix(originPlus1, UInt32(kind) | UInt32(credentials) << 8, method) }
}
