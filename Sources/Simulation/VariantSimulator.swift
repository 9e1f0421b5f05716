import HTTPModel

/// One variant's world at some of the POPs: their caches, the rules in force and the counts,
/// advanced request by request.
///
/// A run has one of these per variant, or — on several threads — one per variant and thread,
/// each owning whole groups of POPs (a POP and its parent tier are never split), since POPs
/// that share no parent never affect each other. Everything a request needs arrives resolved
/// (`Work`); the few string operations (CDN rule application, origin responses, the browser
/// check) are memoised per distinct combination in flat hash tables keyed by small integers,
/// so each runs once per (response, rule set, request class) rather than once per request.
/// The unit is a value: its state is reached through static exclusivity, never through a
/// class reference, so the hot path makes no retain, release or dynamic exclusivity check.
/// The one exception is the POPs' states (caches, fetches in flight, rules in force), which
/// live in memory that a `POPStates` owns and never moves: each request reaches its POP's
/// state through a plain pointer, where an array would check its sole ownership at every
/// change (a lookup, a fetch, a fill). Copies of a unit share that memory; a unit is kept in
/// one place and changed there (`units[i]`, `pointee`), and a finished one is only read.
struct VariantSimulator {
    let index: Int
    let spec: VariantSpec
    let config: SimulationConfig
    let catalog: Catalog
    /// The POPs this unit simulates (all of them in a one-thread run).
    let owned: [Bool]
    /// Outcomes for every request, in order (audit logs, `explain`); nil builds none.
    var observer: ((RequestOutcome) -> Void)?
    /// Keep the first outcomes for sampled URLs (the report's timeline), up to this many.
    let sampleLimit: Int
    /// Count failures per URL (the report's failing URLs).
    let countsURLs: Bool

    private let shared: RunShared
    private let includeQueryInKey: Bool
    private let includeOriginInKey: Bool
    private let vary: VaryHandling
    private let bindAtFill: Bool
    private let scopeAll: Bool
    private let window: Int64
    /// Whether outcomes are ever built: fill times are then kept for them.
    private let tracksFills: Bool

    /// The POPs' states, by POP (owned by `popStates`).
    private var pops: UnsafeMutablePointer<POPState>
    private var popStates: POPStates
    /// Scratch space of `touch`.
    private let batchTouch: BatchTouch
    /// The one POP this unit owns, or -1 when it owns several (or none).
    private let soleOwnedPOP: Int
    private let originRTT: [Int64]
    private let parentRTT: [Int64]
    private let parentOf: [Int32]
    private var policies: [CDNHeaderPolicy] = []
    private var queue = EventQueue<InternalEvent>()
    /// The earliest scheduled event, or `Int64.max`: one compare per request when none is due.
    private var nextEventTime = Int64.max
    /// How many times a response made a POP store a URL per Origin (`learnedKey`): a cache key
    /// noted before a change may be stale.
    private var varyMarks = 0

    // Interned values and memo tables.
    private var responses: [OriginResponse] = []
    private var responseVaries: [Bool] = []
    private var responseIndex: [OriginResponse: Int32] = [:]
    private var responseMemo = FlatMap<ResponseKey, Int32>()
    /// An origin fetch's fill by what determines it — the response's key and the rules bound —
    /// so that a miss makes one probe, not one for the response and one for the fill.
    private var fillMemo = FlatMap<OriginFillKey, Int32>()
    private var recentFills = RecentMemo<OriginFillKey, Int32>(vacant: .vacant, filler: 0)
    /// A fill: which response, bound to which rules, fetched with which `Origin` (the value
    /// cached objects carry, 4 bytes).
    private var fills = FlatMap<FillKey, Void>()
    private var servedHeaders: [HeaderFields] = []
    private var servedIndex: [HeaderFields: Int32] = [:]
    private var servedMemo = FlatMap<ServedKey, Int32>()
    private var verdictMemo = FlatMap<VerdictKey, UInt8>()
    /// (response, rules applied, request class) → served headers and verdict, one probe a request.
    private var serveMemo = FlatMap<ServeKey, UInt64>()
    private var recentServes = RecentMemo<ServeKey, UInt64>(vacant: .vacant, filler: 0)
    /// 0: the preflight passes; else the failure reason's ordinal + 1.
    private var preflightMemo = FlatMap<PreflightKey, UInt8>()

    // Fetches in flight: a pool of records and, per POP, key → record.
    private var flights = FlightPool()

    // Results.
    private var currentWindow: Int64 = -1
    private var windowEnd = Int64.min
    private var windowCells = FlatMap<PackedKey, Int32>()
    /// The cells of the current window that were used last, in front of `windowCells`. 1,024
    /// places, not the memos' 256: a window's cells are (class × POP × reason), a few hundred on
    /// the bench's 8 POPs, which collided in 256 (paired rounds: 1.2–1.7 % faster on 8 POPs,
    /// 1.8 % on 1).
    private var recentCells = RecentMemo<WindowCellKey, Int32>(vacant: .vacant, filler: 0, slots: 1024)
    private var cellWindows: [Int32] = []
    private var cellKeys: [UInt64] = []
    /// The cells' tallies, changed in place at every request (`PointerBuffer`).
    private var cellTallies = PointerBuffer<Tally>()
    private var classInfo: [(kind: UInt8, originPlus1: UInt32)] = []
    private var latencies = LatencyRecorder()
    var latency: LatencyHistogram { latencies.histogram }
    private(set) var applied: [AppliedEvent] = []
    private(set) var prefetchFetches = 0
    private(set) var failuresByURL: [Int] = []
    private(set) var samples: [RequestOutcome] = []

