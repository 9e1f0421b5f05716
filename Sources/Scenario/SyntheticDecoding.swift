import HTTPModel
import Simulation
import Workload

// `"workload": {"synthetic": {…}}`: a generated workload, documented in scenarios/README.md.

extension Scenario {
    static let syntheticKeys = ["objects", "alpha", "rate", "diurnal", "duration", "requests", "origins", "noOriginShare",
                                "kinds", "pops", "sizes", "baseURL", "seed"]

    /// Decodes and validates a synthetic workload block.
    ///
    /// Types and names are checked here, against the scenario (POP ids, domains); values are
    /// checked by `SyntheticSpec.validated()`, whose error key is mapped back to the node it came
    /// from, so every error carries the full key path and the line.
    /// - Parameters:
    ///   - seed: the scenario's seed, used unless the block has its own.
    static func decodeSynthetic(_ node: Node, seed: UInt64, pops: [POPSpec], domains: [DomainSpec]) throws(ScenarioError) -> SyntheticSpec {
        let o = try node.object(syntheticKeys)
        try o.checkKeys()
        // Relative key ⇒ the node it was read from, to locate validation errors.
        var nodes: [String: Node] = [:]
        func read(_ key: String) -> Node? {
            let n = o.optional(key)
            if let n { nodes[key] = n }
            return n
        }

        let objectsNode = try o.required("objects")
        nodes["objects"] = objectsNode
        let objects = try objectsNode.int()
        guard objects >= 1 else { throw objectsNode.error("must be at least 1 (found \(objects))") }
        guard objects <= Int64(SyntheticSpec.maximumObjects) else { throw objectsNode.error("at most \(SyntheticSpec.maximumObjects) objects") }
        let alphaNode = try o.required("alpha")
        nodes["alpha"] = alphaNode
        let rateNode = try o.required("rate")
        nodes["rate"] = rateNode

        var spec = SyntheticSpec(objects: Int(objects), alpha: try alphaNode.number(), rate: try rateNode.number(),
                                 origins: [], kinds: [], pops: [], seed: seed)
        if let d = read("duration") { spec.duration = try d.duration() }
        if let r = read("requests") {
            let n = try r.int()
            guard n >= 1 else { throw r.error("must be at least 1 (found \(n))") }
            spec.requests = Int(n)
        }
        if let s = read("seed") {
            let v = try s.int()
            guard v >= 0 else { throw s.error("seed must be a non-negative integer") }
            spec.seed = UInt64(v)
        }
        if let d = read("diurnal") {
            let dobj = try d.object(["hourly", "amplitude", "peakHour"])
            try dobj.checkKeys()
            if let h = dobj.optional("hourly") {
                if let extra = dobj.optional("amplitude") ?? dobj.optional("peakHour") {
                    throw extra.error("a diurnal curve is either \"hourly\" (24 values) or \"amplitude\" with \"peakHour\", not both")
                }
                nodes["diurnal.hourly"] = h
                var values: [Double] = []
                for (i, v) in try h.array().enumerated() {
                    nodes["diurnal.hourly[\(i)]"] = v
                    values.append(try v.number())
                }
                spec.diurnal = .hourly(values)
            } else {
                let a = try dobj.required("amplitude")
                let p = try dobj.required("peakHour")
                nodes["diurnal.amplitude"] = a
                nodes["diurnal.peakHour"] = p
                let hour = try p.int()
                guard (0...23).contains(hour) else { throw p.error("must be a clock hour, 0 to 23 (found \(hour))") }
                spec.diurnal = .sinusoid(amplitude: try a.number(), peakHour: Int(hour))
            }
        }
        if let n = read("noOriginShare") { spec.noOriginShare = try n.number() }

        let originsNode = try o.required("origins")
        nodes["origins"] = originsNode
        for (name, w) in try originsNode.object([]).entries {
            nodes["origins.\(name)"] = w
            spec.origins.append(.init(name, try w.number()))
        }

        let kindsNode = try o.required("kinds")
        nodes["kinds"] = kindsNode
        for (name, w) in try kindsNode.object([]).entries {
            let kind: ResourceKind
            do { kind = try ResourceKind(parsing: name) } catch { throw w.error(error.description) }
            nodes["kinds.\(name)"] = w
            spec.kinds.append(.init(kind, try w.number()))
        }

        if let p = read("pops") {
            for (name, w) in try p.object([]).entries {
                guard pops.contains(where: { $0.id == name }) else {
                    throw w.error("unknown POP \"\(name)\" (POPs: \(pops.map(\.id).joined(separator: ", ")))")
                }
                nodes["pops.\(name)"] = w
                spec.pops.append(.init(name, try w.number()))
            }
        } else {
            // Every POP of the scenario, equally.
            spec.pops = pops.map { .init($0.id, 1) }
        }

        if let sizes = read("sizes") {
            for (name, s) in try sizes.object([]).entries {
                let kind: ResourceKind
                do { kind = try ResourceKind(parsing: name) } catch { throw s.error(error.description) }
                nodes["sizes.\(name)"] = s
                spec.sizes.append(.init(kind, try sizeDistribution(s, key: "sizes.\(name)", nodes: &nodes)))
            }
        }

        if let b = read("baseURL") {
            spec.baseURL = try b.nonEmptyString()
        }
        do {
            spec = try spec.validated()
        } catch {
            let at = locate(error.key, in: nodes) ?? node
            throw ScenarioError(file: node.file, path: error.key.isEmpty ? node.path : "\(node.path).\(error.key)",
                                line: at.json.line, message: error.message)
        }
        try checkURLs(spec, node: nodes["baseURL"] ?? node, domains: domains)
        return spec
    }

