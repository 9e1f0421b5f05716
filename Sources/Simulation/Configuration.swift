import HTTPModel

/// Everything a run needs to know about the world, already validated and resolved to indices.
///
/// The Scenario layer builds this from a file; tests build it by hand. Names (POP ids, hosts)
/// appear only for reporting: the event loop works on indices.
public struct SimulationConfig: Sendable {
    public var pops: [POPSpec]
    public var origins: [OriginSpec]
    public var domains: [DomainSpec]
    public var variants: [VariantSpec]
    public var events: [EventSpec]
    /// Width of the time windows results are aggregated over.
    public var window: Int64
    public var seed: UInt64

    public init(pops: [POPSpec], origins: [OriginSpec], domains: [DomainSpec], variants: [VariantSpec],
                events: [EventSpec] = [], window: Int64 = 60_000_000, seed: UInt64 = 0) {
        self.pops = pops
        self.origins = origins
        self.domains = domains
        self.variants = variants
        self.events = events
        self.window = window
        self.seed = seed
    }
}

/// A point of presence: a cache of `capacityBytes`, `originRTT` away from the origin.
public struct POPSpec: Sendable {
    public var id: String
    public var capacityBytes: Int64
    /// Round trip from this POP to the origin, in µs: what a miss costs.
    public var originRTT: Int64
    /// A parent (tier-2) POP that edge misses go to before the origin.
    public var parent: Int?
    /// Round trip from this POP to its parent, in µs.
    public var parentRTT: Int64

    public init(id: String, capacityBytes: Int64, originRTT: Int64, parent: Int? = nil, parentRTT: Int64 = 0) {
        self.id = id
        self.capacityBytes = capacityBytes
        self.originRTT = originRTT
        self.parent = parent
        self.parentRTT = parentRTT
    }
}

/// What an origin answers for requests under one path prefix.
public struct PathRule: Sendable, Hashable {
    public var prefix: String
    /// `Cache-Control` the origin sends for these paths (nil: none).
    public var cacheControl: String?
    /// Dynamic content: never cached, and outside the CDN CORS rules' static-file scope.
    public var dynamic: Bool
    public init(prefix: String, cacheControl: String? = nil, dynamic: Bool = false) {
        self.prefix = prefix
        self.cacheControl = cacheControl
        self.dynamic = dynamic
    }
}

/// An origin server behind one or more CDN domains.
public struct OriginSpec: Sendable {
    public enum Behaviour: Sendable {
        /// An OSS bucket evaluating its CORS rules per request.
        case oss(OSSCORSConfiguration)
        /// A server that returns the same headers to everyone.
        case fixed(HeaderFields)
    }
    public var id: String
    public var behaviour: Behaviour
    /// Per-path behaviour, longest matching prefix wins.
    public var pathRules: [PathRule]
    /// Object size when the trace gives none.
    public var defaultObjectBytes: Int64

    public init(id: String, behaviour: Behaviour, pathRules: [PathRule] = [], defaultObjectBytes: Int64 = 100_000) {
        self.id = id
        self.behaviour = behaviour
        self.pathRules = pathRules
        self.defaultObjectBytes = defaultObjectBytes
    }
}

/// A CDN-side TTL rule, as CDN consoles set them: by path prefix or by file extension.
public struct TTLRule: Sendable, Hashable {
    public enum Match: Sendable, Hashable {
        case prefix(String)
        case fileExtension(String)
    }
    public var match: Match
    /// Time to live in µs; 0 means "do not cache".
    public var ttl: Int64
    public init(_ match: Match, ttl: Int64) {
        self.match = match
        self.ttl = ttl
    }
}

/// An accelerated domain: a host name in front of one origin, with its cache rules.
public struct DomainSpec: Sendable {
    public var host: String
    /// `https` or `http`: with `host`, forms the resource's origin.
    public var scheme: String
    public var origin: Int
    /// Cache rules, first match wins; they take precedence over the origin's Cache-Control.
    public var ttlRules: [TTLRule]
    /// TTL when neither a rule nor the origin's Cache-Control says.
    public var defaultTTL: Int64