    init(index: Int, config: SimulationConfig, catalog: Catalog, owned: [Bool], shared: RunShared,
         observer: ((RequestOutcome) -> Void)?, sampleLimit: Int, countsURLs: Bool) {
        let spec = config.variants[index]
        self.index = index
        self.spec = spec
        self.config = config
        self.catalog = catalog
        self.owned = owned
        self.shared = shared
        self.observer = observer
        self.sampleLimit = sampleLimit
        self.countsURLs = countsURLs
        includeQueryInKey = spec.includeQueryInKey
        includeOriginInKey = spec.includeOriginInKey
        vary = spec.vary
        bindAtFill = spec.ruleBinding == .fill
        scopeAll = spec.scope == .all
        window = config.window
        tracksFills = observer != nil || sampleLimit > 0
        originRTT = config.pops.map(\.originRTT)
        parentRTT = config.pops.map(\.parentRTT)
        parentOf = config.pops.map { Int32($0.parent ?? -1) }
        popStates = POPStates([])
        pops = popStates.base
        batchTouch = BatchTouch(popCount: config.pops.count)
        soleOwnedPOP = owned.filter { $0 }.count == 1 ? owned.firstIndex(of: true)! : -1
        var initialPolicies: [Int32] = []
        for policy in spec.policies { initialPolicies.append(internPolicy(policy)) }
        popStates = POPStates(config.pops.indices.map { p in
            POPState(capacity: owned[p] ? spec.capacity(of: p, in: config.pops) : 0, policies: initialPolicies, expectedObjects: owned[p] ? 1024 : 0)
        })
        pops = popStates.base
        // Ordinals count every (event, POP) pair of the variant, owned or not, so that units
        // and shards order their applied events the same way a single run does.
        var ordinal: Int32 = 0
        for (eventIndex, event) in config.events.enumerated() {
            if let names = event.variants, !names.contains(spec.name) { continue }
            for pop in event.pops ?? Array(config.pops.indices) {
                if owned[pop] {
                    push(at: event.at + event.delay(at: pop), .scenario(pop: Int32(pop), event: Int32(eventIndex), ordinal: ordinal))
                }
                ordinal += 1
            }
        }
    }

    private mutating func internPolicy(_ policy: CDNHeaderPolicy) -> Int32 {
        if let i = policies.firstIndex(of: policy) { return Int32(i) }
        policies.append(policy)
        return Int32(policies.count - 1)
    }

    /// Schedules an internal event. Inlined, with the queue's lane append: one per miss.
    @inline(__always)
    private mutating func push(at time: Int64, _ event: InternalEvent) {
        queue.push(at: SimTime(microseconds: time), event)
        if time < nextEventTime { nextEventTime = time }
    }

    // MARK: - Time

    /// Runs every internal event due at or before `time` (events first on ties: a fetch that
    /// completes at the instant a request arrives has filled the cache for it). Inlined into the
    /// request loop, which calls it for about every completing fetch: side by side 0.988× the
    /// time on the bench's 1-POP run, 0.976× on 8 POPs (quartiles 0.96–1.00, 10 rounds each),
    /// where misses, and so completions, are more frequent.
    @inline(__always)
    mutating func advance(to time: Int64) {
        while nextEventTime <= time {
            let (t, event) = queue.popMin()!
            nextEventTime = queue.peekTime?.microseconds ?? .max
            InternalError.check(t.microseconds >= clock, "\(spec.name): an event at \(t.microseconds) µs ran after \(clock) µs")
            clock = t.microseconds
            if case let .fetchComplete(pop, flight) = event {
                completeFetch(pop: Int(pop), flight: flight)
            } else {
                run(event, at: t.microseconds)
            }
        }
    }

    /// The time of the last internal event run: the loop's clock never goes back.
    private var clock: Int64 = 0

    /// Runs every remaining event (fetches still in flight when the trace ends).
    mutating func finish() {
        while let (t, event) = queue.popMin() {
            nextEventTime = queue.peekTime?.microseconds ?? .max
            run(event, at: t.microseconds)
        }
    }

    /// A fetch completes: it leaves the in-flight table (unless a later fetch of its key replaced
    /// it) and its object enters the cache. Inlined into `advance`, which runs one per miss,
    /// apart from `run` and the scenario events' heavier frame.
    @inline(__always)
    private mutating func completeFetch(pop: Int, flight: Int32) {
        let f = flights[flight]
        flights.release(flight)
        guard pops[pop].inflight.remove(f.key, ifValue: flight) else { return }
        if f.cacheable {
            // An object larger than the whole cache is served but not kept (insert says false).
            if pops[pop].cache.insert(f.key, bytes: f.bytes, expiresAt: SimTime(microseconds: f.expiresAt), value: f.fill), tracksFills {
                pops[pop].filledAt[f.key] = f.filledAt
            }
        }
    }

    private mutating func run(_ event: InternalEvent, at t: Int64) {
        switch event {
        case let .fetchComplete(pop, flight):
            completeFetch(pop: Int(pop), flight: flight)
        case let .scenario(pop32, eventIndex, ordinal):
            let pop = Int(pop32)
            let event = config.events[Int(eventIndex)]
            var removed = 0
            switch event.action {
            case let .purge(target, domain):
                let catalog = self.catalog, match = PurgeMatch(target, domain: domain, domains: config.domains)
                removed = pops[pop].cache.removeAll { key, _ in match.matches(catalog.url(UInt32(truncatingIfNeeded: key >> 32))) }
            case let .configChange(policy, domain):
                let id = internPolicy(policy)
                for d in config.domains.indices where domain == nil || domain == d { pops[pop].policies[d] = id }
            case .prefetch:
                if let resolved = shared.prefetch(Int(eventIndex)), resolved.owned {
                    prefetch(url: resolved.url, facts: resolved.facts, pop: pop, at: t)
                }
            }
            applied.append(AppliedEvent(time: SimTime(microseconds: t), variant: index, pop: pop, label: event.label,
                                        removed: removed, ordinal: Int(ordinal)))
        }
    }

    // MARK: - Requests

