import Testing
@testable import HTTPModel

/// A string that must parse as an origin, and how it serialises.
struct OriginParseCase: Sendable, CustomTestStringConvertible {
    let input: String
    let serialized: String
    let source: String
    var testDescription: String { "\(source): \"\(input)\" ⇒ \(serialized)" }
}

/// A string that must not parse as an origin.
struct OriginRejectCase: Sendable, CustomTestStringConvertible {
    let input: String
    let source: String
    var testDescription: String { "\(source): \"\(input)\" is rejected" }
}

let originParseCases: [OriginParseCase] = [
    .init(input: "https://example.com", serialized: "https://example.com", source: "RFC 6454 §6.2 ASCII serialization"),
    .init(input: "HTTPS://Example.COM", serialized: "https://example.com", source: "RFC 6454 §4 step 3–4 (scheme and host lower-cased)"),
    .init(input: "https://example.com:443", serialized: "https://example.com", source: "URL Standard port state: a default port becomes null"),
    .init(input: "http://example.com:80", serialized: "http://example.com", source: "URL Standard special scheme default port 80"),
    .init(input: "ws://example.com:80", serialized: "ws://example.com", source: "URL Standard special scheme ws default port 80"),
    .init(input: "https://example.com:0443", serialized: "https://example.com", source: "URL Standard port state: leading zeros, then default dropped"),
    .init(input: "http://example.com:443", serialized: "http://example.com:443", source: "RFC 6454 §6.2: a non-default port is kept"),
    .init(input: "https://cdn.example.com:8443", serialized: "https://cdn.example.com:8443", source: "RFC 6454 §6.2 step 5"),
    .init(input: "http://127.0.0.1:8001", serialized: "http://127.0.0.1:8001", source: "browser-matrix.md page origin A"),
    .init(input: "null", serialized: "null", source: "HTML §7.1 opaque origin serialization"),
    .init(input: "http://[::1]:8080", serialized: "http://[::1]:8080", source: "URL Standard host serializer: IPv6 in brackets"),
    .init(input: "http://[2001:DB8::1]", serialized: "http://[2001:db8::1]", source: "RFC 6454 §4: host lower-cased (IPv6 hex)"),
    .init(input: "https://xn--fiqs8s.cn", serialized: "https://xn--fiqs8s.cn", source: "RFC 6454 §4 step 4: host is the ASCII (punycode) form"),
]

let originRejectCases: [OriginRejectCase] = [
    .init(input: "https://example.com/", source: "WebOrigin.init(parsing:) doc: trailing slash (matrix page_slash is not an origin)"),
    .init(input: "https://example.com/path", source: "RFC 6454 §6.2: a serialised origin has no path"),
    .init(input: "https://example.com?x=1", source: "RFC 6454 §6.2: no query"),
    .init(input: "https://user@example.com", source: "RFC 6454 §6.2: no user info"),
    .init(input: " https://example.com", source: "Fetch Origin header ABNF: no surrounding whitespace"),
    .init(input: "https://exa mple.com", source: "URL Standard forbidden host code point U+0020"),
    .init(input: "https://", source: "URL Standard: special scheme with empty host"),
    .init(input: "https://:8443", source: "URL Standard: empty host before the port"),
    .init(input: "https://example.com:99999", source: "URL Standard port state: port > 65535"),
    .init(input: "https://example.com:", source: "WebOrigin.init(parsing:) doc: empty port is a typing mistake"),
    .init(input: "https://example.com:8o80", source: "URL Standard port state: non-digit"),
    .init(input: "example.com", source: "RFC 6454 §6.2: scheme \"://\" host"),
    .init(input: "Null", source: "HTML §7.1: the opaque origin serialises as lower-case null"),
    .init(input: "", source: "RFC 6454 §7.1 Origin ABNF: not empty"),
    .init(input: "https://例子.cn", source: "WebOrigin doc: IDNs must be in xn-- form"),
    .init(input: "http://[::1", source: "URL Standard IPv6 parser: unterminated literal"),
    .init(input: "http://[not-ipv6]", source: "URL Standard IPv6 parser: invalid code point"),
]

@Test("WebOrigin parses and serialises", arguments: originParseCases)
func originParses(_ c: OriginParseCase) throws {
    let origin = try WebOrigin(parsing: c.input)
    #expect(origin.serialized == c.serialized)
    #expect(origin.isOpaque == (c.serialized == "null"))
    // Serialising then parsing again is a fixed point.
    #expect(try WebOrigin(parsing: origin.serialized) == origin)
}

@Test("WebOrigin rejects what is not a serialised origin", arguments: originRejectCases)
func originRejects(_ c: OriginRejectCase) {
    #expect(throws: OriginParseError.self) { try WebOrigin(parsing: c.input) }
}

/// The origin of an absolute URL.
struct URLOriginCase: Sendable, CustomTestStringConvertible {
    let url: String
    let origin: String
    let source: String
    var testDescription: String { "\(source): \(url) ⇒ \(origin)" }
}

let urlOriginCases: [URLOriginCase] = [
    .init(url: "https://cdn.example.com/fonts/a.woff2?v=2", origin: "https://cdn.example.com", source: "URL Standard origin of a tuple URL"),
    .init(url: "https://CDN.example.com:443/a#x", origin: "https://cdn.example.com", source: "URL Standard origin: default port dropped, host lower-cased"),
    .init(url: "http://127.0.0.1:9000/x?id=1", origin: "http://127.0.0.1:9000", source: "browser-matrix.md CDN origin"),
]

@Test("WebOrigin(ofURL:) takes scheme, host and port", arguments: urlOriginCases)
func originOfURL(_ c: URLOriginCase) throws {
    #expect(try WebOrigin(ofURL: c.url).serialized == c.origin)
}

@Test("the effective port includes defaults (RFC 6454 §4 step 5)")
func effectivePort() throws {
    #expect(try WebOrigin(parsing: "https://a.com").effectivePort == 443)
    #expect(try WebOrigin(parsing: "http://a.com:8080").effectivePort == 8080)
    #expect(WebOrigin.opaque.effectivePort == nil)
}
