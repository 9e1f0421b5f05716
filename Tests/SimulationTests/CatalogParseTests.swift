// The catalog parses each distinct URL of a trace once, on bytes when the URL is printable
// ASCII; the general parse (on Strings) is the reference. The two must agree on every URL
// the fast one accepts, and the fast one must hand anything else to the general one.
import Testing
@testable import Simulation
import Workload

@Suite("Catalog URL parse: the byte-wise parse agrees with the general one")
struct CatalogParseTests {
    static let oneDomain = ["cdn.example.com"]
    static let twoDomains = ["cdn.example.com", "static.example.org"]
    /// Where the URLs' texts are: a URL points at its bytes and does not own them.
    let texts = TextArena()

    /// URLs of every shape a trace holds: absolute and path-only, with and without path or
    /// query, hosts in mixed case, ports, a "://" in the query, and near-misses.
    static let urls: [String] = [
        "https://cdn.example.com/fonts/a.woff2",
        "https://cdn.example.com/fonts/a.woff2?v=1",
        "https://cdn.example.com",
        "https://cdn.example.com?v=1",
        "https://cdn.example.com/",
        "https://CDN.Example.COM/x",
        "http://cdn.example.com/a?b=c?d",
        "https://static.example.org/img/o1.jpg",
        "https://static.example.org:443/img/o1.jpg",
        "https://other.example.net/x",
        "https://cdn.example.com/a?next=https://static.example.org/b",
        "/fonts/a.woff2",
        "/fonts/a.woff2?v=2",
        "/",
        "/?",
        "cdn.example.com/a",
        "https:/cdn.example.com/a",
        "https://",
        "://cdn.example.com/a",
        "https://cdn.example.com/a b",
        "https://cdn.example.com/é",
        "",
    ]