    /// Reads the cache entries that `handle` will look up for the requests of `batch` at this
    /// unit's POPs (see `LRUCache.touch`), a POP at a time; changes nothing a result depends on.
    /// - Returns: a value made of what was read, to be kept so that the loads are made.
    /// `mutating` though it changes nothing: called on a unit in place (`pointee`), a method that
    /// is not is handed a copy of the unit (about fifty fields, a retain and release each).
    mutating func touch(_ batch: UnsafePointer<Work>, count: Int) -> UInt64 {
        precondition(count <= BatchTouch.capacity, "internal error: a touched batch is larger than its scratch space")
        let t = batchTouch
        var n = 0
        if soleOwnedPOP >= 0 {
            // One POP (a one-POP run, or a thread's share of one): its requests' keys, then its
            // cache, with no grouping.
            let sole = soleOwnedPOP
            for k in 0..<count where Int(batch[k].pop) == sole {
                guard let key = lookupKey(batch[k], pop: sole) else { continue }
                t.keys[n] = key
                n += 1
            }
            return pops[sole].cache.touch(t.keys, count: n)
        }
        for k in 0..<count {
            let pop = Int(batch[k].pop)
            guard owned[pop], let key = lookupKey(batch[k], pop: pop) else { continue }
            t.keys[n] = key
            t.pops[n] = Int32(pop)
            n += 1
        }
        var sum: UInt64 = 0
        t.groupByPOP(n) { pop, keys, count in sum &+= pops[pop].cache.touch(keys, count: count) }
        return sum
    }

    /// Replays one request at its POP (which this unit owns).
    mutating func handle(_ w: Work) {
        replayRequest(w, noted: nil)
    }

    /// Replays `count` requests in order, each at its POP (all of which this unit owns): what
    /// a unit that replays every request of its batch is handed, in one call rather than one
    /// per request — `replayRequest` inlined into this loop keeps the unit's fields at hand
    /// between requests (side by side, 0.980× the time of a call per request on the bench's
    /// 1-POP run, quartiles 0.976–0.984, 10 rounds; 0.986× on 8 POPs).
    ///
    /// Each request's cache entry is brought in while the requests before it run, in three
    /// steps (`LRUCache.prefetchBucket`, `prefetchSlot`, `prefetchNeighbours`) taken
    /// `bucketLead`, `slotLead` and `neighbourLead` requests ahead: each step reads what the one
    /// before prefetched, by then arrived, so its loads overlap the replay's work, where
    /// `touch`'s passes over a whole chunk wait for them with nothing else to do.
    /// - Returns: a value made of what the steps read, to be kept so that the loads are made.
    mutating func replay(_ batch: UnsafePointer<Work>, count: Int) -> UInt64 {
        precondition(count <= BatchTouch.capacity, "internal error: a replayed batch is larger than its scratch space")
        let t = batchTouch
        noteKeys(batch, count: count)
        let marks = varyMarks
        var sum: UInt64 = 0
        var k = -Self.bucketLead
        while k < count {
            let a = k + Self.bucketLead, b = k + Self.slotLead, c = k + Self.neighbourLead
            if a < count, t.pops[a] >= 0 { pops[Int(t.pops[a])].cache.prefetchBucket(of: t.keys[a]) }
            if b >= 0, b < count, t.pops[b] >= 0 { sum &+= pops[Int(t.pops[b])].cache.prefetchSlot(of: t.keys[b]) }
            if c >= 0, c < count, t.pops[c] >= 0 { sum &+= pops[Int(t.pops[c])].cache.prefetchNeighbours(of: t.keys[c]) }
            // A noted key stands unless a response since made a URL vary on Origin (`learnedKey`).
            if k >= 0 { replayRequest(batch[k], noted: varyMarks == marks && t.pops[k] >= 0 ? t.keys[k] : nil) }
            k += 1
        }
        return sum
    }

    /// Notes in `batchTouch` each request's cache key and POP (-1: not looked up), for
    /// `replay(_:count:)`'s prefetches. Out of line: the replay loop, kept small, has
    /// `replayRequest` inlined.
    @inline(never)
    private mutating func noteKeys(_ batch: UnsafePointer<Work>, count: Int) {
        let t = batchTouch
        for k in 0..<count {
            let pop = Int(batch[k].pop)
            assert(owned[pop], "internal error: a unit was handed a request at a POP it does not own")
            if let key = lookupKey(batch[k], pop: pop) {
                t.keys[k] = key
                t.pops[k] = Int32(pop)
            } else {
                t.pops[k] = -1
            }
        }
    }

    /// The key `w` is looked up under at `pop` as things stand, or nil when it is not looked up
    /// (an uncacheable URL, or a method other than GET and HEAD): what `touch` and `noteKeys`
    /// note ahead of `replayRequest`, which decides the same way.
    @inline(__always)
    private func lookupKey(_ w: Work, pop: Int) -> UInt64? {
        guard w.facts.flags & URLFacts.cacheable != 0, w.profile & Profile.cacheableMethod != 0 else { return nil }
        return cacheKey(w.facts, originHeader: w.profile & Profile.sendsOrigin != 0 ? w.originPlus1 : 0, pop: pop)
    }

    /// How many requests ahead `replay(_:count:)` prefetches a request's bucket, its slot and
    /// the slot's neighbours.
    static let bucketLead = 8
    static let slotLead = 4
    static let neighbourLead = 2

