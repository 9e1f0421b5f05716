/// One thing a console (CDN or OSS) would refuse, or a risk popsim warns about, with a stable code.
public struct ConfigFinding: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable {
        case error, warning
        public static func < (a: Self, b: Self) -> Bool { a == .error && b == .warning }
    }
    /// Stable machine-readable code, e.g. `multiple_wildcard_domains_not_supported`.
    public var code: String
    public var severity: Severity
    /// What is wrong and why, citing the rule's source.
    public var message: String
    /// Key path inside the rule set, e.g. `responseHeaders[0].value`; empty for the whole set.
    public var path: String

    public init(code: String, severity: Severity, message: String, path: String = "") {
        self.code = code
        self.severity = severity
        self.message = message
        self.path = path
    }

    public var description: String {
        "\(severity.rawValue)[\(code)]\(path.isEmpty ? "" : " \(path)"): \(message)"
    }

    /// The same finding, its path placed under `prefix` (`variants.cdn-list.` + `responseHeaders[0]`).
    public func under(_ prefix: String) -> ConfigFinding {
        var copy = self
        copy.path = prefix.isEmpty ? path : (path.isEmpty ? prefix : prefix + "." + path)
        return copy
    }
}
