import HTTPModel
import Scenario
import Simulation

/// A scenario in words — POPs, origins, domains, variants with their rules, events — for the
/// HTML report and the notebook's markdown. Plain sentences; callers escape them.
public enum ScenarioText {
    /// `capacity 1GB, 40ms to the origin` (and the parent tier when there is one).
    public static func pop(_ p: POPSpec, in config: SimulationConfig) -> String {
        var s = p.capacityBytes == 0 ? "no cache (capacity 0: every request is fetched)" : "cache \(Format.bytes(p.capacityBytes))"
        s += ", \(Format.duration(p.originRTT)) round trip to the origin"
        if let parent = p.parent { s += "; misses go to parent \(config.pops[parent].id) (\(Format.duration(p.parentRTT)) away)" }
        return s
    }

    /// What an origin answers.
    public static func origin(_ o: OriginSpec) -> String {
        var s: String
        switch o.behaviour {
        case .oss(let cors):
            if cors.rules.isEmpty {
                s = "OSS bucket with no CORS rules (CORS disabled: no Access-Control-* headers)"
            } else {
                s = "OSS bucket; CORS rules, first match wins: " + cors.rules.enumerated().map { i, r in
                    var t = "(\(i + 1)) origins \(r.allowedOrigins.joined(separator: ", ")), methods \(r.allowedMethods.joined(separator: ", "))"
                    if !r.allowedHeaders.isEmpty { t += ", headers \(r.allowedHeaders.joined(separator: ", "))" }
                    if !r.exposeHeaders.isEmpty { t += ", exposes \(r.exposeHeaders.joined(separator: ", "))" }
                    if let m = r.maxAgeSeconds { t += ", max age \(m)s" }
                    return t
                }.joined(separator: "; ")
                s += cors.starRuleEchoesOrigin ? "" : "; a * rule answers * (S3 style)"
            }
            s += cors.responseVary ? "; sends Vary: Origin" : "; no Vary: Origin"
        case .fixed(let headers):
            s = headers.isEmpty ? "plain server sending no CORS headers"
                : "plain server sending " + headers.map { "\($0.name): \($0.value)" }.joined(separator: "; ")
        }
        for r in o.pathRules {
            s += "; \(r.prefix)*: " + (r.dynamic ? "dynamic (never cached)" : r.cacheControl.map { "Cache-Control: \($0)" } ?? "no Cache-Control")
        }
        return s + "; objects \(Format.bytes(o.defaultObjectBytes)) unless the trace says"
    }

    /// A domain's host, origin and TTLs.
    public static func domain(_ d: DomainSpec, in config: SimulationConfig) -> String {
        var s = "\(d.scheme)://\(d.host) in front of \(config.origins[d.origin].id); default TTL \(Format.duration(d.defaultTTL))"
        for r in d.ttlRules {
            switch r.match {
            case .prefix(let p): s += "; \(p)* cached \(Format.duration(r.ttl))"
            case .fileExtension(let e): s += "; .\(e) cached \(Format.duration(r.ttl))"
            }
        }
        return s
    }

    /// One CDN outgoing-header rule as the console would show it.
    public static func rule(_ r: CDNResponseHeaderRule) -> String {
        switch r.operation {
        case .add:
            var s = "add \(r.header): \(r.value)"
            if r.validatesOrigin { s += " (CORS validation on: echo the request's Origin when it matches)" }
            else if r.corsValidation { s += " (CORS validation switched on but inactive)" }
            if r.allowDuplicates { s += " (Allow Duplicates: the origin's header stays too)" }
            return s
        case .delete: return "delete \(r.header)"
        case .modify: return "change \(r.header) to \(r.value)"
        case .replace: return "replace \(r.header) with \(r.value)"
        }
    }

    /// A rule set; pass-through when empty.
    public static func policy(_ p: CDNHeaderPolicy) -> String {
        if p.rules.isEmpty { return "no CDN header rules: the origin's headers pass through the cache" }
        var s = p.rules.map(rule).joined(separator: "; then ")
        switch p.matcher {
        case .documentedExact: break
        case .luaPattern(let anchored): s += "; origins matched as Lua patterns" + (anchored ? "" : " (unanchored)")
        }
        if p.keepOriginACAOOnValidationMiss { s += "; a validation miss keeps the origin's ACAO" }
        return s
    }

    /// A variant's CDN settings, one phrase each; settings at their defaults are left out.
    public static func variant(_ v: VariantSpec, in config: SimulationConfig) -> [String] {
        var out: [String] = []
        if Set(v.policies).count <= 1 {
            out.append(policy(v.policies.first ?? CDNHeaderPolicy()))
        } else {
            for (d, p) in v.policies.enumerated() { out.append("\(config.domains[d].host): \(policy(p))") }
        }
        if !v.includeQueryInKey { out.append("cache key without the query string") }
        if v.includeOriginInKey { out.append("cache key includes the Origin header") }
        switch v.vary {
        case .ignore: break
        case .honour: out.append("Vary: Origin honoured (one cached copy per Origin)")
        case .bypass: out.append("responses with Vary: Origin are not cached")
        }
        if v.ruleBinding == .serve { out.append("rules applied when serving (no purge needed after a change)") }
        if v.scope == .all { out.append("rules apply to dynamic responses too") }
        for e in config.events where e.variants?.contains(v.name) == true {
            out.append("only in \(e.variants!.count == 1 ? "this variant" : "variants " + e.variants!.joined(separator: ", ")): \(event(e, in: config, naming: false))")
        }
        return out
    }

    /// When and where an event happens, and what it does.
    /// - Parameter naming: whether to say which variants the event is limited to.
    public static func event(_ e: EventSpec, in config: SimulationConfig, naming: Bool = true) -> String {
        var s = "at \(Format.duration(e.at)): "
        // The label names the event in charts; say it unless it only repeats what follows.
        let generic = e.label.hasPrefix("purge ") || e.label.hasPrefix("prefetch ") || e.label == "config change"
        if !generic { s += "\(e.label) — " }
        switch e.action {
        case .purge(let target, let domain):
            switch target {
            case .url(let u): s += "purge \(u)"
            case .prefix(let p): s += "purge everything under \(p)"
            case .all: s += "purge everything"
            }
            if let domain { s += " on \(config.domains[domain].host)" }
        case .configChange(let policy, let domain):
            s += "new rules\(domain.map { " for \(config.domains[$0].host)" } ?? ""): \(self.policy(policy))"
        case .prefetch(let url):
            s += "prefetch \(url) without an Origin header"
        }
        let pops = e.pops ?? Array(config.pops.indices)
        let delays = pops.map { e.delay(at: $0) }
        if pops.count < config.pops.count { s += "; POPs \(pops.map { config.pops[$0].id }.joined(separator: ", "))" }
        if Set(delays).count > 1 {
            s += "; reaches " + zip(pops, delays).map { "\(config.pops[$0].id) after \(Format.duration($1))" }.joined(separator: ", ")
        } else if let d = delays.first, d > 0 {
            s += "; takes \(Format.duration(d)) to reach the POPs"
        }
        if naming, let v = e.variants { s += "; only in \(v.joined(separator: ", "))" }
        return s
    }
}
