import HTTPModel
import Simulation
import Workload

/// A scenario file, decoded and validated: the world, the variants to compare, the workload.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    public var file: String
    /// Where the requests come from (a trace resolved against the scenario's folder).
    public var workload: WorkloadSpec
    public var config: SimulationConfig
    /// What each variant changes, in words (for reports).
    public var variantDescriptions: [String: String]
    /// FNV-1a of the file's bytes, so outputs can name exactly what produced them.
    public var contentHash: String

    static let topKeys = ["version", "name", "description", "seed", "window", "pops", "origins", "domains", "variants", "workload", "events"]

    /// Reads and validates a scenario file.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        let bytes: [UInt8]
        do { bytes = try readWholeFile(path) } catch {
            throw ScenarioError(file: path, path: "", line: nil, message: error.message)
        }
        return try decode(file: path, bytes: bytes)
    }

    /// Decodes a scenario from its bytes; `file` names it in errors and anchors the trace path.
    public static func decode(file: String, bytes: [UInt8]) throws(ScenarioError) -> Scenario {
        let root = try loadJSON(file: file, bytes: bytes)
        let o = try root.object(topKeys)
        try o.checkKeys()
        try Versioning.check(o)
        let name = try o.required("name").nonEmptyString()
        let description = try o.optional("description")?.string() ?? ""
        let seed = try o.optional("seed").map { n throws(ScenarioError) -> UInt64 in
            let v = try n.int()
            guard v >= 0 else { throw n.error("seed must be a non-negative integer") }
            return UInt64(v)
        } ?? 0
        let window = try o.optional("window")?.duration() ?? 60_000_000
        if window <= 0 { throw try o.required("window").error("window must be longer than 0") }

        let pops = try decodePOPs(try o.required("pops"))
        let origins = try decodeOrigins(try o.required("origins"))
        let domains = try decodeDomains(try o.required("domains"), origins: origins)
        let (variants, descriptions) = try decodeVariants(try o.required("variants"), domains: domains)
        let events = try decodeEvents(o.optional("events"), pops: pops, domains: domains, variants: variants)
        let workload = try decodeWorkload(try o.required("workload"), file: file, seed: seed, pops: pops, domains: domains)

        let config = SimulationConfig(pops: pops, origins: origins, domains: domains, variants: variants,
                                      events: events, window: window, seed: seed)
        return Scenario(name: name, description: description, file: file,
                        workload: workload, config: config,
                        variantDescriptions: descriptions, contentHash: hexFNV(bytes))
    }

    static func decodeWorkload(_ node: Node, file: String, seed: UInt64, pops: [POPSpec], domains: [DomainSpec]) throws(ScenarioError) -> WorkloadSpec {
        let o = try node.object(["trace", "format", "objects", "synthetic"])
        try o.checkKeys()
        if let synthetic = o.optional("synthetic") {
            if let other = o.optional("trace") ?? o.optional("format") ?? o.optional("objects") {
                throw other.error("a workload is either a \"trace\" file or \"synthetic\", not both")
            }
            return .synthetic(try decodeSynthetic(synthetic, seed: seed, pops: pops, domains: domains))
        }
        guard o.optional("trace") != nil else {
            throw node.error("a workload needs \"trace\" (a trace file) or \"synthetic\" (a generator)")
        }
        let path = resolve(try o.required("trace").nonEmptyString(), against: file)
        // Guessed only when not given: the guess may read the file's first bytes, which a pipe
        // would then no longer hold.
        let format: TraceFormat
        if let f = o.optional("format") {
            format = TraceFormat(rawValue: try f.choice(TraceFormat.allCases.map(\.rawValue)))!
        } else {
            format = TraceFormat.guess(fromPath: path)
        }
        var options = TraceReadOptions()
        if let objects = o.optional("objects") {
            options.objects = try decodeObjectMapping(objects, file: file)
        }
        return .trace(path: path, format: format, options: options)
    }

    /// `workload.objects`: how an oracleGeneral trace's object ids become requests.
    static func decodeObjectMapping(_ node: Node, file: String) throws(ScenarioError) -> OracleGeneralMapping {
        let o = try node.object(["url", "pop", "kind", "map"])
        try o.checkKeys()
        var mapping = OracleGeneralMapping()
        if let n = o.optional("url") {
            mapping.urlTemplate = try n.nonEmptyString()
            if let problem = mapping.templateProblem { throw n.error(problem) }
        }
        if let n = o.optional("pop") { mapping.pop = try n.nonEmptyString() }
        if let n = o.optional("kind") { mapping.kind = ResourceKind(rawValue: try n.choice(ResourceKind.allCases.map(\.rawValue)))! }
        if let n = o.optional("map") {
            let mapPath = resolve(try n.nonEmptyString(), against: file)
            do { mapping.objects = try OracleGeneralMapping.loadObjects(path: mapPath) } catch { throw n.error(error.description) }
        }
        return mapping
    }

    static func resolve(_ path: String, against file: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let slash = file.lastIndex(of: "/") else { return path }
        return String(file[...slash]) + path
    }

    static func hexFNV(_ bytes: [UInt8]) -> String {
        let h = fnv1a64(bytes)
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    // MARK: - Sections

    static func decodePOPs(_ node: Node) throws(ScenarioError) -> [POPSpec] {
        let items = try node.array()
        guard !items.isEmpty else { throw node.error("at least one POP is needed") }
        var pops: [POPSpec] = []
        var parents: [(Int, Node)] = []
        for item in items {
            let o = try item.object(["id", "capacity", "originRTT", "parent", "parentRTT"])
            try o.checkKeys()
            let idNode = try o.required("id")
            let id = try idNode.nonEmptyString()
            if pops.contains(where: { $0.id == id }) { throw idNode.error("duplicate POP id \"\(id)\"") }
            // 0 (byte sizes are not negative) is a POP that caches nothing — every request is
            // fetched, concurrent ones collapsed — as `sweep --capacity 0` has it: the baseline
            // whose row `run` can then check.
            let capacity = try o.required("capacity").byteSize()
            var pop = POPSpec(id: id, capacityBytes: capacity, originRTT: try o.optional("originRTT")?.duration() ?? 50_000)
            if let p = o.optional("parentRTT") { pop.parentRTT = try p.duration() }
            if let p = o.optional("parent") { parents.append((pops.count, p)) }
            pops.append(pop)
        }
        for (index, node) in parents {
            let name = try node.string()
            guard let parent = pops.firstIndex(where: { $0.id == name }) else {
                throw node.error("unknown POP \"\(name)\" (POPs: \(pops.map(\.id).joined(separator: ", ")))")
            }
            guard parent != index else { throw node.error("a POP cannot be its own parent") }
            guard pops[parent].parent == nil else { throw node.error("\"\(name)\" has a parent itself; one parent tier is supported") }
            pops[index].parent = parent
        }
        for (i, pop) in pops.enumerated() where pop.parent != nil && pops.contains(where: { $0.parent == i }) {
            throw node.error("POP \"\(pop.id)\" is both a parent and a child; one parent tier is supported")
        }
        return pops
    }

    static func decodeOrigins(_ node: Node) throws(ScenarioError) -> [OriginSpec] {
        let items = try node.array()
        guard !items.isEmpty else { throw node.error("at least one origin is needed") }
        var origins: [OriginSpec] = []
        for item in items {
            let o = try item.object(["id", "type", "cors", "headers", "paths", "objectSize"])
            try o.checkKeys()
            let idNode = try o.required("id")
            let id = try idNode.nonEmptyString()
            if origins.contains(where: { $0.id == id }) { throw idNode.error("duplicate origin id \"\(id)\"") }
            let type = try o.required("type").choice(["oss", "plain"])
            let behaviour: OriginSpec.Behaviour
            if type == "oss" {
                if let h = o.optional("headers") { throw h.error("an OSS origin's headers come from its CORS rules; use \"cors\"") }
                behaviour = .oss(try o.optional("cors").map { n throws(ScenarioError) in try RuleDecoding.ossCORS(n) } ?? OSSCORSConfiguration())
            } else {
                if let c = o.optional("cors") { throw c.error("\"cors\" is for type \"oss\"; a plain origin sends fixed \"headers\"") }
                var headers = HeaderFields()
                if let h = o.optional("headers") {
                    for line in try h.array() { let (n, v) = try headerLine(line); headers.append(n, v) }
                }
                behaviour = .fixed(headers)
            }
            var origin = OriginSpec(id: id, behaviour: behaviour)
            if let s = o.optional("objectSize") {
                origin.defaultObjectBytes = try s.byteSize()
                if origin.defaultObjectBytes > maxObjectBytes { throw s.error("at most \(maxObjectBytes) bytes (1 TiB)") }
            }
            if let paths = o.optional("paths") {
                for p in try paths.array() {
                    let r = try p.object(["prefix", "cacheControl", "dynamic"])
                    try r.checkKeys()
                    let prefixNode = try r.required("prefix")
                    let prefix = try prefixNode.string()
                    guard prefix.hasPrefix("/") else { throw prefixNode.error("a path prefix starts with '/'") }
                    origin.pathRules.append(PathRule(prefix: prefix, cacheControl: try r.optional("cacheControl")?.nonEmptyString(),
                                                     dynamic: try r.optional("dynamic")?.bool() ?? false))
                }
            }
            origins.append(origin)
        }
        return origins
    }

    /// `"Name: value"`, as curl and the probe's `--origin-header` take it.
    static func headerLine(_ node: Node) throws(ScenarioError) -> (String, String) {
        let text = try node.string()
        do {
            let field = try HeaderField(parsingLine: text)
            return (field.name, field.value)
        } catch {
            throw node.error(error.reason)
        }
    }

    static func decodeDomains(_ node: Node, origins: [OriginSpec]) throws(ScenarioError) -> [DomainSpec] {
        let items = try node.array()
        guard !items.isEmpty else { throw node.error("at least one domain is needed") }
        var domains: [DomainSpec] = []
        for item in items {
            let o = try item.object(["host", "scheme", "origin", "ttl", "cacheRules"])
            try o.checkKeys()
            let hostNode = try o.required("host")
            let host = try hostNode.nonEmptyString().lowercased()
            guard host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" }) else {
                throw hostNode.error("\"\(host)\" is not a host name")
            }
            if domains.contains(where: { $0.host == host }) { throw hostNode.error("duplicate domain \"\(host)\"") }
            let originNode = try o.required("origin")
            let originID = try originNode.string()
            guard let origin = origins.firstIndex(where: { $0.id == originID }) else {
                throw originNode.error("unknown origin \"\(originID)\" (origins: \(origins.map(\.id).joined(separator: ", ")))")
            }
            var domain = DomainSpec(host: host, scheme: try o.optional("scheme")?.choice(["https", "http"]) ?? "https",
                                    origin: origin, defaultTTL: try o.optional("ttl")?.duration() ?? 86_400_000_000)
            if let rules = o.optional("cacheRules") {
                for r in try rules.array() {
                    let ro = try r.object(["prefix", "extension", "ttl"])
                    try ro.checkKeys()
                    let ttl = try ro.required("ttl").duration()
                    switch (ro.optional("prefix"), ro.optional("extension")) {
                    case let (p?, nil):
                        let prefix = try p.string()
                        guard prefix.hasPrefix("/") else { throw p.error("a path prefix starts with '/'") }
                        domain.ttlRules.append(TTLRule(.prefix(prefix), ttl: ttl))
                    case let (nil, e?):
                        var ext = try e.nonEmptyString()
                        if ext.hasPrefix(".") { ext.removeFirst() }
                        domain.ttlRules.append(TTLRule(.fileExtension(ext), ttl: ttl))
                    default:
                        throw r.error("a cache rule has either \"prefix\" or \"extension\"")
                    }
                }
            }
            domains.append(domain)
        }
        return domains
    }

    static let variantKeys = ["description", "responseHeaders", "matcher", "validationMiss", "cacheKey", "vary", "ruleBinding", "scope", "domains"]

    static func decodeVariants(_ node: Node, domains: [DomainSpec]) throws(ScenarioError) -> ([VariantSpec], [String: String]) {
        let o = try node.object([])
        guard !o.keys.isEmpty else { throw node.error("at least one variant is needed") }
        var variants: [VariantSpec] = []
        var descriptions: [String: String] = [:]
        for (name, vnode) in o.entries {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw vnode.error("variant names use letters, digits, '-', '_' and '.'")
            }
            let v = try vnode.object(variantKeys)
            try v.checkKeys()
            var base = CDNHeaderPolicy(rules: try v.optional("responseHeaders").map { n throws(ScenarioError) in try RuleDecoding.responseHeaders(n) } ?? [])
            if let m = v.optional("matcher") { base.matcher = try RuleDecoding.matcher(m) }
            if let m = v.optional("validationMiss") { base.keepOriginACAOOnValidationMiss = try m.choice(["remove", "keep"]) == "keep" }
            var policies = Array(repeating: base, count: domains.count)
            if let per = v.optional("domains") {
                let po = try per.object(domains.map(\.host))
                for (host, dnode) in po.entries {
                    guard let d = domains.firstIndex(where: { $0.host == host }) else {
                        throw dnode.error("unknown domain \"\(host)\" (domains: \(domains.map(\.host).joined(separator: ", ")))")
                    }
                    let dobj = try dnode.object(["responseHeaders"])
                    try dobj.checkKeys()
                    policies[d].rules = try RuleDecoding.responseHeaders(try dobj.required("responseHeaders"))
                }
            }
            var spec = VariantSpec(name: name, policies: policies)
            if let key = v.optional("cacheKey") {
                let k = try key.object(["query", "origin"])
                try k.checkKeys()
                if let q = k.optional("query") { spec.includeQueryInKey = try q.bool() }
                if let q = k.optional("origin") { spec.includeOriginInKey = try q.bool() }
            }
            if let n = v.optional("vary") { spec.vary = VaryHandling(rawValue: try n.choice(VaryHandling.allCases.map(\.rawValue)))! }
            if let n = v.optional("ruleBinding") { spec.ruleBinding = RuleBinding(rawValue: try n.choice(RuleBinding.allCases.map(\.rawValue)))! }
            if let n = v.optional("scope") { spec.scope = RuleScope(rawValue: try n.choice(RuleScope.allCases.map(\.rawValue)))! }
            descriptions[name] = try v.optional("description")?.string() ?? ""
            variants.append(spec)
        }
        return (variants, descriptions)
    }

    static func decodeEvents(_ node: Node?, pops: [POPSpec], domains: [DomainSpec], variants: [VariantSpec]) throws(ScenarioError) -> [EventSpec] {
        guard let node else { return [] }
        var events: [EventSpec] = []
        for item in try node.array() {
            let o = try item.object(["at", "label", "variants", "pops", "delay", "rollout", "domain", "purge", "configChange", "prefetch"])
            try o.checkKeys()
            let at = try o.required("at").duration()
            var domain: Int? = nil
            if let d = o.optional("domain") {
                let host = try d.string().lowercased()
                guard let i = domains.firstIndex(where: { $0.host == host }) else { throw d.error("unknown domain \"\(host)\"") }
                domain = i
            }
            let actions = ["purge", "configChange", "prefetch"].filter { o.optional($0) != nil }
            guard actions.count == 1 else {
                throw item.error("an event has exactly one of \"purge\", \"configChange\", \"prefetch\" (found \(actions.isEmpty ? "none" : actions.joined(separator: ", ")))")
            }
            let action: EventSpec.Action
            var label: String
            if let p = o.optional("purge") {
                let po = try p.object(["url", "prefix", "all"])
                try po.checkKeys()
                let target: PurgeTarget
                switch (po.optional("url"), po.optional("prefix"), po.optional("all")) {
                case let (u?, nil, nil): target = .url(try u.nonEmptyString()); label = "purge \(try u.string())"
                case let (nil, pr?, nil): target = .prefix(try pr.nonEmptyString()); label = "purge \(try pr.string())*"
                case let (nil, nil, a?):
                    guard try a.bool() else { throw a.error("write \"all\": true, or purge by \"url\" or \"prefix\"") }
                    target = .all; label = "purge all"
                default: throw p.error("a purge has exactly one of \"url\", \"prefix\", \"all\"")
                }
                action = .purge(target, domain: domain)
            } else if let c = o.optional("configChange") {
                let co = try c.object(["responseHeaders", "matcher", "validationMiss"])
                try co.checkKeys()
                var policy = CDNHeaderPolicy(rules: try RuleDecoding.responseHeaders(try co.required("responseHeaders")))
                if let m = co.optional("matcher") { policy.matcher = try RuleDecoding.matcher(m) }
                if let m = co.optional("validationMiss") { policy.keepOriginACAOOnValidationMiss = try m.choice(["remove", "keep"]) == "keep" }
                action = .configChange(policy, domain: domain)
                label = "config change"
            } else {
                let po = try o.required("prefetch").object(["url"])
                try po.checkKeys()
                let url = try po.required("url").nonEmptyString()
                action = .prefetch(url: url)
                label = "prefetch \(url)"
            }
            if let l = o.optional("label") { label = try l.nonEmptyString() }
            var event = EventSpec(at: at, action: action, label: label)
            if let vs = o.optional("variants") {
                for v in try vs.array() {
                    let name = try v.string()
                    guard variants.contains(where: { $0.name == name }) else { throw v.error("unknown variant \"\(name)\"") }
                }
                event.variants = try vs.strings()
            }
            if let ps = o.optional("pops") {
                var indices: [Int] = []
                for p in try ps.array() {
                    let id = try p.string()
                    guard let i = pops.firstIndex(where: { $0.id == id }) else { throw p.error("unknown POP \"\(id)\"") }
                    indices.append(i)
                }
                event.pops = indices
            }
            let uniform = try o.optional("delay")?.duration() ?? 0
            event.delays = Array(repeating: uniform, count: pops.count)
            if let r = o.optional("rollout") {
                let ro = try r.object(pops.map(\.id))
                try ro.checkKeys()
                for (id, d) in ro.entries { event.delays[pops.firstIndex { $0.id == id }!] = try d.duration() }
            }
            events.append(event)
        }
        return events
    }
}

