import HTTPModel
import Simulation
import Testing

/// A compact way to write a request in a test: (seconds, POP index, URL, page origin, kind).
struct R {
    var t: Double
    var pop = 0
    var url: String
    var origin: String?
    var kind: ResourceKind = .font
    var method = "GET"
    var bytes: Int64? = nil
}

let A = "https://www.example.com", B = "https://shop.example.com"

func bucket(vary: Bool = false, methods: [String] = ["GET", "HEAD"], paths: [PathRule] = []) -> OriginSpec {
    OriginSpec(id: "bucket", behaviour: .oss(OSSCORSConfiguration(rules: [OSSCORSRule(allowedOrigins: ["https://*.example.com"], allowedMethods: methods)],
                                                                  responseVary: vary)),
               pathRules: paths, defaultObjectBytes: 100_000)
}

func world(pops: [POPSpec] = [POPSpec(id: "p0", capacityBytes: 1_000_000_000, originRTT: 40_000)],
           origin: OriginSpec = bucket(), domain: DomainSpec? = nil,
           variant: VariantSpec = VariantSpec(name: "v", policies: [CDNHeaderPolicy()]),
           events: [EventSpec] = []) -> SimulationConfig {
    SimulationConfig(pops: pops, origins: [origin],
                     domains: [domain ?? DomainSpec(host: "cdn.example.com", origin: 0, defaultTTL: 86_400_000_000)],
                     variants: [variant], events: events)
}

/// Runs `requests` through `config` and returns every outcome in order, plus the result.
func simulate(_ config: SimulationConfig, _ requests: [R]) throws -> ([RequestOutcome], VariantResult) {
    let catalog = Catalog(domainHosts: config.domains.map(\.host))
    var outcomes: [RequestOutcome] = []
    let sim = Simulation(config: config, catalog: catalog, observer: { outcomes.append($0) })
    var urls: [String: UInt32] = [:], origins: [String: UInt32] = [:], methods: [String: UInt32] = ["GET": 0]
    for (i, r) in requests.enumerated() {
        // As a reader does: once an event has added a URL, look new ones up (see Catalog.addsByLookup).
        let url = try urls[r.url] ?? (catalog.addsByLookup ? catalog.urlID(for: r.url) : catalog.addURL(r.url))
        urls[r.url] = url
        var origin: UInt32? = nil
        if let o = r.origin {
            origin = try origins[o] ?? catalog.addOrigin(WebOrigin(parsing: o))
            origins[o] = origin
        }
        let method = methods[r.method] ?? catalog.addMethod(r.method)
        methods[r.method] = method
        sim.process(SimRequest(seq: i, time: SimTime(microseconds: Int64(r.t * 1_000_000)), pop: r.pop, url: url,
                               origin: origin, kind: r.kind, method: method, bytes: r.bytes))
    }
    return (outcomes, sim.finish()[0])
}

func statuses(_ o: [RequestOutcome]) -> [CacheStatus] { o.map(\.cache) }
func verdicts(_ o: [RequestOutcome]) -> [String] { o.map { $0.verdict.reason?.rawValue ?? $0.verdict.name } }

@Test("collapsing: a miss while a fetch is in flight joins it and gets the first requester's headers (DESIGN: request collapsing)")
func collapsing() throws {
    let (o, r) = try simulate(world(), [R(t: 0, url: "/a.woff2", origin: A), R(t: 0.010, url: "/a.woff2", origin: B), R(t: 1, url: "/a.woff2", origin: A)])
    #expect(statuses(o) == [.miss, .collapsed, .hit])
    #expect(verdicts(o) == ["pass", "acao_mismatch", "pass"])
    #expect(o[1].latency == 30_000)
    #expect(r.total.collapsed == 1 && r.total.originFetches == 1)
}

