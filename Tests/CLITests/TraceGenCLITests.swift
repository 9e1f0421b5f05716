import Foundation
import Testing
import TestSupport

let genFlags = ["trace", "gen", "--objects", "2000", "--alpha", "0.9", "--rate", "100", "--requests", "20000",
                "--kinds", "font=3,img-cors=1,video=1,video-cors=1", "--pops", "hangzhou=2,frankfurt=1",
                "--origins", "https://www.example.com=3,https://shop.example.com=1", "--no-origin-share", "0.1"]

@Test("trace gen writes a time-ordered CSV trace with the requested names and count (seed 7)")
func traceGenFlags() throws {
    let dir = try makeTemporaryDirectory()
    let r = try runPopsim(genFlags + ["--seed", "7", "--out", dir + "/t.csv"])
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(r.stdout.hasPrefix("wrote 20000 requests over "), "\(r.stdout)")
    #expect(r.stderr.isEmpty, "\(r.stderr)")
    let lines = try String(contentsOfFile: dir + "/t.csv", encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines.first == "t,pop,url,origin,kind")
    #expect(lines.count == 20_001)
    var last = -1.0
    var kinds = Set<String>(), pops = Set<String>(), origins = Set<String>()
    for line in lines.dropFirst() {
        let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(f.count == 5, "\(line)")
        let t = try #require(Double(f[0]))
        #expect(t >= last, "seed 7: time went back at \(line)")
        last = t
        pops.insert(f[1]); origins.insert(f[3]); kinds.insert(f[4])
        let folder = ["font": "/fonts/", "img-cors": "/img/", "video": "/video/", "video-cors": "/video/"][f[4]]
        #expect(folder.map { f[2].hasPrefix($0) } == true, "\(line)")
    }
    #expect(pops == ["hangzhou", "frankfurt"])
    #expect(origins == ["https://www.example.com", "https://shop.example.com", ""])
    #expect(kinds == ["font", "img-cors", "video", "video-cors"])
    // At 100 req/s, 20k requests span about 200 s.
    #expect(abs(last - 200) < 10, "seed 7: last request at \(last) s")
}

