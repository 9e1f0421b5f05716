import Foundation
import Scenario
import Simulation
import Testing
import TestSupport
import Workload

/// A run reads a `.pstrace` in columns (`Simulation.takesColumns`): the reader's ids become the
/// catalog's in place and whole batches go to the driver, no request ever a record or a
/// `SimRequest`. These tests hold that path to the record-by-record one (`requestsInColumns`
/// off): the same results, digests and per-URL counts, and the same errors for bad requests.
@Suite("Runs fed in columns")
struct ColumnsFeedTests {
    /// `scenario` with its workload converted to a `.pstrace` in `dir`.
    static func asPopsimTrace(_ scenario: Scenario, in dir: String) throws -> Scenario {
        let path = dir + "/trace.pstrace"
        try copyTrace(from: try scenario.workload.open(), to: try PopsimTraceWriter(path: path))
        var converted = scenario
        converted.workload = .trace(path: path, format: .popsim)
        return converted
    }

    static func run(_ scenario: Scenario, columns: Bool, threads: Int = 1, shard: Shard? = nil) throws(RunError) -> RunResult {
        var options = SimulationOptions(threads: threads, shard: shard, countURLs: true)
        options.requestsInColumns = columns
        return try ScenarioRun.run(scenario, options: options)
    }

    /// Every count of the two results, variant by variant.
    static func expectSame(_ a: RunResult, _ b: RunResult, _ what: String) {
        #expect(a.requests == b.requests && a.traceRequests == b.traceRequests, "\(what): requests")
        #expect(a.traceDigest == b.traceDigest, "\(what): digest")
        #expect(a.urlRequests == b.urlRequests && a.urlChecked == b.urlChecked, "\(what): per-URL counts")
        #expect(a.catalog.urls.map(\.text) == b.catalog.urls.map(\.text), "\(what): catalog")
        #expect(a.variants.count == b.variants.count, "\(what): variants")
        for (x, y) in zip(a.variants, b.variants) {
            #expect(x.total == y.total && x.perPOP == y.perPOP && x.cells == y.cells, "\(what) \(x.name): tallies")
            #expect(x.failuresByReason == y.failuresByReason && x.failuresByURL == y.failuresByURL, "\(what) \(x.name): failures")
            #expect(x.latency.percentile(0.5) == y.latency.percentile(0.5) && x.latency.percentile(0.99) == y.latency.percentile(0.99),
                    "\(what) \(x.name): latency")
            #expect(x.evictions == y.evictions && x.peakBytes == y.peakBytes && x.residentObjects == y.residentObjects,
                    "\(what) \(x.name): caches")
            #expect(x.appliedEvents == y.appliedEvents, "\(what) \(x.name): events")
        }
    }

    @Test("the stress scenario (every kind, method, credentials mode, event but prefetch; parents) gives the same results in columns",
          arguments: ["10TB", "2MB"])
    func sameResults(capacity: String) throws {
        let dir = try makeTemporaryDirectory("popsim-columns")
        let scenario = try Self.asPopsimTrace(try Scenario.load(path: try writeStressScenario(in: dir, requests: 6_000, capacity: capacity,
                                                                                               prefetches: false)), in: dir)
        let byRecord = try Self.run(scenario, columns: false)
        #expect(byRecord.requests == 6_000 && byRecord.variants.allSatisfy { $0.total.corsFailures > 0 })
        if capacity == "2MB" { #expect(byRecord.variants.contains { $0.evictions > 0 }) }
        Self.expectSame(try Self.run(scenario, columns: true), byRecord, "one thread")
        Self.expectSame(try Self.run(scenario, columns: true, threads: 2), byRecord, "two threads")
        for key in [Shard.Key.pop, .url] {
            let shard = Shard(index: 1, count: 3, key: key)
            Self.expectSame(try Self.run(scenario, columns: true, shard: shard), try Self.run(scenario, columns: false, shard: shard),
                            "shard \(shard)")
        }
    }

    @Test("a bad request in the middle of a batch stops the run with the record-by-record error",
          arguments: [("zz", "https://static.example-cdn.com/a.woff2", "", "column 'pop': unknown POP \"zz\""),
                      ("p1", "https://elsewhere.example.org/a.woff2", "", "column 'url'"),
                      ("p1", "https://static.example-cdn.com/a.woff2", "2199023255553", "column 'bytes': 2199023255553 is larger than")])
    func sameErrors(pop: String, url: String, bytes: String, expected: String) throws {
        let dir = try makeTemporaryDirectory("popsim-columns-errors")
        var lines = ["t,pop,url,origin,kind,method,credentials,bytes"]
        for i in 0..<700 {
            let bad = i == 299
            lines.append("\(i),\(bad ? pop : "p1"),\(bad ? url : "https://static.example-cdn.com/f\(i % 40).woff2"),https://www.example.com,font,GET,,"
                         + (bad ? bytes : "100"))
        }
        try writeFile(dir, "trace.csv", lines.joined(separator: "\n") + "\n")
        let path = try writeFile(dir, "s.json", """
            {"version": 1, "name": "bad-request", "description": "Request 300 is bad.", "seed": 1, "window": "10m",
             "pops": [{"id": "p1", "capacity": "1GB", "originRTT": "40ms"}],
             "origins": [{"id": "bucket", "type": "oss", "cors": {"rules": [{"allowedOrigins": ["*"], "allowedMethods": ["GET"]}]}}],
             "domains": [{"host": "static.example-cdn.com", "origin": "bucket", "ttl": "1d"}],
             "variants": {"pass-through": {"description": "No CDN rule."}},
             "workload": {"trace": "trace.csv"}}
            """)
        let scenario = try Self.asPopsimTrace(try Scenario.load(path: path), in: dir)
        let byRecord = try #require(throws: RunError.self) { try Self.run(scenario, columns: false) }
        let inColumns = try #require(throws: RunError.self) { try Self.run(scenario, columns: true) }
        #expect(byRecord.description.contains("trace.pstrace:300: \(expected)"), "\(byRecord)")
        #expect(inColumns.description == byRecord.description)
    }
}
