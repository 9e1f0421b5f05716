import Foundation
import Testing
import TestSupport

@Test("run prints a summary and writes summary.json and the audit CSV")
func runWritesOutputs() throws {
    let dir = try makeTemporaryDirectory()
    let r = try runPopsim(["run", "scenarios/pass-through-two-origins.json", "--out", dir + "/out", "--requests-out", dir + "/audit.csv"])
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(r.stdout.contains("variant pass-through"))
    #expect(r.stdout.contains("acao_mismatch: 4"))
    let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/summary.json"))) as? [String: Any])
    let variants = try #require(summary["variants"] as? [String: Any])
    let pt = try #require(variants["pass-through"] as? [String: Any])
    for key in ["requests", "corsChecked", "corsFailures", "failureRate", "failuresByReason", "hits", "misses", "originFetches", "originBytes"] {
        #expect(pt[key] != nil, "summary.json lacks \(key)")
    }
    #expect(pt["corsFailures"] as? Int == 4)
    let audit = try String(contentsOfFile: dir + "/audit.csv", encoding: .utf8).split(separator: "\n")
    #expect(audit.first == "seq,t,variant,pop,url,origin,kind,cache,acao,verdict,reason")
    #expect(audit.count == 1 + 8 * 3)
    // The second request (shop) hits the copy filled by www: the seed's pass-through failure.
    #expect(audit.contains("1,1.000000,pass-through,hangzhou,/fonts/brand.woff2,https://shop.example.com,font,HIT,https://www.example.com,fail,acao_mismatch"))
    #expect(filesIn(dir).sorted() == ["audit.csv", "out"])
}

@Test("run --stats prints the speed, the caches' bytes per object and, on several threads, which thread replayed which variants at which POPs")
func runStats() throws {
    let two = try runPopsim(["run", "scenarios/several-pops-several-fills.json", "--no-out", "--quiet", "--threads", "2", "--stats"])
    #expect(two.status == 0, "stderr: \(two.stderr)")
    // Pieces are (variant, POP group) — here each POP its own group — dealt to the threads by their POPs' share
    // of the requests (here 3 each: equal, so in turn), variants outermost: hangzhou, frankfurt, virginia for
    // pass-through, then for cdn-list. The count is the threads that ran: a CSV's reading thread and two
    // simulation threads beside it.
    #expect(two.stderr.contains("on 3 thread(s) (reading thread: reads only | simulation thread 1: pass-through at hangzhou, virginia; "
                                + "cdn-list at frankfurt | simulation thread 2: pass-through at frankfurt; cdn-list at hangzhou, virginia); caches: "),
            "\(two.stderr)")
    #expect(two.stderr.contains("popsim: 9 requests × 2 variant(s) in ") && two.stderr.contains("bytes per resident object"))
    let one = try runPopsim(["run", "scenarios/several-pops-several-fills.json", "--no-out", "--quiet", "--threads", "1", "--stats"])
    #expect(one.status == 0 && one.stderr.contains("on 1 thread(s); caches: ") && !one.stderr.contains("reading thread"), "\(one.stderr)")
    // One POP and one variant: a single piece, so one simulation thread however many are asked for
    // (it said "on 16 thread(s)": QA pass, stop 34).
    let many = try runPopsim(["run", "scenarios/cdn-star.json", "--variant", "cdn-star", "--no-out", "--quiet", "--threads", "16", "--stats"])
    #expect(many.status == 0 && many.stderr.contains("on 2 thread(s) (reading thread: reads only | simulation thread 1: cdn-star at hangzhou); caches: "),
            "\(many.stderr)")
}

/// An empty workload is refused; `--stats` printed its speed line first, as for a run that had
/// happened (QA pass, stop 34).
@Test("run --stats on an empty workload prints the refusal only")
func statsOfEmptyWorkload() throws {
    let dir = try makeTemporaryDirectory()
    try writeEmptyWorkload(in: dir)
    for command in [["run", "empty.json", "--no-out"], ["sweep", "empty.json", "--capacity", "1GB"]] {
        let r = try runPopsim(command + ["--threads", "2", "--stats", "--quiet"], in: dir)
        #expect(r.status == 2, "\(command[0]): exit \(r.status)")
        #expect(r.stderr.contains("empty.csv: no requests in the workload; nothing to simulate") && !r.stderr.contains("popsim: 0 requests"),
                "\(command[0]): \(r.stderr)")
    }
}

