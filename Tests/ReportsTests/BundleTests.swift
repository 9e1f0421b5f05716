import Reports
import Testing
import TestSupport
import Workload

@Test("a bundle is deterministic byte for byte: two runs of a teaching scenario write the same files", arguments: teachingScenarios)
func bundleDeterministic(_ name: String) throws {
    let a = try buildBundle(name), b = try buildBundle(name)
    #expect(a.files.map(\.path) == b.files.map(\.path))
    for (x, y) in zip(a.files, b.files) { #expect(x.contents == y.contents, "\(x.path) differs between two runs") }
}

@Test("manifest.json names every other file with its size and FNV-1a hash, and what produced it")
func manifestMatchesFiles() throws {
    let b = try buildBundle("rule-added-without-purge")
    let text = try #require(b.file("manifest.json"))
    let m = try Manifest.parse(Array(text.utf8), file: "manifest.json")
    #expect(m.json == text, "parse and write round-trip")
    let others = b.files.filter { $0.path != "manifest.json" }
    #expect(m.files.map(\.path) == others.map(\.path).sorted())
    for f in others {
        let entry = try #require(m.files.first { $0.path == f.path })
        #expect(entry.bytes == f.contents.utf8.count)
        let h = String(fnv1a64(f.contents.utf8), radix: 16)
        #expect(entry.fnv1a64 == String(repeating: "0", count: 16 - h.count) + h, "\(f.path)")
    }
    #expect(m.scenario == "rule-added-without-purge")
    #expect(m.scenarioHash == b.result.scenario.contentHash)
    #expect(m.files.first { $0.path == "scenario.json" }?.fnv1a64 == m.scenarioHash, "scenario.json is a byte copy")
    #expect(m.seed == 1)
    #expect(m.popsimVersion == popsimVersion)
    #expect(m.command == "popsim run scenarios/rule-added-without-purge.json --out notebooks-export/rule-added-without-purge")
    #expect(m.variants == ["no-purge", "with-purge", "serve-time-rules"])
    #expect(!text.contains("/tmp") && !text.contains("/work"), "no absolute paths")
}

@Test("tables: one row per variant and window, per variant and POP, per applied event")
func tables() throws {
    let b = try buildBundle("rule-added-without-purge")
    let series = try b.table("timeseries.csv")
    #expect(series.count == 3 * 9, "3 variants × 9 windows of 20 s")
    #expect(series.first.map { "\($0["variant"]!) \($0["window_start"]!) \($0["cors_failures"]!)/\($0["cors_checked"]!) \($0["failure_rate"]!)" }
            == "no-purge 0.000000 2/4 0.500000")
    let pops = try b.table("pops.csv")
    #expect(pops.map { "\($0["variant"]!)@\($0["pop"]!)" } == ["no-purge@hangzhou", "no-purge@frankfurt", "with-purge@hangzhou",
                                                                "with-purge@frankfurt", "serve-time-rules@hangzhou", "serve-time-rules@frankfurt"])
    // pops.csv sums to summary's totals.
    for v in b.result.variants {
        let failures = pops.filter { $0["variant"] == v.name }.map { Int($0["cors_failures"]!)! }.reduce(0, +)
        #expect(failures == v.total.corsFailures)
    }
    let events = try b.table("events.csv").map { "\($0["variant"]!) \($0["t"]!) \($0["pop"]!) \($0["label"]!)" }
    #expect(events.contains("with-purge 90.000000 hangzhou purge /fonts/"))
    #expect(!events.contains { $0.hasPrefix("no-purge") && $0.contains("purge /fonts/") }, "the purge is only in with-purge")
}

@Test("a trace without requests still gives a readable bundle from the library: empty tables, empty charts, no timeline (the CLI refuses it; see BadInputCatalogueTests)")
func emptyTraceBundle() throws {
    let dir = try makeTemporaryDirectory()
    try writeFile(dir, "trace.csv", "t,pop,url,origin,kind\n")
    let path = try writeFile(dir, "scenario.json", """
        {"name": "empty", "pops": [{"id": "hangzhou", "capacity": "1GB"}], "origins": [{"id": "bucket", "type": "oss"}],
         "domains": [{"host": "cdn.example.com", "origin": "bucket"}], "variants": {"pass-through": {}}, "workload": {"trace": "trace.csv"}}
        """)
    let b = try buildBundle(path: path, name: "empty")
    #expect(b.result.requests == 0)
    #expect(b.file("urls.csv") == Tables.urlsHeader + "\n")
    #expect(b.file("timeseries.csv") == Tables.timeSeriesHeader + "\n")
    for f in b.files where f.path.hasSuffix(".svg") || f.path.hasSuffix(".html") { _ = try parseXML(f.contents) }
    let report = try parseXML(try #require(b.file("report.html")))
    #expect(report.all.first { $0.attributes["id"] == "timeline" }?.allText.contains("nothing to explain") == true)
}