@Test("a fetch completing at the instant a request arrives has filled the cache for it (events run first on ties)")
func tieBreak() throws {
    let (o, _) = try simulate(world(), [R(t: 0, url: "/a.woff2", origin: A), R(t: 0.040, url: "/a.woff2", origin: A)])
    #expect(statuses(o) == [.miss, .hit])
}

@Test("TTL: the domain default applies; a copy at its expiry instant is refetched (EXPIRED)")
func ttlExpiry() throws {
    let domain = DomainSpec(host: "cdn.example.com", origin: 0, defaultTTL: 10_000_000)
    let (o, r) = try simulate(world(domain: domain), [R(t: 0, url: "/a.woff2", origin: A), R(t: 5, url: "/a.woff2", origin: A),
                                                      R(t: 10.040, url: "/a.woff2", origin: B), R(t: 11, url: "/a.woff2", origin: B)])
    #expect(statuses(o) == [.miss, .hit, .expired, .hit])
    #expect(verdicts(o) == ["pass", "pass", "pass", "pass"])
    #expect(r.total.expired == 1 && r.total.misses == 2)
}

@Test("TTL on a printable path's bytes agrees with the TTL on its string, for prefix and extension rules")
func ttlOnBytes() {
    let domain = DomainSpec(host: "h", origin: 0, ttlRules: [TTLRule(.prefix("/tmp/"), ttl: 0), TTLRule(.fileExtension("woff2"), ttl: 7),
                                                            TTLRule(.prefix("/a"), ttl: 3), TTLRule(.prefix(""), ttl: 11)], defaultTTL: 99)
    let noCatchAll = DomainSpec(host: "h", origin: 0, ttlRules: Array(domain.ttlRules.dropLast()), defaultTTL: 99)
    #expect(TTLPolicy.hasPrintablePrefixes(domain) && !TTLPolicy.hasPrintablePrefixes(DomainSpec(host: "h", origin: 0, ttlRules: [TTLRule(.prefix("/é"), ttl: 1)], defaultTTL: 1)))
    for d in [domain, noCatchAll] {
        for path in ["/tmp/x", "/tmp", "/f/a.WOFF2", "/a", "/ab/c.css", "/", "/x.css", "/a b/x.woff2", "/q?x.woff2"] {
            for cc in [nil, "max-age=5"] {
                let bytes = Array(path.utf8).withUnsafeBytes { TTLPolicy.ttl(printablePath: $0, domain: d, originCacheControl: cc) }
                #expect(bytes == TTLPolicy.ttl(path: path[...], domain: d, originCacheControl: cc), "\(path), \(cc ?? "no Cache-Control")")
            }
        }
    }
}

@Test("TTL precedence: domain cache rule (by extension), then origin Cache-Control, then default")
func ttlPrecedence() {
    let domain = DomainSpec(host: "h", origin: 0, ttlRules: [TTLRule(.fileExtension("woff2"), ttl: 7), TTLRule(.prefix("/tmp/"), ttl: 0)], defaultTTL: 99)
    #expect(TTLPolicy.ttl(path: "/f/a.WOFF2", domain: domain, originCacheControl: "max-age=5") == 7)
    #expect(TTLPolicy.ttl(path: "/tmp/x.css", domain: domain, originCacheControl: "max-age=5") == 0)
    #expect(TTLPolicy.ttl(path: "/x.css", domain: domain, originCacheControl: "public, max-age=5") == 5_000_000)
    #expect(TTLPolicy.ttl(path: "/x.css", domain: domain, originCacheControl: "max-age=5, s-maxage=8") == 8_000_000)
    // The byte-wise match of ASCII paths agrees with the general one, case by case.
    for (path, ext) in [("/f/a.WOFF2", "woff2"), ("/f/a.woff2/", "woff2"), ("/a.b/c", "b"), ("/a.b/c.", ""), ("/x.tar.gz", "gz"),
                        ("/x.tar.gz", "tar.gz"), ("/noext", "noext"), ("", "x"), ("/.woff2", "woff2"), ("/a.woff", "woff2")] {
        let general: Bool = {
            let last = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
            guard let dot = last.lastIndex(of: ".") else { return false }
            return String(last[last.index(after: dot)...]).caseInsensitiveEquals(ext)
        }()
        #expect(TTLPolicy.asciiExtensionMatches(path[...], ext) == general, "\(path) vs .\(ext)")
        #expect(TTLPolicy.matches(.fileExtension(ext), path: path[...]) == general)
    }
    #expect(TTLPolicy.asciiExtensionMatches("/é.woff2", "woff2") == nil)
    #expect(TTLPolicy.matches(.fileExtension("woff2"), path: "/é.WOFF2"))
    #expect(TTLPolicy.ttl(path: "/x.css", domain: domain, originCacheControl: "no-store") == 0)
    #expect(TTLPolicy.ttl(path: "/x.css", domain: domain, originCacheControl: nil) == 99)
}

