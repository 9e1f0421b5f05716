import Scenario
import Simulation
import Testing
import TestSupport

/// A prefetch event can add a URL to the catalog before the trace first names it; the reader
/// must then find that id rather than add the text again (the catalog holds each text once,
/// which the driver's canonical-key shortcut relies on).
@Test("a URL prefetched before the trace names it keeps one id, and the trace's request hits the prefetched copy")
func prefetchedBeforeTheTrace() throws {
    let dir = try makeTemporaryDirectory("popsim-prefetch")
    try writeFile(dir, "trace.csv", """
        t,pop,url,origin,kind
        0.5,p1,https://static.example-cdn.com/b.woff2,https://www.example.com,font
        1,p1,https://static.example-cdn.com/a.woff2,https://www.example.com,font
        2,p1,https://static.example-cdn.com/a.woff2,https://www.example.com,font

        """)
    let path = try writeFile(dir, "s.json", """
        {"version": 1, "name": "prefetch-first", "description": "A prefetch before the trace names its URL.", "seed": 1, "window": "10m",
         "pops": [{"id": "p1", "capacity": "1GB", "originRTT": "40ms"}],
         "origins": [{"id": "bucket", "type": "oss", "cors": {"rules": [{"allowedOrigins": ["https://*.example.com"], "allowedMethods": ["GET"]}]}}],
         "domains": [{"host": "static.example-cdn.com", "origin": "bucket", "ttl": "1d"}],
         "variants": {"pass-through": {"description": "No CDN rule."}},
         "events": [{"at": "0s", "prefetch": {"url": "https://static.example-cdn.com/a.woff2"}, "label": "warm"}],
         "workload": {"trace": "trace.csv"}}
        """)
    let result = try ScenarioRun.run(try Scenario.load(path: path))
    #expect(result.catalog.urls.map(\.text) == ["https://static.example-cdn.com/b.woff2", "https://static.example-cdn.com/a.woff2"])
    let total = result.variants[0].total
    #expect(total.hits == 2 && total.misses == 1 && total.originFetches == 1)
    #expect(result.variants[0].prefetchFetches == 1)
}
