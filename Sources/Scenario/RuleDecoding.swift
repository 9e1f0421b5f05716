import HTTPModel

/// Decoders for the pieces of configuration that stand alone too: CDN header rules (a variant,
/// a standalone rules file for `lint`) and an OSS bucket's CORS configuration (`probe --oss-cors`).
enum RuleDecoding {
    static let ruleKeys = ["operation", "header", "value", "allowDuplicates", "corsValidation"]

    /// `[{"header": …, "value": …, "operation": "add", "allowDuplicates": false, "corsValidation": false}]`
    static func responseHeaders(_ node: Node) throws(ScenarioError) -> [CDNResponseHeaderRule] {
        var rules: [CDNResponseHeaderRule] = []
        for item in try node.array() {
            let o = try item.object(ruleKeys)
            try o.checkKeys()
            var rule = CDNResponseHeaderRule(header: try o.required("header").nonEmptyString(),
                                             value: try o.required("value").string())
            if let op = o.optional("operation") {
                rule.operation = HeaderOperation(rawValue: try op.choice(HeaderOperation.allCases.map(\.rawValue)))!
            }
            if let d = o.optional("allowDuplicates") { rule.allowDuplicates = try d.bool() }
            if let v = o.optional("corsValidation") { rule.corsValidation = try v.bool() }
            rules.append(rule)
        }
        return rules
    }

    static let corsKeys = ["rules", "responseVary", "starRuleEchoesOrigin"]
    static let ossRuleKeys = ["allowedOrigins", "allowedMethods", "allowedHeaders", "exposeHeaders", "maxAgeSeconds"]

    /// `{"rules": [{"allowedOrigins": […], "allowedMethods": […], …}], "responseVary": bool}`
    static func ossCORS(_ node: Node) throws(ScenarioError) -> OSSCORSConfiguration {
        let o = try node.object(corsKeys)
        try o.checkKeys()
        var config = OSSCORSConfiguration()
        if let rules = o.optional("rules") {
            for item in try rules.array() {
                let r = try item.object(ossRuleKeys)
                try r.checkKeys()
                var rule = OSSCORSRule(allowedOrigins: try r.required("allowedOrigins").strings(),
                                       allowedMethods: try r.required("allowedMethods").strings())
                if let h = r.optional("allowedHeaders") { rule.allowedHeaders = try h.strings() }
                if let h = r.optional("exposeHeaders") { rule.exposeHeaders = try h.strings() }
                if let m = r.optional("maxAgeSeconds") { rule.maxAgeSeconds = Int(try m.int()) }
                config.rules.append(rule)
            }
        }
        if let v = o.optional("responseVary") { config.responseVary = try v.bool() }
        if let v = o.optional("starRuleEchoesOrigin") { config.starRuleEchoesOrigin = try v.bool() }
        return config
    }

    static let matcherNames = ["documented", "lua", "lua-unanchored"]

    static func matcher(_ node: Node) throws(ScenarioError) -> OriginMatcher {
        switch try node.choice(matcherNames) {
        case "lua": return .luaPattern(anchored: true)
        case "lua-unanchored": return .luaPattern(anchored: false)
        default: return .documentedExact
        }
    }
}

/// A standalone CDN rules file, as `popsim lint` takes before a scenario exists:
/// `{"responseHeaders": [...], "matcher": "documented"}`.
public struct RulesFile {
    public var policy: CDNHeaderPolicy

    /// Parses a rules file's bytes.
    public static func decode(file: String, bytes: [UInt8]) throws(ScenarioError) -> RulesFile {
        let root = try loadJSON(file: file, bytes: bytes)
        let o = try root.object(["version", "responseHeaders", "matcher", "validationMiss"])
        try o.checkKeys()
        try Versioning.check(o)
        var policy = CDNHeaderPolicy(rules: try RuleDecoding.responseHeaders(try o.required("responseHeaders")))
        if let m = o.optional("matcher") { policy.matcher = try RuleDecoding.matcher(m) }
        if let m = o.optional("validationMiss") { policy.keepOriginACAOOnValidationMiss = try m.choice(["remove", "keep"]) == "keep" }
        return RulesFile(policy: policy)
    }
}

/// Decodes an OSS bucket CORS configuration file (the shape scenarios use under `origins[].cors`).
public func decodeOSSCORSFile(file: String, bytes: [UInt8]) throws(ScenarioError) -> OSSCORSConfiguration {
    try RuleDecoding.ossCORS(try loadJSON(file: file, bytes: bytes))
}

enum Versioning {
    static let supported: Int64 = 1

    /// Files may say `"version": 1`; a newer version is refused rather than half-understood.
    static func check(_ o: ObjectReader) throws(ScenarioError) {
        guard let v = o.optional("version") else { return }
        let n = try v.int()
        guard n == supported else {
            throw v.error("version \(n) is not supported; this popsim reads version \(supported)")
        }
    }
}

/// What a configuration file holds, decided by its top-level keys.
public enum ConfigFileKind: Sendable {
    /// A scenario: it has `variants`.
    case scenario
    /// A standalone CDN rules file: it has `responseHeaders` and no `variants`.
    case rules
}

/// Tells a scenario from a rules file, so `lint` takes either.
public func configFileKind(file: String, bytes: [UInt8]) throws(ScenarioError) -> ConfigFileKind {
    let root = try loadJSON(file: file, bytes: bytes)
    guard case .object(let members) = root.json.value else { throw root.error("expected an object, found \(root.typeName)") }
    return members.contains { $0.key == "variants" } ? .scenario : .rules
}
