import Foundation
import Testing
import TestSupport

/// a10 b20 a10 c30 b20 d0 a10: d's size-0 request is skipped. By hand, with 30 bytes: a, b
/// (30 used), a hits, c evicts b and a, b evicts c, a fits beside b — 5 misses of 6 requests,
/// 90 of 100 bytes. With 60 bytes everything fits: 3 misses, 60 bytes.
private let handCSV = """
t,pop,url,origin,kind,method,credentials,bytes
0,p,/a,,font,GET,,10
1,p,/b,,font,GET,,20
2,p,/a,,font,GET,,10
3,p,/c,,font,GET,,30
4,p,/b,,font,GET,,20
5,p,/d,,font,GET,,0
6,p,/a,,font,GET,,10

"""

/// The table rows of `cachesim` output: the cells of each line that starts with a number.
/// The hand trace as CSV and converted by `trace convert` to `name`, each replayed by cachesim
/// with `--cache-size sizes`.
private func csvAndConverted(_ name: String, sizes: String) throws -> (converted: String, csv: CLIResult, other: CLIResult) {
    let dir = try makeTemporaryDirectory()
    let csv = try writeFile(dir, "t.csv", handCSV)
    let converted = dir + "/" + name
    #expect(try runPopsim(["trace", "convert", csv, converted]).status == 0)
    return (converted, try runPopsim(["cachesim", csv, "--cache-size", sizes]), try runPopsim(["cachesim", converted, "--cache-size", sizes]))
}

private func rows(_ stdout: String) -> [[String]] {
    stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.filter { $0.first.map { Int64($0) != nil } ?? false }
}

@Suite("popsim cachesim and popsim mrc")
struct CacheSimCLITests {
    @Test("cachesim on a CSV trace: hand-computed miss ratios, the working set, fractions of it")
    func csvByHand() throws {
        let dir = try makeTemporaryDirectory()
        let trace = try writeFile(dir, "t.csv", handCSV)
        let r = try runPopsim(["cachesim", trace, "--cache-size", "30,60,0.5ws"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("trace \(trace) (csv): 6 requests, 1 of size 0 skipped (as libCacheSim skips them)"), "\(r.stdout)")
        #expect(r.stdout.contains("working set: 3 objects, 60 bytes"))
        let table = rows(r.stdout)
        #expect(table.map { Array($0.prefix(4)) } == [["30", "0.8333", "0.9000", "5"], ["60", "0.5000", "0.6000", "3"], ["30", "0.8333", "0.9000", "5"]])
        #expect(table.map(\.last) == ["30", "60", "0.5ws"])
    }

    @Test("cachesim: P% and P%ws are the cache (P/100)ws gives, to the byte (0.7 % of 1000 bytes is 7, not 6), shown as given")
    func percentages() throws {
        // a 100, b 200, c 300, d 400 bytes: a working set of 1000 bytes.
        let text = "t,pop,url,origin,kind,bytes\n" + [("/a", 100), ("/b", 200), ("/c", 300), ("/d", 400), ("/a", 100), ("/b", 200)]
            .enumerated().map { "\($0),p,\($1.0),,font,\($1.1)\n" }.joined()
        let trace = try writeFile(try makeTemporaryDirectory(), "t.csv", text)
        let pairs = [("0.7%", "0.007ws", "7"), ("2.5%ws", "0.025ws", "25"), ("10%", "0.1ws", "100"), ("33%", "0.33ws", "330"),
                     ("100%", "1ws", "1000"), ("150%WS", "1.5ws", "1500")]
        let r = try runPopsim(["cachesim", trace, "--cache-size", pairs.flatMap { [$0.0, $0.1] }.joined(separator: ",")])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("working set: 4 objects, 1000 bytes"), "\(r.stdout)")
        let table = rows(r.stdout)
        try #require(table.count == 2 * pairs.count, "\(r.stdout)")
        for (k, (percent, fraction, bytes)) in pairs.enumerated() {
            let (p, f) = (table[2 * k], table[2 * k + 1])
            #expect(p.last == percent && f.last == fraction, "the given-as column: \(p) \(f)")
            #expect(p.first == bytes, "\(percent): \(p)")
            #expect(p.dropLast() == f.dropLast(), "\(percent) and \(fraction) are the same cache: \(p) \(f)")
        }
    }