    /// `"40KB"`, or `{"distribution": "fixed" | "uniform" | "lognormal", …}`.
    private static func sizeDistribution(_ node: Node, key: String, nodes: inout [String: Node]) throws(ScenarioError) -> SyntheticSpec.SizeDistribution {
        if case .string = node.json.value { return .fixed(try node.byteSize()) }
        let forms = ["fixed": ["distribution", "size"], "uniform": ["distribution", "min", "max"],
                     "lognormal": ["distribution", "mean", "sigma"]]
        let name = try node.object([]).required("distribution").choice(["fixed", "uniform", "lognormal"])
        let o = try node.object(forms[name]!)
        try o.checkKeys()
        func size(_ k: String) throws(ScenarioError) -> Int64 {
            let n = try o.required(k)
            nodes["\(key).\(k)"] = n
            return try n.byteSize()
        }
        switch name {
        case "fixed": return .fixed(try size("size"))
        case "uniform": return .uniform(min: try size("min"), max: try size("max"))
        default:
            let sigma = try o.optional("sigma").map { n throws(ScenarioError) -> Double in
                nodes["\(key).sigma"] = n
                return try n.number()
            } ?? 1.0
            return .lognormal(mean: try size("mean"), sigma: sigma)
        }
    }

    /// The node for `key` or, failing that, for its longest recorded prefix.
    private static func locate(_ key: String, in nodes: [String: Node]) -> Node? {
        var k = Substring(key)
        while !k.isEmpty {
            if let n = nodes[String(k)] { return n }
            guard let cut = k.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            k = k[..<cut]
        }
        return nil
    }

    /// The generated URLs must belong to a domain of the scenario: paths need exactly one
    /// domain, and a base URL must name one of them.
    private static func checkURLs(_ spec: SyntheticSpec, node: Node, domains: [DomainSpec]) throws(ScenarioError) {
        let hosts = domains.map(\.host)
        if spec.baseURL.isEmpty {
            guard domains.count == 1 else {
                throw node.error("the scenario has \(domains.count) domains: set \"baseURL\" to one of them (\(domains.map { "\($0.scheme)://\($0.host)" }.joined(separator: ", "))) so the generated URLs are absolute")
            }
            return
        }
        let afterScheme = spec.baseURL[spec.baseURL.firstRange(of: "://")!.upperBound...]
        let host = afterScheme[..<(afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex)].lowercased()
        guard hosts.contains(host) else {
            throw node.error("host \"\(host)\" is not a domain of the scenario (domains: \(hosts.joined(separator: ", ")))")
        }
    }
}

extension Node {
    /// A JSON number as a `Double` (parsed with correct rounding, so the same on every machine).
    func number() throws(ScenarioError) -> Double {
        guard case .number(let n) = json.value else { throw error("expected a number, found \(typeName)") }
        let v = n.double
        guard v.isFinite else { throw error("\(n.literal) is out of range") }
        return v
    }
}