    @Test("each URL parses to the same domain, path with query and path, or fails in both", arguments: [oneDomain, twoDomains])
    func agrees(domains: [String]) {
        let bytes = domains.map { Array($0.utf8) }
        var fastAccepted = 0
        for url in Self.urls {
            let general: Catalog.URLInfo?
            do { general = try Catalog.parse(texts.append(url), domainHosts: domains) } catch { general = nil }
            guard let fast = Catalog.parsePrintableASCII(texts.append(url), domainHosts: bytes) else {
                // Declined: not printable ASCII, or no domain; the general parse decides.
                if url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) && !url.isEmpty, let general {
                    Issue.record("\(url): the byte-wise parse declined a URL the general parse accepts: \(general)")
                }
                continue
            }
            fastAccepted += 1
            guard let general else { Issue.record("\(url): only the byte-wise parse accepts it"); continue }
            #expect(fast.text == general.text && fast.domain == general.domain, "\(url)")
            #expect(fast.pathAndQuery == general.pathAndQuery, "\(url): \(fast.pathAndQuery) vs \(general.pathAndQuery)")
            #expect(fast.path == general.path, "\(url): \(fast.path) vs \(general.path)")
        }
        #expect(fastAccepted == (domains.count == 1 ? 13 : 10), "the byte-wise parse took \(fastAccepted) URLs (paths only with one domain)")
    }

    @Test("values the general parse gives, by hand (RFC 3986: the path is empty → \"/\"; the host compares case-insensitively)")
    func byHand() throws {
        let bytes = Self.twoDomains.map { Array($0.utf8) }
        let a = try #require(Catalog.parsePrintableASCII(texts.append("https://STATIC.example.org?v=1"), domainHosts: bytes))
        #expect(a.domain == 1 && a.pathAndQuery == "/?v=1" && a.path == "/")
        let b = try #require(Catalog.parsePrintableASCII(texts.append("https://cdn.example.com/a/b.js?x=1?y"), domainHosts: bytes))
        #expect(b.domain == 0 && b.pathAndQuery == "/a/b.js?x=1?y" && b.path == "/a/b.js")
        #expect(Catalog.parsePrintableASCII(texts.append("/a.js"), domainHosts: bytes) == nil, "a path needs exactly one domain")
        let c = try #require(Catalog.parsePrintableASCII(texts.append("/a.js?v"), domainHosts: [Array("cdn.example.com".utf8)]))
        #expect(c.domain == 0 && c.pathAndQuery == "/a.js?v" && c.path == "/a.js")
    }

    /// The URL keeps offsets into its text rather than strings of its own; what the run reads
    /// in bytes (`withPathBytes`, `pathOffset`, `hasQuery`) must spell what `path` and
    /// `pathAndQuery` do, for every shape of URL and both parses.
    @Test("the path's bytes, its offset and hasQuery agree with path and pathAndQuery", arguments: [oneDomain, twoDomains])
    func bytesAgree(domains: [String]) {
        let bytes = domains.map { Array($0.utf8) }
        var checked = 0
        for url in Self.urls + ["https://cdn.example.com/é?ü=1", "https://cdn.example.com?é", "/caf\u{E9}/x"] {
            let general = try? Catalog.parse(texts.append(url), domainHosts: domains)
            for info in [general, Catalog.parsePrintableASCII(texts.append(url), domainHosts: bytes)].compactMap({ $0 }) {
                checked += 1
                let path = info.withPathBytes(includingQuery: false) { String(decoding: $0, as: UTF8.self) }
                let withQuery = info.withPathBytes(includingQuery: true) { String(decoding: $0, as: UTF8.self) }
                #expect(path == String(info.path) && withQuery == String(info.pathAndQuery), "\(url)")
                #expect(info.hasQuery == (info.path != info.pathAndQuery), "\(url)")
                #expect(info.withTextBytes { String(decoding: $0, as: UTF8.self) } == url)
                if let offset = info.pathOffset {
                    #expect(Array(url.utf8.dropFirst(offset)) == Array(info.pathAndQuery.utf8), "\(url): the path begins at \(offset)")
                } else {
                    // No path: nothing but the host between "://" and the query or the end.
                    let afterScheme = url.components(separatedBy: "://").dropFirst().joined(separator: "://")
                    #expect(info.path == "/" && !afterScheme.prefix(while: { $0 != "?" }).contains("/"), "\(url) has a path")
                }
            }
        }
        #expect(checked == (domains.count == 1 ? 31 : 24), "URLs checked: \(checked)")
    }

    @Test("the general parse of non-ASCII URLs: the path ends at the first \"?\", \"/\" before a query without path")
    func generalNonASCII() throws {
        let a = try Catalog.parse(texts.append("https://CDN.example.com/é/ü.js?ß=1?x"), domainHosts: Self.oneDomain)
        #expect(a.path == "/é/ü.js" && a.pathAndQuery == "/é/ü.js?ß=1?x" && a.hasQuery && a.pathOffset == 23)
        let b = try Catalog.parse(texts.append("https://cdn.example.com?é"), domainHosts: Self.oneDomain)
        #expect(b.path == "/" && b.pathAndQuery == "/?é" && b.hasQuery && b.pathOffset == nil)
        let c = try Catalog.parse(texts.append("/é"), domainHosts: Self.oneDomain)
        #expect(c.path == "/é" && c.pathAndQuery == "/é" && !c.hasQuery && c.pathOffset == 0)
    }

    /// Every length to 40, every position, every printable byte (the caller has checked that
    /// every byte is printable ASCII): the word-at-a-time test must flag exactly 'A'…'Z'.
    @Test("hasUppercase agrees with a byte-by-byte test at every length, position and printable byte")
    func uppercaseScan() {
        for length in 0...40 {
            let plain = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            plain.withUnsafeBytes { #expect(!Catalog.hasUppercase($0)) }
            for position in 0..<length {
                for value in UInt8(0x21)...UInt8(0x7E) {
                    var b = plain
                    b[position] = value
                    let expected = value >= 0x41 && value <= 0x5A
                    b.withUnsafeBytes { #expect(Catalog.hasUppercase($0) == expected, "length \(length), byte \(value) at \(position)") }
                }
            }
        }
    }

    /// Every length to 40 and every position, against the byte-by-byte rule: the word-at-a-time
    /// scans must not miss a byte nor flag one (borrows and carries cross byte boundaries).
    @Test("the eight-bytes-at-a-time scans agree with byte-by-byte ones at every length and position")
    func wordScans() {
        let odd: [UInt8] = [0x00, 0x09, 0x20, 0x7F, 0x80, 0xC3, 0xFF]
        let fine: [UInt8] = [0x21, 0x2F, 0x3F, 0x41, 0x7E]
        for length in 0...40 {
            for position in -1..<length {
                for bad in odd + fine {
                    var bytes = (0..<length).map { UInt8(0x61 + $0 % 26) }
                    if position >= 0 { bytes[position] = bad }
                    let expected = bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F }
                    let got = bytes.withUnsafeBufferPointer { Catalog.isPrintableWithoutSpace($0) }
                    #expect(got == expected, "length \(length), byte 0x\(String(bad, radix: 16)) at \(position)")
                }
                // A '?' or '/' at `position`, and another later; every start.
                var bytes = (0..<length).map { UInt8(0x61 + $0 % 26) }
                if position >= 0 { bytes[position] = UInt8(ascii: "?") }
                if length > 0 { bytes[length - 1] = UInt8(ascii: "/") }
                for start in 0...length {
                    let expected = bytes[start...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
                    let got = bytes.withUnsafeBufferPointer { Catalog.firstIndex(of: UInt8(ascii: "/"), or: UInt8(ascii: "?"), in: $0, from: start) }
                    #expect(got == expected, "length \(length), '?' at \(position), from \(start)")
                    let question = bytes[start...].firstIndex(of: UInt8(ascii: "?"))
                    #expect(bytes.withUnsafeBufferPointer { Catalog.firstIndex(of: UInt8(ascii: "?"), or: UInt8(ascii: "?"), in: $0, from: start) } == question)
                }
            }
        }
    }
}
