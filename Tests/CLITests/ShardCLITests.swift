import Foundation
import Testing
import TestSupport

/// Runs shards 0…count-1 of `scenario` in `dir`, writing p0.json, p1.json, … (`--quiet`).
private func runShards(_ scenario: String, count: Int = 2, in dir: String) throws {
    for i in 0..<count {
        let r = try runPopsim(["run", scenario, "--shard", "\(i)/\(count)", "--out", "p\(i).json", "--quiet"], in: dir)
        #expect(r.status == 0, "shard \(i)/\(count): \(r.stderr)")
    }
}

/// Expects two bundles (folders) to hold the same files, byte for byte.
private func expectSameBundles(_ x: String, _ y: String, _ what: String) throws {
    let a = try fileContentsBelow(x), b = try fileContentsBelow(y)
    #expect(a.keys.sorted() == b.keys.sorted(), "\(what)")
    for (path, bytes) in a where b[path] != bytes { Issue.record("\(what): \(path) differs") }
}

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
        try expectSameBundles(whole + "/out", dir + "/out", "by \(key), against the unsharded run")
    }
}

@Test("merge --no-timeline writes the bundle without replaying the trace, and the report says so")
func mergeNoTimeline() throws {
    let dir = try makeTemporaryDirectory()
    let scenario = repoPath("scenarios/several-pops-several-fills.json")
    try runShards(scenario, in: dir)
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

@Test("merge refuses shards that read different traces (one changed between the shards' runs), and parts whose per-URL counts disagree with their cells")
func mergeRefusesChangedTraceCLI() throws {
    let dir = try makeTemporaryDirectory()
    let text = try String(contentsOfFile: repoPath("scenarios/several-pops-several-fills.json"), encoding: .utf8)
        .replacingOccurrences(of: "\"traces/three-pops.csv\"", with: "\"trace.csv\"")
    _ = try writeFile(dir, "s.json", text)
    let original = try String(contentsOfFile: repoPath("scenarios/traces/three-pops.csv"), encoding: .utf8)
    _ = try writeFile(dir, "trace.csv", original)
    #expect(try runPopsim(["run", "s.json", "--shard", "0/2", "--out", "p0.json"], in: dir).status == 0)
    #expect(try runPopsim(["run", "s.json", "--shard", "1/2", "--out", "p1.json"], in: dir).status == 0)
    // The same number of requests, POPs and page origins: only a request's kind and origin differ.
    var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines[3] == "1,virginia,/fonts/brand.woff2,,other")
    lines[3] = "1,virginia,/fonts/brand.woff2,https://shop.example.com,font"
    _ = try writeFile(dir, "trace.csv", lines.joined(separator: "\n"))
    #expect(try runPopsim(["run", "s.json", "--shard", "1/2", "--out", "p1-changed.json"], in: dir).status == 0)
    let changed = try runPopsim(["merge", "p0.json", "p1-changed.json", "--out", "out"], in: dir)
    #expect(changed.status == 2)
    #expect(changed.stderr.contains("p0.json and p1-changed.json read different traces (digests "), "\(changed.stderr)")
    #expect(changed.stderr.contains("the trace changed between the shards' runs"), "\(changed.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/out"))

    // A part edited by hand: its per-URL counts no longer add up to its requests and cells.
    let part = try String(contentsOfFile: dir + "/p1.json", encoding: .utf8)
    let counts = try #require(part.firstRange(of: #/"urlCounts": "[0-9 ]*"/#))
    let numbers = part[counts].dropFirst(#""urlCounts": ""#.count).dropLast().split(separator: " ").compactMap { Int($0) }
    for (k, what) in [(1, "urlCounts add up to"), (2, "CORS-checked")] {
        var damaged = numbers
        damaged[k] += 1
        let edited = part.replacingCharacters(in: counts, with: #""urlCounts": ""# + damaged.map(String.init).joined(separator: " ") + "\"")
        _ = try writeFile(dir, "p1-damaged.json", edited)
        let r = try runPopsim(["merge", "p0.json", "p1-damaged.json", "--out", "out"], in: dir)
        #expect(r.status == 2, "\(what)")
        #expect(r.stderr.contains("p1-damaged.json: "), "\(r.stderr)")
        #expect(r.stderr.contains(what), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
    // Counts so large that their sum does not fit in 64 bits: refused, not a crash.
    let huge = (0..<10).map { "\($0) 999999999999999999 0" }.joined(separator: " ")
    _ = try writeFile(dir, "p1-huge.json", part.replacingCharacters(in: counts, with: #""urlCounts": ""# + huge + "\""))
    let overflow = try runPopsim(["merge", "p0.json", "p1-huge.json", "--out", "out"], in: dir)
    #expect(overflow.status == 2, "\(overflow.stderr)")
    #expect(overflow.stderr.contains("p1-huge.json: urlCounts add up past 2^63"), "\(overflow.stderr)")
    // The undamaged parts merge — on the trace they read (the timeline checks it).
    _ = try writeFile(dir, "trace.csv", original)
    #expect(try runPopsim(["merge", "p0.json", "p1.json", "--out", "out", "--quiet"], in: dir).status == 0, "the undamaged parts merge")
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

@Test("merge reads parts larger than 64 MiB (a part grows with the trace's distinct URLs: 153 MB for a day of 14M URLs in two)")
func mergeLargePart() throws {
    let dir = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let scenario = repoPath("scenarios/several-pops-several-fills.json")
    try runShards(scenario, in: dir)
    let small = try runPopsim(["merge", "p0.json", "p1.json", "--out", "small", "--no-timeline", "--quiet"], in: dir)
    #expect(small.status == 0, "\(small.stderr)")
    // The same part, 65 MiB longer: whitespace after its JSON value (scenarios stay bounded at 64 MiB).
    let handle = try #require(FileHandle(forWritingAtPath: dir + "/p1.json"))
    handle.seekToEndOfFile()
    handle.write(Data(repeating: 0x20, count: 65 << 20))
    try handle.close()
    let large = try runPopsim(["merge", "p0.json", "p1.json", "--out", "large", "--no-timeline", "--quiet"], in: dir)
    #expect(large.status == 0, "\(large.stderr)")
    #expect(large.stdout == small.stdout)
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/large/summary.json")) == Data(contentsOf: URL(fileURLWithPath: dir + "/small/summary.json")))
}

@Test("a merge by URL whose caches overflowed says so in the bundle too: the manifest's \"inexact\" and the report's header")
func mergeInexactMarked() throws {
    let dir = try makeTemporaryDirectory()
    let scenario = repoPath("scenarios/synthetic-fonts-day.json")  // the README's capacity-bound case by URL
    for i in 0..<3 {
        let r = try runPopsim(["run", scenario, "--shard", "\(i)/3", "--shard-by", "url", "--out", "p\(i).json"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
    }
    let r = try runPopsim(["merge", "p0.json", "p1.json", "p2.json", "--out", "out", "--no-timeline", "--quiet"], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("together held more than their capacity"), "\(r.stderr)")
    let manifest = try String(contentsOfFile: dir + "/out/manifest.json", encoding: .utf8)
    #expect(manifest.contains("\"inexact\": \"merged from shards sharded by URL, the caches of "), "\(manifest)")
    let report = try String(contentsOfFile: dir + "/out/report.html", encoding: .utf8)
    #expect(report.contains("<b>Not exact:</b> merged from shards sharded by URL"))
    // An exact merge (by POP) writes neither.
    for i in 0..<3 { #expect(try runPopsim(["run", scenario, "--shard", "\(i)/3", "--out", "q\(i).json"], in: dir).status == 0) }
    #expect(try runPopsim(["merge", "q0.json", "q1.json", "q2.json", "--out", "exact", "--no-timeline", "--quiet"], in: dir).status == 0)
    #expect(!(try String(contentsOfFile: dir + "/exact/manifest.json", encoding: .utf8)).contains("inexact"))
    #expect(!(try String(contentsOfFile: dir + "/exact/report.html", encoding: .utf8)).contains("Not exact"))
}

/// Found by a QA pass (stop 32): a merge given `--scenario` in another spelling of the shards'
/// path recorded that spelling in the report (so the bundle was not the unsharded run's), and
/// parts run with two spellings made the bundle depend on which part came first.
@Test("merge records the scenario path the shards were given: --scenario in another spelling of it changes nothing; shards given two spellings are refused")
func mergeScenarioSpelling() throws {
    let dir = try makeTemporaryDirectory()
    try FileManager.default.createDirectory(atPath: dir + "/s", withIntermediateDirectories: true)
    let text = try String(contentsOfFile: repoPath("scenarios/several-pops-several-fills.json"), encoding: .utf8)
    _ = try writeFile(dir + "/s", "several.json", text)
    try FileManager.default.createDirectory(atPath: dir + "/s/traces", withIntermediateDirectories: true)
    _ = try writeFile(dir + "/s/traces", "three-pops.csv", try String(contentsOfFile: repoPath("scenarios/traces/three-pops.csv"), encoding: .utf8))
    #expect(try runPopsim(["run", "s/several.json", "--out", "out", "--quiet"], in: dir).status == 0)
    try FileManager.default.moveItem(atPath: dir + "/out", toPath: dir + "/whole")
    for i in 0..<2 {
        let r = try runPopsim(["run", "s/several.json", "--shard", "\(i)/2", "--out", "p\(i).json", "--quiet"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        // --quiet: what the shard simulated, no note about the file written.
        #expect(r.stdout.hasPrefix("shard \(i)/2 by pop: ") && !r.stdout.contains("wrote"), "\(r.stdout)")
    }
    let merged = try runPopsim(["merge", "p0.json", "p1.json", "--out", "out", "--scenario", "./s/../s/several.json", "--quiet"], in: dir)
    #expect(merged.status == 0, "\(merged.stderr)")
    try expectSameBundles(dir + "/whole", dir + "/out", "against the unsharded run")

    #expect(try runPopsim(["run", "./s/several.json", "--shard", "1/2", "--out", "q1.json", "--quiet"], in: dir).status == 0)
    for parts in [["p0.json", "q1.json"], ["q1.json", "p0.json"]] {
        let r = try runPopsim(["merge"] + parts + ["--out", "mixed"], in: dir)
        #expect(r.status == 2, "\(parts)")
        #expect(r.stderr.contains("were run with the scenario as "), "\(r.stderr)")
        #expect(r.stderr.contains("s/several.json") && r.stderr.contains("./s/several.json"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/mixed"))
    }
}

/// Found by a QA pass (stop 32): a part with its hits raised by hand was merged into a bundle
/// whose hits, misses and collapses no longer added up to its requests.
@Test("merge refuses a part whose cells break the rules every run's records keep (hits + misses + collapsed = requests, failures only in failure cells, …)")
func mergeRefusesImpossibleCells() throws {
    let dir = try makeTemporaryDirectory()
    let scenario = repoPath("scenarios/several-pops-several-fills.json")
    try runShards(scenario, in: dir)
    let part = try String(contentsOfFile: dir + "/p1.json", encoding: .utf8)
    // A cell: [window, pop, kind, origin, reason, requests, corsChecked, corsFailures, hits, misses, …].
    let cell = try #require(part.firstRange(of: #/\[0, *[0-9]+, *"[a-z-]+", *[0-9]+, *"[a-z_]*", *([0-9]+, *){12}[0-9]+\]/#))
    let text = String(part[cell])
    let fields = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    #expect(fields.count == 18, "\(text)")
    let edits: [(Int, (Int) -> Int, String)] = [
        (8, { $0 + 5 }, "≠ requests"),                 // hits
        (0, { _ in 2_000_000 }, "is outside the run"),  // the window
    ]
    for (index, change, message) in edits {
        var edited = fields
        edited[index] = String(change(Int(edited[index])!))
        let damaged = part.replacingCharacters(in: cell, with: "[" + edited.joined(separator: ", ") + "]")
        _ = try writeFile(dir, "p1-edited.json", damaged)
        let r = try runPopsim(["merge", "p0.json", "p1-edited.json", "--out", "out"], in: dir)
        #expect(r.status == 2, "\(message): \(r.stderr)")
        #expect(r.stderr.contains("p1-edited.json: variant ") && r.stderr.contains(message) && r.stderr.contains("edited or damaged by hand"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
}

/// Parts through pipes (`<(zstd -dc part.json.zst)`) were refused as "cannot be read" (QA pass,
/// stop 32); so were scenarios given as `<(…)`.
@Test("merge reads parts from pipes: the bundle of the parts as files")
func mergeFromPipes() throws {
    let dir = try makeTemporaryDirectory()
    let scenario = repoPath("scenarios/several-pops-several-fills.json")
    try runShards(scenario, in: dir)
    let files = try runPopsim(["merge", "p0.json", "p1.json", "--out", "out", "--quiet"], in: dir)
    #expect(files.status == 0, "\(files.stderr)")
    try FileManager.default.moveItem(atPath: dir + "/out", toPath: dir + "/from-files")
    let piped = try runProcess("/bin/bash", ["-c", "\"$POPSIM\" merge <(cat p0.json) /dev/stdin --out out --quiet < p1.json"], in: dir,
                               environment: ["POPSIM": popsimExecutable()])
    #expect(piped.status == 0, "\(piped.stderr)")
    #expect(piped.stdout == files.stdout)
    try expectSameBundles(dir + "/from-files", dir + "/out", "against the merge of the files")
}

/// Found by a QA pass (stop 32): a trace edited after the shards ran was replayed for the
/// report's timeline without a word — the timeline narrated requests the counts never saw.
@Test("merge refuses to narrate a trace changed since the shards ran (its timeline reads it to the end and checks its digest); --no-timeline merges")
func mergeRefusesChangedTraceForTimeline() throws {
    let dir = try makeTemporaryDirectory()
    let text = try String(contentsOfFile: repoPath("scenarios/several-pops-several-fills.json"), encoding: .utf8)
        .replacingOccurrences(of: "\"traces/three-pops.csv\"", with: "\"trace.csv\"")
    _ = try writeFile(dir, "s.json", text)
    let original = try String(contentsOfFile: repoPath("scenarios/traces/three-pops.csv"), encoding: .utf8)
    _ = try writeFile(dir, "trace.csv", original)
    try runShards("s.json", in: dir)
    // The last request changed: the timeline's URL has had its requests by then, so only a reading
    // to the end sees it.
    var lines = original.split(separator: "\n").map(String.init)
    let last = lines.count - 1
    lines[last] = lines[last].replacingOccurrences(of: "https://shop.example.com", with: "https://www.example.com")
    #expect(lines[last] != original.split(separator: "\n").last.map(String.init), "\(lines[last])")
    _ = try writeFile(dir, "trace.csv", lines.joined(separator: "\n") + "\n")
    let r = try runPopsim(["merge", "p0.json", "p1.json", "--out", "out"], in: dir)
    #expect(r.status == 2, "\(r.stdout)")
    #expect(r.stderr.contains("trace.csv is not the trace the shards read (its digest is "), "\(r.stderr)")
    #expect(r.stderr.contains("restore it, or merge with --no-timeline"), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    let skipped = try runPopsim(["merge", "p0.json", "p1.json", "--out", "out", "--no-timeline", "--quiet"], in: dir)
    #expect(skipped.status == 0, "\(skipped.stderr)")
    // Restored: merged, with its timeline.
    _ = try writeFile(dir, "trace.csv", original)
    let restored = try runPopsim(["merge", "p0.json", "p1.json", "--out", "out2", "--quiet"], in: dir)
    #expect(restored.status == 0, "\(restored.stderr)")
}