@Test("dynamic content bypasses the cache and, with scope static, the CDN's CORS rules (seed: applies only to static files)")
func staticScope() throws {
    let origin = bucket(paths: [PathRule(prefix: "/api/", dynamic: true)])
    let star = CDNHeaderPolicy(rules: [CDNResponseHeaderRule(header: HeaderName.allowOrigin, value: "*")])
    var variant = VariantSpec(name: "v", policies: [star])
    let requests = [R(t: 0, url: "/api/me", origin: A, kind: .fetch), R(t: 1, url: "/api/me", origin: B, kind: .fetch),
                    R(t: 2, url: "/f.woff2", origin: B)]
    let (o, _) = try simulate(world(origin: origin, variant: variant), requests)
    #expect(statuses(o) == [.bypass, .bypass, .miss])
    #expect(o[0].served.values(HeaderName.allowOrigin) == [A])     // the bucket's own echo, untouched
    #expect(o[2].served.values(HeaderName.allowOrigin) == ["*"])
    variant.scope = .all
    let (all, _) = try simulate(world(origin: origin, variant: variant), requests)
    #expect(all[0].served.values(HeaderName.allowOrigin) == ["*"])
}

@Test("parent tier: the second edge's miss is served by the parent; origin fetches < misses")
func parentTier() throws {
    let pops = [POPSpec(id: "parent", capacityBytes: 1_000_000_000, originRTT: 100_000),
                POPSpec(id: "e1", capacityBytes: 1_000_000_000, originRTT: 200_000, parent: 0, parentRTT: 20_000),
                POPSpec(id: "e2", capacityBytes: 1_000_000_000, originRTT: 200_000, parent: 0, parentRTT: 30_000)]
    let (o, r) = try simulate(world(pops: pops), [R(t: 0, pop: 1, url: "/a.woff2", origin: A), R(t: 1, pop: 2, url: "/a.woff2", origin: B)])
    #expect(statuses(o) == [.miss, .miss])
    #expect(o[0].latency == 120_000 && o[0].originFetched)
    #expect(o[1].latency == 30_000 && !o[1].originFetched)
    // The parent cached www's copy: pass-through reaches the second edge through the tier.
    #expect(verdicts(o) == ["pass", "acao_mismatch"])
    #expect(r.total.misses == 2 && r.total.originFetches == 1)
}

@Test("byte capacity: LRU eviction makes an evicted object miss again")
func capacityEviction() throws {
    let pops = [POPSpec(id: "p0", capacityBytes: 250_000, originRTT: 1_000)]
    let (o, r) = try simulate(world(pops: pops), [R(t: 0, url: "/1", origin: A), R(t: 1, url: "/2", origin: A), R(t: 2, url: "/3", origin: A),
                                                  R(t: 3, url: "/1", origin: A), R(t: 4, url: "/3", origin: A)])
    #expect(statuses(o) == [.miss, .miss, .miss, .miss, .hit])
    #expect(r.evictions >= 1)
}