@Test("trace gen is deterministic: same seed ⇒ same bytes; another seed ⇒ another file")
func traceGenDeterministic() throws {
    let dir = try makeTemporaryDirectory()
    for (name, seed) in [("a", "11"), ("b", "11"), ("c", "12")] {
        let r = try runPopsim(genFlags + ["--seed", seed, "--out", "\(dir)/\(name).csv"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
    }
    let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.csv"))
    let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/b.csv"))
    let c = try Data(contentsOf: URL(fileURLWithPath: dir + "/c.csv"))
    #expect(a == b, "seed 11 twice")
    #expect(a != c, "seeds 11 and 12")
}

@Test("trace gen --scenario writes the scenario's workload; replaying that file gives the same results as generating in the run")
func traceGenScenarioRoundTrip() throws {
    let dir = try makeTemporaryDirectory()
    let gen = try runPopsim(["trace", "gen", "--scenario", "scenarios/synthetic-fonts-day.json", "--out", dir + "/day.csv"])
    #expect(gen.status == 0, "stderr: \(gen.stderr)")
    let header = try String(contentsOfFile: dir + "/day.csv", encoding: .utf8).prefix { $0 != "\n" }
    #expect(header == "t,pop,url,origin,kind,bytes")
    // The same scenario with the written trace as its workload.
    var scenario = try String(contentsOfFile: repoPath("scenarios/synthetic-fonts-day.json"), encoding: .utf8)
    let start = try #require(scenario.range(of: "\"workload\": {"))
    scenario = String(scenario[..<start.lowerBound]) + "\"workload\": {\"trace\": \"day.csv\"}\n}\n"
    try writeFile(dir, "day.json", scenario)
    let generated = try runPopsim(["run", "scenarios/synthetic-fonts-day.json", "--no-out"])
    let replayed = try runPopsim(["run", dir + "/day.json", "--no-out"])
    #expect(generated.status == 0 && replayed.status == 0, "\(generated.stderr) \(replayed.stderr)")
    #expect(generated.stdout == replayed.stdout)
    #expect(generated.stdout.contains("requests, 3 POPs, 3 variants"))
}

@Test("trace gen --out X.pstrace / X.oracleGeneral writes those formats: the same bytes as generating CSV and converting it, and the same run")
func traceGenBinaryFormats() throws {
    let dir = try makeTemporaryDirectory()
    let flags = genFlags + ["--seed", "7"]
    for out in ["t.csv", "t.pstrace", "t.oracleGeneral", "t.bin"] {
        let r = try runPopsim(flags + ["--out", "\(dir)/\(out)"])
        #expect(r.status == 0, "\(out): \(r.stderr)")
        #expect(r.stdout.hasPrefix("wrote 20000 requests over "), "\(out): \(r.stdout)")
    }
    // --to overrides the name: a .dat file in popsim's format.
    let dat = try runPopsim(flags + ["--out", dir + "/t.dat", "--to", "popsim"])
    #expect(dat.status == 0, "\(dat.stderr)")
    #expect(dat.stdout.hasSuffix("to \(dir)/t.dat (popsim)\n"), "\(dat.stdout)")
    for to in ["pstrace", "oracleGeneral"] {
        let c = try runPopsim(["trace", "convert", dir + "/t.csv", "\(dir)/c.\(to)"])
        #expect(c.status == 0, "\(c.stderr)")
    }
    let bytes = { (name: String) in try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)")) }
    #expect(try bytes("t.pstrace") == bytes("c.pstrace"))
    #expect(try bytes("t.dat") == bytes("c.pstrace"))
    #expect(try bytes("t.oracleGeneral") == bytes("c.oracleGeneral"))
    #expect(try bytes("t.bin") == bytes("c.oracleGeneral"))
    #expect(try bytes("t.oracleGeneral").count == 20_000 * 24)
    // The .pstrace replays as the CSV does.
    var results: [String] = []
    for trace in ["t.csv", "t.pstrace"] {
        try writeFile(dir, "s-\(trace).json", """
        {"version": 1, "name": "gen-\(trace)", "window": "1m",
         "pops": [{"id": "hangzhou", "capacity": "5MB"}, {"id": "frankfurt", "capacity": "5MB"}],
         "origins": [{"id": "b", "type": "oss", "cors": {"rules": [{"allowedOrigins": ["https://www.example.com"], "allowedMethods": ["GET"]}]}}],
         "domains": [{"host": "cdn.example.com", "origin": "b", "ttl": "1d"}],
         "variants": {"pass-through": {}},
         "workload": {"trace": "\(trace)"}}
        """)
        let r = try runPopsim(["run", "\(dir)/s-\(trace).json", "--no-out"])
        #expect(r.status == 0, "\(trace): \(r.stderr)")
        results.append(r.stdout.replacingOccurrences(of: "gen-\(trace)", with: "gen"))
    }
    #expect(results[0] == results[1])
    #expect(results[0].contains("20000 requests"), "\(results[0])")
}

@Test("trace gen to oracleGeneral says what the format drops, and --unknown-size sets the sizes it makes up")
func traceGenOracleGeneralNotes() throws {
    let dir = try makeTemporaryDirectory()
    let r = try runPopsim(genFlags + ["--out", dir + "/t.oracleGeneral", "--unknown-size", "4096"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.hasSuffix("(oracleGeneral)\n"), "\(r.stdout)")
    #expect(r.stderr.contains("note: 20000 record(s) had no size and were written with size 4096 (--unknown-size)"), "\(r.stderr)")
    #expect(r.stderr.contains("note: the object ids are FNV-1a hashes of the "), "\(r.stderr)")
    #expect(r.stderr.contains("whole seconds only"), "\(r.stderr)")
    // Record 0's size field (bytes 12..<16, little-endian) is the size given.
    let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/t.oracleGeneral"))
    #expect(data[12..<16].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } == 4096)
}

@Test("trace gen --scenario to oracleGeneral gives a request without a size its origins' default object size, as a run does: cachesim counts the working set sweep counts")
func traceGenOracleGeneralScenarioSizes() throws {
    let dir = try makeTemporaryDirectory()
    let gen = try runPopsim(["trace", "gen", "--scenario", "scenarios/synthetic-fonts-day.json", "--out", dir + "/day.oracleGeneral", "--quiet"])
    #expect(gen.status == 0, "\(gen.stderr)")
    // The fonts day's origin has the default objectSize, 100KB; 16,727 of its requests give no size.
    #expect(gen.stderr.contains("note: 16727 record(s) had no size and were written with size 100000 (the scenario's default object size; --unknown-size sets another)"), "\(gen.stderr)")
    let cachesim = try runPopsim(["cachesim", dir + "/day.oracleGeneral", "--cache-size", "1%", "--quiet"])
    let sweep = try runPopsim(["sweep", "scenarios/synthetic-fonts-day.json", "--capacity", "1%", "--variant", "pass-through", "--quiet"])
    #expect(cachesim.status == 0 && sweep.status == 0, "\(cachesim.stderr) \(sweep.stderr)")
    // With 1 byte for each (the default before), cachesim counted 5,288,755,273 bytes.
    #expect(cachesim.stdout.contains("working set: 5000 objects, 5404109588 bytes"), "\(cachesim.stdout)")
    #expect(sweep.stdout.contains("working set: 5000 URLs, 5404109588 bytes"), "\(sweep.stdout)")
    // Without the scenario, the CSV's sizeless requests take --unknown-size, a byte size with a
    // unit as scenarios write them: 100KB gives cachesim the same working set, and trace convert
    // the same file byte for byte.
    let csv = try runPopsim(["trace", "gen", "--scenario", "scenarios/synthetic-fonts-day.json", "--out", dir + "/day.csv", "--quiet"])
    let onCSV = try runPopsim(["cachesim", dir + "/day.csv", "--cache-size", "1%", "--unknown-size", "100KB", "--quiet"])
    #expect(csv.status == 0 && onCSV.status == 0, "\(csv.stderr) \(onCSV.stderr)")
    #expect(onCSV.stdout.contains("working set: 5000 objects, 5404109588 bytes"), "\(onCSV.stdout)")
    let converted = try runPopsim(["trace", "convert", dir + "/day.csv", dir + "/c.oracleGeneral", "--unknown-size", "100KB", "--quiet"])
    #expect(converted.status == 0, "\(converted.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/c.oracleGeneral")) == Data(contentsOf: URL(fileURLWithPath: dir + "/day.oracleGeneral")))
    // --unknown-size still wins.
    let given = try runPopsim(["trace", "gen", "--scenario", "scenarios/synthetic-fonts-day.json", "--out", dir + "/one.oracleGeneral", "--quiet", "--unknown-size", "1"])
    #expect(given.stderr.contains("written with size 1 (--unknown-size)"), "\(given.stderr)")

    /// The fonts day with `what` replaced by `with`, generated to NAME.oracleGeneral.
    func generateEdited(_ name: String, replacing what: String, with replacement: String) throws -> CLIResult {
        var scenario = try String(contentsOfFile: repoPath("scenarios/synthetic-fonts-day.json"), encoding: .utf8)
        scenario.replaceSubrange(try #require(scenario.range(of: what)), with: replacement)
        try writeFile(dir, name + ".json", scenario)
        return try runPopsim(["trace", "gen", "--scenario", "\(dir)/\(name).json", "--out", "\(dir)/\(name).oracleGeneral", "--quiet"])
    }
    // Origins with different defaults: which one a URL goes to is the run's to resolve; the note says so.
    let mixed = try generateEdited("mixed", replacing: "\"origins\": [", with: "\"origins\": [{\"id\": \"small\", \"type\": \"oss\", \"objectSize\": \"5KB\"},")
    #expect(mixed.status == 0, "\(mixed.stderr)")
    #expect(mixed.stderr.contains("written with size 1 (--unknown-size; the scenario's origins differ in their default object size (5000, 100000 bytes)"), "\(mixed.stderr)")

    // A default oracleGeneral's 32 bits cannot hold is refused, not written as 1 byte (QA pass, stop 33).
    let refused = try generateEdited("huge", replacing: "\"id\": \"bucket\",", with: "\"id\": \"bucket\", \"objectSize\": \"5GB\",")
    #expect(refused.status == 2)
    #expect(refused.stderr.contains("the default object size of its origins, 5000000000 bytes, is more than oracleGeneral's 32-bit obj_size holds (4294967295): give --unknown-size BYTES"), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/huge.oracleGeneral"))
}

@Test("trace gen: a bad --to or an --unknown-size for another format exits 2 and writes nothing", arguments: [
    (["--out", "t.pstrace", "--to", "xml"], "--to: unknown format 'xml'"),
    (["--out", "t.log", "--to", "nginx-combined"], "popsim reads it but does not write it"),
    (["--out", "t.pstrace", "--unknown-size", "10"], "--unknown-size applies to oracleGeneral output only (OUT is popsim)"),
    (["--out", "t.csv", "--unknown-size", "10"], "--unknown-size applies to oracleGeneral output only (OUT is csv)"),
    (["--out", "t.oracleGeneral", "--unknown-size", "-1"], "--unknown-size: '-1' is not a size in bytes: negative"),
    (["--out", "t.oracleGeneral", "--unknown-size", "5GB"], "--unknown-size: '5GB' is more than 4294967295 bytes, the most an oracleGeneral record holds"),
])
func traceGenBadFormat(extra: [String], mentions: String) throws {
    let dir = try makeTemporaryDirectory()
    let r = try runPopsim(genFlags + extra, in: dir)
    #expect(r.status == 2, "\(extra): status \(r.status), stderr \(r.stderr)")
    #expect(r.stderr.contains(mentions), "\(extra): \(r.stderr)")
    #expect(r.stdout.isEmpty, "\(extra): \(r.stdout)")
    #expect(filesIn(dir).isEmpty, "\(extra): wrote \(filesIn(dir))")
}

@Test("trace gen: bad flags exit 2 with an error naming the flag, and write nothing", arguments: [
    (["--alpha", "0"], "invalid --alpha"),
    (["--alpha", "-1"], "invalid --alpha"),
    (["--alpha", "abc"], "'abc' is invalid for '--alpha'"),
    (["--alpha", "nan"], "'nan' is invalid for '--alpha'"),
    (["--objects", "0"], "invalid --objects"),
    (["--objects", "1.5"], "'1.5' is invalid for '--objects'"),
    (["--rate", "0"], "invalid --rate"),
    (["--kinds", "font=-1"], "invalid --kinds (font): a weight must be"),
    (["--kinds", "bogus=1"], "unknown kind \"bogus\""),
    (["--kinds", "font=x"], "'x' is not a number"),
    (["--kinds", "font,,img"], "an empty entry"),
    (["--pops", "a=1,a=2"], "invalid --pops (a): POP listed twice"),
    (["--origins", "www.example.com=1"], "invalid --origins (www.example.com)"),
    (["--no-origin-share", "2"], "invalid --no-origin-share"),
    (["--duration", "10"], "'10' is invalid for '--duration'"),
    (["--duration", "-1h"], "'-1h' is invalid for '--duration'"),
    (["--amplitude", "0.5"], "--amplitude needs --peak-hour"),
    (["--amplitude", "0.5", "--peak-hour", "24"], "invalid --peak-hour"),
    (["--amplitude", "2", "--peak-hour", "3"], "invalid --amplitude"),
    (["--base-url", "ftp://x.com"], "invalid --base-url"),
    (["--seed", "-1"], "'-1' is invalid for '--seed'"),
    (["--sizes", "1"], "unknown option '--sizes' for 'popsim trace gen'"),
    (["--scenario", "scenarios/synthetic-fonts-day.json"], "--objects cannot be combined with --scenario"),
    (["stray"], "unexpected argument 'stray'"),
])
func traceGenBadFlags(extra: [String], mentions: String) throws {
    let dir = try makeTemporaryDirectory()
    // Later values of a flag would be "given twice": replace the defaults the case overrides.
    var flags = genFlags
    for name in extra where name.hasPrefix("--") {
        if let i = flags.firstIndex(of: name) { flags.removeSubrange(i...(i + 1)) }
    }
    let r = try runPopsim(flags + extra + ["--out", dir + "/t.csv"])
    #expect(r.status == 2, "\(extra): status \(r.status), stderr \(r.stderr)")
    #expect(r.stderr.contains(mentions), "\(extra): \(r.stderr)")
    #expect(r.stdout.isEmpty, "\(extra): \(r.stdout)")
    #expect(filesIn(dir).isEmpty, "\(extra): wrote \(filesIn(dir))")
}

@Test("trace gen: missing pieces and scenarios without a synthetic workload exit 2 and write nothing")
func traceGenMissing() throws {
    let dir = try makeTemporaryDirectory()
    let out = dir + "/t.csv"
    let cases: [([String], String)] = [
        (["trace", "gen", "--objects", "10", "--alpha", "1", "--rate", "1", "--requests", "5"], "missing --out"),
        (["trace", "gen", "--objects", "10", "--rate", "1", "--requests", "5", "--out", out], "missing --alpha"),
        (["trace", "gen", "--objects", "10", "--rate", "1", "--requests", "5", "--out", out], "See 'popsim trace gen --help'"),
        (["trace", "gen", "--objects", "10", "--alpha", "1", "--rate", "1", "--out", out], "missing --duration or --requests"),
        (["trace", "gen", "--scenario", "scenarios/pass-through-two-origins.json", "--out", out], "not \"synthetic\""),
        (["trace", "gen", "--scenario", "scenarios/nope.json", "--out", out], "nope.json"),
    ]
    for (args, mentions) in cases {
        let r = try runPopsim(args)
        #expect(r.status == 2, "\(args): \(r.stderr)")
        #expect(r.stderr.contains(mentions), "\(args): \(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(filesIn(dir).isEmpty, "\(args)")
    }
}

@Test("trace --help lists gen; trace gen --help shows its options and examples")
func traceGenHelp() throws {
    let trace = try runPopsim(["trace", "--help"])
    #expect(trace.status == 0)
    #expect(trace.stdout.contains("gen"))
    let gen = try runPopsim(["trace", "gen", "--help"])
    #expect(gen.status == 0)
    #expect(gen.stdout.contains("--no-origin-share S"))
    #expect(gen.stdout.contains("popsim trace gen --scenario scenarios/synthetic-fonts-day.json"))
}
