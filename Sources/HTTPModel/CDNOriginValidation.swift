/// How a POP with CORS validation enabled turns a configured `Access-Control-Allow-Origin`
/// Header Value and a request's `Origin` into the header it sends (seed "CORS: Enable";
/// SEMANTICS.md §3.4–3.5).
enum CDNOriginValidation {
    /// What validation decides for one request.
    enum Outcome: Hashable, Sendable {
        /// The value is `*`: `ACAO: *`, with or without `Origin`.
        case allowAll
        /// An entry matched: `ACAO: <the request's Origin, as sent>`.
        case echo(String)
        /// No entry matched, or the request had no `Origin`: the POP adds no ACAO.
        case noMatch
    }

    /// The decision for `requestOrigin` (nil: no `Origin` header) against `value`.
    ///
    /// The value is split on `,` and each entry trimmed of spaces and tabs; empty entries are
    /// skipped. The echo is the request's `Origin`, not the configured text, so `%-` never
    /// reaches the browser (SEMANTICS.md §3.4).
    static func decide(value: String, requestOrigin: String?, matcher: OriginMatcher) -> Outcome {
        if value.trimmingHTTPWhitespace() == "*" { return .allowAll }
        guard let requestOrigin else { return .noMatch }
        let matched = entries(of: value).contains { entry in
            switch matcher {
            case .documentedExact:
                return documentedMatch(entry: entry, origin: requestOrigin)
            case .luaPattern(let anchored):
                return luaMatch(entry: entry, origin: requestOrigin, anchored: anchored)
            }
        }
        return matched ? .echo(requestOrigin) : .noMatch
    }

    /// The comma-separated entries of a Header Value, trimmed, blanks dropped.
    static func entries(of value: String) -> [String] {
        value.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingHTTPWhitespace() }
            .filter { !$0.isEmpty }
    }

    /// The documented matcher: after `%-` → `-`, an entry matches when it is `*`, equals the
    /// origin byte for byte ("exactly matches", seed Example 1), or is a wildcard domain
    /// `scheme://*.domain[:port]` the origin fits (seed Example 2).
    static func documentedMatch(entry: String, origin: String) -> Bool {
        let unescaped = entry.replacing("%-", with: "-")
        if unescaped == "*" { return true }
        if let wildcard = WildcardDomain(unescaped) { return wildcard.matches(origin) }
        return unescaped == origin
    }

    /// The Lua reading (SEMANTICS.md §3.5): the entry is a Lua 5.1 pattern once each `*` is
    /// rewritten to `.*`. A pattern Lua would reject ("malformed pattern") matches nothing: the
    /// POP's behaviour on a Lua error is unknown, and no header is the likeliest outcome.
    static func luaMatch(entry: String, origin: String, anchored: Bool) -> Bool {
        guard let pattern = try? LuaPattern(entry.replacing("*", with: ".*")) else { return false }
        return pattern.matches(origin, anchored: anchored)
    }
}

/// A wildcard domain entry, `scheme://*.domain` with an optional `:port` after the domain.
///
/// `*` stands for exactly one DNS label (SEMANTICS.md §3.5 `documentedExact`: "single-label
/// wildcard, anchored"). The seed's only positive example, `http://demo.aliyundoc.com` for
/// `http://*.aliyundoc.com`, has one label; neither it nor the zh page says whether
/// `a.b.aliyundoc.com` matches, so the documented matcher takes the narrow reading and the
/// `luaPattern` matcher (where `*` becomes `.*`) shows the broad one. The bare domain
/// (`http://aliyundoc.com`) never matches: the label cannot be empty.
struct WildcardDomain: Hashable, Sendable {
    /// The scheme as written, without `://`.
    let scheme: String
    /// What follows `*.`: the domain, and the port when one is written.
    let suffix: String

    /// Reads `entry`, or nil when it is not of the form `scheme://*.domain[:port]` with a
    /// single `*`.
    init?(_ entry: String) {
        guard entry.starCount == 1, let separator = entry.firstRange(of: "://") else { return nil }
        let scheme = entry[..<separator.lowerBound]
        let rest = entry[separator.upperBound...]
        guard !scheme.isEmpty, rest.hasPrefix("*.") else { return nil }
        let suffix = rest.dropFirst(2)
        guard !suffix.isEmpty, !suffix.hasPrefix("."), !suffix.contains("/") else { return nil }
        self.scheme = String(scheme)
        self.suffix = String(suffix)
    }

    /// Whether `origin` is `scheme://label.suffix` for one non-empty label; scheme, domain and
    /// port compare byte for byte, as the seed's "exactly matches" does for plain entries.
    func matches(_ origin: String) -> Bool {
        let prefix = scheme + "://"
        guard origin.hasPrefix(prefix) else { return false }
        let host = origin.dropFirst(prefix.count)
        let tail = "." + suffix
        guard host.hasSuffix(tail) else { return false }
        let label = host.dropLast(tail.count)
        return !label.isEmpty && !label.contains { "./:*@".contains($0) }
    }
}
