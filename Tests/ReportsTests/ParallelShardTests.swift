import Reports
import Scenario
import Simulation
import Testing
import TestSupport
import Workload

// Parallel runs and shards must give exactly the bundle of a one-thread, unsharded run: the
// same bytes in every file (summary.json, cells.csv, every table, chart, the report with its
// timeline, the manifest).

/// The bundle of `result`, built as `popsim run` builds it (same command and paths every time,
/// so bundles of different runs of one scenario compare byte for byte).
/// `traceDigest`: the trace's, for a merged result (its timeline must read that trace).
func bundle(of result: RunResult, threads: Int = 1, traceDigest: UInt64? = nil) throws -> [BundleFile] {
    let urls = URLFailures(result: result)
    let timeline = try urls.worst.map { try Timeline.collect(result.scenario, only: nil, url: $0, urls: urls, threads: threads, traceDigest: traceDigest) }
    let context = ReportContext(result: result, urls: urls, timeline: timeline, command: "popsim run scenario.json --out out",
                                scenarioFile: "scenario.json", traceFile: "trace.csv")
    return ResultsBundle.files(context, scenarioBytes: try readWholeFile(result.scenario.file))
}

func expectSameFiles(_ a: [BundleFile], _ b: [BundleFile], _ what: String) {
    #expect(a.map(\.path) == b.map(\.path), "\(what): file lists differ")
    for (x, y) in zip(a, b) where x.contents != y.contents {
        let line = zip(x.contents.split(separator: "\n", omittingEmptySubsequences: false),
                       y.contents.split(separator: "\n", omittingEmptySubsequences: false)).enumerated().first { $0.element.0 != $0.element.1 }
        Issue.record("\(what): \(x.path) differs\(line.map { " at line \($0.offset + 1): \($0.element.0) | \($0.element.1)" } ?? " in length")")
    }
}

/// Every scenario shipped in scenarios/, plus the stress scenario (written into a fresh folder).
func scenariosUnderTest() throws -> [String] {
    let shipped = filesIn(repoPath("scenarios")).filter { $0.hasSuffix(".json") }.map { repoPath("scenarios/" + $0) }
    return shipped + [try writeStressScenario(in: try makeTemporaryDirectory("popsim-stress"))]
}

@Test("threads: a run on 2, 3 or 5 threads writes the bundle of a one-thread run, byte for byte (shipped scenarios and a stress scenario)")
func parallelEqualsSequential() throws {
    for path in try scenariosUnderTest() {
        let scenario = try Scenario.load(path: path)
        let one = try ScenarioRun.run(scenario, options: SimulationOptions(threads: 1, countURLs: true))
        let reference = try bundle(of: one)
        for threads in [2, 3, 5] {
            let many = try ScenarioRun.run(scenario, options: SimulationOptions(threads: threads, countURLs: true))
            expectSameFiles(reference, try bundle(of: many, threads: threads), "\(scenario.name), \(threads) threads")
            #expect(Summary.json(many) == Summary.json(one) && Breakdown.cellsCSV(many) == Breakdown.cellsCSV(one))
        }
    }
}

@Test("threads: from a .pstrace the reading thread replays a share of the POPs on 2 and 3 threads; the bundle is the one-thread run's, byte for byte")
func readerShareEqualsSequential() throws {
    let dir = try makeTemporaryDirectory("popsim-stress-pstrace")
    var scenario = try Scenario.load(path: try writeStressScenario(in: dir, prefetches: false))
    let trace = dir + "/trace.pstrace"
    try copyTrace(from: try scenario.workload.open(), to: try PopsimTraceWriter(path: trace))
    scenario.workload = .trace(path: trace, format: .popsim)
    let one = try ScenarioRun.run(scenario, options: SimulationOptions(threads: 1, countURLs: true))
    let reference = try bundle(of: one)
    for threads in [2, 3] {
        let many = try ScenarioRun.run(scenario, options: SimulationOptions(threads: threads, countURLs: true))
        expectSameFiles(reference, try bundle(of: many, threads: threads), "\(threads) threads")
        #expect(many.urlRequests == one.urlRequests && many.variants.map(\.failuresByURL) == one.variants.map(\.failuresByURL))
    }
}

@Test("threads: with small batches and few slots — the reading thread waits for each thread and reuses its slots thousands of times — a run counts exactly what a one-thread run counts",
      arguments: [(size: 1, slots: 1), (size: 7, slots: 2), (size: 64, slots: 3)])