/// The default thread count was the machine's cores whatever the process was allowed: under
/// `taskset -c 0` (or a pod's CPU limit) popsim started a thread per core (QA pass, stop 32).
@Test("run without --threads uses the cores its CPU affinity allows: one under taskset -c 0")
func defaultThreadsFollowAffinity() throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else { return }
    let pinned = try runProcess("/usr/bin/taskset", ["-c", "0", popsimExecutable(), "run", "scenarios/several-pops-several-fills.json",
                                                    "--no-out", "--quiet", "--stats"], in: packageRoot)
    #expect(pinned.status == 0, "stderr: \(pinned.stderr)")
    #expect(pinned.stderr.contains("on 1 thread(s); caches: "), "\(pinned.stderr)")
}

@Test("run --variant runs only that variant; an unknown variant is an error")
func runOneVariant() throws {
    let r = try runPopsim(["run", "scenarios/pass-through-two-origins.json", "--variant", "cdn-star", "--no-out"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("variant cdn-star"))
    #expect(!r.stdout.contains("variant pass-through"))
    let bad = try runPopsim(["run", "scenarios/pass-through-two-origins.json", "--variant", "nope", "--no-out"])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("no variant named \"nope\""))
}

@Test("compare prints every variant side by side and marks the best")
func compare() throws {
    let r = try runPopsim(["compare", "scenarios/vary-honoured.json", "--no-out"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("cdn-star (best)"))
    #expect(r.stdout.contains("vary-ignored"))
    #expect(r.stdout.contains("failure rate"))
}

@Test("explain narrates a URL's timeline (seed FAQ: the first requester's Origin is cached)")
func explain() throws {
    let r = try runPopsim(["explain", "scenarios/pass-through-two-origins.json", "--url", "/fonts/brand.woff2", "--variant", "pass-through"])
    #expect(r.status == 0, "stderr: \(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "variant pass-through: /fonts/brand.woff2 — 4 requests, 2 blocked")
    #expect(lines[1].contains("0.000s hangzhou MISS for https://www.example.com (font): fetched from bucket with Origin https://www.example.com; the cached copy now says ACAO https://www.example.com"))
    #expect(lines[2].contains("1.000s hangzhou HIT for https://shop.example.com (font)"))
    #expect(lines[2].contains("font blocked: Access-Control-Allow-Origin names another origin"))
    let none = try runPopsim(["explain", "scenarios/pass-through-two-origins.json", "--url", "/nope"])
    #expect(none.status == 2)
    let noURL = try runPopsim(["explain", "scenarios/pass-through-two-origins.json"])
    #expect(noURL.status == 2)
    #expect(noURL.stderr.contains("--url"))
}

@Test("lint: the seed's refusals are errors (exit 1); a clean scenario exits 0")
func lint() throws {
    let wildcards = try runPopsim(["lint", "scenarios/rules/two-wildcards.json"])
    #expect(wildcards.status == 1)
    #expect(wildcards.stdout.contains("multiple_wildcard_domains_not_supported"))
    let hyphen = try runPopsim(["lint", "scenarios/rules/hyphen-unescaped.json"])
    #expect(hyphen.stdout.contains("unescaped_hyphen"))
    let scenario = try runPopsim(["lint", "scenarios/pass-through-two-origins.json"])
    #expect(scenario.status == 0)
    #expect(scenario.stdout.contains("pass_through_risk"))
    let json = try runPopsim(["lint", "--json", "scenarios/rules/two-wildcards.json"])
    let items = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
    #expect(items.contains { $0["code"] as? String == "multiple_wildcard_domains_not_supported" && $0["severity"] as? String == "error" })
}

@Test("lint warns that a rule change without purge leaves old headers cached (seed FAQ)")
func lintRuleChange() throws {
    let r = try runPopsim(["lint", "scenarios/rule-added-without-purge.json"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("rule_change_without_purge"))
    #expect(r.stdout.contains("events[0]"))
}

/// A broken scenario or trace, and what the error must say.
struct BadRun: Sendable, CustomTestStringConvertible {
    var name: String
    var scenario: String
    var trace: String = "t,pop,url,origin,kind\n0,hangzhou,/a.woff2,https://a.example.com,font\n"
    var mentions: [String]
    var testDescription: String { name }
}

let goodScenario = """
{"name": "t", "pops": [{"id": "hangzhou", "capacity": "1GB"}],
 "origins": [{"id": "bucket", "type": "oss"}],
 "domains": [{"host": "cdn.example.com", "origin": "bucket"}],
 "variants": {"pass-through": {}},
 "workload": {"trace": "trace.csv"}}
"""

let badRuns: [BadRun] = [
    BadRun(name: "unknown top-level key", scenario: goodScenario.replacingOccurrences(of: "\"name\"", with: "\"nmae\": 1, \"name\""),
           mentions: ["scenario.json:1: nmae: unknown key \"nmae\" (did you mean \"name\"?)"]),
    BadRun(name: "unknown rule key names the key path",
           scenario: goodScenario.replacingOccurrences(of: "\"pass-through\": {}", with: "\"cdn\": {\"responseHeaders\": [{\"header\": \"Access-Control-Allow-Origin\", \"value\": \"*\", \"corsValidaton\": true}]}"),
           mentions: ["variants.cdn.responseHeaders[0].corsValidaton", "did you mean \"corsValidation\""]),
    BadRun(name: "bad size", scenario: goodScenario.replacingOccurrences(of: "\"1GB\"", with: "\"lots\""), mentions: ["pops[0].capacity"]),
    BadRun(name: "wrong type", scenario: goodScenario.replacingOccurrences(of: "\"1GB\"", with: "1024"), mentions: ["pops[0].capacity", "expected a string"]),
    BadRun(name: "unknown origin reference", scenario: goodScenario.replacingOccurrences(of: "\"origin\": \"bucket\"", with: "\"origin\": \"bukcet\""),
           mentions: ["domains[0].origin", "unknown origin \"bukcet\""]),
    BadRun(name: "duplicate key", scenario: goodScenario.replacingOccurrences(of: "\"name\": \"t\"", with: "\"name\": \"t\", \"name\": \"u\""),
           mentions: ["duplicate key \"name\""]),
    BadRun(name: "invalid JSON", scenario: "{\"name\": ", mentions: ["invalid JSON"]),
    BadRun(name: "console would refuse the rule",
           scenario: goodScenario.replacingOccurrences(of: "\"pass-through\": {}", with: "\"cdn\": {\"responseHeaders\": [{\"header\": \"Access-Control-Allow-Origin\", \"value\": \"https://*.a.com,https://*.b.com\", \"corsValidation\": true}]}"),
           mentions: ["multiple_wildcard_domains_not_supported"]),
    BadRun(name: "newer version", scenario: goodScenario.replacingOccurrences(of: "{\"name\"", with: "{\"version\": 2, \"name\""),
           mentions: ["version 2 is not supported"]),
    BadRun(name: "unknown POP in trace", scenario: goodScenario, trace: "t,pop,url,origin,kind\n0,tokyo,/a.woff2,,font\n",
           mentions: ["trace.csv:2: column 'pop': unknown POP \"tokyo\""]),
    BadRun(name: "host not a domain", scenario: goodScenario, trace: "t,pop,url,origin,kind\n0,hangzhou,https://other.example.com/a.woff2,,font\n",
           mentions: ["trace.csv:2: column 'url'", "other.example.com"]),
    BadRun(name: "bad origin in trace", scenario: goodScenario, trace: "t,pop,url,origin,kind\n0,hangzhou,/a.woff2,htp//a.com,font\n",
           mentions: ["trace.csv:2", "origin"]),
    BadRun(name: "unknown kind in trace", scenario: goodScenario, trace: "t,pop,url,origin,kind\n0,hangzhou,/a.woff2,,woff\n",
           mentions: ["trace.csv:2", "kind"]),
    BadRun(name: "time going backwards", scenario: goodScenario, trace: "t,pop,url,origin,kind\n5,hangzhou,/a.woff2,,font\n4,hangzhou,/a.woff2,,font\n",
           mentions: ["trace.csv:3"]),
    BadRun(name: "missing trace", scenario: goodScenario.replacingOccurrences(of: "trace.csv", with: "missing.csv"), mentions: ["missing.csv"]),
]

@Test("bad scenarios and traces: a located error, exit 2, no output files", arguments: badRuns)
func badRun(_ c: BadRun) throws {
    let dir = try makeTemporaryDirectory()
    try writeFile(dir, "scenario.json", c.scenario)
    try writeFile(dir, "trace.csv", c.trace)
    let r = try runPopsim(["run", "scenario.json", "--out", "out", "--requests-out", "audit.csv"], in: dir)
    #expect(r.status == 2)
    for m in c.mentions { #expect(r.stderr.contains(m), "stderr: \(r.stderr)") }
    #expect(filesIn(dir) == ["scenario.json", "trace.csv"], "output left behind: \(filesIn(dir))")
}

@Test("a replayed log's skipped lines are counted and the first shown, never silent (STYLE: skips are counted)")
func runReportsSkips() throws {
    let r = try runPopsim(["run", "scenarios/logs/replay-nginx.json", "--no-out"])
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(r.stdout.contains("line(s) skipped (first: scenarios/logs/nginx-combined.log:"))
    // Log times that went back a little were clamped: counted and said, never silent.
    #expect(r.stdout.contains("1 request(s) went back in time (by up to 1.000s) and were given the previous request's time"), "\(r.stdout)")
}
