import Foundation
import Testing
import TestSupport

@Test("run --shard I/N by pop and by url, then merge: the bundle of the unsharded run, byte for byte, and the same summary")
func shardMergeCLI() throws {
    let scenario = repoPath("scenarios/several-pops-several-fills.json")
    let whole = try makeTemporaryDirectory()
    let reference = try runPopsim(["run", scenario, "--out", "out", "--quiet"], in: whole)
    #expect(reference.status == 0, "\(reference.stderr)")
    for key in ["pop", "url"] {
        let dir = try makeTemporaryDirectory()
        var parts: [String] = []
        for i in 0..<3 {
            let r = try runPopsim(["run", scenario, "--shard", "\(i)/3", "--shard-by", key, "--out", "part-\(i).json", "--threads", "2"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.hasPrefix("shard \(i)/3 by \(key): "))
            parts.append("part-\(i).json")
        }
        let merged = try runPopsim(["merge"] + parts.reversed() + ["--out", "out", "--quiet"], in: dir)
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout == reference.stdout, "merge prints the run's summary")
        let a = try fileContentsBelow(whole + "/out"), b = try fileContentsBelow(dir + "/out")
        #expect(a.keys.sorted() == b.keys.sorted())
        for (path, bytes) in a where b[path] != bytes { Issue.record("by \(key): \(path) differs from the unsharded run's") }
    }
}

@Test("merge --no-timeline writes the bundle without replaying the trace, and the report says so")
func mergeNoTimeline() throws {
    let dir = try makeTemporaryDirectory()
    let scenario = repoPath("scenarios/several-pops-several-fills.json")
    for i in 0..<2 { #expect(try runPopsim(["run", scenario, "--shard", "\(i)/2", "--out", "p\(i).json"], in: dir).status == 0) }
    let r = try runPopsim(["merge", "p0.json", "p1.json", "--out", "out", "--no-timeline", "--quiet"], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    let report = try String(contentsOfFile: dir + "/out/report.html", encoding: .utf8)
    #expect(report.contains("Not replayed: this bundle was merged from shards with <code>--no-timeline</code>"))
}

@Test("merge refuses parts of different runs (exit 2, the files named, no bundle written)")
func mergeRefusesCLI() throws {
    let dir = try makeTemporaryDirectory()
    let a = repoPath("scenarios/several-pops-several-fills.json"), b = repoPath("scenarios/rule-added-without-purge.json")
    #expect(try runPopsim(["run", a, "--shard", "0/2", "--out", "a0.json"], in: dir).status == 0)
    #expect(try runPopsim(["run", a, "--shard", "1/2", "--out", "a1.json"], in: dir).status == 0)
    #expect(try runPopsim(["run", a, "--shard", "1/3", "--out", "a1of3.json"], in: dir).status == 0)
    #expect(try runPopsim(["run", b, "--shard", "1/2", "--out", "b1.json"], in: dir).status == 0)
    // The same scenario with another seed.
    let text = try String(contentsOfFile: a, encoding: .utf8)
        .replacingOccurrences(of: "\"traces/", with: "\"" + repoPath("scenarios/traces/"))
        .replacingOccurrences(of: "\"seed\": 1,", with: "\"seed\": 2,")
    let reseeded = try writeFile(dir, "reseeded.json", text)
    #expect(try runPopsim(["run", reseeded, "--shard", "1/2", "--out", "seed2.json"], in: dir).status == 0)
    let cases: [([String], String)] = [
        (["a0.json", "b1.json"], "a0.json and b1.json come from different runs: scenario several-pops-several-fills vs rule-added-without-purge"),
        (["a0.json", "seed2.json"], "a0.json and seed2.json come from different runs: seed 1 vs 2"),
        (["a0.json", "a1of3.json"], "a0.json and a1of3.json come from different runs: shard count 2"),
        (["a0.json", "a0.json"], "a0.json and a0.json are both shard 0/2"),
        (["a1.json"], "missing shard 0 of 2"),
        (["scenario.json"], "scenario.json: no such file"),
    ]
    for (parts, message) in cases {
        let r = try runPopsim(["merge"] + parts + ["--out", "out"], in: dir)
        #expect(r.status == 2, "\(parts)")
        #expect(r.stderr.contains(message), "\(parts): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"), "no bundle for \(parts)")
    }
}

@Test("--shard, --shard-by and --threads syntax errors exit 2 with the value and what is expected", arguments: [
    (["--shard", "x", "--out", "p.json"], "the value 'x' is invalid for '--shard <I/N>'"),
    (["--shard", "2/2", "--out", "p.json"], "shards count from 0, so I must be below N (0/2 … 1/2)"),
    (["--shard", "0/0", "--out", "p.json"], "there must be at least 1 shard"),
    (["--shard", "1/2/3", "--out", "p.json"], "the value '1/2/3' is invalid"),
    (["--shard", "0/2", "--shard-by", "dns", "--out", "p.json"], "the value 'dns' is invalid for '--shard-by <pop|url>'"),
    (["--shard-by", "url", "--out", "p.json"], "--shard-by needs --shard I/N"),
    (["--shard", "0/2"], "--shard writes a partial result: give --out PART"),
    (["--shard", "0/2", "--out", "p.json", "--no-out"], "--shard and --no-out exclude each other"),
    (["--threads", "0", "--no-out"], "the value '0' is invalid for '--threads <n>'"),
])
func shardSyntax(_ extra: [String], _ message: String) throws {
    let dir = try makeTemporaryDirectory()
    let r = try runPopsim(["run", repoPath("scenarios/several-pops-several-fills.json")] + extra, in: dir)
    #expect(r.status == 2)
    #expect(r.stderr.contains(message), "\(r.stderr)")
    #expect(filesIn(dir).isEmpty, "nothing written")
}