@Test("purge at some POPs with a propagation delay")
func purgeDelay() throws {
    let pops = [POPSpec(id: "p0", capacityBytes: 1_000_000_000, originRTT: 1_000), POPSpec(id: "p1", capacityBytes: 1_000_000_000, originRTT: 1_000)]
    let purge = EventSpec(at: 10_000_000, action: .purge(.prefix("/fonts/"), domain: nil), pops: [1], delays: [0, 5_000_000], label: "purge")
    let (o, r) = try simulate(world(pops: pops, events: [purge]), [
        R(t: 0, pop: 0, url: "/fonts/a.woff2", origin: A), R(t: 0, pop: 1, url: "/fonts/a.woff2", origin: A),
        R(t: 12, pop: 0, url: "/fonts/a.woff2", origin: A), R(t: 12, pop: 1, url: "/fonts/a.woff2", origin: A),
        R(t: 16, pop: 0, url: "/fonts/a.woff2", origin: A), R(t: 16, pop: 1, url: "/fonts/a.woff2", origin: A)])
    #expect(statuses(o) == [.miss, .miss, .hit, .hit, .hit, .miss])
    #expect(r.appliedEvents.count == 1 && r.appliedEvents[0].time == SimTime(microseconds: 15_000_000) && r.appliedEvents[0].removed == 1)
}

@Test("config rollout per POP: fill-bound rules keep old headers until purge; serve-time rules apply at once (seed FAQ)")
func rolloutBinding() throws {
    let star = CDNHeaderPolicy(rules: [CDNResponseHeaderRule(header: HeaderName.allowOrigin, value: "*")])
    let change = EventSpec(at: 5_000_000, action: .configChange(star, domain: nil), label: "add *")
    let requests = [R(t: 0, url: "/a.woff2", origin: A), R(t: 6, url: "/a.woff2", origin: B), R(t: 7, url: "/b.woff2", origin: A), R(t: 8, url: "/b.woff2", origin: B)]
    let (fill, _) = try simulate(world(events: [change]), requests)
    #expect(verdicts(fill) == ["pass", "acao_mismatch", "pass", "pass"])
    #expect(fill[1].staleRules)
    var serve = VariantSpec(name: "v", policies: [CDNHeaderPolicy()])
    serve.ruleBinding = .serve
    let (served, _) = try simulate(world(variant: serve, events: [change]), requests)
    #expect(verdicts(served) == ["pass", "pass", "pass", "pass"])
}

@Test("cache key: query ignored when configured; Origin in the key gives one copy per Origin")
func cacheKeys() throws {
    var noQuery = VariantSpec(name: "v", policies: [CDNHeaderPolicy()])
    noQuery.includeQueryInKey = false
    let (o, _) = try simulate(world(variant: noQuery), [R(t: 0, url: "/a.woff2?v=1", origin: A), R(t: 1, url: "/a.woff2?v=2", origin: A)])
    #expect(statuses(o) == [.miss, .hit])
    var byOrigin = VariantSpec(name: "v", policies: [CDNHeaderPolicy()])
    byOrigin.includeOriginInKey = true
    let (k, _) = try simulate(world(variant: byOrigin), [R(t: 0, url: "/a", origin: A), R(t: 1, url: "/a", origin: B), R(t: 2, url: "/a", origin: A)])
    #expect(statuses(k) == [.miss, .miss, .hit])
    #expect(verdicts(k) == ["pass", "pass", "pass"])
}

@Test("preflight: a PUT the bucket does not allow fails at the preflight and is never sent (OSS answers 403 without CORS headers; Chromium checks ACAO before status ⇒ PreflightMissingAllowOriginHeader)")
func preflightRefused() throws {
    let (o, r) = try simulate(world(), [R(t: 0, url: "/upload", origin: A, kind: .fetch, method: "PUT")])
    #expect(verdicts(o) == ["preflight_missing_acao"])
    #expect(o[0].preflighted && r.total.preflights == 1)
    let (ok, _) = try simulate(world(origin: bucket(methods: ["GET", "PUT"])), [R(t: 0, url: "/upload", origin: A, kind: .fetch, method: "PUT")])
    #expect(verdicts(ok) == ["pass"])
}