func smallBatchesEqualSequential(shape: (size: Int, slots: Int)) throws {
    let path = try writeStressScenario(in: try makeTemporaryDirectory("popsim-stress"))
    let scenario = try Scenario.load(path: path)
    let one = try ScenarioRun.run(scenario, options: SimulationOptions(threads: 1, countURLs: true))
    for threads in [2, 3] {
        var options = SimulationOptions(threads: threads, countURLs: true)
        options.batchSize = shape.size
        options.batchSlots = shape.slots
        let many = try ScenarioRun.run(scenario, options: options)
        #expect(Summary.json(many) == Summary.json(one), "\(threads) threads, batches of \(shape.size), \(shape.slots) slots")
        #expect(Breakdown.cellsCSV(many) == Breakdown.cellsCSV(one))
        #expect(many.urlRequests == one.urlRequests && many.urlChecked == one.urlChecked)
        #expect(many.variants.map(\.failuresByURL) == one.variants.map(\.failuresByURL))
        #expect(many.variants.map(\.evictions) == one.variants.map(\.evictions))
    }
}

@Test("threads: an observer's outcomes come in request order whatever --threads says (it runs on one thread)")
func observerForcesOneThread() throws {
    let path = try writeStressScenario(in: try makeTemporaryDirectory("popsim-stress"), requests: 3_000)
    let scenario = try Scenario.load(path: path)
    var seqs: [Int] = []
    _ = try ScenarioRun.run(scenario, observer: { seqs.append($0.request.seq) }, options: SimulationOptions(threads: 4))
    #expect(seqs.count == 3_000 * scenario.config.variants.count)
    #expect(seqs == seqs.sorted(), "outcomes in request order")
}

/// Runs every shard of `scenario`, writes and reads back each partial result, and merges them.
@Test("batches: without an observer, requests are resolved and cache entries touched in batches; the counts are those of a run that handles each request as it comes", arguments: [1, 2])
func batchedEqualsOneByOne(threads: Int) throws {
    // Without prefetch events: with them, every run handles requests one by one.
    let path = try writeStressScenario(in: try makeTemporaryDirectory("popsim-stress"), prefetches: false)
    let scenario = try Scenario.load(path: path)
    #expect(!scenario.config.events.contains { if case .prefetch = $0.action { return true } else { return false } })
    var outcomes = 0
    let oneByOne = try ScenarioRun.run(scenario, observer: { _ in outcomes += 1 }, options: SimulationOptions(threads: 1, countURLs: true))
    #expect(outcomes == 20_000 * scenario.config.variants.count)
    let batched = try ScenarioRun.run(scenario, options: SimulationOptions(threads: threads, countURLs: true))
    #expect(Summary.json(batched) == Summary.json(oneByOne))
    #expect(Breakdown.cellsCSV(batched) == Breakdown.cellsCSV(oneByOne))
    #expect(batched.urlRequests == oneByOne.urlRequests && batched.urlChecked == oneByOne.urlChecked)
    #expect(batched.variants.map(\.failuresByURL) == oneByOne.variants.map(\.failuresByURL))
    #expect(batched.variants.map(\.evictions) == oneByOne.variants.map(\.evictions))
    #expect(batched.variants.filter { $0.evictions > 100 }.count >= 3, "caches fill up, so eviction order matters: \(batched.variants.map(\.evictions))")
}

func shardAndMerge(_ scenario: Scenario, count: Int, key: Shard.Key, threads: Int = 1) throws -> (result: RunResult, inexactPOPs: [String]) {
    var parts: [(file: String, part: PartialResult)] = []
    for index in 0..<count {
        let options = SimulationOptions(threads: threads, shard: Shard(index: index, count: count, key: key), countURLs: true)
        let result = try ScenarioRun.run(scenario, options: options)
        let json = PartialResult(result: result, only: nil, scenarioFile: "scenario.json").json
        let part = try PartialResult.parse(Array(json.utf8), file: "part-\(index).json")
        #expect(part.json == json, "a partial result reads back as it was written")
        parts.append(("part-\(index).json", part))
    }
    return try PartialResult.merge(parts.reversed(), scenario: scenario)
}

@Test("shards by POP merge into the unsharded bundle, byte for byte", arguments: [1, 2, 3, 5])
func popShardsMerge(count: Int) throws {
    let paths = [repoPath("scenarios/several-pops-several-fills.json"), repoPath("scenarios/rule-added-without-purge.json"),
                 try writeStressScenario(in: try makeTemporaryDirectory("popsim-stress"))]
    for path in paths {
        let scenario = try Scenario.load(path: path)
        let whole = try ScenarioRun.run(scenario, options: SimulationOptions(countURLs: true))
        let merged = try shardAndMerge(scenario, count: count, key: .pop, threads: 2)
        #expect(merged.inexactPOPs.isEmpty)
        #expect(merged.result.requests == whole.requests)
        // The merge's timeline reads the whole trace and checks it is the one the shards read.
        expectSameFiles(try bundle(of: whole), try bundle(of: merged.result, traceDigest: merged.result.traceDigest), "\(scenario.name), \(count) shards by POP")
    }
}

