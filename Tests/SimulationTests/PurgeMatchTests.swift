// A purge compares its target with the URL of every object a POP holds, on bytes; the test on
// strings is the reference, and the two must agree on every URL and target, ASCII or not.
import Testing
@testable import Simulation

@Suite("Purge matching: the byte-wise test agrees with the one on strings")
struct PurgeMatchTests {
    static let domains = [DomainSpec(host: "cdn.example.com", origin: 0, defaultTTL: 1),
                          DomainSpec(host: "static.example.org", scheme: "http", origin: 0, defaultTTL: 1)]

    static let urls = [
        "https://cdn.example.com/a/b.js", "https://cdn.example.com/a/b.js?v=1", "https://CDN.example.com/a/b.js",
        "https://cdn.example.com", "https://cdn.example.com?v=1", "https://cdn.example.com/", "https://cdn.example.com/a b",
        "https://cdn.example.com/K", "https://cdn.example.com/é",
        "http://static.example.org/a/b.js", "http://static.example.org/img/x.png?w=1",
    ]

    /// Spellings equal as strings to two of `urls` (debug builds refuse both in one catalog).
    static let equivalentURLs = ["https://cdn.example.com/\u{212A}", "https://cdn.example.com/e\u{301}"]

    static let targets: [PurgeTarget] = [
        .all, .url("https://cdn.example.com/a/b.js"), .url("/a/b.js"), .url("/a/b.js?v=1"), .url("https://cdn.example.com/a/b.js?v=1"),
        .url("https://cdn.example.com/"), .url("/"), .url("/?v=1"), .url("https://cdn.example.com/K"), .url("/\u{212A}"),
        .url("https://cdn.example.com/é"), .url("http://static.example.org/a/b.js"), .url("https://CDN.example.com/a/b.js"),
        .prefix("/a/"), .prefix("/"), .prefix("https://cdn.example.com/a"), .prefix("https://cdn.example.com"), .prefix("https://CDN"),
        .prefix("http"), .prefix("https://cdn.example.com/e"), .prefix("/e"), .prefix("/\u{212A}"), .prefix("http://static.example.org/img/x.png?"),
        .prefix("/a b"), .prefix(""), .url(""),
    ]

    @Test("every URL, target and domain filter: the bytes answer as the strings do")
    func agrees() {
        let catalogs = [Self.urls, Self.equivalentURLs].map { urls in
            let catalog = Catalog(domainHosts: Self.domains.map(\.host))
            for u in urls { _ = try? catalog.addURL(u) }
            return catalog
        }
        #expect(catalogs[0].urls.count + catalogs[1].urls.count == Self.urls.count + Self.equivalentURLs.count)
        var removed = 0
        for target in Self.targets {
            for domain in [nil, 0, 1] {
                let match = PurgeMatch(target, domain: domain, domains: Self.domains)
                for info in catalogs.flatMap(\.urls) {
                    let expected = PurgeMatch.matchesAsStrings(info, target, domain, Self.domains)
                    #expect(match.matches(info) == expected, "\(target) on domain \(domain.map(String.init) ?? "any"): \(info.text)")
                    if expected { removed += 1 }
                }
            }
        }
        #expect(removed > 100, "the table exercises matches, not only misses (\(removed))")
    }
}
