import Foundation
import Scenario
import Simulation
import Testing
import TestSupport
import Workload

/// A run reads a `.pstrace` or a CSV trace in columns (`Simulation.takesColumns`): the reader's
/// ids become the catalog's in place and whole batches go to the driver, no request ever a
/// record or a `SimRequest`. These tests hold that path to the record-by-record one
/// (`requestsInColumns` off): the same results, digests and per-URL counts, and the same errors
/// for bad requests, from either format.
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

    /// `scenario` (whose workload is a CSV trace) as it is, or converted to a `.pstrace`.
    static func inFormat(_ scenario: Scenario, csv: Bool, in dir: String) throws -> Scenario {
        csv ? scenario : try asPopsimTrace(scenario, in: dir)
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
        #expect(Array(a.catalog.origins) == Array(b.catalog.origins) && Array(a.catalog.methods) == Array(b.catalog.methods), "\(what): catalog")
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

    @Test("the stress scenario (every kind, method, credentials mode, event but prefetch; parents) gives the same results in columns, from a .pstrace and from CSV",
          arguments: ["10TB", "2MB"], [false, true])
    func sameResults(capacity: String, csv: Bool) throws {
        let dir = try makeTemporaryDirectory("popsim-columns")
        let scenario = try Self.inFormat(try Scenario.load(path: try writeStressScenario(in: dir, requests: 6_000, capacity: capacity,
                                                                                          prefetches: false)), csv: csv, in: dir)
        let byRecord = try Self.run(scenario, columns: false)
        #expect(byRecord.requests == 6_000 && byRecord.variants.allSatisfy { $0.total.corsFailures > 0 })
        if capacity == "2MB" { #expect(byRecord.variants.contains { $0.evictions > 0 }) }
        Self.expectSame(try Self.run(scenario, columns: true), byRecord, "one thread")
        Self.expectSame(try Self.run(scenario, columns: true, threads: 2), byRecord, "two threads")
        for key in [Shard.Key.pop, .url] {
            let shard = Shard(index: 1, count: 3, key: key)
            let shardByRecord = try Self.run(scenario, columns: false, shard: shard)
            Self.expectSame(try Self.run(scenario, columns: true, shard: shard), shardByRecord, "shard \(shard)")
            Self.expectSame(try Self.run(scenario, columns: true, threads: 2, shard: shard), shardByRecord, "shard \(shard), two threads")
        }
    }

    /// On several threads, a run from a `.pstrace` may replay a share of the (variant, POP group)
    /// pieces on the reading thread itself (`ParallelRun.readerShare`), the rest on the simulation
    /// threads: every share gives the one-thread results.
    @Test("the reading thread replaying a share of the POPs (none, the model's choice, 1, 2, 5 pieces) gives the one-thread results",
          arguments: [nil, 0, 1, 2, 5])
    func readerShare(pieces: Int?) throws {
        let dir = try makeTemporaryDirectory("popsim-columns-share")
        let scenario = try Self.asPopsimTrace(try Scenario.load(path: try writeStressScenario(in: dir, requests: 6_000, capacity: "2MB",
                                                                                               prefetches: false)), in: dir)
        let oneThread = try Self.run(scenario, columns: true)
        #expect(oneThread.variants.contains { $0.evictions > 0 } && oneThread.variants.count > 1 && scenario.config.pops.count > 2)
        for threads in [2, 3] {
            var options = SimulationOptions(threads: threads, countURLs: true)
            options.readerPieces = pieces
            Self.expectSame(try ScenarioRun.run(scenario, options: options), oneThread, "\(threads) threads, reader pieces \(pieces.map(String.init) ?? "chosen")")
        }
    }

    /// A scenario of one POP and one pass-through variant in `dir`, reading the trace `trace` says.
    static func writeScenario(in dir: String, trace: String) throws -> String {
        try writeFile(dir, "s.json", """
            {"version": 1, "name": "columns", "description": "One POP, pass-through.", "seed": 1, "window": "10m",
             "pops": [{"id": "p1", "capacity": "1GB", "originRTT": "40ms"}],
             "origins": [{"id": "bucket", "type": "oss", "cors": {"rules": [{"allowedOrigins": ["*"], "allowedMethods": ["GET"]}]}}],
             "domains": [{"host": "static.example-cdn.com", "origin": "bucket", "ttl": "1d"}],
             "variants": {"pass-through": {"description": "No CDN rule."}},
             "workload": {\(trace)}}
            """)
    }

    /// A `.pstrace` whose URLs may be defined long before their first request (docs/trace-format.md):
    /// `urls` are defined before request `definedBefore[k]` (1-based), and request r names URL
    /// `requests[r - 1]`; every request at POP "p1", a font from https://www.example.com — from
    /// request 520 on, every other one from https://shop.example.com, defined then; origins
    /// defined before requests 300 and 590 and the method PUT before request 450 are never named.
    static func definedAheadTrace(in dir: String, urls: [String], definedBefore: [Int], requests: [Int]) throws -> String {
        var bytes = Array("PSTRACE\0".utf8) + [1, 0, 0, 0]
        func varint(_ v: Int) {
            var v = UInt64(v)
            while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            bytes.append(UInt8(v))
        }
        func define(_ table: UInt8, _ text: String) {
            bytes += [0x01, table]
            varint(text.utf8.count)
            bytes += Array(text.utf8)
        }
        define(0, "p1"); define(4, "font"); define(3, "GET"); define(2, "https://www.example.com")
        for (r, url) in requests.enumerated() {
            for (k, before) in definedBefore.enumerated() where before == r + 1 { define(1, urls[k]) }
            if r + 1 == 300 { define(2, "https://unused.example.com") }
            if r + 1 == 450 { define(3, "PUT") }
            if r + 1 == 520 { define(2, "https://shop.example.com") }
            if r + 1 == 590 { define(2, "https://late.example.com") }
            bytes.append(0x80 | 0x01 | 0x04 | 0x40) // time delta, URL, origin, size
            varint(1_000)
            varint(url)
            varint(r + 1 >= 520 && r % 2 == 0 ? 2 : 0)
            varint(100)
        }
        bytes.append(0x00)
        varint(requests.count)
        let path = dir + "/ahead.pstrace"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("URLs defined ahead of their requests: the catalog takes each when a request names a newer one, in columns as by record; one never requested is never taken, a refused one is refused at the same request")
    func urlsDefinedAhead() throws {
        let dir = try makeTemporaryDirectory("popsim-columns-ahead")
        let path = try Self.writeScenario(in: dir, trace: #""trace": "ahead.pstrace", "format": "popsim""#)
        let base = "https://static.example-cdn.com/"
        // 600 requests over URLs 0…5 (a batch is 256): URL 3 is defined before request 2 but first named by
        // request 400; URL 5 is defined before request 500 and never named.
        let urls = (0..<6).map { base + "u\($0)" }
        let requests = (0..<600).map { r in r < 399 ? [0, 1, 2][r % 3] : [0, 1, 2, 3, 4][r % 5] }
        var good = try Scenario.load(path: path)
        good.workload = .trace(path: try Self.definedAheadTrace(in: dir, urls: urls, definedBefore: [1, 1, 2, 2, 300, 500], requests: requests),
                               format: .popsim)
        let byRecord = try Self.run(good, columns: false)
        #expect(byRecord.catalog.urls.map(\.text) == Array(urls.prefix(5)), "URL 5 is defined but never named")
        // An unused origin joins with the first request that names a newer one; the last one and
        // PUT never do.
        #expect(byRecord.catalog.origins.map(\.serialized) == ["https://www.example.com", "https://unused.example.com", "https://shop.example.com"])
        #expect(Array(byRecord.catalog.methods) == ["GET"])
        Self.expectSame(try Self.run(good, columns: true), byRecord, "defined ahead")
        Self.expectSame(try Self.run(good, columns: true, threads: 2), byRecord, "defined ahead, two threads")
        for shard in [Shard(index: 0, count: 2, key: .url), Shard(index: 1, count: 2, key: .pop)] {
            Self.expectSame(try Self.run(good, columns: true, shard: shard), try Self.run(good, columns: false, shard: shard), "\(shard)")
        }

        // URL 3 refused (another host): `feed` takes it with URL 2 at request 3, the first to name a URL
        // past those taken — not at request 400, the first to name URL 3.
        var bad = good
        var badURLs = urls
        badURLs[3] = "https://elsewhere.example.org/u3"
        bad.workload = .trace(path: try Self.definedAheadTrace(in: dir, urls: badURLs, definedBefore: [1, 1, 2, 2, 300, 500], requests: requests),
                              format: .popsim)
        let recordError = try #require(throws: RunError.self) { try Self.run(bad, columns: false) }
        #expect(recordError.description.contains("ahead.pstrace:3: column 'url': host \"elsewhere.example.org\""), "\(recordError)")
        let columnError = try #require(throws: RunError.self) { try Self.run(bad, columns: true) }
        #expect(columnError.description == recordError.description)
        let parallelError = try #require(throws: RunError.self) { try Self.run(bad, columns: true, threads: 2) }
        #expect(parallelError.description == recordError.description)
        // Refused at request 300 of the second batch, where it is defined just before a request names it.
        badURLs = urls
        badURLs[4] = "https://elsewhere.example.org/u4"
        bad.workload = .trace(path: try Self.definedAheadTrace(in: dir, urls: badURLs, definedBefore: [1, 1, 2, 2, 300, 500], requests: requests),
                              format: .popsim)
        let laterError = try #require(throws: RunError.self) { try Self.run(bad, columns: false) }
        #expect(laterError.description.contains("ahead.pstrace:400: column 'url'"), "\(laterError)")
        #expect(try #require(throws: RunError.self) { try Self.run(bad, columns: true) }.description == laterError.description)
        #expect(try #require(throws: RunError.self) { try Self.run(bad, columns: true, threads: 2) }.description == laterError.description)
    }

    /// The reader's POPs, origins and methods are mapped to the scenario's and the catalog's ids
    /// column by column, a loop skipped while a map is each id to itself: a trace naming the
    /// POPs out of the scenario's order and a PUT first (the catalog's GET is 0) needs those
    /// maps; one in order needs none. (A `.pstrace`'s origins are serialised, each defined once,
    /// and the catalog numbers them as they come: that map is always each id to itself.)
    @Test("reader ids mapped to the scenario's and the catalog's in columns: out of order, and in order; from a .pstrace and from CSV",
          arguments: [true, false], [false, true])
    func idMaps(outOfOrder: Bool, csv: Bool) throws {
        let dir = try makeTemporaryDirectory("popsim-columns-maps")
        let origins = ["https://shop.example.com", "https://www.example.com"]
        let pops = outOfOrder ? ["p3", "p1", "p2"] : ["p1", "p2", "p3"]
        let methods = outOfOrder ? ["PUT", "GET"] : ["GET", "PUT"]
        var lines = ["t,pop,url,origin,kind,method,credentials,bytes"]
        for i in 0..<900 {
            lines.append("\(i),\(pops[i % 3]),https://static.example-cdn.com/f\(i % 50).woff2,"
                         + "\(origins[i < origins.count ? i : (i / 5) % origins.count]),fetch,\(methods[i < 2 ? i : (i / 11) % 2]),,100")
        }
        try writeFile(dir, "trace.csv", lines.joined(separator: "\n") + "\n")
        let path = try writeFile(dir, "s.json", """
            {"version": 1, "name": "maps", "description": "Three POPs, pass-through.", "seed": 1, "window": "10m",
             "pops": [{"id": "p1", "capacity": "2KB", "originRTT": "40ms"}, {"id": "p2", "capacity": "1GB", "originRTT": "30ms"},
                      {"id": "p3", "capacity": "1GB", "originRTT": "20ms"}],
             "origins": [{"id": "bucket", "type": "oss", "cors": {"rules": [{"allowedOrigins": ["https://www.example.com"], "allowedMethods": ["GET", "HEAD"]}]}}],
             "domains": [{"host": "static.example-cdn.com", "origin": "bucket", "ttl": "1d"}],
             "variants": {"pass-through": {"description": "No CDN rule."}},
             "workload": {"trace": "trace.csv"}}
            """)
        let scenario = try Self.inFormat(try Scenario.load(path: path), csv: csv, in: dir)
        let byRecord = try Self.run(scenario, columns: false)
        #expect(byRecord.requests == 900)
        let pass = try #require(byRecord.variants.first)
        #expect(pass.perPOP.map(\.requests) == [300, 300, 300], "each POP its third (POPs are told apart)")
        #expect(pass.total.corsFailures > 0 && pass.total.corsFailures < pass.total.corsChecked, "origins are told apart")
        #expect(pass.total.bypass > 0 && pass.total.hits > 0, "methods are told apart: a PUT is not served from the cache")
        Self.expectSame(try Self.run(scenario, columns: true), byRecord, "one thread")
        Self.expectSame(try Self.run(scenario, columns: true, threads: 2), byRecord, "two threads")
    }

    /// Writes a scenario of 8 POPs (p1…p8, pass-through) and its CSV trace, a request at POP
    /// `p\(n)` for each n of `requestsAt` (ten a millisecond, 300 URLs in turn).
    /// - Returns: the scenario's path.
    static func writeEightPOPs(in dir: String, requestsAt pops: [Int], events: String = "") throws -> String {
        let lines = ["t,pop,url,origin,kind,method,credentials,bytes"]
            + pops.enumerated().map { i, p in "\(i / 10),p\(p),https://static.example-cdn.com/f\(i % 300).woff2,https://www.example.com,font,GET,,100" }
        try writeFile(dir, "trace.csv", lines.joined(separator: "\n") + "\n")
        let popList = (1...8).map { #"{"id": "p\#($0)", "capacity": "1MB", "originRTT": "40ms"}"# }.joined(separator: ", ")
        return try writeFile(dir, "s.json", """
            {"version": 1, "name": "layout", "description": "Eight POPs, pass-through.", "seed": 1, "window": "10m",
             "pops": [\(popList)],
             "origins": [{"id": "bucket", "type": "oss", "cors": {"rules": [{"allowedOrigins": ["*"], "allowedMethods": ["GET"]}]}}],
             "domains": [{"host": "static.example-cdn.com", "origin": "bucket", "ttl": "1d"}],
             "variants": {"pass-through": {"description": "No CDN rule."}},\(events.isEmpty ? "" : "\n \"events\": \(events),")
             "workload": {"trace": "trace.csv"}}
            """)
    }

    /// On two threads from a `.pstrace`, the layout is chosen on the first 4,096 requests
    /// (`Driver.chooseLayout`): their POPs weigh the pieces and the reading thread takes the
    /// lightest when that evens the work out (`ParallelRun.readerShare`, whose choices
    /// `ReaderShareTests` works by hand). Here the run's own choice, as `--stats` shows it.
    @Test("the layout a parallel run chose: the two lightest of 8 even POPs on the reading thread; never a POP with half the requests; all at one POP: the reading thread only reads",
          arguments: ["even", "half", "one"])
    func chosenLayout(traffic: String) throws {
        let dir = try makeTemporaryDirectory("popsim-columns-layout")
        var pops: [Int] = []
        var cycle = 0
        while pops.count < 6_000 {
            switch traffic {
            case "even": pops += cycle % 16 == 15 ? Array(1...6) : Array(1...8) // p7 and p8 a little lighter
            case "half": pops += [1, 2 + cycle % 7]
            default: pops += [1]
            }
            cycle += 1
        }
        let scenario = try Self.asPopsimTrace(try Scenario.load(path: try Self.writeEightPOPs(in: dir, requestsAt: Array(pops.prefix(6_000)))), in: dir)
        #expect(try ScenarioRun.run(scenario, options: SimulationOptions(threads: 1)).layout == nil, "one thread: no layout")
        let twoThreads = try ScenarioRun.run(scenario, options: SimulationOptions(threads: 2))
        let layout = try #require(twoThreads.layout)
        let named = layout.reading.flatMap(\.pops) + layout.threads.flatMap { $0.flatMap(\.pops) }
        switch traffic {
        case "even":
            #expect(layout.reading == [.init(variant: "pass-through", pops: ["p7", "p8"])], "\(layout)")
            #expect(layout.threads == [[.init(variant: "pass-through", pops: ["p1", "p2", "p3", "p4", "p5", "p6"])]], "\(layout)")
        case "half":
            #expect(!layout.reading.isEmpty && !layout.reading.contains { $0.pops.contains("p1") }, "\(layout)")
            #expect(named.sorted() == (1...8).map { "p\($0)" }, "every POP once: \(layout)")
        default:
            // Every request at p1: the other seven pieces weigh nothing, and the reading thread taking
            // them would leave p1's thread as busy — it only reads.
            #expect(layout.reading.isEmpty && layout.threads.contains { $0.contains { $0.pops.contains("p1") } }, "\(layout)")
        }
    }

    /// Read from CSV, the reading thread only reads, and the pieces are dealt to the simulation
    /// threads by their share of the first 4,096 requests (`ParallelRun.deal`). Dealt in turn,
    /// as they were, p1 — half the requests — went with p3, p5 and p7 to one thread, which did
    /// 5/7 of the work while the other did 2/7.
    /// A prefetch event makes the driver resolve requests one at a time (not in columns); the
    /// pieces were then dealt in turn, before any request was read (QA pass, stop 34).
    @Test("read from CSV on two threads, the POP with half the requests is a simulation thread's alone, with or without a prefetch event; outputs equal one thread's",
          arguments: [false, true])
    func csvLayoutByWeight(withPrefetch: Bool) throws {
        let dir = try makeTemporaryDirectory("popsim-columns-deal")
        var pops: [Int] = []
        for cycle in 0..<3_000 { pops += [1, 2 + cycle % 7] }
        let prefetch = #"[{"at": "300ms", "label": "warm f1", "prefetch": {"url": "https://static.example-cdn.com/f1.woff2"}}]"#
        let scenario = try Scenario.load(path: try Self.writeEightPOPs(in: dir, requestsAt: pops, events: withPrefetch ? prefetch : ""))
        let two = try ScenarioRun.run(scenario, options: SimulationOptions(threads: 2))
        let layout = try #require(two.layout)
        #expect(layout.reading.isEmpty, "a CSV's reading thread only reads: \(layout)")
        // The heaviest piece first, to the first thread; the rest each to the lighter thread.
        #expect(layout.threads == [[.init(variant: "pass-through", pops: ["p1"])],
                                   [.init(variant: "pass-through", pops: (2...8).map { "p\($0)" })]], "\(layout)")
        Self.expectSame(two, try ScenarioRun.run(scenario, options: SimulationOptions(threads: 1)), "two threads against one")
    }

    /// POPs that first appear after the requests sampled weigh nothing; dealt to the least loaded
    /// thread by number alone, all of them went to one thread and the others had none — empty
    /// simulation threads beside one with most of the run (QA pass, stop 34).
    @Test("POPs absent from the first 4,096 requests are spread over the simulation threads: none is left without a POP; outputs equal one thread's",
          arguments: [false, true])
    func latePOPsSpread(pstrace: Bool) throws {
        let dir = try makeTemporaryDirectory("popsim-columns-late")
        let pops = Array(repeating: 1, count: 5_000) + (0..<3_000).map { 1 + $0 % 8 }
        var scenario = try Scenario.load(path: try Self.writeEightPOPs(in: dir, requestsAt: pops))
        if pstrace { scenario = try Self.asPopsimTrace(scenario, in: dir) }
        let four = try ScenarioRun.run(scenario, options: SimulationOptions(threads: 4))
        let layout = try #require(four.layout)
        #expect(layout.reading.isEmpty, "\(layout)")
        // p1 (every sampled request) alone; the seven others, weightless, one thread after another.
        #expect(layout.threads.map { $0.flatMap(\.pops) } == [["p1"], ["p2", "p5", "p8"], ["p3", "p6"], ["p4", "p7"]], "\(layout)")
        Self.expectSame(four, try ScenarioRun.run(scenario, options: SimulationOptions(threads: 1)), "four threads against one")
    }

    @Test("a bad request in the middle of a batch stops the run with the record-by-record error, from a .pstrace and from CSV",
          arguments: [("zz", "https://static.example-cdn.com/a.woff2", "", "column 'pop': unknown POP \"zz\""),
                      ("p1", "https://elsewhere.example.org/a.woff2", "", "column 'url'"),
                      ("p1", "https://static.example-cdn.com/a.woff2", "2199023255553", "column 'bytes': 2199023255553 is larger than")],
          [false, true])
    func sameErrors(bad: (pop: String, url: String, bytes: String, expected: String), csv: Bool) throws {
        let (pop, url, bytes, expected) = bad
        let dir = try makeTemporaryDirectory("popsim-columns-errors")
        var lines = ["t,pop,url,origin,kind,method,credentials,bytes"]
        for i in 0..<700 {
            let bad = i == 299
            lines.append("\(i),\(bad ? pop : "p1"),\(bad ? url : "https://static.example-cdn.com/f\(i % 40).woff2"),https://www.example.com,font,GET,,"
                         + (bad ? bytes : "100"))
        }
        try writeFile(dir, "trace.csv", lines.joined(separator: "\n") + "\n")
        let path = try Self.writeScenario(in: dir, trace: #""trace": "trace.csv""#)
        let scenario = try Self.inFormat(try Scenario.load(path: path), csv: csv, in: dir)
        let byRecord = try #require(throws: RunError.self) { try Self.run(scenario, columns: false) }
        let inColumns = try #require(throws: RunError.self) { try Self.run(scenario, columns: true) }
        let parallel = try #require(throws: RunError.self) { try Self.run(scenario, columns: true, threads: 2) }
        // Request 300: record 300 of the `.pstrace`, line 301 of the CSV (after its header).
        #expect(byRecord.description.contains(csv ? "trace.csv:301: \(expected)" : "trace.pstrace:300: \(expected)"), "\(byRecord)")
        #expect(inColumns.description == byRecord.description)
        #expect(parallel.description == byRecord.description, "two threads")
    }

    /// What only a CSV trace has: blank lines (a batch's rows are consecutive lines, so a batch
    /// ends at one), quoted fields (split by `CSVSplitter`), a header that is not line 1, and
    /// errors the reader finds itself (a time going back, a bad size) after good rows of a batch.
    @Test("a CSV trace with blank lines, quoted fields and a late header gives the same results in columns; a line the reader refuses mid-batch, the same error",
          arguments: [nil, "time", "bytes", "fields"])
    func csvLines(fault: String?) throws {
        let dir = try makeTemporaryDirectory("popsim-columns-csv")
        let origins = ["https://www.example.com", "https://shop.example.com", "", "https://blog.example.com"]
        var lines = ["", "t,pop,url,origin,kind,method,credentials,bytes"]
        for i in 0..<1_000 {
            if i % 97 == 5 { lines.append("") }
            if i % 89 == 7 { lines.append("   ") }
            let url = i % 7 == 0 ? "\"https://static.example-cdn.com/q\(i % 30).css?a=1,b=2\"" : "https://static.example-cdn.com/f\(i % 60).woff2"
            var line = "\(i / 3).\(i % 3 * 25),p\(1 + i % 2),\(url),\(origins[(i / 7) % origins.count]),\(i % 5 == 0 ? "stylesheet" : "font"),GET,,\(100 + i % 9)"
            if i == 700 {
                switch fault {
                case "time": line = "1.5,p1,https://static.example-cdn.com/f1.woff2,https://www.example.com,font,GET,,100"
                case "bytes": line = "\(i / 3),p1,https://static.example-cdn.com/f1.woff2,https://www.example.com,font,GET,,12.5"
                case "fields": line = "\(i / 3),p1,https://static.example-cdn.com/f1.woff2,https://www.example.com,font,GET,100"
                default: break
                }
            }
            lines.append(line)
        }
        try writeFile(dir, "trace.csv", lines.joined(separator: "\n") + "\n")
        let path = try writeFile(dir, "s.json", """
            {"version": 1, "name": "csv", "description": "Two POPs, pass-through.", "seed": 1, "window": "10m",
             "pops": [{"id": "p1", "capacity": "3KB", "originRTT": "40ms"}, {"id": "p2", "capacity": "1GB", "originRTT": "30ms"}],
             "origins": [{"id": "bucket", "type": "oss", "cors": {"rules": [{"allowedOrigins": ["https://www.example.com"], "allowedMethods": ["GET", "HEAD"]}]}}],
             "domains": [{"host": "static.example-cdn.com", "origin": "bucket", "ttl": "1d"}],
             "variants": {"pass-through": {"description": "No CDN rule."}},
             "workload": {"trace": "trace.csv"}}
            """)
        let scenario = try Scenario.load(path: path)
        guard let fault else {
            let byRecord = try Self.run(scenario, columns: false)
            #expect(byRecord.requests == 1_000 && byRecord.catalog.urls.count == 90)
            let pass = try #require(byRecord.variants.first)
            #expect(pass.total.corsFailures > 0 && pass.evictions > 0 && pass.total.hits > 0)
            Self.expectSame(try Self.run(scenario, columns: true), byRecord, "one thread")
            Self.expectSame(try Self.run(scenario, columns: true, threads: 2), byRecord, "two threads")
            return
        }
        let byRecord = try #require(throws: RunError.self) { try Self.run(scenario, columns: false) }
        let inColumns = try #require(throws: RunError.self) { try Self.run(scenario, columns: true) }
        let parallel = try #require(throws: RunError.self) { try Self.run(scenario, columns: true, threads: 2) }
        // Request 700 is on line 703 + the 16 blank lines before it (line 1, then the header).
        let column = ["time": "column 't'", "bytes": "column 'bytes'", "fields": "expected 8 fields"][fault]!
        #expect(byRecord.description.contains("trace.csv:719") && byRecord.description.contains(column), "\(byRecord)")
        #expect(inColumns.description == byRecord.description)
        #expect(parallel.description == byRecord.description, "two threads")
    }
}
