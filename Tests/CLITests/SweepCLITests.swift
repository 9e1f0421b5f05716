import Foundation
import Testing
import TestSupport

/// The numbers `popsim run --no-out` prints for a variant: CORS-checked, failed, hits, origin fetches.
private func runFigures(_ stdout: String, variant: String) -> [String] {
    guard let start = stdout.range(of: "variant \(variant) ") else { return [] }
    let block = stdout[start.upperBound...]
    func after(_ label: String) -> String {
        guard let r = block.range(of: label) else { return "?" }
        return String(block[r.upperBound...].prefix { $0.isNumber })
    }
    return [after("CORS-checked "), after(", failed "), after("cache: "), after("\n  origin: ")]
}

@Suite("popsim sweep")
struct SweepCLITests {
    @Test("sweep on a shipped scenario: a row per variant and size, each what run prints at that capacity; CSV and charts with --out")
    func shippedScenario() throws {
        let dir = try makeTemporaryDirectory()
        let scenario = "scenarios/several-pops-several-fills.json"
        let r = try runPopsim(["sweep", scenario, "--capacity", "0,1x,10KB", "--out", dir + "/out"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.hasPrefix("scenario several-pops-several-fills: 9 requests, 3 POPs, 2 variants × 3 cache sizes\n"), "\(r.stdout)")
        #expect(r.stdout.contains("wrote \(dir)/out/sweep.csv, \(dir)/out/sweep-failure-rate.svg, \(dir)/out/sweep-hit-ratio.svg"))
        // Without a cache both variants pass every load (ties go to the first, as compare breaks them);
        // with one, pass-through serves the cached Origin to the others.
        #expect(r.stdout.contains("\nbest (fewest CORS failures, then highest hit ratio, then fewest origin fetches): pass-through at 0, cdn-list at 1x, pass-through at 10KB\n"), "\(r.stdout)")
        #expect(filesIn(dir + "/out") == ["sweep-failure-rate.svg", "sweep-hit-ratio.svg", "sweep.csv"])
        let csv = try String(contentsOfFile: dir + "/out/sweep.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(csv.first == ["variant", "cache_size", "pop_capacity_bytes", "total_capacity_bytes", "requests", "cors_checked", "cors_failures",
                              "failure_rate", "hits", "hit_ratio", "byte_hit_ratio", "origin_fetches", "origin_bytes", "evictions",
                              "latency_p50_us", "latency_p95_us", "latency_p99_us", "working_set_bytes"])
        #expect(csv.dropFirst().allSatisfy { $0.last == "" }, "no share: no working set counted")
        #expect(csv.dropFirst().map { Array($0.prefix(4)) } == [
            ["pass-through", "0", "0", "0"], ["pass-through", "1x", "1000000000", "3000000000"], ["pass-through", "10KB", "10000", "30000"],
            ["cdn-list", "0", "0", "0"], ["cdn-list", "1x", "1000000000", "3000000000"], ["cdn-list", "10KB", "10000", "30000"],
        ])
        // At 1x each row is the scenario's own run: checked, failed, hits, fetches.
        let run = try runPopsim(["run", scenario, "--no-out"])
        #expect(run.status == 0)
        for (row, variant) in [(2, "pass-through"), (5, "cdn-list")] {
            let figures = runFigures(run.stdout, variant: variant)
            #expect([csv[row][5], csv[row][6], csv[row][8], csv[row][11]] == figures,
                    "\(variant): sweep \(csv[row]) against run \(figures)")
        }
        // Without a cache nothing is ever served from one, so the seed's pass-through failures
        // (a cached header meeting another Origin) cannot happen: every request fetches its own.
        #expect(csv[1][6] == "0" && csv[1][8] == "0" && csv[1][11] == "9", "\(csv[1])")
        // Size 0 is a scenario whose POPs have capacity 0, which run takes (it refused it, so the
        // row could not be checked: QA pass, stop 32) and describes as no cache.
        var zero = try String(contentsOfFile: repoPath(scenario), encoding: .utf8)
            .replacingOccurrences(of: "\"traces/three-pops.csv\"", with: "\"\(repoPath("scenarios/traces/three-pops.csv"))\"")
        zero = zero.replacingOccurrences(of: #""capacity": "[^"]*""#, with: #""capacity": "0""#, options: .regularExpression)
        try writeFile(dir, "zero.json", zero)
        let none = try runPopsim(["run", dir + "/zero.json", "--out", dir + "/zero"])
        #expect(none.status == 0, "\(none.stderr)")
        for (row, variant) in [(1, "pass-through"), (4, "cdn-list")] {
            let figures = runFigures(none.stdout, variant: variant)
            #expect([csv[row][5], csv[row][6], csv[row][8], csv[row][11]] == figures,
                    "\(variant): sweep \(csv[row]) against run \(figures)")
        }
        let report = try String(contentsOfFile: dir + "/zero/report.html", encoding: .utf8)
        #expect(report.contains("<b>hangzhou</b>: no cache (capacity 0: every request is fetched), 40ms round trip to the origin"), "\(report.prefix(0))")
        // explain keeps no cached copy to speak of there (it said "the cached copy now says …": QA pass, stop 33).
        let explain = try runPopsim(["explain", dir + "/zero.json", "--url", "/fonts/brand.woff2"])
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains("fetched from bucket with Origin https://www.example.com; nothing is cached here (capacity 0): the response says ACAO https://www.example.com — font loads."), "\(explain.stdout)")
        #expect(!explain.stdout.contains("the cached copy now says"))
        // 10 KB cannot hold the 100 KB fonts: the same as no cache.
        #expect(Array(csv[3][4...]) == Array(csv[1][4...]), "\(csv[3]) vs \(csv[1])")
        let svg = try String(contentsOfFile: dir + "/out/sweep-failure-rate.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("CORS failure rate by cache size — several-pops-several-fills")
                && svg.contains("1 size of 0 bytes (no cache) not drawn") && svg.contains("cache size per POP (bytes, log scale)"))
    }

    @Test("the same sweep on 1 and 2 threads writes the same bytes and prints the same table")
    func threads() throws {
        let dir = try makeTemporaryDirectory()
        let scenario = try writeStressScenario(in: dir, requests: 4_000)
        var outputs: [String] = []
        for threads in ["1", "2"] {
            let r = try runPopsim(["sweep", scenario, "--capacity", "1MB,0.5x,2x", "--threads", threads, "--out", dir + "/t\(threads)", "--quiet", "--stats"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            // --stats: 5 variants × 3 sizes, each pair named in the layout on two threads.
            #expect(r.stderr.hasPrefix("popsim: 4000 requests × 15 (variant, size) pair(s) in "), "\(r.stderr)")
            if threads == "2" { #expect(r.stderr.contains("honour @ 0.5x at ") && r.stderr.contains("pass-through @ 2x at "), "\(r.stderr)") }
            outputs.append(r.stdout.replacingOccurrences(of: dir + "/t\(threads)", with: "DIR"))
        }
        #expect(outputs[0] == outputs[1])
        #expect(try fileContentsBelow(dir + "/t1") == fileContentsBelow(dir + "/t2"))
        // The stress scenario's POPs differ: a multiple gives them different sizes, so the curves'
        // axis is the POPs' capacities summed, and the CSV has no one size per POP for them.
        let svg = try String(contentsOfFile: dir + "/t1/sweep-hit-ratio.svg", encoding: .utf8)
        #expect(svg.contains("cache size = the 5 POPs&#39; capacities summed") && svg.contains("cache size (bytes, log scale)"))
        let csv = try String(contentsOfFile: dir + "/t1/sweep.csv", encoding: .utf8)
        #expect(csv.contains("\npass-through,1MB,1000000,5000000,") && csv.contains("\npass-through,0.5x,,"), "\(csv)")
    }

    @Test("one size draws its point on an axis widened to the 1-2-5 sizes either side (LogTicks), no NaN")
    func oneSize() throws {
        let dir = try makeTemporaryDirectory()
        let r = try runPopsim(["sweep", "scenarios/several-pops-several-fills.json", "--capacity", "1x", "--out", dir])
        #expect(r.status == 0, "\(r.stderr)")
        for name in ["sweep-failure-rate.svg", "sweep-hit-ratio.svg"] {
            let svg = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            #expect(!svg.contains("NaN") && !svg.contains("inf"), "\(name)")
            #expect(svg.contains("<circle"), "\(name): the point is drawn")
            // The POPs' 1GB: ticks at 500MB, 1GB and 2GB, and the point's tooltip names its size.
            let ticks = svg.components(separatedBy: "class=\"x-axis\"")[1].components(separatedBy: "</g>")[0]
            #expect(["500MB", "1GB", "2GB"].allSatisfy { ticks.contains(">\($0)</text>") }, "\(name): \(ticks)")
            #expect(svg.contains("at 1GB</title>"), "\(name)")
        }
    }

    @Test("a share of the working set: the working set printed as cachesim counts it, each share that many bytes per POP, rows as at those bytes")
    func shareOfWorkingSet() throws {
        let scenario = "scenarios/synthetic-fonts-day.json"
        let shares = try runPopsim(["sweep", scenario, "--capacity", "1%,10%", "--variant", "pass-through", "--quiet"])
        #expect(shares.status == 0, "\(shares.stderr)")
        // The shipped day: 5,000 URLs, 5,404,109,588 bytes; 1 % and 10 % rounded down.
        #expect(shares.stdout.contains("working set: 5000 URLs, 5404109588 bytes (5.40 GB), counted in a pass before the sweep"), "\(shares.stdout)")
        let bytes = try runPopsim(["sweep", scenario, "--capacity", "54041095,540410958", "--variant", "pass-through", "--quiet"])
        #expect(bytes.status == 0, "\(bytes.stderr)")
        func rows(_ out: String) -> [String] {
            out.split(separator: "\n").filter { $0.hasPrefix("pass-through ") }.map { String($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).joined(separator: " ")) }
        }
        #expect(rows(shares.stdout).count == 2)
        #expect(rows(shares.stdout) == rows(bytes.stdout), "the same rows but for the size's label")
        let dir = try makeTemporaryDirectory()
        let out = try runPopsim(["sweep", scenario, "--capacity", "1%,10%", "--variant", "pass-through", "--quiet", "--out", dir])
        #expect(out.status == 0, "\(out.stderr)")
        let csv = try String(contentsOfFile: dir + "/sweep.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(csv.map { $0.split(separator: ",", omittingEmptySubsequences: false).last! } == ["5404109588", "5404109588"], "\(csv)")
        #expect(csv.map { $0.split(separator: ",", omittingEmptySubsequences: false)[2] } == ["54041095", "540410958"], "\(csv)")
        let svg = try String(contentsOfFile: dir + "/sweep-hit-ratio.svg", encoding: .utf8)
        #expect(svg.contains("; working set 5.40 GB"), "the curves' subtitle names what the shares are of, as the table does")
    }

    @Test("bad input: exit 2 naming what is wrong, and nothing written", arguments: [
        (["--capacity", "1GB,huge"], "the value '1GB,huge' is invalid for '--capacity': \"huge\" is not a cache size: does not start with a number"),
        (["--capacity", "1GB,,2GB"], "an empty item"),
        (["--capacity", "0x"], "\"0x\" is not a cache size: a multiple of the POPs' capacities must be above 0"),
        (["--capacity", "1GB,0%"], "\"0%\" is not a cache size: a percentage of the working set is a positive number before '%'"),
        ([], "missing --capacity SIZE[,SIZE…]"),
        (["--capacity", "1GB", "--variant", "nope"], "no variant named \"nope\" (variants: pass-through, cdn-list)"),
        (["--capacity", "1GB", "--threads", "0"], "invalid for '--threads <n>'"),
        (["--capacity", "10000000000x"], "POP hangzhou's capacity 1000000000 bytes times it is past 2^63 − 1 bytes"),
        // A multiple that rounds to 0 bytes is 0x written another way (QA pass, stop 32: it gave "each 0 B").
        (["--capacity", "0.0000000001x"], "every POP's capacity times it rounds to 0 bytes (for no cache at all, write 0)"),
    ])
    func badInput(_ extra: [String], message: String) throws {
        let dir = try makeTemporaryDirectory()
        let r = try runPopsim(["sweep", "scenarios/several-pops-several-fills.json", "--out", dir + "/out"] + extra)
        #expect(r.status == 2, "\(extra): exit \(r.status)")
        #expect(r.stderr.contains(message), "\(extra): \(r.stderr)")
        #expect(r.stdout.isEmpty, "\(extra): \(r.stdout)")
        #expect(filesIn(dir).isEmpty, "\(extra): \(filesIn(dir))")
    }

    @Test("a workload with no request is an error, as for run: exit 2, nothing written")
    func emptyWorkload() throws {
        let dir = try makeTemporaryDirectory()
        try writeEmptyWorkload(in: dir)
        let r = try runPopsim(["sweep", "empty.json", "--capacity", "1GB", "--out", "out"], in: dir)
        #expect(r.status == 2, "exit \(r.status)")
        #expect(r.stderr.contains("empty.csv: no requests in the workload; nothing to simulate"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(filesIn(dir) == ["empty.csv", "empty.json"])
    }

    @Test("a replayed log's skipped lines and clamped times are said, as run says them")
    func logNotes() throws {
        let r = try runPopsim(["sweep", "scenarios/logs/replay-nginx.json", "--capacity", "0,1x"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("line(s) skipped (first: scenarios/logs/nginx-combined.log:"), "\(r.stdout)")
        #expect(r.stdout.contains("1 request(s) went back in time (by up to 1.000s) and were given the previous request's time"), "\(r.stdout)")
    }

    @Test("--out where a folder cannot be made: exit 2 naming it, no table printed, no file left")
    func unwritableOut() throws {
        let dir = try makeTemporaryDirectory()
        try writeFile(dir, "file", "x\n")
        let r = try runPopsim(["sweep", "scenarios/several-pops-several-fills.json", "--capacity", "1x", "--out", dir + "/file/out"])
        #expect(r.status == 2, "exit \(r.status)")
        #expect(r.stderr.contains(dir + "/file"), "\(r.stderr)")
        #expect(r.stdout.isEmpty, "\(r.stdout)")
        #expect(filesIn(dir) == ["file"])
    }

    @Test("SIGINT while it computes stops it at once: exit 130, nothing written")
    func interrupted() throws {
        let dir = try makeTemporaryDirectory()
        let scenario = try writeStressScenario(in: dir, requests: 9_000)
        let before = filesIn(dir)
        let r = try runProcess(popsimExecutable(), ["sweep", scenario, "--capacity", "1MB,1x", "--out", dir + "/out"], in: dir,
                               environment: ["POPSIM_TEST_FAULT": "interrupt"])
        #expect(r.status == 130, "exit \(r.status); stderr: \(r.stderr)")
        #expect(r.stderr.hasPrefix("popsim: interrupted") && r.stderr.hasSuffix("nothing written\n"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(filesIn(dir) == before)
    }

    @Test("--help describes the sizes and gives examples that run")
    func help() throws {
        let r = try runPopsim(["sweep", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Usage: popsim sweep SCENARIO --capacity SIZE[,SIZE…]") && r.stdout.contains("0.5x"))
        #expect(r.stdout.contains("a share of the trace's working set every POP gets (1%, 0.5%ws, 0.01ws)"))
        #expect(r.stdout.contains("popsim sweep scenarios/synthetic-fonts-day.json --capacity 1%,5%,10%,50% --variant pass-through"))
        let top = try runPopsim(["--help"])
        #expect(top.stdout.contains("  sweep    Run the variants at several cache sizes in one pass"))
        let example = try runPopsim(["sweep", "scenarios/synthetic-fonts-day.json", "--capacity", "10MB,100MB,1GB,10GB", "--quiet"])
        #expect(example.status == 0, "\(example.stderr)")
        #expect(example.stdout.contains("pass-through  10GB"))
        #expect(example.stdout.hasSuffix("\nbest (fewest CORS failures, then highest hit ratio, then fewest origin fetches): cdn-star at every size\n"))
    }
}