    @Test("cachesim and mrc on a CSV or popsim trace print the same with --threads 1 and 2 (read-ahead); a bad --threads is a usage error")
    func threads() throws {
        let dir = try makeTemporaryDirectory()
        let trace = try writeFile(dir, "t.csv", handCSV)
        let binary = dir + "/t.pstrace"
        #expect(try runPopsim(["trace", "convert", trace, binary]).status == 0)
        for (k, path) in [trace, binary].enumerated() {
            let one = try runPopsim(["cachesim", path, "--cache-size", "30,60,0.5ws", "--threads", "1"])
            let two = try runPopsim(["cachesim", path, "--cache-size", "30,60,0.5ws", "--threads", "2"])
            #expect(one.status == 0 && two.status == 0, "stderr: \(one.stderr) \(two.stderr)")
            #expect(rows(one.stdout) == rows(two.stdout) && rows(one.stdout).count == 3)
            let m1 = try runPopsim(["mrc", path, "--threads", "1", "--out", dir + "/m1-\(k)"])
            let m2 = try runPopsim(["mrc", path, "--threads", "2", "--out", dir + "/m2-\(k)"])
            #expect(m1.status == 0 && m2.status == 0, "stderr: \(m1.stderr) \(m2.stderr)")
            let csv = try String(contentsOfFile: dir + "/m1-\(k)/mrc.csv", encoding: .utf8)
            #expect(try csv == String(contentsOfFile: dir + "/m2-\(k)/mrc.csv", encoding: .utf8) && csv.split(separator: "\n").count > 2)
        }
        let bad = try runPopsim(["cachesim", trace, "--cache-size", "30", "--threads", "0"])
        #expect(bad.status == 2 && bad.stderr.contains("--threads"), "\(bad.stderr)")
    }