    /// `handle`'s body, inlined into both. `noted`: the request's cache key when the caller
    /// has it (`noteKeys`, still valid), else nil.
    @inline(__always)
    private mutating func replayRequest(_ w: Work, noted: UInt64?) {
        if w.time >= nextEventTime { advance(to: w.time) }
        let f = w.facts
        let pop = Int(w.pop)
        let profile = w.profile
        let originHeader: UInt32 = profile & Profile.sendsOrigin != 0 ? w.originPlus1 : 0
        var latency: Int64 = 0

        // A preflight goes through the POP to the origin; OPTIONS is not cached.
        if profile & Profile.preflight != 0 {
            latency += originRTT[pop]
            if preflightBlocks(w, latency: latency) { return }
        }

        let current = pops[pop].policies[Int(f.domain)]
        let fill: Int32
        var entryBytes = w.bytes
        var filledAt = w.time
        let status: CacheStatus
        var originFetched = false
        // Only GET and HEAD are looked up and stored (RFC 9111 §2; nginx `proxy_cache_methods GET HEAD`):
        // a PUT, POST or DELETE goes to the origin and its response is not kept (the fidelity differential
        // test found popsim serving a PUT from the GET's cached copy, which nginx never does).
        if f.flags & URLFacts.cacheable == 0 || profile & Profile.cacheableMethod == 0 {
            fill = originFill(f, method: w.method, originHeader: originHeader, policy: current)
            status = .bypass
            latency += originRTT[pop]
            originFetched = true
        } else {
            let key = noted ?? cacheKey(f, originHeader: originHeader, pop: pop)
            pops[pop].cache.prefetchVictims(calledOnEveryRequest: soleOwnedPOP >= 0)
            let (lookup, size) = pops[pop].cache.lookupWithSize(key, at: SimTime(microseconds: w.time))
            if case .hit(let value) = lookup {
                fill = value
                entryBytes = size
                status = .hit
                if tracksFills { filledAt = pops[pop].filledAt[key] ?? w.time }
            } else if let pending = pops[pop].inflight[key] {
                let p = flights[pending]
                fill = p.fill
                filledAt = p.filledAt
                status = .collapsed
                latency += max(0, p.completesAt - w.time)
            } else {
                if case .expired = lookup { status = .expired } else { status = .miss }
                let fetched = fetch(pop: pop, facts: f, request: w, originHeader: originHeader, policy: current)
                fill = fetched.fill
                filledAt = fetched.filledAt
                latency += fetched.latency
                originFetched = fetched.fromOrigin
                schedule(pop: pop, key: learnedKey(f, originHeader: originHeader, pop: pop, response: fills.keys[Int(fetched.fill)].response, lookedUp: key),
                         fill: fetched.fill, bytes: fetched.bytes, filledAt: fetched.filledAt,
                         completesAt: w.time + fetched.latency, facts: f)
            }
        }

        let fillKey = fills.keys[Int(fill)]
        let applyRules = scopeAll || f.flags & URLFacts.dynamic == 0
        let policy = applyRules ? (bindAtFill ? fillKey.policy : current) : -1
        let served = serve(response: fillKey.response, policy: policy, request: w, originHeader: originHeader)
        let verdict = UInt8(truncatingIfNeeded: served >> 32)
        let hit = status == .hit
        record(w, status: status, verdict: verdict, preflight: profile & Profile.preflight != 0, originFetched: originFetched,
               originBytes: originFetched ? w.bytes : 0, bytesServed: hit ? entryBytes : w.bytes, fromCache: hit, latency: latency)
        if observer != nil || (sampleLimit > 0 && f.flags & URLFacts.sampled != 0) {
            emitOutcome(w, status: status, served: served, latency: latency, originFetched: originFetched,
                        fill: fillKey, filledAt: filledAt, current: current)
        }
    }

    /// Whether the request's preflight fails, so that the actual request is never sent; the
    /// request is then recorded (and its outcome emitted) here. Out of line, as is
    /// `emitOutcome`: `handle` keeps fewer values live across what most requests skip.
    @inline(never)
    private mutating func preflightBlocks(_ w: Work, latency: Int64) -> Bool {
        let f = w.facts
        let reason = preflightOutcome(w, policy: pops[Int(w.pop)].policies[Int(f.domain)])
        guard reason != 0 else { return false }
        // Blocked at the preflight: the actual request is never sent. The OPTIONS that went
        // to the origin is this request's (uncacheable) fetch.
        record(w, status: .bypass, verdict: reason + 1, preflight: true, originFetched: true, originBytes: 0,
               bytesServed: 0, fromCache: false, latency: latency)
        if observer != nil || (sampleLimit > 0 && f.flags & URLFacts.sampled != 0) {
            emit(RequestOutcome(request: w.request, variant: index, cache: .bypass, served: [],
                                corsChecked: w.profile & Profile.checked != 0, verdict: Self.verdict(reason + 1),
                                preflighted: true, latency: latency, originFetched: true, filledByOrigin: nil,
                                filledAt: SimTime(microseconds: w.time), staleRules: false), sampled: f.flags & URLFacts.sampled != 0)
        }
        return true
    }

    /// Builds and emits the outcome of a request that was served (`served`: from `serve`).
    @inline(never)
    private mutating func emitOutcome(_ w: Work, status: CacheStatus, served: UInt64, latency: Int64, originFetched: Bool,
                                      fill fillKey: FillKey, filledAt: Int64, current: Int32) {
        let profile = w.profile
        emit(RequestOutcome(request: w.request, variant: index, cache: status,
                            served: servedHeaders[Int(Int32(truncatingIfNeeded: served))],
                            corsChecked: profile & Profile.checked != 0, verdict: Self.verdict(UInt8(truncatingIfNeeded: served >> 32)),
                            preflighted: profile & Profile.preflight != 0, latency: latency, originFetched: originFetched,
                            filledByOrigin: fillKey.filledBy == 0 ? nil : fillKey.filledBy - 1,
                            filledAt: SimTime(microseconds: filledAt), staleRules: fillKey.policy != current && bindAtFill),
             sampled: w.facts.flags & URLFacts.sampled != 0)
    }

    /// 0 unchecked, 1 pass, 2 + ordinal: failed for that reason.
    private static func verdict(_ code: UInt8) -> Verdict {
        switch code {
        case 0: return .unchecked
        case 1: return .pass
        default: return .fail(failureReasons[Int(code) - 2])
        }
    }

    private mutating func emit(_ outcome: RequestOutcome, sampled: Bool) {
        if let observer { observer(outcome) }
        if sampled && samples.count < sampleLimit { samples.append(outcome) }
    }