@Test("no-cors loads send no Origin: an <img> fills the cache without ACAO, and a later crossorigin load fails (Fetch §3.1, seed FAQ)")
func noCORSFill() throws {
    let (o, _) = try simulate(world(), [R(t: 0, url: "/i.png", origin: A, kind: .img), R(t: 1, url: "/i.png", origin: A, kind: .imgCORS)])
    #expect(verdicts(o) == ["unchecked", "missing_acao"])
    #expect(o[1].filledByOrigin == nil)
}

@Test("prefetch events fill the cache without Origin and count separately from request fetches")
func prefetch() throws {
    let event = EventSpec(at: 0, action: .prefetch(url: "/a.woff2"), label: "prefetch")
    let (o, r) = try simulate(world(events: [event]), [R(t: 1, url: "/a.woff2", origin: A)])
    #expect(statuses(o) == [.hit])
    #expect(verdicts(o) == ["missing_acao"])
    #expect(r.prefetchFetches == 1 && r.total.originFetches == 0)
}

@Test("a URL prefetched before the trace first names it is one resource with the trace's (the catalog holds each text once)")
func prefetchBeforeFirstRequest() throws {
    let events = [EventSpec(at: 0, action: .prefetch(url: "/a.woff2"), label: "prefetch"),
                  EventSpec(at: 2_000_000, action: .prefetch(url: "https://cdn.example.com/c.woff2"), label: "prefetch absolute")]
    let (o, r) = try simulate(world(events: events), [R(t: 0.5, url: "/b.woff2", origin: A), R(t: 1, url: "/a.woff2", origin: A),
                                                     R(t: 2.5, url: "/c.woff2", origin: A), R(t: 3, url: "https://cdn.example.com/c.woff2", origin: A)])
    #expect(statuses(o) == [.miss, .hit, .hit, .hit])
    #expect(r.prefetchFetches == 2 && r.total.originFetches == 1)
}

@Test("a path and the absolute URL of the same resource share one cache entry")
func canonicalKeys() throws {
    let (o, _) = try simulate(world(), [R(t: 0, url: "/a.woff2", origin: A), R(t: 1, url: "https://cdn.example.com/a.woff2", origin: A),
                                        R(t: 2, url: "HTTPS://CDN.EXAMPLE.COM/a.woff2", origin: A)])
    #expect(statuses(o) == [.miss, .hit, .hit])
}

@Test("only GET and HEAD use the cache: a PUT or POST goes to the origin and is not stored (RFC 9111; nginx, fidelity/differential.py)")
func unsafeMethodsBypass() throws {
    let config = world(origin: bucket(methods: ["GET", "HEAD", "PUT", "POST"]))
    let (o, r) = try simulate(config, [R(t: 0, url: "/doc.json", origin: A, kind: .fetch),
                                       R(t: 1, url: "/doc.json", origin: A, kind: .fetch, method: "PUT"),
                                       R(t: 2, url: "/doc.json", origin: B, kind: .fetch, method: "POST"),
                                       R(t: 3, url: "/new.json", origin: A, kind: .fetchCredentials, method: "PUT"),
                                       R(t: 4, url: "/new.json", origin: B, kind: .fetch),
                                       R(t: 5, url: "/doc.json", origin: A, kind: .fetch, method: "HEAD")])
    #expect(statuses(o) == [.miss, .bypass, .bypass, .bypass, .miss, .hit])
    // The POST from B is answered by the bucket for B, not by the copy cached for A.
    #expect(o[2].served.values(HeaderName.allowOrigin) == [B])
    #expect(r.total.originFetches == 5)
}
