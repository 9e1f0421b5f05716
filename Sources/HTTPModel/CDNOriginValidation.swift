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
        var work = 0
        return decide(value: value, requestOrigin: requestOrigin, matcher: matcher, work: &work)
    }

    /// `decide`, counting its steps in `work`: every byte of the value and the origin it looks
    /// at, and the Lua matcher's states. With the documented matcher the cost is linear in the
    /// value's length plus the origin's times the number of entries (each entry is compared
    /// with the origin at most once, and a comparison stops at the shorter of the two), so
    /// adversarial values — thousands of `*`, `%-`, dots or hyphens — cost what their length does.
    static func decide(value: String, requestOrigin: String?, matcher: OriginMatcher, work: inout Int) -> Outcome {
        work += value.utf8.count
        if value.trimmingHTTPWhitespace() == "*" { return .allowAll }
        guard let requestOrigin else { return .noMatch }
        let origin = OriginBytes(requestOrigin, work: &work)
        let matched = entries(of: value).contains { entry in
            switch matcher {
            case .documentedExact:
                return documentedMatch(entry: Array(entry.utf8), origin: origin, work: &work)
            case .luaPattern(let anchored):
                return luaMatch(entry: entry, origin: origin.bytes, anchored: anchored, work: &work)
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
        var work = 0
        return documentedMatch(entry: Array(entry.utf8), origin: OriginBytes(origin, work: &work), work: &work)
    }

    /// The documented matcher on bytes, counting the bytes it reads in `work`: O(entry length),
    /// the origin having been read once into `OriginBytes`. Comparisons are byte for byte, as a
    /// POP compares header values.
    static func documentedMatch(entry: [UInt8], origin: OriginBytes, work: inout Int) -> Bool {
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(entry.count)
        var i = 0
        while i < entry.count {
            if entry[i] == UInt8(ascii: "%"), i + 1 < entry.count, entry[i + 1] == UInt8(ascii: "-") {
                unescaped.append(UInt8(ascii: "-"))
                i += 2
            } else {
                unescaped.append(entry[i])
                i += 1
            }
        }
        work += entry.count
        if unescaped == [UInt8(ascii: "*")] { return true }
        if let wildcard = WildcardDomain(bytes: unescaped, work: &work) { return wildcard.matches(origin, work: &work) }
        work += min(unescaped.count, origin.bytes.count)
        return unescaped == origin.bytes
    }

    /// The Lua reading (SEMANTICS.md §3.5): the entry is a Lua 5.1 pattern once each `*` is
    /// rewritten to `.*`. A pattern Lua would reject ("malformed pattern") matches nothing: the
    /// POP's behaviour on a Lua error is unknown, and no header is the likeliest outcome.
    static func luaMatch(entry: String, origin: String, anchored: Bool) -> Bool {
        var work = 0
        return luaMatch(entry: entry, origin: Array(origin.utf8), anchored: anchored, work: &work)
    }

    static func luaMatch(entry: String, origin: [UInt8], anchored: Bool, work: inout Int) -> Bool {
        work += entry.utf8.count
        guard let pattern = try? LuaPattern(entry.replacing("*", with: ".*")) else { return false }
        return pattern.matches(bytes: origin, anchored: anchored, work: &work)
    }
}

/// A request's `Origin` as bytes, read once so that each entry of a Header Value is matched
/// against it in time proportional to the entry, not to the origin.
struct OriginBytes {
    let bytes: [UInt8]
    /// For each position, the first position at or after it holding one of `./:*@` (the bytes a
    /// wildcard's label cannot hold), or `bytes.count`.
    let nextLabelBreak: [Int]

    init(_ origin: String, work: inout Int) {
        bytes = Array(origin.utf8)
        var next = [Int](repeating: bytes.count, count: bytes.count + 1)
        for i in stride(from: bytes.count - 1, through: 0, by: -1) {
            next[i] = "./:*@".utf8.contains(bytes[i]) ? i : next[i + 1]
        }
        nextLabelBreak = next
        work += bytes.count
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
    let scheme: [UInt8]
    /// What follows `*.`: the domain, and the port when one is written.
    let suffix: [UInt8]

    /// Reads `entry`, or nil when it is not of the form `scheme://*.domain[:port]` with a
    /// single `*`.
    init?(_ entry: some StringProtocol) {
        var work = 0
        self.init(bytes: Array(entry.utf8), work: &work)
    }

    /// Reads `entry`'s bytes, counting the bytes read in `work`.
    init?(bytes entry: [UInt8], work: inout Int) {
        work += entry.count
        let star = UInt8(ascii: "*")
        guard entry.lazy.filter({ $0 == star }).count == 1 else { return nil }
        // The first "://".
        var separator: Int? = nil
        var i = 0
        while i + 2 < entry.count {
            if entry[i] == UInt8(ascii: ":"), entry[i + 1] == UInt8(ascii: "/"), entry[i + 2] == UInt8(ascii: "/") { separator = i; break }
            i += 1
        }
        guard let separator, separator > 0 else { return nil }
        let rest = entry[(separator + 3)...]
        guard rest.starts(with: [star, UInt8(ascii: ".")]) else { return nil }
        let suffix = rest.dropFirst(2)
        guard !suffix.isEmpty, suffix.first != UInt8(ascii: "."), !suffix.contains(UInt8(ascii: "/")) else { return nil }
        self.scheme = Array(entry[..<separator])
        self.suffix = Array(suffix)
    }

    /// Whether `origin` is `scheme://label.suffix` for one non-empty label; scheme, domain and
    /// port compare byte for byte, as the seed's "exactly matches" does for plain entries.
    func matches(_ origin: String) -> Bool {
        var work = 0
        return matches(OriginBytes(origin, work: &work), work: &work)
    }

    /// `matches`, counting the bytes compared in `work`: O(entry length), whatever the origin's.
    func matches(_ origin: OriginBytes, work: inout Int) -> Bool {
        let o = origin.bytes
        let prefixLength = scheme.count + 3
        work += prefixLength + suffix.count + 1
        // scheme "://" label "." suffix, the label at least one byte.
        guard o.count >= prefixLength + 1 + 1 + suffix.count else { return false }
        guard o.starts(with: scheme), o[scheme.count..<prefixLength].elementsEqual("://".utf8) else { return false }
        let dot = o.count - suffix.count - 1
        guard o[(dot + 1)...].elementsEqual(suffix), o[dot] == UInt8(ascii: ".") else { return false }
        // The label, o[prefixLength..<dot], holds none of ./:*@ when the first of them is the dot.
        return origin.nextLabelBreak[prefixLength] == dot
    }
}