    /// Adds one request to its cell (variant × window × POP × class × reason) and the latencies.
    @inline(__always)
    private mutating func record(_ w: Work, status: CacheStatus, verdict: UInt8, preflight: Bool, originFetched: Bool,
                                 originBytes: Int64, bytesServed: Int64, fromCache: Bool, latency: Int64) {
        let checked = w.profile & Profile.checked != 0
        let failed = checked && verdict >= 2
        let reason: UInt8 = failed ? verdict - 1 : 0
        if w.time >= windowEnd { enterWindow(of: w.time) }
        if Int(w.cls) >= classInfo.count || classInfo[Int(w.cls)].originPlus1 == .max { learnClass(w) }
        let key = PackedKey(UInt64(w.cls) << 24 | UInt64(UInt16(truncatingIfNeeded: w.pop)) << 8 | UInt64(reason))
        let recent = WindowCellKey(packed: key.value, window: Int32(truncatingIfNeeded: currentWindow))
        let cell: Int
        if let c = recentCells[recent] {
            cell = Int(c)
        } else {
            cell = windowCell(key, recent)
        }
        // Through the block's pointer: no check of sole ownership per request.
        let cells = cellTallies.base
        cells[cell].requests += 1
        switch status {
        case .hit: cells[cell].hits += 1
        case .collapsed: cells[cell].collapsed += 1
        case .miss: cells[cell].misses += 1
        case .expired: cells[cell].misses += 1; cells[cell].expired += 1
        case .bypass: cells[cell].misses += 1; cells[cell].bypass += 1
        }
        if preflight { cells[cell].preflights += 1 }
        if originFetched { cells[cell].originFetches += 1; cells[cell].originBytes += originBytes }
        cells[cell].bytesServed += bytesServed
        if fromCache { cells[cell].bytesFromCache += bytesServed }
        if checked {
            cells[cell].corsChecked += 1
            if failed { cells[cell].corsFailures += 1 }
        }
        latencies.record(latency)
        if failed && countsURLs {
            let u = Int(w.url)
            if u >= failuresByURL.count { failuresByURL.append(contentsOf: repeatElement(0, count: u + 1 - failuresByURL.count)) }
            failuresByURL[u] += 1
        }
    }

    /// The cell of `key` in the current window when `recentCells` does not hold it: found in
    /// `windowCells`, or made. Out of line, the rarer way.
    @inline(never)
    private mutating func windowCell(_ key: PackedKey, _ recent: WindowCellKey) -> Int {
        let cell: Int
        if let c = windowCells[key] {
            cell = Int(c)
        } else {
            cell = cellTallies.count
            windowCells.insert(key, Int32(cell))
            cellWindows.append(Int32(currentWindow))
            cellKeys.append(key.value)
            cellTallies.append(Tally())
        }
        recentCells.remember(recent, Int32(cell))
        return cell
    }

    private mutating func enterWindow(of time: Int64) {
        let windowIndex = time / window
        precondition(windowIndex < Int64(Int32.max), "more than 2^31 time windows: widen the scenario's window")
        currentWindow = windowIndex
        let (end, overflow) = (windowIndex + 1).multipliedReportingOverflow(by: window)
        windowEnd = overflow ? .max : end
        windowCells = FlatMap()
    }

    private mutating func learnClass(_ w: Work) {
        while classInfo.count <= Int(w.cls) { classInfo.append((0, UInt32.max)) }
        classInfo[Int(w.cls)] = (w.kind, w.originPlus1)
    }

    // MARK: - Fetching

    private struct Fetched {
        var fill: Int32
        var bytes: Int64
        var filledAt: Int64
        var latency: Int64
        var fromOrigin: Bool
    }

    /// Fetches an object for `pop`, through its parent when it has one. The caller schedules the
    /// edge's own cache fill; a parent's fill is scheduled here. Inlined: a POP without a parent
    /// (every miss of a one-tier run) asks the origin in a few instructions, with no call.
    @inline(__always)
    private mutating func fetch(pop: Int, facts f: URLFacts, request w: Work, originHeader: UInt32, policy: Int32) -> Fetched {
        let parent = Int(parentOf[pop])
        guard parent >= 0 else {
            let fill = originFill(f, method: w.method, originHeader: originHeader, policy: policy)
            return Fetched(fill: fill, bytes: w.bytes, filledAt: w.time, latency: originRTT[pop], fromOrigin: true)
        }
        return fetch(pop: pop, through: parent, facts: f, request: w, originHeader: originHeader, policy: policy)
    }

    /// `fetch` for a POP with a parent tier.
    private mutating func fetch(pop: Int, through parent: Int, facts f: URLFacts, request w: Work, originHeader: UInt32, policy: Int32) -> Fetched {
        var fetched: Fetched
        let parentKey = cacheKey(f, originHeader: originHeader, pop: parent)
        let (lookup, size) = pops[parent].cache.lookupWithSize(parentKey, at: SimTime(microseconds: w.time))
        if case .hit(let value) = lookup {
            let filledAt = tracksFills ? (pops[parent].filledAt[parentKey] ?? w.time) : w.time
            fetched = Fetched(fill: value, bytes: size, filledAt: filledAt, latency: parentRTT[pop], fromOrigin: false)
        } else if let pending = pops[parent].inflight[parentKey] {
            let p = flights[pending]
            fetched = Fetched(fill: p.fill, bytes: p.bytes, filledAt: p.filledAt,
                              latency: max(p.completesAt - w.time, parentRTT[pop]), fromOrigin: false)
        } else {
            let fill = originFill(f, method: w.method, originHeader: originHeader, policy: pops[parent].policies[Int(f.domain)])
            fetched = Fetched(fill: fill, bytes: w.bytes, filledAt: w.time, latency: parentRTT[pop] + originRTT[parent], fromOrigin: true)
            schedule(pop: parent, key: learnedKey(f, originHeader: originHeader, pop: parent, response: fills.keys[Int(fill)].response, lookedUp: parentKey),
                     fill: fill, bytes: w.bytes, filledAt: w.time, completesAt: w.time + fetched.latency, facts: f)
        }
        // The response passes through the edge now: the edge's rules in force bind to its copy.
        let k = fills.keys[Int(fetched.fill)]
        fetched.fill = internFill(FillKey(response: k.response, policy: policy, filledBy: k.filledBy))
        return fetched
    }

    /// The key a fresh fill is stored under. When Vary is honoured and the response varies on
    /// Origin, the POP learns that this URL is stored per Origin from now on (as nginx and
    /// Varnish do on the first response that carries `Vary`). `lookedUp` is the key the miss
    /// was looked up under: it stays the key unless this response is what makes the URL vary.
    @inline(__always)
    private mutating func learnedKey(_ f: URLFacts, originHeader: UInt32, pop: Int, response: Int32, lookedUp: UInt64) -> UInt64 {
        guard vary == .honour, responseVaries[Int(response)] else { return lookedUp }
        pops[pop].markVarying(keyURL(f))
        varyMarks &+= 1
        return cacheKey(f, originHeader: originHeader, pop: pop)
    }

