import HTTPModel

/// How the POP answered a request.
public enum CacheStatus: String, Sendable, CaseIterable {
    /// Served from the POP's cache.
    case hit = "HIT"
    /// Not cached: fetched (from the parent tier or the origin).
    case miss = "MISS"
    /// Joined a fetch already in flight for the same key; gets what that fetch brings.
    case collapsed = "COLLAPSED"
    /// Cached but past its TTL: fetched again.
    case expired = "EXPIRED"
    /// Not cacheable (dynamic content, no-store, or Vary the POP will not cache): straight to origin.
    case bypass = "BYPASS"

    /// MISS, EXPIRED and BYPASS all cost a fetch; reports count them as misses.
    public var isMiss: Bool { self == .miss || self == .expired || self == .bypass }
}

/// Everything about one request's fate, for audit logs and narrated timelines.
public struct RequestOutcome: Sendable {
    public var request: SimRequest
    public var variant: Int
    public var cache: CacheStatus
    /// The response headers the browser received (ACAO lines included, duplicates kept).
    public var served: HeaderFields
    public var corsChecked: Bool
    public var verdict: Verdict
    /// Whether a preflight preceded the request (its failure is the verdict's reason).
    public var preflighted: Bool
    /// Time from arrival at the POP to response, µs.
    public var latency: Int64
    /// Whether the origin was contacted for this request (a parent-tier hit is a miss without it).
    public var originFetched: Bool
    /// The `Origin` header that the request which filled the cached copy carried (nil: none).
    public var filledByOrigin: UInt32?
    /// When the copy that served this request was fetched.
    public var filledAt: SimTime
    /// Whether the copy was cached under rules older than the POP's current ones.
    public var staleRules: Bool
}

/// Counts for one group of requests. Counts are the truth; rates are computed when printed.
public struct Tally: Sendable, Equatable {
    public var requests = 0
    public var corsChecked = 0
    public var corsFailures = 0
    public var hits = 0
    public var misses = 0
    public var collapsed = 0
    public var expired = 0
    public var bypass = 0
    public var originFetches = 0
    public var originBytes: Int64 = 0
    public var bytesServed: Int64 = 0
    public var bytesFromCache: Int64 = 0
    public var preflights = 0

    public init() {}

    public var failureRate: Double { corsChecked == 0 ? 0 : Double(corsFailures) / Double(corsChecked) }
    /// Hits over requests (collapsed requests are not hits: they waited for a fetch).
    public var hitRatio: Double { requests == 0 ? 0 : Double(hits) / Double(requests) }
    public var byteHitRatio: Double { bytesServed == 0 ? 0 : Double(bytesFromCache) / Double(bytesServed) }

    public mutating func add(_ o: Tally) {
        requests += o.requests; corsChecked += o.corsChecked; corsFailures += o.corsFailures
        hits += o.hits; misses += o.misses; collapsed += o.collapsed; expired += o.expired; bypass += o.bypass
        originFetches += o.originFetches; originBytes += o.originBytes
        bytesServed += o.bytesServed; bytesFromCache += o.bytesFromCache; preflights += o.preflights
    }
}

/// One aggregation cell: variant × POP × kind × page origin × reason × time window.
public struct CellKey: Hashable, Sendable, Comparable {
    public var pop: Int32
    public var kind: UInt8
    /// FailureReason index + 1; 0 for requests that did not fail.
    public var reason: UInt8
    /// Page origin id + 1; 0 for requests without one.
    public var origin: UInt32
    public var window: Int32

    public static func < (a: Self, b: Self) -> Bool {
        (a.window, a.pop, a.kind, a.origin, a.reason) < (b.window, b.pop, b.kind, b.origin, b.reason)
    }

    public var resourceKind: ResourceKind { resourceKinds[Int(kind)] }
    public var failureReason: FailureReason? { reason == 0 ? nil : failureReasons[Int(reason) - 1] }

    public init(pop: Int32, kind: UInt8, reason: UInt8, origin: UInt32, window: Int32) {
        self.pop = pop
        self.kind = kind
        self.reason = reason
        self.origin = origin
        self.window = window
    }
    public var originID: UInt32? { origin == 0 ? nil : origin - 1 }
}