    @Test("cachesim counting objects: sizes are object counts")
    func counting() throws {
        let dir = try makeTemporaryDirectory()
        let trace = try writeFile(dir, "t.csv", handCSV)
        // 2 objects: a, b, a hit, c evicts b, b evicts a, a evicts c: 5 misses of 6. 3 objects: 3.
        let r = try runPopsim(["cachesim", trace, "--cache-size", "2,3", "--ignore-obj-size"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(rows(r.stdout).map { Array($0.prefix(4)) } == [["2", "0.8333", "0.8333", "5"], ["3", "0.5000", "0.5000", "3"]])
        #expect(r.stdout.contains("LRU, cache sizes in objects:"))
    }

    @Test("the same trace as .pstrace (URL ids in batches) gives the same working set and table, size-0 request skipped")
    func pstrace() throws {
        let (_, a, b) = try csvAndConverted("t.pstrace", sizes: "30,60,0.5ws")
        #expect(b.status == 0, "stderr: \(b.stderr)")
        #expect(b.stdout.contains("working set: 3 objects, 60 bytes"), "\(b.stdout)")
        #expect(rows(a.stdout) == rows(b.stdout) && rows(b.stdout).count == 3)
    }

    @Test("the same trace as oracleGeneral (trace convert) gives the same table")
    func oracleGeneral() throws {
        let (og, a, b) = try csvAndConverted("t.oracleGeneral", sizes: "30,40,60")
        #expect(b.status == 0, "stderr: \(b.stderr)")
        #expect(b.stdout.contains("(oracleGeneral): 6 requests, 1 of size 0 skipped"))
        #expect(rows(a.stdout) == rows(b.stdout))
        let c = try runPopsim(["cachesim", og, "--cache-size", "2", "--ignore-obj-size", "--format", "oracleGeneral"])
        #expect(rows(c.stdout).first.map { Array($0.prefix(4)) } == ["2", "0.8333", "0.8333", "5"])
    }

    @Test("oracleGeneral's working set: not counted at one size in bytes, counted with --working-set, several sizes or a fraction of it; the table is the same")
    func oracleGeneralWorkingSet() throws {
        let (og, _, several) = try csvAndConverted("t.oracleGeneral", sizes: "30,60")
        #expect(several.stdout.contains("working set: 3 objects, 60 bytes"), "several sizes share one row per object: \(several.stdout)")
        for size in ["30", "60"] {
            let plain = try runPopsim(["cachesim", og, "--cache-size", size])
            #expect(plain.status == 0, "stderr: \(plain.stderr)")
            #expect(plain.stdout.contains("working set: not counted (--working-set counts it)"), "\(plain.stdout)")
            let counted = try runPopsim(["cachesim", og, "--cache-size", size, "--working-set"])
            #expect(counted.stdout.contains("working set: 3 objects, 60 bytes"), "\(counted.stdout)")
            #expect(rows(counted.stdout) == rows(plain.stdout) && rows(plain.stdout).count == 1)
            #expect(rows(several.stdout).filter { $0[0] == size } == rows(plain.stdout))
        }
        let fraction = try runPopsim(["cachesim", og, "--cache-size", "0.5ws"])
        #expect(fraction.stdout.contains("working set: 3 objects, 60 bytes"), "\(fraction.stdout)")
        #expect(rows(fraction.stdout).map { Array($0.prefix(5)) } == rows(several.stdout).prefix(1).map { Array($0.prefix(5)) })
        let objects = try runPopsim(["cachesim", og, "--cache-size", "2", "--ignore-obj-size", "--working-set"])
        #expect(objects.stdout.contains("working set: 3 objects\n"), "\(objects.stdout)")
    }

    @Test("bad input exits 2 with a message naming it", arguments: [
        (["--cache-size", "10XB"], "the value '10XB' is invalid for '--cache-size': unknown unit \"XB\""),
        (["--cache-size", "0"], "the value '0' is invalid for '--cache-size': a cache holds at least 1 byte"),
        (["--cache-size", "0.5"], "(for a share of the working set write 0.5ws, or 50%)"),
        (["--cache-size", "0.025"], "(for a share of the working set write 0.025ws, or 2.5%)"),
        (["--cache-size", "10%abc"], "the value '10%abc' is invalid for '--cache-size': a percentage of the working set is a positive number before '%' (10%, 0.5%)"),
        (["--cache-size", "10 %"], "the value '10 %' is invalid for '--cache-size': a percentage of the working set is a positive number before '%'"),
        (["--cache-size", "1MB", "--ignore-obj-size"], "with --ignore-obj-size a cache size is a whole number of objects"),
        (["--cache-size", "xws"], "a fraction of the working set is a positive number before 'ws'"),
        (["--cache-size", "10,"], "the value '' is invalid for '--cache-size'"),
        (["--cache-size", "0.0000001ws"], "--cache-size: 0.0000001ws of a working set of 60 bytes is 0 bytes"),
        (["--cache-size", "10", "--format", "parquet"], "--format: unknown format 'parquet'"),
        (["--cache-size", "0%"], "the value '0%' is invalid for '--cache-size': a percentage of the working set is a positive number before '%' (10%, 0.5%)"),
        (["--cache-size", "-1%"], "the value '-1%' is invalid for '--cache-size': a percentage of the working set"),
        (["--cache-size", "%"], "the value '%' is invalid for '--cache-size': a percentage of the working set"),
        (["--cache-size", "abc%"], "the value 'abc%' is invalid for '--cache-size': a percentage of the working set"),
        (["--cache-size", "10%%"], "the value '10%%' is invalid for '--cache-size': a percentage of the working set"),
        (["--cache-size", "10%ws%"], "the value '10%ws%' is invalid for '--cache-size': a percentage of the working set"),
        (["--cache-size", "0.001%"], "--cache-size: 0.001% of a working set of 60 bytes is 0 bytes"),
        (["--cache-size", "1MB", "--ignore-obj-size"], "a whole number of objects (1000) or a share of the working set (0.01ws, 1%)"),
        ([String](), "missing --cache-size"),
    ])
    func badInput(_ flags: [String], _ message: String) throws {
        let dir = try makeTemporaryDirectory()
        let trace = try writeFile(dir, "t.csv", handCSV)
        let r = try runPopsim(["cachesim", trace] + flags)
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
    }

    @Test("a missing file or a file that is not its format exits 2 naming the file")
    func badFiles() throws {
        let dir = try makeTemporaryDirectory()
        let missing = try runPopsim(["cachesim", dir + "/nope.oracleGeneral", "--cache-size", "10"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.oracleGeneral: no such file or directory"), "\(missing.stderr)")
        let csv = try writeFile(dir, "t.csv", handCSV)
        let text = try runPopsim(["mrc", csv, "--format", "oracleGeneral"])
        #expect(text.status == 2)
        #expect(text.stderr.contains("starts with text"), "\(text.stderr)")
        let noTrace = try runPopsim(["mrc"])
        #expect(noTrace.status == 2 && noTrace.stderr.contains("missing TRACE"))
    }

    @Test("an access log's malformed lines are counted and shown by cachesim and mrc (never dropped silently), as trace import lists them")
    func accessLogSkips() throws {
        let log = repoPath("scenarios/logs/nginx-combined.log")
        let imported = try runPopsim(["trace", "import", log, "--format", "nginx-combined", "--out", try makeTemporaryDirectory() + "/t.csv"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("skipped 4 line(s)"), "\(imported.stderr)")
        for args in [["cachesim", log, "--format", "nginx-combined", "--cache-size", "1MB"], ["mrc", log, "--format", "nginx-combined"]] {
            let r = try runPopsim(args)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("(nginx-combined): 20 requests"), "\(r.stdout)")
            #expect(r.stdout.contains("4 line(s) skipped (first: \(log):7: "), "\(r.stdout)")
            #expect(r.stdout.contains("not replayed (trace import lists them)"), "\(r.stdout)")
        }
    }

    @Test("one object is '1 object', a largest object of 1 byte '1 byte'; --points without --out is a usage error, not ignored; --help names every column")
    func wording() throws {
        let dir = try makeTemporaryDirectory()
        let trace = try writeFile(dir, "t.csv", "t,pop,url,origin,kind,bytes\n0,p,/a,,font,10\n")
        let one = try runPopsim(["cachesim", trace, "--cache-size", "100"])
        #expect(one.stdout.contains("(csv): 1 request\n") && one.stdout.contains("working set: 1 object, 10 bytes"), "\(one.stdout)")
        // It said "1 bytes (1 B)" (QA pass, stop 34).
        let tiny = try writeFile(dir, "tiny.csv", "t,pop,url,origin,kind,bytes\n0,p,/a,,font,1\n1,p,/b,,font,1\n")
        let byte = try runPopsim(["mrc", tiny])
        #expect(byte.stdout.contains("exact from the largest object up: 1 byte (1 B);"), "\(byte.stdout)")
        // The table's columns were not all explained: evictions, resident and given as (QA pass, stop 34).
        let help = try runPopsim(["cachesim", "--help"])
        for column in ["cache size (bytes", "miss ratio =", "byte miss ratio =", "misses;", "evictions (", "resident (", "given as ("] {
            #expect(help.stdout.contains(column), "\(column): \(help.stdout)")
        }
        let points = try runPopsim(["mrc", trace, "--points", "10"])
        #expect(points.status == 2)
        #expect(points.stderr.contains("--points sets the rows of DIR/mrc.csv: give --out DIR too"), "\(points.stderr)")
    }

    @Test("mrc prints the curve and writes mrc.csv and mrc.svg that agree with cachesim")
    func mrc() throws {
        let dir = try makeTemporaryDirectory()
        let csv = try writeFile(dir, "t.csv", handCSV)
        let r = try runPopsim(["mrc", csv, "--out", dir + "/out", "--points", "all"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("exact from the largest object up: 30 bytes"))
        #expect(filesIn(dir + "/out") == ["mrc.csv", "mrc.svg"])
        let rows = try String(contentsOfFile: dir + "/out/mrc.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(rows.first == "cache_size,miss_ratio,byte_miss_ratio,exact,misses,miss_bytes")
        // Reuse distances: a after b: 30 bytes; b after a, c: 60; a after c, b: 60.
        #expect(rows.dropFirst() == ["10,1.000000,1.000000,false,6,100", "30,0.833333,0.900000,true,5,90", "60,0.500000,0.600000,true,3,60"])
        let svg = try String(contentsOfFile: dir + "/out/mrc.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("LRU miss ratio by cache size — t.csv"))
        let counted = try runPopsim(["mrc", csv, "--ignore-obj-size"])
        #expect(counted.status == 0)
        #expect(counted.stdout.contains("LRU miss-ratio curve, cache sizes in objects:"))
    }

    /// The examples named `day.oracleGeneral` and `day.csv`, which a reader did not have and was
    /// not told how to make (QA pass, stop 32): now they start by making them, and each runs.
    @Test("cachesim, mrc, trace convert and merge --help: every example runs as written, in order (/tmp made a fresh folder)",
          arguments: [["cachesim"], ["mrc"], ["trace", "convert"], ["merge"]])
    func helpExamplesRun(_ command: [String]) throws {
        let help = try runPopsim(command + ["--help"])
        let lines = help.stdout.split(separator: "\n").drop { $0 != "Examples:" }.dropFirst()
        #expect(lines.count >= 4, "\(help.stdout)")
        let dir = try makeTemporaryDirectory()
        for line in lines {
            let text = line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "/tmp/", with: dir + "/")
            #expect(text.hasPrefix("popsim "), "\(line)")
            // Through bash, as a reader would paste it: globs expand, # starts a comment.
            let r = try runProcess("/bin/bash", ["-c", "\"$POPSIM\"" + text.dropFirst("popsim".count)], in: packageRoot,
                                   environment: ["POPSIM": popsimExecutable()])
            #expect(r.status == 0, "\(line): \(r.stderr)")
        }
    }

    /// Found by a QA pass (stop 32): objects changing size made every row "bound" (an upper
    /// bound), yet the curve was below cachesim at some sizes.
    @Test("mrc on a trace whose objects change size: every row says approx, not bound, and can be below cachesim")
    func mrcApproximateWhenSizesChange() throws {
        let dir = try makeTemporaryDirectory()
        // id:size 3:2, 2:4, 3:1, 3:1, 2:3 — at 4 bytes cachesim misses 4 of 5 (2 is kept at 4 bytes,
        // evicting 3; 3 comes back at 1 byte, evicting 2; 2 comes back), the curve 3 (0.6).
        let trace = try writeFile(dir, "t.csv", "t,pop,url,origin,kind,bytes\n0,p,/3,,font,2\n1,p,/2,,font,4\n2,p,/3,,font,1\n3,p,/3,,font,1\n4,p,/2,,font,3\n")
        let curve = try runPopsim(["mrc", trace])
        #expect(curve.status == 0, "\(curve.stderr)")
        #expect(curve.stdout.contains("approximate at every size"), "\(curve.stdout)")
        let rows = curve.stdout.split(separator: "\n").filter { $0.hasSuffix("approx") || $0.hasSuffix("bound") || $0.hasSuffix("yes") }
        #expect(!rows.isEmpty && rows.allSatisfy { $0.hasSuffix("approx") }, "\(curve.stdout)")
        let replay = try runPopsim(["cachesim", trace, "--cache-size", "4"])
        #expect(replay.stdout.contains("         4      0.8000"), "\(replay.stdout)")
        let four = try runPopsim(["mrc", trace, "--out", dir + "/out", "--points", "all"])
        #expect(four.status == 0, "\(four.stderr)")
        let csv = try String(contentsOfFile: dir + "/out/mrc.csv", encoding: .utf8)
        #expect(csv.contains("\n4,0.600000,"), "\(csv)")
        #expect(!csv.contains(",true,"), "\(csv)")
    }

    @Test("mrc --points all ends at the working set, as --points N does and as cachesim there gives, in bytes and objects")
    func mrcAllPointsEndAtTheWorkingSet() throws {
        // a 10, b 20, a, b, c 300: the last reuse hits from 30 bytes (2 objects) up, and c is never
        // reused, so the curve's last step is below the working set: 330 bytes, 3 objects.
        let requests: [(url: String, bytes: Int64)] = [("/a", 10), ("/b", 20), ("/a", 10), ("/b", 20), ("/c", 300)]
        let text = "t,pop,url,origin,kind,bytes\n" + requests.enumerated().map { "\($0),p,\($1.url),,font,\($1.bytes)\n" }.joined()
        let dir = try makeTemporaryDirectory()
        let csv = try writeFile(dir, "t.csv", text)
        for (flags, workingSet, lastStep) in [([String](), "330", "30"), (["--ignore-obj-size"], "3", "2")] {
            func lastRows(_ points: String) throws -> [String] {
                let out = dir + "/\(flags.count)-\(points)"
                let r = try runPopsim(["mrc", csv, "--out", out, "--points", points] + flags)
                #expect(r.status == 0, "stderr: \(r.stderr)")
                return try String(contentsOfFile: out + "/mrc.csv", encoding: .utf8).split(separator: "\n").suffix(2).map(String.init)
            }
            let all = try lastRows("all")
            #expect(all.first?.hasPrefix(lastStep + ",") == true, "\(flags): the curve's last step comes before: \(all)")
            #expect(all.last == (try lastRows("20")).last, "\(flags): --points all and 20 end on the same row")
            let cells = try #require(all.last).split(separator: ",").map(String.init)
            #expect(cells[0] == workingSet && cells[3] == "true", "\(flags): \(cells)")
            // cachesim at the working set: misses, and the miss ratios to the 4 decimals it prints.
            let sim = try runPopsim(["cachesim", csv, "--cache-size", "100%"] + flags)
            let row = try #require(rows(sim.stdout).first, "\(sim.stdout)")
            #expect(row[0] == workingSet && row[3] == cells[4] && row[3] == "3", "\(flags): cachesim \(row), mrc \(cells)")
            #expect(row[1] == String(format: "%.4f", Double(cells[1])!) && row[2] == String(format: "%.4f", Double(cells[2])!), "\(flags): cachesim \(row), mrc \(cells)")
        }
    }

    @Test("mrc on large objects: --points rows start at the largest object and end at the working set; the 100 % row is the working set, where only first requests miss")
    func mrcLargeObjects() throws {
        // a 1 KB, b 3 MB, c 2 KB, v 50 MB; v's second request has every object in its stack
        // (distance = the working set), so a cache a byte smaller misses it.
        let requests: [(url: String, bytes: Int64)] = [("/a", 1_000), ("/b", 3_000_000), ("/a", 1_000), ("/c", 2_000), ("/v", 50_000_000),
                                                      ("/a", 1_000), ("/b", 3_000_000), ("/c", 2_000), ("/a", 1_000), ("/v", 50_000_000)]
        // Brute force: first requests and their bytes are the working set's.
        var seen: Set<String> = []
        var workingSet: Int64 = 0
        for r in requests where seen.insert(r.url).inserted { workingSet += r.bytes }
        let requestBytes = requests.map(\.bytes).reduce(0, +)
        #expect(workingSet == 53_003_000 && seen.count == 4)
        let text = "t,pop,url,origin,kind,bytes\n" + requests.enumerated().map { "\($0),p,\($1.url),,video,\($1.bytes)\n" }.joined()
        let dir = try makeTemporaryDirectory()
        let csv = try writeFile(dir, "t.csv", text)

        let r = try runPopsim(["mrc", csv, "--out", dir + "/out", "--points", "20"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let rows = try String(contentsOfFile: dir + "/out/mrc.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == 20)
        #expect(rows.filter { Int64($0[0])! < 50_000_000 }.count == 0, "no row below the largest object: \(rows.map { $0[0] })")
        #expect(rows.allSatisfy { $0[3] == "true" })
        let missRatio = Double(seen.count) / Double(requests.count), byteMissRatio = Double(workingSet) / Double(requestBytes)
        #expect(rows.last == ["\(workingSet)", String(format: "%.6f", missRatio), String(format: "%.6f", byteMissRatio), "true", "\(seen.count)", "\(workingSet)"])
        let hundred = r.stdout.split(separator: "\n").first { $0.hasPrefix(" ") && $0.contains("100.0%") }.map { $0.split(separator: " ").map(String.init) }
        #expect(hundred == ["100.0%", "\(workingSet)", String(format: "%.4f", missRatio), String(format: "%.4f", byteMissRatio), "yes"], "\(r.stdout)")

        // Counting objects: from 1 object to all 4; a row's share is of the size it is at (1 of 4
        // objects is 25 %, asked as 40 %).
        let counted = try runPopsim(["mrc", csv, "--ignore-obj-size", "--out", dir + "/objects", "--points", "10"])
        #expect(counted.status == 0, "stderr: \(counted.stderr)")
        let objectRows = try String(contentsOfFile: dir + "/objects/mrc.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",").first! }
        #expect(objectRows == ["1", "2", "3", "4"])
        let shares = counted.stdout.split(separator: "\n").filter { $0.hasPrefix(" ") && $0.contains("%") }.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
        #expect(shares == ["25.0% 1", "75.0% 3", "100.0% 4"], "\(counted.stdout)")
    }
}