@Test("shards by URL merge exactly when no cache fills up (purges, rollouts and prefetches reach every shard)", arguments: [2, 3, 5])
func urlShardsMerge(count: Int) throws {
    let path = try writeStressScenario(in: try makeTemporaryDirectory("popsim-stress"), capacity: "10TB")
    let scenario = try Scenario.load(path: path)
    let whole = try ScenarioRun.run(scenario, options: SimulationOptions(countURLs: true))
    #expect(whole.variants.allSatisfy { $0.evictions == 0 }, "the fixture never fills a cache")
    let merged = try shardAndMerge(scenario, count: count, key: .url)
    #expect(merged.inexactPOPs.isEmpty)
    expectSameFiles(try bundle(of: whole), try bundle(of: merged.result, traceDigest: merged.result.traceDigest), "\(count) shards by URL")
}

@Test("shards by URL with caches that fill up: the merge names the POPs whose result may differ")
func urlShardsInexact() throws {
    let path = try writeStressScenario(in: try makeTemporaryDirectory("popsim-stress"))
    let scenario = try Scenario.load(path: path)
    let merged = try shardAndMerge(scenario, count: 3, key: .url)
    #expect(!merged.inexactPOPs.isEmpty)
    #expect(merged.inexactPOPs.allSatisfy { id in scenario.config.pops.contains { $0.id == id } })
}

@Test("merge refuses parts of different runs: scenario, seed, shard count, shard key, a shard twice, a missing shard")
func mergeRefuses() throws {
    let dir = try makeTemporaryDirectory()
    let base = try String(contentsOfFile: repoPath("scenarios/several-pops-several-fills.json"), encoding: .utf8)
    try writeFile(dir, "a.json", base.replacingOccurrences(of: "traces/", with: repoPath("scenarios/traces/")))
    try writeFile(dir, "b.json", base.replacingOccurrences(of: "traces/", with: repoPath("scenarios/traces/"))
                                     .replacingOccurrences(of: "\"seed\": 1", with: "\"seed\": 2"))
    func part(_ file: String, _ index: Int, _ count: Int, _ key: Shard.Key = .pop) throws -> (file: String, part: PartialResult) {
        let scenario = try Scenario.load(path: dir + "/" + file)
        let r = try ScenarioRun.run(scenario, options: SimulationOptions(shard: Shard(index: index, count: count, key: key), countURLs: true))
        return ("\(file)#\(index)/\(count)", PartialResult(result: r, only: nil, scenarioFile: file))
    }
    func refusal(_ parts: [(file: String, part: PartialResult)]) -> String {
        do { _ = try PartialResult.checkCompatible(parts); return "" } catch { return error.description }
    }
    #expect(try refusal([part("a.json", 0, 2), part("a.json", 1, 2)]) == "")
    #expect(try refusal([part("a.json", 0, 2), part("b.json", 1, 2)]).contains("seed 1 vs 2"))
    #expect(try refusal([part("a.json", 0, 2), part("a.json", 1, 3)]).contains("shard count 2"))
    #expect(try refusal([part("a.json", 0, 2), part("a.json", 1, 2, .url)]).contains("shard key pop vs url"))
    #expect(try refusal([part("a.json", 0, 2), part("a.json", 0, 2)]).contains("are both shard 0/2"))
    #expect(try refusal([part("a.json", 1, 3), part("a.json", 0, 3)]).contains("missing shard 2 of 3"))
    // A part whose page origins differ names both lists (the message had them blank).
    var edited = try part("a.json", 1, 2)
    edited.part.origins = ["https://a.example"]
    let origins = try refusal([part("a.json", 0, 2), edited])
    #expect(origins.contains("trace (page origins) [https://"), "\(origins)")
    #expect(origins.contains(" vs [https://a.example]"), "\(origins)")
    // Another spelling of the scenario's path: refused, whichever part comes first.
    var respelt = try part("a.json", 1, 2)
    respelt.part.scenarioFile = "./a.json"
    for parts in [[try part("a.json", 0, 2), respelt], [respelt, try part("a.json", 0, 2)]] {
        #expect(refusal(parts).contains("were run with the scenario as "), "\(refusal(parts))")
    }
    let other = try Scenario.load(path: repoPath("scenarios/rule-added-without-purge.json"))
    let r = try ScenarioRun.run(other, options: SimulationOptions(shard: Shard(index: 1, count: 2, key: .pop), countURLs: true))
    #expect(try refusal([part("a.json", 0, 2), ("other", PartialResult(result: r, only: nil, scenarioFile: "x.json"))])
            .contains("scenario several-pops-several-fills vs rule-added-without-purge"))
    // A scenario edited after the shards ran is refused at merge.
    let parts = [try part("a.json", 0, 2), try part("a.json", 1, 2)]
    #expect(throws: PartialResult.Error.self) { try PartialResult.merge(parts, scenario: try Scenario.load(path: dir + "/b.json")) }
}