    private mutating func schedule(pop: Int, key: UInt64, fill: Int32, bytes: Int64, filledAt: Int64, completesAt: Int64, facts f: URLFacts) {
        let cacheable = !(vary == .bypass && responseVaries[Int(fills.keys[Int(fill)].response)])
        let record = InFlight(key: key, fill: fill, bytes: bytes, filledAt: filledAt, completesAt: completesAt,
                              expiresAt: completesAt + f.ttl, cacheable: cacheable)
        let slot = flights.add(record)
        pops[pop].inflight.set(key, slot)
        push(at: completesAt, .fetchComplete(pop: Int32(pop), flight: slot))
    }

    private mutating func prefetch(url: UInt32, facts f: URLFacts, pop: Int, at t: Int64) {
        guard f.flags & URLFacts.cacheable != 0 else { return }
        let key = cacheKey(f, originHeader: 0, pop: pop)
        if case .hit = pops[pop].cache.lookup(key, at: SimTime(microseconds: t)) { return }
        if pops[pop].inflight[key] != nil { return }
        let bytes = config.origins[Int(f.origin)].defaultObjectBytes
        let fill = originFill(f, method: 0, originHeader: 0, policy: pops[pop].policies[Int(f.domain)])
        prefetchFetches += 1
        schedule(pop: pop, key: key, fill: fill, bytes: bytes, filledAt: t, completesAt: t + originRTT[pop], facts: f)
    }

    /// The origin's response to a request with this method and Origin (`originHeader`: id + 1,
    /// 0 for none), bound to `policy`: a fill. Inlined: nearly every call is answered by
    /// `recentFills`.
    @inline(__always)
    private mutating func originFill(_ f: URLFacts, method: UInt32, originHeader: UInt32, policy: Int32) -> Int32 {
        let fillKey = OriginFillKey(origin: f.origin, pathRule: f.pathRule, method: method, originHeader: originHeader, policy: policy)
        if let known = recentFills[fillKey] { return known }
        return originFill(f, key: fillKey)
    }

    /// `originFill` when `recentFills` does not hold `fillKey`.
    private mutating func originFill(_ f: URLFacts, key fillKey: OriginFillKey) -> Int32 {
        let method = fillKey.method, originHeader = fillKey.originHeader, policy = fillKey.policy
        if let known = fillMemo[fillKey] {
            recentFills.remember(fillKey, known)
            return known
        }
        let key = ResponseKey(origin: f.origin, pathRule: f.pathRule, method: method, originHeader: originHeader)
        let response: Int32
        if let known = responseMemo[key] {
            response = known
        } else {
            var headers: HeaderFields = []
            if originHeader != 0 { headers.append(HeaderName.origin, catalog.origin(originHeader - 1).serialized) }
            let request = OriginRequest(method: catalog.method(method), headers: headers)
            response = intern(originResponse(to: request, facts: f))
            responseMemo.insert(key, response)
        }
        let fill = internFill(FillKey(response: response, policy: policy, filledBy: originHeader))
        fillMemo.insert(fillKey, fill)
        recentFills.remember(fillKey, fill)
        return fill
    }

    private mutating func internFill(_ key: FillKey) -> Int32 {
        if let e = fills.find(key) { return Int32(e) }
        return Int32(fills.insert(key, ()))
    }

    private func originResponse(to request: OriginRequest, facts f: URLFacts) -> OriginResponse {
        let origin = config.origins[Int(f.origin)]
        var base: HeaderFields = []
        if f.pathRule >= 0, let cc = origin.pathRules[Int(f.pathRule)].cacheControl {
            base.append(HeaderName.cacheControl, cc)
        }
        switch origin.behaviour {
        case .oss(let cors):
            return cors.respond(to: request, base: base)
        case .fixed(let headers):
            var all = base
            for h in headers { all.append(h.name, h.value) }
            return OriginResponse(status: 200, headers: all)
        }
    }

    private mutating func intern(_ response: OriginResponse) -> Int32 {
        if let i = responseIndex[response] { return i }
        responses.append(response)
        responseVaries.append(response.headers.values(HeaderName.vary).contains { Self.varyListsOrigin($0) })
        let i = Int32(responses.count - 1)
        responseIndex[response] = i
        return i
    }

    /// The served headers' id (low 32 bits) and the verdict code (bits 32…39) for a cached
    /// `response` with `policy` applied (-1: untouched), as request class `w.cls` sees it.
    @inline(__always)
    private mutating func serve(response: Int32, policy: Int32, request w: Work, originHeader: UInt32) -> UInt64 {
        let key = ServeKey(response: response, policy: policy, cls: w.cls)
        if let known = recentServes[key] { return known }
        if let known = serveMemo[key] {
            recentServes.remember(key, known)
            return known
        }
        let served = servedID(response: response, policy: policy, originHeader: originHeader)
        let code = verdictCode(served: served, request: w)
        let value = UInt64(UInt32(bitPattern: served)) | UInt64(code) << 32
        serveMemo.insert(key, value)
        recentServes.remember(key, value)
        return value
    }

    /// The headers the POP sends: the cached response with `policy` applied (-1: untouched).
    private mutating func servedID(response: Int32, policy: Int32, originHeader: UInt32) -> Int32 {
        let key = ServedKey(response: response, policy: policy, originHeader: originHeader)
        if let known = servedMemo[key] { return known }
        let origin = responses[Int(response)].headers
        let headers = policy < 0 ? origin
            : policies[Int(policy)].apply(to: origin, requestOrigin: originHeader == 0 ? nil : catalog.origin(originHeader - 1).serialized)
        let id: Int32
        if let i = servedIndex[headers] { id = i } else {
            servedHeaders.append(headers)
            id = Int32(servedHeaders.count - 1)
            servedIndex[headers] = id
        }
        servedMemo.insert(key, id)
        return id
    }

    private mutating func verdictCode(served: Int32, request w: Work) -> UInt8 {
        guard w.profile & Profile.checked != 0 else { return 0 }
        let key = VerdictKey(served: served, cls: w.cls)
        if let v = verdictMemo[key] { return v }
        let v: UInt8
        switch Browser.verdict(for: browserRequest(w), response: servedHeaders[Int(served)]) {
        case .unchecked: v = 0
        case .pass: v = 1
        case .fail(let reason): v = UInt8(reason.ordinal + 2)
        }
        verdictMemo.insert(key, v)
        return v
    }

