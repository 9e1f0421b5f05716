import HTTPModel

/// One variant's world: its POPs, caches, rules in force and results, advanced request by request.
///
/// Everything a request needs is computed from integer ids; the few string operations (CDN rule
/// application, origin responses, the browser check) are memoised per distinct combination, so
/// each runs once per (response, rule set, Origin) rather than once per request.
final class VariantSimulator {
    let index: Int
    let spec: VariantSpec
    let config: SimulationConfig
    let catalog: Catalog
    var result: VariantResult
    var applied: [AppliedEvent] = []
    var observer: ((RequestOutcome) -> Void)?

    private var pops: [POPState]
    private var policies: [CDNHeaderPolicy] = []
    private var queue = EventQueue<InternalEvent>()
    private var lastTime = SimTime.zero

    // Per-URL facts, derived once per distinct URL.
    private var urlFacts: [URLFacts] = []
    private var keyURLByText: [String: UInt32] = [:]

    // Memo tables: integer keys to interned values.
    private var responses: [OriginResponse] = []
    private var responseIndex: [OriginResponse: Int32] = [:]
    private var responseMemo: [ResponseKey: Int32] = [:]
    private var servedHeaders: [HeaderFields] = []
    private var servedIndex: [HeaderFields: Int32] = [:]
    private var servedMemo: [ServedKey: Int32] = [:]
    private var verdictMemo: [VerdictKey: Verdict] = [:]
    private var preflightMemo: [PreflightKey: FailureReason?] = [:]
    private var profileMemo: [ProfileKey: Profile] = [:]

    init(index: Int, config: SimulationConfig, catalog: Catalog) {
        self.index = index
        self.spec = config.variants[index]
        self.config = config
        self.catalog = catalog
        self.result = VariantResult(name: config.variants[index].name, popCount: config.pops.count)
        self.pops = []
        let initialPolicies = spec.policies.map { internPolicy($0) }
        self.pops = config.pops.map { POPState(capacity: $0.capacityBytes, policies: initialPolicies) }
        for (eventIndex, event) in config.events.enumerated() {
            if let names = event.variants, !names.contains(spec.name) { continue }
            for pop in event.pops ?? Array(config.pops.indices) {
                queue.push(at: SimTime(microseconds: event.at + event.delay(at: pop)), .scenario(pop: pop, event: eventIndex))
            }
        }
    }

    private func internPolicy(_ policy: CDNHeaderPolicy) -> Int32 {
        if let i = policies.firstIndex(of: policy) { return Int32(i) }
        policies.append(policy)
        return Int32(policies.count - 1)
    }

    /// Each POP's cache: bytes in use and capacity, for the end-of-run invariants.
    var cacheBytes: [(used: Int64, capacity: Int64)] { pops.map { ($0.cache.usedBytes, $0.cache.capacityBytes) } }

    /// Evictions summed over this variant's POPs.
    var evictionCount: Int { pops.reduce(0) { $0 + $1.cache.evictions } }

    // MARK: - Time

    /// Runs every internal event due at or before `time` (events first on ties: a fetch that
    /// completes at the instant a request arrives has filled the cache for it).
    func advance(to time: SimTime) {
        InternalError.check(time >= lastTime, "\(spec.name): time went backwards (\(time.microseconds) µs after \(lastTime.microseconds) µs)")
        while let due = queue.peekTime, due <= time {
            let (t, event) = queue.popMin()!
            InternalError.check(t >= lastTime, "\(spec.name): an event at \(t.microseconds) µs ran after \(lastTime.microseconds) µs")
            run(event, at: t)
        }
        lastTime = time
    }

    /// Runs every remaining event (fetches still in flight when the trace ends).
    func finish() {
        while let (t, event) = queue.popMin() {
            run(event, at: t)
        }
    }

