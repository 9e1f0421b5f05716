/// A web origin (RFC 6454 §4–6.2), the value browsers put in the `Origin` header.
///
/// popsim compares origins the way browsers do: by their ASCII serialisation, byte for byte.
/// Parsing normalises what a browser would normalise before sending (scheme and host to lower
/// case, a default port dropped), so `HTTPS://Example.COM:443` and `https://example.com` are the
/// same origin. Hosts are kept as typed ASCII: an IDN must already be in its `xn--` form.
public struct WebOrigin: Hashable, Sendable, CustomStringConvertible {
    /// `http`, `https`, … in lower case; empty for the opaque origin.
    public let scheme: String
    /// The host in lower case: a domain, an IPv4 address, or a bracketed IPv6 address.
    public let host: String
    /// The port when it is not the scheme's default.
    public let port: Int?

    /// The opaque origin, serialised as `null` (sandboxed documents, `data:` pages).
    public static let opaque = WebOrigin(uncheckedScheme: "", host: "", port: nil)

    public var isOpaque: Bool { scheme.isEmpty }

    init(uncheckedScheme scheme: String, host: String, port: Int?) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// The ASCII serialisation (RFC 6454 §6.2): `scheme://host[:port]`, or `null`.
    public var serialized: String {
        if isOpaque { return "null" }
        if let port { return "\(scheme)://\(host):\(port)" }
        return "\(scheme)://\(host)"
    }

    public var description: String { serialized }

    /// The port a request to this origin goes to, default ports included.
    public var effectivePort: Int? { port ?? WebOrigin.defaultPort(for: scheme) }

    /// The default port of the special schemes that have one.
    public static func defaultPort(for scheme: String) -> Int? {
        switch scheme {
        case "http", "ws": return 80
        case "https", "wss": return 443
        case "ftp": return 21
        default: return nil
        }
    }
}

/// Why a string is not a serialised origin.
public struct OriginParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let input: String
    public let reason: String
    public var description: String { "\"\(input)\" is not a serialised origin: \(reason)" }
}

extension WebOrigin {
    /// Parses a serialised origin such as `https://www.example.com:8443` or `null`.
    ///
    /// Strict on purpose: a path, query, fragment, user info, whitespace or an empty host is an
    /// error, because browsers never send those in `Origin`, and a trace or rule that contains
    /// them is a typing mistake the user should see.
    public init(parsing text: String) throws(OriginParseError) {
        func fail(_ reason: String) -> OriginParseError { OriginParseError(input: text, reason: reason) }
        if text == "null" { self = .opaque; return }
        guard let sep = text.firstRange(of: "://") else { throw fail("no scheme (expected scheme://host)") }
        let scheme = String(text[..<sep.lowerBound]).lowercased()
        guard let first = scheme.unicodeScalars.first, first.isASCIILetter,
              scheme.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || "+-.".unicodeScalars.contains($0) })
        else { throw fail("invalid scheme") }
        var rest = Substring(text[sep.upperBound...])
        if rest.hasSuffix("/") { throw fail("trailing '/' (an origin has no path)") }
        if rest.contains(where: { "/?#".contains($0) }) { throw fail("an origin has no path, query or fragment") }
        if rest.contains("@") { throw fail("an origin has no user info") }
        if rest.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7F }) {
            throw fail("whitespace or non-ASCII character (write IDNs in their xn-- form)")
        }
        var port: Int? = nil
        // Split off the port: after the last ':' that is not inside an IPv6 literal.
        let hostPart: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw fail("unterminated IPv6 literal") }
            hostPart = rest[...close]
            let literal = rest[rest.index(after: rest.startIndex)..<close]
            guard literal.contains(":"), literal.unicodeScalars.allSatisfy({ $0.isASCIIHexDigit || $0 == ":" || $0 == "." })
            else { throw fail("invalid IPv6 literal") }
            rest = rest[rest.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw fail("garbage after IPv6 literal") }
                port = try Self.parsePort(rest.dropFirst(), fail)
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            port = try Self.parsePort(rest[rest.index(after: colon)...], fail)
        } else {
            hostPart = rest
        }
        guard !hostPart.isEmpty else { throw fail("empty host") }
        let host = hostPart.lowercased()
        if !host.hasPrefix("[") {
            guard host.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || "-._".unicodeScalars.contains($0) })
            else { throw fail("invalid character in host") }
            if host.hasPrefix(".") || host.contains("..") { throw fail("empty label in host") }
        }
        if let p = port, p == WebOrigin.defaultPort(for: scheme) { port = nil }
        self.init(uncheckedScheme: scheme, host: host, port: port)
    }

    private static func parsePort(_ digits: Substring, _ fail: (String) -> OriginParseError) throws(OriginParseError) -> Int {
        guard !digits.isEmpty, digits.count <= 5, digits.unicodeScalars.allSatisfy(\.isASCIIDigit), let p = Int(digits), p <= 65535
        else { throw fail("invalid port") }
        return p
    }

    /// The origin of an absolute URL (`https://cdn.example.com/a.woff2` ⇒ `https://cdn.example.com`).
    public init(ofURL url: String) throws(OriginParseError) {
        guard let sep = url.firstRange(of: "://") else { throw OriginParseError(input: url, reason: "not an absolute URL") }
        let afterScheme = url[sep.upperBound...]
        let end = afterScheme.firstIndex(where: { "/?#".contains($0) }) ?? afterScheme.endIndex
        try self.init(parsing: String(url[..<end]))
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) }
    var isASCIIDigit: Bool { (0x30...0x39).contains(value) }
    var isASCIIHexDigit: Bool { isASCIIDigit || (0x41...0x46).contains(value) || (0x61...0x66).contains(value) }
}
