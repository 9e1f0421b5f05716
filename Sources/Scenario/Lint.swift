import HTTPModel
import Simulation

/// The checks `popsim lint` runs: what the consoles would refuse, and the risks the seed warns about.
public enum Lint {
    /// Findings for a whole scenario, errors first, then by path.
    public static func findings(for scenario: Scenario) -> [ConfigFinding] {
        let config = scenario.config
        var out: [ConfigFinding] = []
        for (i, origin) in config.origins.enumerated() {
            if case .oss(let cors) = origin.behaviour {
                out += cors.validate().map { $0.under("origins[\(i)].cors") }
            }
        }
        for variant in config.variants {
            let prefix = "variants.\(variant.name)"
            let allSame = variant.policies.allSatisfy { $0 == variant.policies[0] }
            for (d, policy) in variant.policies.enumerated() {
                if d > 0 && allSame { break }
                let where_ = allSame ? prefix : "\(prefix).domains.\(config.domains[d].host)"
                out += policy.validate().map { $0.under(where_) }
                if let risk = passThroughRisk(policy: policy, variant: variant, origin: config.origins[config.domains[d].origin]) {
                    out.append(risk.under(where_))
                }
            }
        }
        for (i, event) in config.events.enumerated() {
            guard case .configChange(let policy, _) = event.action else { continue }
            out += policy.validate().map { $0.under("events[\(i)].configChange") }
            for variant in config.variants where (event.variants ?? config.variants.map(\.name)).contains(variant.name) {
                guard variant.ruleBinding == .fill else { continue }
                let purged = config.events.contains { later in
                    guard case .purge = later.action, later.at >= event.at else { return false }
                    return (later.variants ?? [variant.name]).contains(variant.name)
                }
                if !purged {
                    out.append(ConfigFinding(
                        code: "rule_change_without_purge", severity: .warning,
                        message: "variant \(variant.name): objects cached before this change keep their old headers until they expire — the seed's FAQ: \"you must purge the URLs for those resources\"",
                        path: "events[\(i)]"))
                }
            }
        }
        return sorted(out)
    }

    /// Errors first, then by path and code, so output is stable.
    public static func sorted(_ findings: [ConfigFinding]) -> [ConfigFinding] {
        findings.sorted { ($0.severity == .error ? 0 : 1, $0.path, $0.code) < ($1.severity == .error ? 0 : 1, $1.path, $1.code) }
    }

    /// The seed's FAQ: relying on the bucket's CORS through a URL-keyed cache serves whichever
    /// Origin filled the object first — intermittent CORS errors.
    static func passThroughRisk(policy: CDNHeaderPolicy, variant: VariantSpec, origin: OriginSpec) -> ConfigFinding? {
        let setsACAO = policy.rules.contains { $0.header.caseInsensitiveEquals(HeaderName.allowOrigin) && $0.operation != .delete }
        guard !setsACAO, !variant.includeOriginInKey else { return nil }
        guard case .oss(let cors) = origin.behaviour, !cors.rules.isEmpty else { return nil }
        if variant.vary == .honour && cors.responseVary { return nil }
        return ConfigFinding(
            code: "pass_through_risk", severity: .warning,
            message: "no CDN Access-Control-Allow-Origin rule: the bucket's CORS headers pass through a cache keyed without Origin, so the first request's Origin (or its absence) decides what later requests get — the seed recommends setting CORS headers on the CDN instead",
            path: "responseHeaders")
    }
}