    private func run(_ event: InternalEvent, at t: SimTime) {
        switch event {
        case let .fetchComplete(pop, key, fill):
            guard let pending = pops[pop].inflight[key], pending.id == fill.id else { return }
            pops[pop].inflight[key] = nil
            if pending.cacheable {
                // An object larger than the whole cache is served but not kept (insert says false).
                _ = pops[pop].cache.insert(key, bytes: pending.entry.bytes, expiresAt: pending.expiresAt, value: pending.entry)
            }
        case let .scenario(pop, eventIndex):
            let event = config.events[eventIndex]
            var removed = 0
            switch event.action {
            case let .purge(target, domain):
                removed = pops[pop].cache.removeAll { key, _ in self.purgeMatches(UInt32(truncatingIfNeeded: key >> 32), target, domain) }
            case let .configChange(policy, domain):
                let id = internPolicy(policy)
                for d in config.domains.indices where domain == nil || domain == d { pops[pop].policies[d] = id }
            case let .prefetch(url):
                if let id = try? catalog.urlID(for: url) { prefetch(url: id, pop: pop, at: t) }
            }
            applied.append(AppliedEvent(time: t, variant: index, pop: pop, label: event.label, removed: removed))
        }
    }

    private func purgeMatches(_ keyURL: UInt32, _ target: PurgeTarget, _ domain: Int?) -> Bool {
        let info = catalog.urls[Int(keyURL)]
        if let domain, info.domain != domain { return false }
        switch target {
        case .all: return true
        case .url(let u): return u.hasPrefix("/") ? info.pathAndQuery == u || info.path == u : info.text == u || canonicalText(info) == u
        case .prefix(let p): return p.hasPrefix("/") ? info.path.hasPrefix(p) : (info.text.hasPrefix(p) || canonicalText(info).hasPrefix(p))
        }
    }

    private func canonicalText(_ info: Catalog.URLInfo) -> String {
        let d = config.domains[info.domain]
        return "\(d.scheme)://\(d.host)\(info.pathAndQuery)"
    }

    // MARK: - Requests

    func handle(_ r: SimRequest) {
        advance(to: r.time)
        let facts = self.facts(r.url)
        let profile = self.profile(r)
        let originHeader: UInt32? = profile.sendsOrigin ? r.origin : nil
        let pop = r.pop
        let bytes = r.bytes ?? config.origins[facts.origin].defaultObjectBytes
        var outcome = RequestOutcome(request: r, variant: index, cache: .miss, served: [], corsChecked: profile.checked,
                                     verdict: .unchecked, preflighted: false, latency: 0, originFetched: false,
                                     filledByOrigin: nil, filledAt: r.time, staleRules: false)
        var tally = Tally()
        tally.requests = 1

        // A preflight goes through the POP to the origin; OPTIONS is not cached.
        if profile.preflight {
            outcome.preflighted = true
            tally.preflights = 1
            outcome.latency += config.pops[pop].originRTT
            let reason = preflightOutcome(r, facts: facts, policy: pops[pop].policies[facts.domain])
            if let reason {
                // Blocked at the preflight: the actual request is never sent. The OPTIONS that went
                // to the origin is this request's (uncacheable) fetch.
                outcome.verdict = .fail(reason)
                outcome.cache = .bypass
                outcome.originFetched = true
                tally.originFetches = 1
                record(outcome, tally: tally, bytes: 0, fromCache: false)
                return
            }
        }

        let current = pops[pop].policies[facts.domain]
        var entry: CacheEntry
        // Only GET and HEAD are looked up and stored (RFC 9111 §2; nginx `proxy_cache_methods GET HEAD`):
        // a PUT, POST or DELETE goes to the origin and its response is not kept (the fidelity differential
        // test found popsim serving a PUT from the GET's cached copy, which nginx never does).
        if !facts.cacheable || !profile.cacheableMethod {
            entry = originFill(facts: facts, method: r.method, originHeader: originHeader, policy: current, at: r.time, bytes: bytes)
            outcome.cache = .bypass
            outcome.latency += config.pops[pop].originRTT
            outcome.originFetched = true
        } else {
            let key = cacheKey(r.url, facts: facts, originHeader: originHeader, pop: pop)
            let lookup = pops[pop].cache.lookup(key, at: r.time)
            if case .hit(let e) = lookup {
                entry = e
                outcome.cache = .hit
            } else if let pending = pops[pop].inflight[key] {
                entry = pending.entry
                outcome.cache = .collapsed
                outcome.latency += max(0, pending.completesAt.microseconds - r.time.microseconds)
            } else {
                if case .expired = lookup { outcome.cache = .expired } else { outcome.cache = .miss }
                let fetched = fetch(pop: pop, facts: facts, request: r, originHeader: originHeader, policy: current, bytes: bytes)
                entry = fetched.entry
                outcome.latency += fetched.latency
                outcome.originFetched = fetched.fromOrigin
                schedule(pop: pop, key: learnedKey(r.url, facts: facts, originHeader: originHeader, pop: pop, entry: entry),
                         entry: entry, completesAt: r.time.microseconds + fetched.latency, facts: facts)
            }
        }

        let policy = (spec.ruleBinding == .fill) ? entry.policy : current
        let applyRules = spec.scope == .all || !facts.dynamic
        let served = servedID(response: entry.response, policy: applyRules ? policy : -1, originHeader: originHeader)
        outcome.served = servedHeaders[Int(served)]
        outcome.filledByOrigin = entry.filledBy
        outcome.filledAt = entry.filledAt
        outcome.staleRules = entry.policy != current && spec.ruleBinding == .fill
        if outcome.verdict == .unchecked {
            outcome.verdict = verdict(served: served, request: r, profile: profile)
        }
        if outcome.originFetched {
            tally.originFetches = 1
            tally.originBytes = bytes
        }
        record(outcome, tally: tally, bytes: outcome.cache == .hit ? entry.bytes : bytes, fromCache: outcome.cache == .hit)
    }