    public init(host: String, scheme: String = "https", origin: Int, ttlRules: [TTLRule] = [], defaultTTL: Int64) {
        self.host = host
        self.scheme = scheme
        self.origin = origin
        self.ttlRules = ttlRules
        self.defaultTTL = defaultTTL
    }
}

/// How a POP treats an origin response's `Vary: Origin`.
public enum VaryHandling: String, Sendable, CaseIterable {
    /// Cache one copy per URL whatever Vary says (what the seed's FAQ implies for Alibaba CDN).
    case ignore
    /// Cache one copy per Origin value for URLs whose response varies on Origin (nginx, Varnish, Fastly).
    case honour
    /// Do not cache responses that vary on Origin (Akamai's default).
    case bypass
}

/// When the CDN's header rules are applied to a cached object.
public enum RuleBinding: String, Sendable, CaseIterable {
    /// The rules in force when the object was cached stay with it until purge or expiry (the seed's FAQ).
    case fill
    /// The rules in force now apply to every response, cached or not (nginx `add_header`, CloudFront policies).
    case serve
}

/// Which responses the CDN's CORS rules touch.
public enum RuleScope: String, Sendable, CaseIterable {
    /// Static (cacheable) files only — the seed: "applies only to static files".
    case `static`
    /// Every response.
    case all
}

/// One configuration to compare: the CDN settings for every domain.
public struct VariantSpec: Sendable {
    public var name: String
    /// Header rules per domain (index = domain index).
    public var policies: [CDNHeaderPolicy]
    public var includeQueryInKey: Bool
    public var includeOriginInKey: Bool
    public var vary: VaryHandling
    public var ruleBinding: RuleBinding
    public var scope: RuleScope
    /// Per POP (index = POP index; one for each), the cache's capacity in this variant instead of
    /// the POP's own; nil: the POPs' capacities. A capacity sweep runs each variant once per capacity
    /// in one pass over the trace, the copies differing only here.
    public var capacities: [Int64]?

    public init(name: String, policies: [CDNHeaderPolicy], includeQueryInKey: Bool = true, includeOriginInKey: Bool = false,
                vary: VaryHandling = .ignore, ruleBinding: RuleBinding = .fill, scope: RuleScope = .static,
                capacities: [Int64]? = nil) {
        self.name = name
        self.policies = policies
        self.includeQueryInKey = includeQueryInKey
        self.includeOriginInKey = includeOriginInKey
        self.vary = vary
        self.ruleBinding = ruleBinding
        self.scope = scope
        self.capacities = capacities
    }

    /// The capacity of POP `pop`'s cache in this variant.
    public func capacity(of pop: Int, in pops: [POPSpec]) -> Int64 {
        capacities?[pop] ?? pops[pop].capacityBytes
    }
}

/// Which cached objects a purge removes.
public enum PurgeTarget: Sendable, Hashable {
    /// One URL (absolute, or a path on `domain`).
    case url(String)
    /// Every URL whose path (or absolute URL) starts with this.
    case prefix(String)
    case all
}

/// Something that happens to the CDN during the run.
public struct EventSpec: Sendable {
    public enum Action: Sendable {
        /// Remove matching objects from the POPs' caches.
        case purge(PurgeTarget, domain: Int?)
        /// New header rules for one domain (or all when nil).
        case configChange(CDNHeaderPolicy, domain: Int?)
        /// Fetch a URL into the caches without an Origin header, as a CDN prefetch does.
        case prefetch(url: String)
    }
    /// When the event is issued, µs.
    public var at: Int64
    public var action: Action
    /// POP indices it reaches (nil: all).
    public var pops: [Int]?
    /// Delay from `at` until it takes effect at each POP (index = POP index); empty = none.
    public var delays: [Int64]
    /// Variant names it applies to (nil: all).
    public var variants: [String]?
    /// A label for reports ("purge /fonts/").
    public var label: String

    public init(at: Int64, action: Action, pops: [Int]? = nil, delays: [Int64] = [], variants: [String]? = nil, label: String) {
        self.at = at
        self.action = action
        self.pops = pops
        self.delays = delays
        self.variants = variants
        self.label = label
    }

    /// The delay for `pop`.
    public func delay(at pop: Int) -> Int64 { pop < delays.count ? delays[pop] : 0 }
}