    /// 0 when the preflight passes (or there is none), else the reason's ordinal + 1.
    private mutating func preflightOutcome(_ w: Work, policy: Int32) -> UInt8 {
        let f = w.facts
        let key = PreflightKey(domain: f.domain, pathRule: f.pathRule, policy: policy, cls: w.cls)
        if let known = preflightMemo[key] { return known }
        let request = browserRequest(w)
        var reason: UInt8 = 0
        if let options = request.preflightRequest {
            var response = originResponse(to: options, facts: f)
            if scopeAll || f.flags & URLFacts.dynamic == 0 {
                response.headers = policies[Int(policy)].apply(to: response.headers, requestOrigin: options.headers.get(HeaderName.origin))
            }
            if let r = Browser.preflightCheck(response, for: request) { reason = UInt8(r.ordinal + 1) }
        }
        preflightMemo.insert(key, reason)
        return reason
    }

    private func browserRequest(_ w: Work) -> BrowserRequest {
        BrowserRequest(method: catalog.method(w.method), pageOrigin: w.originPlus1 == 0 ? nil : catalog.origin(w.originPlus1 - 1),
                       kind: resourceKinds[Int(w.kind)], credentials: credentialsModes[Int(w.credentials)])
    }

    // MARK: - Keys

    @inline(__always)
    private func keyURL(_ f: URLFacts) -> UInt32 { includeQueryInKey ? f.keyWithQuery : f.keyWithoutQuery }

    @inline(__always)
    private func cacheKey(_ f: URLFacts, originHeader: UInt32, pop: Int) -> UInt64 {
        let keyURL = self.keyURL(f)
        let variesByOrigin = includeOriginInKey || (vary == .honour && pops[pop].isVarying(keyURL))
        // Part 0: one copy for every Origin; 1: requests without Origin; id + 2 otherwise.
        let part: UInt32 = variesByOrigin ? (originHeader == 0 ? 1 : originHeader + 1) : 0
        return UInt64(keyURL) << 32 | UInt64(part)
    }

    static func varyListsOrigin(_ value: String) -> Bool {
        value.split(separator: ",").contains { token in
            let t = token.trimmingASCIIWhitespace()
            return t == "*" || String(t).caseInsensitiveEquals("origin")
        }
    }

    // MARK: - Results

    /// This unit's counts, with per-POP tallies and totals derived from the cells.
    func result() -> VariantResult {
        var r = VariantResult(name: spec.name, popCount: config.pops.count)
        for i in cellTallies.indices {
            let packed = cellKeys[i]
            let cls = Int(packed >> 24)
            let pop = Int32(truncatingIfNeeded: (packed >> 8) & 0xFFFF)
            let reason = UInt8(truncatingIfNeeded: packed & 0xFF)
            let info = classInfo[cls]
            let key = CellKey(pop: pop, kind: info.kind, reason: reason, origin: info.originPlus1, window: cellWindows[i])
            r.cells[key, default: Tally()].add(cellTallies[i])
        }
        r.latency = latency
        r.prefetchFetches = prefetchFetches
        r.appliedEvents = applied
        r.failuresByURL = failuresByURL
        for p in 0..<popStates.count where owned[p] {
            r.evictions += pops[p].cache.evictions
            r.peakBytes[p] = pops[p].cache.peakUsedBytes
            r.cacheBytes += pops[p].cache.allocatedBytes
            r.residentObjects += pops[p].cache.count
        }
        r.deriveTotals()
        return r
    }
}

// MARK: - Resolved requests

/// Variant-independent facts about one URL, derived once per run by its driver.
struct URLFacts: Sendable {
    static let dynamic: UInt8 = 1
    static let cacheable: UInt8 = 2
    /// The report's timeline wants this URL's outcomes.
    static let sampled: UInt8 = 4

    var ttl: Int64
    var domain: Int32
    /// The origin server's index in the configuration.
    var origin: Int32
    /// The first URL id with this domain, path and query: the cache key when the query counts.
    var keyWithQuery: UInt32
    /// The first URL id with this domain and path.
    var keyWithoutQuery: UInt32
    var pathRule: Int32
    var flags: UInt8
}

/// What the browser does with a request class, as bits.
enum Profile {
    static let sendsOrigin: UInt8 = 1
    static let checked: UInt8 = 2
    static let preflight: UInt8 = 4
    /// GET or HEAD: the only methods a POP serves from or stores in its cache.
    static let cacheableMethod: UInt8 = 8
}

/// One request resolved for the event loop: ids, the URL's facts and the browser's profile.
///
/// `Driver.resolve` writes these fields one by one where a request goes (a value built whole and
/// copied there stalled on a failed store-to-load forward): a field added here must be written
/// there too.
struct Work: Sendable {
    var time: Int64
    var seq: Int
    /// The response size: the trace's, else the origin's default.
    var bytes: Int64
    var facts: URLFacts
    var url: UInt32
    /// The request class: (page origin, kind, credentials, method), numbered by the driver.
    var cls: UInt32
    /// Page origin id + 1; 0 for none.
    var originPlus1: UInt32
    var method: UInt32
    var pop: Int32
    var kind: UInt8
    var credentials: UInt8
    var profile: UInt8
    /// Whether the trace gave the size.
    var hasBytes: Bool

    /// The request as outcomes show it.
    var request: SimRequest {
        SimRequest(seq: seq, time: SimTime(microseconds: time), pop: Int(pop), url: url,
                   origin: originPlus1 == 0 ? nil : originPlus1 - 1, kind: resourceKinds[Int(kind)],
                   credentials: credentialsModes[Int(credentials)], method: method, bytes: hasBytes ? bytes : nil)
    }
}

let resourceKinds = ResourceKind.allCases
let credentialsModes = CredentialsMode.allCases
let failureReasons = FailureReason.allCases

// MARK: - State and keys

struct InFlight: Sendable {
    var key: UInt64
    var fill: Int32
    var bytes: Int64
    var filledAt: Int64
    var completesAt: Int64
    var expiresAt: Int64
    var cacheable: Bool
}