    private func record(_ o: RequestOutcome, tally base: Tally, bytes: Int64, fromCache: Bool) {
        var t = base
        switch o.cache {
        case .hit: t.hits = 1
        case .collapsed: t.collapsed = 1
        case .miss: t.misses = 1
        case .expired: t.misses = 1; t.expired = 1
        case .bypass: t.misses = 1; t.bypass = 1
        }
        t.bytesServed = bytes
        t.bytesFromCache = fromCache ? bytes : 0
        var reasonIndex: UInt8 = 0
        if o.corsChecked {
            t.corsChecked = 1
            if let reason = o.verdict.reason {
                t.corsFailures = 1
                result.failuresByReason[reason, default: 0] += 1
                reasonIndex = UInt8(reason.ordinal + 1)
            }
        }
        result.total.add(t)
        result.perPOP[o.request.pop].add(t)
        let cell = CellKey(pop: Int32(o.request.pop), kind: UInt8(o.request.kind.ordinal),
                           reason: reasonIndex, origin: o.request.origin.map { $0 + 1 } ?? 0,
                           window: Int32(o.request.time.microseconds / config.window))
        result.cells[cell, default: Tally()].add(t)
        result.latency.record(o.latency)
        observer?(o)
    }

    // MARK: - Fetching

    private struct Fetched {
        var entry: CacheEntry
        var latency: Int64
        var fromOrigin: Bool
    }

    /// Fetches an object for `pop`, through its parent when it has one. The caller schedules the
    /// edge's own cache fill; a parent's fill is scheduled here.
    private func fetch(pop: Int, facts: URLFacts, request r: SimRequest, originHeader: UInt32?, policy: Int32, bytes: Int64) -> Fetched {
        let popSpec = config.pops[pop]
        guard let parent = popSpec.parent else {
            let entry = originFill(facts: facts, method: r.method, originHeader: originHeader, policy: policy, at: r.time, bytes: bytes)
            return Fetched(entry: entry, latency: popSpec.originRTT, fromOrigin: true)
        }
        var fetched: Fetched
        let parentKey = cacheKey(r.url, facts: facts, originHeader: originHeader, pop: parent)
        if case .hit(let e) = pops[parent].cache.lookup(parentKey, at: r.time) {
            fetched = Fetched(entry: e, latency: popSpec.parentRTT, fromOrigin: false)
        } else if let pending = pops[parent].inflight[parentKey] {
            fetched = Fetched(entry: pending.entry, latency: max(pending.completesAt.microseconds - r.time.microseconds, popSpec.parentRTT), fromOrigin: false)
        } else {
            let entry = originFill(facts: facts, method: r.method, originHeader: originHeader,
                                   policy: pops[parent].policies[facts.domain], at: r.time, bytes: bytes)
            fetched = Fetched(entry: entry, latency: popSpec.parentRTT + config.pops[parent].originRTT, fromOrigin: true)
            schedule(pop: parent, key: learnedKey(r.url, facts: facts, originHeader: originHeader, pop: parent, entry: entry),
                     entry: entry, completesAt: r.time.microseconds + fetched.latency, facts: facts)
        }
        // The response passes through the edge now: the edge's rules in force bind to its copy.
        fetched.entry.policy = policy
        return fetched
    }

