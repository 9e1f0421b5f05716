// The catalog's URLs are bytes in arenas: a trace's in its reader's interner's (pointed at, not
// copied), the rest in the catalog's own. The catalog must keep those arenas, read the texts
// back as written, and find a URL by text as `String`s compare whether its index works on bytes
// (every text ASCII) or on strings.
import Testing
@testable import Simulation
import Workload

@Suite("Catalog URL texts: in the reader's arena or the catalog's own")
struct CatalogTextTests {
    static let hosts = ["cdn.example.com"]

    @Test("a reader's URLs are the reader's bytes, not a copy, and outlive the reader's interner")
    func pointsAtReaderBytes() throws {
        let catalog = Catalog(domainHosts: Self.hosts)
        weak var arena: TextArena?
        let texts = (0..<2_000).map { "https://cdn.example.com/o/\($0).js" } + ["/a?b", "https://CDN.example.com?é"]
        do {
            var urls = Interner()
            for t in texts { _ = urls.intern(t) }
            arena = urls.arena
            for id in 0..<UInt32(urls.count) {
                #expect(try catalog.addURL(urls.text(id), in: urls.arena) == id)
                #expect(catalog.url(id).withTextBytes { $0.baseAddress } == urls.text(id).bytes.baseAddress, "URL \(id) is the interner's bytes")
            }
        }
        #expect(arena != nil, "the catalog keeps the reader's arena")
        #expect(catalog.urls.map(\.text) == texts)
        let last = catalog.url(UInt32(texts.count - 1))
        #expect(last.path == "/" && last.pathAndQuery == "/?é" && last.hasQuery && last.domain == 0)
        #expect(catalog.url(0).withTextBytes { Array($0) } == Array(texts[0].utf8))
    }

    @Test("URLs added as strings are copied into the catalog's own arena and read back")
    func ownTexts() throws {
        let catalog = Catalog(domainHosts: Self.hosts)
        var written: [String] = []
        for k in 0..<500 {
            let t = "https://cdn.example.com/" + String(repeating: "p", count: k) + "?q=\(k)"
            written.append(t)
            #expect(try catalog.addURL(t) == UInt32(k))
        }
        #expect(catalog.urls.map(\.text) == written)
        #expect(catalog.url(499).path == Substring("/" + String(repeating: "p", count: 499)))
        #expect(throws: Catalog.URLError.self) { try catalog.addURL("https://other.example.net/x") }
    }

    @Test("after a prefetch adds a URL, a reader's URLs are found or added by their bytes, each text once")
    func lookupByBytes() throws {
        let catalog = Catalog(domainHosts: Self.hosts)
        var urls = Interner()
        _ = urls.intern("https://cdn.example.com/first")
        #expect(try catalog.addURL(urls.text(0), in: urls.arena) == 0)
        // A prefetch event's URL, before the trace names it.
        #expect(try catalog.urlID(for: "https://cdn.example.com/b") == 1 && catalog.addsByLookup)
        #expect(try catalog.urlID(for: "https://cdn.example.com/first") == 0)
        for t in ["https://cdn.example.com/a", "https://cdn.example.com/b", "https://cdn.example.com/c"] { _ = urls.intern(t) }
        let ids = try (1..<UInt32(urls.count)).map { try catalog.urlID(for: urls.text($0), in: urls.arena) }
        #expect(ids == [2, 1, 3])
        #expect(catalog.url(3).withTextBytes { $0.baseAddress } == urls.text(3).bytes.baseAddress)
        #expect(catalog.urls.map(\.text) == ["https://cdn.example.com/first", "https://cdn.example.com/b",
                                             "https://cdn.example.com/a", "https://cdn.example.com/c"])
    }

    /// Before the texts were bytes, the lookup was a `[String: UInt32]`, where canonically
    /// equivalent spellings are one key: "\u{212A}" (KELVIN SIGN) is "K". Once a non-ASCII text
    /// is involved the catalog looks up by `String` again, so runs find what they found before.
    @Test("a non-ASCII URL makes the lookup compare as Strings do: KELVIN SIGN finds K")
    func lookupAsStrings() throws {
        let catalog = Catalog(domainHosts: Self.hosts)
        #expect(try catalog.urlID(for: "https://cdn.example.com/K") == 0)
        #expect(try catalog.urlID(for: "https://cdn.example.com/\u{212A}") == 0)
        #expect(try catalog.urlID(for: "https://cdn.example.com/é") == 1)
        #expect(try catalog.urlID(for: "https://cdn.example.com/e\u{301}") == 1)
        #expect(try catalog.urlID(for: "https://cdn.example.com/k") == 2)
        #expect(catalog.urls.count == 3)
    }
}