@Test("a partial result that is not one is refused with the file's name", arguments: [
    ("{}", "not a popsim partial result"),
    ("[1, 2", "invalid JSON"),
    ("{\"format\": \"popsim-partial-result\", \"version\": 9}", "version 9; this popsim reads version 2"),
    // Version 1 had no trace digest: its parts cannot be checked against each other's trace.
    ("{\"format\": \"popsim-partial-result\", \"version\": 1}", "version 1; this popsim reads version 2"),
])
func badPartial(_ text: String, _ message: String) {
    do {
        _ = try PartialResult.parse(Array(text.utf8), file: "p.json")
        Issue.record("accepted \(text)")
    } catch {
        #expect(error.description.hasPrefix("p.json: ") && error.description.contains(message), "\(error)")
    }
}

@Test("a shard's trace digest is the same in every shard of one run and on any number of threads, and changes with any one request's time, size, URL, POP, origin, kind, method or credentials")
func traceDigest() throws {
    let base = "t,pop,url,origin,kind,method,credentials,bytes\n0,hangzhou,/a.woff2,https://www.example.com,font,GET,,10\n"
        + "1.5,frankfurt,/b.woff2,,img,GET,include,20\n"
    func digests(_ trace: String, shards: Int = 2, threads: Int = 1) throws -> [UInt64] {
        let folder = try makeTemporaryDirectory()
        _ = try writeFile(folder, "trace.csv", trace)
        let text = try String(contentsOfFile: repoPath("scenarios/several-pops-several-fills.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"traces/three-pops.csv\"", with: "\"trace.csv\"")
        let scenario = try Scenario.load(path: try writeFile(folder, "s.json", text))
        return try (0..<shards).map { i in
            try ScenarioRun.run(scenario, options: SimulationOptions(threads: threads, shard: Shard(index: i, count: shards, key: .url), countURLs: true)).traceDigest
        }
    }
    let reference = try digests(base)
    #expect(Set(reference).count == 1 && reference[0] != 0, "every shard reads the whole trace: \(reference)")
    #expect(try digests(base, shards: 1) == [reference[0]], "the digest is the trace's, whatever the shard count")
    #expect(try digests(base, shards: 3, threads: 2) == Array(repeating: reference[0], count: 3), "and the thread count")
    let changes = [
        ("1.5,frankfurt", "1.6,frankfurt"),                  // a time
        ("include,20", "include,21"),                        // a size
        ("/b.woff2", "/c.woff2"),                            // a URL
        ("1.5,frankfurt", "1.5,virginia"),                   // a POP
        (",,img", ",https://shop.example.com,img"),          // an origin
        (",img,", ",font,"),                                 // a kind
        ("font,GET,,10", "font,HEAD,,10"),                   // a method
        ("GET,include", "GET,omit"),                         // credentials
    ]
    for (from, to) in changes {
        let changed = base.replacingOccurrences(of: from, with: to)
        #expect(changed != base)
        #expect(try digests(changed, shards: 1)[0] != reference[0], "\(from) → \(to)")
    }
}

@Test("a merge folds its parts one at a time, in the order given: every order of three parts gives the same bundle", arguments: [Shard.Key.pop, .url])
func mergeOrder(key: Shard.Key) throws {
    let path = try writeStressScenario(in: try makeTemporaryDirectory("popsim-stress"), capacity: "10TB")
    let scenario = try Scenario.load(path: path)
    var parts: [(file: String, part: PartialResult)] = []
    for index in 0..<3 {
        let result = try ScenarioRun.run(scenario, options: SimulationOptions(shard: Shard(index: index, count: 3, key: key), countURLs: true))
        let json = PartialResult(result: result, only: nil, scenarioFile: "scenario.json").json
        parts.append(("part-\(index).json", try PartialResult.parse(Array(json.utf8), file: "part-\(index).json")))
    }
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
    var bundles: [[BundleFile]] = []
    for order in orders {
        var merge = try PartialMerge(first: parts[order[0]].part, file: parts[order[0]].file, scenario: scenario)
        for i in order.dropFirst() { try merge.add(parts[i].part, file: parts[i].file) }
        bundles.append(try bundle(of: try merge.finish().result))
    }
    for (order, b) in zip(orders, bundles).dropFirst() { expectSameFiles(bundles[0], b, "\(key) shards merged in the order \(order)") }
    // Two parts and no third: the merge says which shard is missing, whatever the order.
    var partial = try PartialMerge(first: parts[2].part, file: parts[2].file, scenario: scenario)
    try partial.add(parts[0].part, file: parts[0].file)
    #expect(throws: PartialResult.Error.self) { try partial.finish() }
    do { _ = try partial.finish() } catch { #expect(error.description.hasPrefix("missing shard 1 of 3"), "\(error)") }
}