    /// The key a fresh fill is stored under. When Vary is honoured and the response varies on
    /// Origin, the POP learns that this URL is stored per Origin from now on (as nginx and
    /// Varnish do on the first response that carries `Vary`).
    private func learnedKey(_ url: UInt32, facts: URLFacts, originHeader: UInt32?, pop: Int, entry: CacheEntry) -> UInt64 {
        if spec.vary == .honour, responseVaries(entry.response), !pops[pop].varying.contains(facts.keyURL) {
            pops[pop].varying.insert(facts.keyURL)
        }
        return cacheKey(url, facts: facts, originHeader: originHeader, pop: pop)
    }

    private func responseVaries(_ response: Int32) -> Bool {
        responses[Int(response)].headers.values(HeaderName.vary).contains { Self.varyListsOrigin($0) }
    }

    private var nextFillID = 0

    private func schedule(pop: Int, key: UInt64, entry: CacheEntry, completesAt: Int64, facts: URLFacts) {
        nextFillID += 1
        let cacheable = !(spec.vary == .bypass && responseVaries(entry.response))
        let pending = InFlight(id: nextFillID, entry: entry, completesAt: SimTime(microseconds: completesAt),
                               expiresAt: SimTime(microseconds: completesAt + facts.ttl), cacheable: cacheable)
        pops[pop].inflight[key] = pending
        queue.push(at: pending.completesAt, .fetchComplete(pop: pop, key: key, fill: pending))
    }

    private func prefetch(url: UInt32, pop: Int, at t: SimTime) {
        let facts = self.facts(url)
        guard facts.cacheable else { return }
        let key = cacheKey(url, facts: facts, originHeader: nil, pop: pop)
        if case .hit = pops[pop].cache.lookup(key, at: t) { return }
        if pops[pop].inflight[key] != nil { return }
        let bytes = config.origins[facts.origin].defaultObjectBytes
        let entry = originFill(facts: facts, method: 0, originHeader: nil, policy: pops[pop].policies[facts.domain], at: t, bytes: bytes)
        result.prefetchFetches += 1
        schedule(pop: pop, key: key, entry: entry, completesAt: t.microseconds + config.pops[pop].originRTT, facts: facts)
    }

    /// The origin's response to a request with this method and Origin, as a cache entry.
    private func originFill(facts: URLFacts, method: UInt32, originHeader: UInt32?, policy: Int32, at t: SimTime, bytes: Int64) -> CacheEntry {
        let key = ResponseKey(origin: Int32(facts.origin), pathRule: facts.pathRule, method: method, originHeader: originHeader.map { $0 + 1 } ?? 0)
        let id: Int32
        if let known = responseMemo[key] {
            id = known
        } else {
            var headers: HeaderFields = []
            if let o = originHeader { headers.append(HeaderName.origin, catalog.origins[Int(o)].serialized) }
            let request = OriginRequest(method: catalog.methods[Int(method)], headers: headers)
            let response = originResponse(to: request, facts: facts)
            id = intern(response)
            responseMemo[key] = id
        }
        return CacheEntry(response: id, policy: policy, filledAt: t, filledBy: originHeader, bytes: bytes)
    }

