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

    public var resourceKind: ResourceKind { ResourceKind.allCases[Int(kind)] }
    public var failureReason: FailureReason? { reason == 0 ? nil : FailureReason.allCases[Int(reason) - 1] }
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

    public init(name: String, popCount: Int) {
        self.name = name
        self.perPOP = Array(repeating: Tally(), count: popCount)
    }
}

/// When an event took effect at a POP, for timelines and charts.
public struct AppliedEvent: Sendable {
    public var time: SimTime
    public var variant: Int
    public var pop: Int
    public var label: String
    public var removed: Int
}