/// The records of the fetches in flight, by number: a finished fetch's number is reused by
/// the next fetch (the most recently released first). Both tables are `PointerBuffer`s: a
/// miss adds a record and a completion releases it, and arrays would check their sole
/// ownership at each.
struct FlightPool {
    private var records = PointerBuffer<InFlight>()
    /// Released numbers, a stack.
    private var free = PointerBuffer<Int32>()

    /// The record of a fetch in flight (added and not yet released).
    @inline(__always)
    subscript(flight: Int32) -> InFlight { records[Int(flight)] }

    /// Stores `record` under the most recently released number, else a new one.
    @inline(__always)
    mutating func add(_ record: InFlight) -> Int32 {
        if free.count > 0 {
            let flight = free.removeLast()
            records[Int(flight)] = record
            return flight
        }
        precondition(records.count < Int(Int32.max), "internal error: more than 2³¹ fetches in flight")
        records.append(record)
        return Int32(records.count - 1)
    }

    /// Frees a fetch's number for reuse; its record is not read again.
    @inline(__always)
    mutating func release(_ flight: Int32) {
        free.append(flight)
    }
}

enum InternalEvent: Sendable {
    case fetchComplete(pop: Int32, flight: Int32)
    case scenario(pop: Int32, event: Int32, ordinal: Int32)
}

/// The POP states of a unit, in memory that does not move for the unit's life (see
/// `VariantSimulator.pops`).
final class POPStates {
    let base: UnsafeMutablePointer<POPState>
    let count: Int

    init(_ states: [POPState]) {
        count = states.count
        base = .allocate(capacity: max(1, count))
        for (p, state) in states.enumerated() { (base + p).initialize(to: state) }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
}

struct POPState {
    /// Values are fill ids (4 bytes a resident object).
    var cache: LRUCache<Int32>
    var inflight = UInt64Table()
    /// Policy id in force at this POP, per domain.
    var policies: [Int32]
    /// Bit per key URL id: its responses said `Vary: Origin` (when Vary is honoured).
    var varying: [UInt64] = []
    /// When the cached copy under each key was fetched, kept only when outcomes are built.
    var filledAt: [UInt64: Int64] = [:]

    init(capacity: Int64, policies: [Int32], expectedObjects: Int) {
        self.cache = LRUCache(capacityBytes: capacity, expectedObjects: expectedObjects)
        self.policies = policies
    }

    @inline(__always)
    func isVarying(_ keyURL: UInt32) -> Bool {
        let word = Int(keyURL >> 6)
        return word < varying.count && varying[word] & (1 << UInt64(keyURL & 63)) != 0
    }

    mutating func markVarying(_ keyURL: UInt32) {
        let word = Int(keyURL >> 6)
        if word >= varying.count { varying.append(contentsOf: repeatElement(0, count: word + 1 - varying.count)) }
        varying[word] |= 1 << UInt64(keyURL & 63)
    }
}

struct PackedKey: FlatKey {
    var value: UInt64
    init(_ value: UInt64) { self.value = value }
    var mixedHash: UInt64 { mix64(value) }
}

struct ResponseKey: FlatKey {
    var origin: Int32; var pathRule: Int32; var method: UInt32; var originHeader: UInt32
    var mixedHash: UInt64 { mix(UInt32(bitPattern: origin), UInt32(bitPattern: pathRule), method, originHeader) }
}

struct OriginFillKey: FlatKey, RecentKey {
    var origin: Int32; var pathRule: Int32; var method: UInt32; var originHeader: UInt32; var policy: Int32
    var mixedHash: UInt64 {
        mix(UInt32(bitPattern: origin), UInt32(bitPattern: pathRule), method ^ UInt32(bitPattern: policy) &* 0x9E37_79B9, originHeader)
    }
    var foldedBits: UInt64 {
        UInt64(UInt32(bitPattern: origin)) ^ UInt64(UInt32(bitPattern: pathRule)) << 13 ^ UInt64(method) << 26
            ^ UInt64(originHeader) << 39 ^ UInt64(UInt32(bitPattern: policy)) << 52
    }
    /// No origin has id -1: the empty slots of a `RecentMemo`.
    static let vacant = OriginFillKey(origin: -1, pathRule: -1, method: 0, originHeader: 0, policy: -1)
}

struct FillKey: FlatKey {
    var response: Int32; var policy: Int32
    /// The `Origin` the fill was fetched with: id + 1, 0 for none.
    var filledBy: UInt32
    var mixedHash: UInt64 { mix(UInt32(bitPattern: response), UInt32(bitPattern: policy), filledBy) }
}

struct ServedKey: FlatKey {
    var response: Int32; var policy: Int32; var originHeader: UInt32
    var mixedHash: UInt64 { mix(UInt32(bitPattern: response), UInt32(bitPattern: policy), originHeader) }
}

struct ServeKey: FlatKey, RecentKey {
    var response: Int32; var policy: Int32; var cls: UInt32
    var mixedHash: UInt64 { mix(UInt32(bitPattern: response), UInt32(bitPattern: policy), cls) }
    var foldedBits: UInt64 { UInt64(UInt32(bitPattern: response)) ^ UInt64(UInt32(bitPattern: policy)) << 21 ^ UInt64(cls) << 42 }
    /// No response has id -1: the empty slots of a `RecentMemo`.
    static let vacant = ServeKey(response: -1, policy: -1, cls: 0)
}

/// A results cell (class, POP and reason packed as in `windowCells`) in a time window.
struct WindowCellKey: RecentKey {
    var packed: UInt64; var window: Int32
    var foldedBits: UInt64 { packed }
    /// A packed class, POP and reason is below 2⁵⁶: the empty slots of a `RecentMemo`.
    static let vacant = WindowCellKey(packed: .max, window: -1)
}

struct VerdictKey: FlatKey {
    var served: Int32; var cls: UInt32
    var mixedHash: UInt64 { mix64(UInt64(UInt32(bitPattern: served)) | UInt64(cls) << 32) }
}

struct PreflightKey: FlatKey {
    var domain: Int32; var pathRule: Int32; var policy: Int32; var cls: UInt32
    var mixedHash: UInt64 { mix(UInt32(bitPattern: domain), UInt32(bitPattern: pathRule), UInt32(bitPattern: policy), cls) }
}