    private func originResponse(to request: OriginRequest, facts: URLFacts) -> OriginResponse {
        let origin = config.origins[facts.origin]
        var base: HeaderFields = []
        if facts.pathRule >= 0, let cc = origin.pathRules[Int(facts.pathRule)].cacheControl {
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

    private func intern(_ response: OriginResponse) -> Int32 {
        if let i = responseIndex[response] { return i }
        responses.append(response)
        let i = Int32(responses.count - 1)
        responseIndex[response] = i
        return i
    }

    /// The headers the POP sends: the cached response with `policy` applied (-1: untouched).
    private func servedID(response: Int32, policy: Int32, originHeader: UInt32?) -> Int32 {
        let key = ServedKey(response: response, policy: policy, originHeader: originHeader.map { $0 + 1 } ?? 0)
        if let known = servedMemo[key] { return known }
        let origin = responses[Int(response)].headers
        let headers = policy < 0 ? origin
            : policies[Int(policy)].apply(to: origin, requestOrigin: originHeader.map { catalog.origins[Int($0)].serialized })
        let id: Int32
        if let i = servedIndex[headers] { id = i } else {
            servedHeaders.append(headers)
            id = Int32(servedHeaders.count - 1)
            servedIndex[headers] = id
        }
        servedMemo[key] = id
        return id
    }

    private func verdict(served: Int32, request r: SimRequest, profile: Profile) -> Verdict {
        guard profile.checked else { return .unchecked }
        let key = VerdictKey(served: served, profile: profile.id)
        if let v = verdictMemo[key] { return v }
        let v = Browser.verdict(for: browserRequest(r), response: servedHeaders[Int(served)])
        verdictMemo[key] = v
        return v
    }

    private func preflightOutcome(_ r: SimRequest, facts: URLFacts, policy: Int32) -> FailureReason? {
        let key = PreflightKey(domain: Int32(facts.domain), pathRule: facts.pathRule, policy: policy, method: r.method,
                               origin: r.origin.map { $0 + 1 } ?? 0, kind: UInt8(r.kind.ordinal),
                               credentials: UInt8(r.credentials.ordinal))
        if let known = preflightMemo[key] { return known }
        let request = browserRequest(r)
        var reason: FailureReason? = nil
        if let options = request.preflightRequest {
            var response = originResponse(to: options, facts: facts)
            if spec.scope == .all || !facts.dynamic {
                response.headers = policies[Int(policy)].apply(to: response.headers, requestOrigin: options.headers.get(HeaderName.origin))
            }
            reason = Browser.preflightCheck(response, for: request)
        }
        preflightMemo[key] = reason
        return reason
    }

    private func browserRequest(_ r: SimRequest) -> BrowserRequest {
        BrowserRequest(method: catalog.methods[Int(r.method)], pageOrigin: r.origin.map { catalog.origins[Int($0)] },
                       kind: r.kind, credentials: r.credentials)
    }

    private func profile(_ r: SimRequest) -> Profile {
        let key = ProfileKey(origin: r.origin.map { $0 + 1 } ?? 0, kind: UInt8(r.kind.ordinal),
                             credentials: UInt8(r.credentials.ordinal), method: r.method)
        if let p = profileMemo[key] { return p }
        let b = browserRequest(r)
        let p = Profile(id: Int32(profileMemo.count), sendsOrigin: b.sendsOriginHeader, checked: b.isCORSChecked, preflight: b.needsPreflight,
                        cacheableMethod: b.normalizedMethod == "GET" || b.normalizedMethod == "HEAD")
        profileMemo[key] = p
        return p
    }

    // MARK: - Keys and URL facts

    private func cacheKey(_ url: UInt32, facts: URLFacts, originHeader: UInt32?, pop: Int) -> UInt64 {
        let keyURL = facts.keyURL
        let variesByOrigin = spec.includeOriginInKey || (spec.vary == .honour && pops[pop].varying.contains(facts.keyURL))
        let part: UInt32 = variesByOrigin ? (originHeader.map { $0 + 2 } ?? 1) : 0
        return UInt64(keyURL) << 32 | UInt64(part)
    }

    private func facts(_ url: UInt32) -> URLFacts {
        while urlFacts.count <= Int(url) { urlFacts.append(deriveFacts(UInt32(urlFacts.count))) }
        return urlFacts[Int(url)]
    }

    private func deriveFacts(_ url: UInt32) -> URLFacts {
        let info = catalog.urls[Int(url)]
        let domain = config.domains[info.domain]
        let origin = config.origins[domain.origin]
        // One key per resource, however the trace spelt it (a path or an absolute URL), with or
        // without the query as the variant's cache key says.
        let canonical = "\(info.domain) \(spec.includeQueryInKey ? info.pathAndQuery : info.path)"
        let keyURL: UInt32
        if let k = keyURLByText[canonical] { keyURL = k } else { keyURL = url; keyURLByText[canonical] = url }
        var pathRule: Int32 = -1, best = -1
        for (i, rule) in origin.pathRules.enumerated() where info.path.hasPrefix(rule.prefix) && rule.prefix.count > best {
            pathRule = Int32(i); best = rule.prefix.count
        }
        let dynamic = pathRule >= 0 && origin.pathRules[Int(pathRule)].dynamic
        let ttl = TTLPolicy.ttl(path: info.path, domain: domain,
                                originCacheControl: pathRule >= 0 ? origin.pathRules[Int(pathRule)].cacheControl : nil)
        return URLFacts(domain: info.domain, origin: domain.origin, keyURL: keyURL, pathRule: pathRule,
                        dynamic: dynamic, ttl: ttl, cacheable: !dynamic && ttl > 0)
    }

    static func varyListsOrigin(_ value: String) -> Bool {
        value.split(separator: ",").contains { token in
            let t = token.trimmingASCIIWhitespace()
            return t == "*" || String(t).caseInsensitiveEquals("origin")
        }
    }
}


// MARK: - State and keys

struct CacheEntry: Sendable {
    var response: Int32
    var policy: Int32
    var filledAt: SimTime
    var filledBy: UInt32?
    var bytes: Int64
}

struct InFlight: Sendable {
    var id: Int
    var entry: CacheEntry
    var completesAt: SimTime
    var expiresAt: SimTime
    var cacheable: Bool
}

enum InternalEvent: Sendable {
    case fetchComplete(pop: Int, key: UInt64, fill: InFlight)
    case scenario(pop: Int, event: Int)
}

struct POPState {
    var cache: LRUCache<CacheEntry>
    var inflight: [UInt64: InFlight] = [:]
    /// Policy id in force at this POP, per domain.
    var policies: [Int32]
    /// Resources (key URL ids) whose responses said `Vary: Origin`, when Vary is honoured.
    var varying: Set<UInt32> = []

    init(capacity: Int64, policies: [Int32]) {
        self.cache = LRUCache(capacityBytes: capacity)
        self.policies = policies
    }
}

struct URLFacts {
    var domain: Int
    var origin: Int
    var keyURL: UInt32
    var pathRule: Int32
    var dynamic: Bool
    var ttl: Int64
    var cacheable: Bool
}

struct Profile {
    var id: Int32
    var sendsOrigin: Bool
    var checked: Bool
    var preflight: Bool
    /// GET or HEAD: the only methods a POP serves from or stores in its cache.
    var cacheableMethod: Bool
}

struct ProfileKey: Hashable { var origin: UInt32; var kind: UInt8; var credentials: UInt8; var method: UInt32 }
struct ResponseKey: Hashable { var origin: Int32; var pathRule: Int32; var method: UInt32; var originHeader: UInt32 }
struct ServedKey: Hashable { var response: Int32; var policy: Int32; var originHeader: UInt32 }
struct VerdictKey: Hashable { var served: Int32; var profile: Int32 }
struct PreflightKey: Hashable {
    var domain: Int32; var pathRule: Int32; var policy: Int32; var method: UInt32; var origin: UInt32; var kind: UInt8; var credentials: UInt8
}