/// What one variant's run produced.
public struct VariantResult: Sendable {
    public var name: String
    public var total = Tally()
    public var perPOP: [Tally]
    public var failuresByReason: [FailureReason: Int] = [:]
    public var cells: [CellKey: Tally] = [:]
    public var latency = LatencyHistogram()
    public var evictions = 0
    /// Origin fetches made by prefetch events (not caused by any request).
    public var prefetchFetches = 0
    /// Events as they took effect at each POP, in time order.
    public var appliedEvents: [AppliedEvent] = []
    /// Failures per URL id (CORS-checked requests that failed), when the run counts them;
    /// ids past the end have none.
    public var failuresByURL: [Int] = []
    /// The most bytes each POP's cache held at once (for URL shards: exact while the sum over
    /// shards stays within the capacity).
    public var peakBytes: [Int64]
    /// Objects in the caches at the end, and the bytes of storage the caches allocated for
    /// them (slots and index): what "memory per resident object" is measured from.
    public var residentObjects = 0
    public var cacheBytes = 0

    public init(name: String, popCount: Int) {
        self.name = name
        self.perPOP = Array(repeating: Tally(), count: popCount)
        self.peakBytes = Array(repeating: 0, count: popCount)
    }

    /// Recomputes `total`, `perPOP` and `failuresByReason` from the cells, which hold every count.
    public mutating func deriveTotals() {
        total = Tally()
        perPOP = Array(repeating: Tally(), count: perPOP.count)
        var reasons = Array(repeating: 0, count: failureReasons.count)
        for (key, t) in cells {
            total.add(t)
            perPOP[Int(key.pop)].add(t)
            if key.reason != 0 { reasons[Int(key.reason) - 1] += t.corsFailures }
        }
        failuresByReason = [:]
        for (i, n) in reasons.enumerated() where n > 0 { failuresByReason[failureReasons[i]] = n }
    }

    /// Adds another part of the same variant's run (another unit's POPs, or another shard):
    /// counts add, histograms merge, applied events interleave by time and then by their
    /// order in the scenario, as one run would have applied them. Totals are re-derived.
    /// - Parameter sameEvents: the parts saw the same events (URL shards): an event's
    ///   removals add up instead of the event appearing twice.
    public mutating func merge(_ other: VariantResult, sameEvents: Bool = false) {
        for (key, t) in other.cells { cells[key, default: Tally()].add(t) }
        latency.merge(other.latency)
        evictions += other.evictions
        prefetchFetches += other.prefetchFetches
        residentObjects += other.residentObjects
        cacheBytes += other.cacheBytes
        for p in peakBytes.indices where p < other.peakBytes.count { peakBytes[p] += other.peakBytes[p] }
        if failuresByURL.count < other.failuresByURL.count {
            failuresByURL.append(contentsOf: repeatElement(0, count: other.failuresByURL.count - failuresByURL.count))
        }
        for (u, n) in other.failuresByURL.enumerated() where n != 0 { failuresByURL[u] += n }
        if sameEvents {
            var byOrdinal: [Int: Int] = [:]
            for (i, e) in appliedEvents.enumerated() { byOrdinal[e.ordinal] = i }
            for e in other.appliedEvents {
                if let i = byOrdinal[e.ordinal] { appliedEvents[i].removed += e.removed } else { appliedEvents.append(e) }
            }
        } else {
            appliedEvents += other.appliedEvents
        }
        appliedEvents.sort { ($0.time, $0.ordinal) < ($1.time, $1.ordinal) }
        deriveTotals()
    }
}

/// When an event took effect at a POP, for timelines and charts.
public struct AppliedEvent: Sendable, Equatable {
    public var time: SimTime
    public var variant: Int
    public var pop: Int
    public var label: String
    public var removed: Int
    /// The (event, POP) pair's position in the scenario's events: ties in time apply in this order.
    public var ordinal: Int

    public init(time: SimTime, variant: Int, pop: Int, label: String, removed: Int, ordinal: Int) {
        self.time = time
        self.variant = variant
        self.pop = pop
        self.label = label
        self.removed = removed
        self.ordinal = ordinal
    }
}
