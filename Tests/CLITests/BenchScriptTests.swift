import Foundation
import Testing
import TestSupport

// `bench/side-by-side.sh` times two builds at once, one per core, cycling cores and launch order.
// Its figures are timings (never asserted); what it prints, and how it fails, are.

@Test("bench/side-by-side.sh: a round per line and the median with quartiles; a failing build stops it with that build's error; bad usage exits 2")
func sideBySide() throws {
    let script = repoPath("bench/side-by-side.sh"), popsim = popsimExecutable()
    guard ProcessInfo.processInfo.activeProcessorCount >= 2 else {
        let r = try runProcess(script, ["-n", "2", popsim, popsim, "--", "--version"], in: packageRoot)
        #expect(r.status == 2 && r.stderr.contains("needs two cores"), "\(r.stderr)")
        return
    }
    let ok = try runProcess(script, ["-n", "4", popsim, popsim, "--", "--version"], in: packageRoot)
    #expect(ok.status == 0, "\(ok.stderr)")
    let lines = ok.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 5, "\(ok.stdout)")
    for (i, line) in lines.prefix(4).enumerated() {
        #expect(line.hasPrefix("round \(i + 1): A ") && line.contains(" ms  B ") && line.contains(" ms  B/A "), "\(line)")
    }
    #expect(lines.last?.hasPrefix("median B/A ") == true && lines.last?.hasSuffix(" over 4 rounds") == true, "\(ok.stdout)")

    let failing = try runProcess(script, ["-n", "3", popsim, popsim, "--", "run", "/nonexistent/s.json"], in: packageRoot)
    #expect(failing.status == 1 && failing.stdout.isEmpty, "\(failing.stdout)")
    #expect(failing.stderr.contains("side-by-side: round 1: \(popsim) failed:") && failing.stderr.contains("/nonexistent/s.json"),
            "\(failing.stderr)")

    for args in [[popsim, popsim], ["-n"], ["-n", "0", popsim, popsim, "--", "--version"], [popsim, "/nonexistent/popsim", "--", "--version"]] {
        let bad = try runProcess(script, args, in: packageRoot)
        #expect(bad.status == 2 && bad.stdout.isEmpty && bad.stderr.hasPrefix(args.first == "-n" || args.count > 2 ? "side-by-side: " : "usage: "), "\(args): \(bad.stderr)")
    }
}

/// `bench/run.sh` as a user runs it, at a size that takes seconds: its table gives each goal's
/// verdict and ends with the count; relative `BENCH_DIR` and `BENCH_POPSIM` are the caller's
/// (they were taken from the repository, and the suite failed); a "libCacheSim" that prints no
/// miss ratio stops it with a message (it exited 1 without a word). Figures are never asserted.
@Test("bench/run.sh: a verdict beside each goal and the closing count; relative paths from the caller's folder; a libCacheSim without a miss ratio named")
func benchSuiteQuick() throws {
    let script = repoPath("bench/run.sh")
    let dir = try makeTemporaryDirectory()
    try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: dir + "/bin/popsim", withDestinationPath: popsimExecutable())
    let small = ["BENCH_POPSIM": "bin/popsim", "BENCH_DIR": "work", "BENCH_REQUESTS": "20000", "BENCH_OBJECTS": "2000",
                 "BENCH_RUNS": "1", "PYTHON": ""]
    let r = try runProcess("/bin/bash", [script], in: dir, environment: small)
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
        #expect(r.status == 2 && r.stderr.contains("needs /usr/bin/time"), "\(r.stderr)")
        return
    }
    #expect(r.status == 0, "\(r.stderr)")
    #expect(FileManager.default.fileExists(atPath: dir + "/work/table.txt"), "BENCH_DIR is the caller's work/")
    let rows = r.stdout.split(separator: "\n").map(String.init)
    // The table's rows and the memory block's (the closing list, indented, names the missed ones).
    let goalRows = rows.filter { !$0.hasPrefix("  ") && ($0.contains(" ≥ ") || $0.contains("(goal ≤")) }
    #expect(goalRows.count >= 4, "\(r.stdout)")
    for row in goalRows where !row.contains("(≥") {
        #expect(row.contains(" met") || row.contains("NOT met"), "a goal row without a verdict: \(row)")
    }
    let count = try #require(rows.first { $0.hasPrefix("goals: ") }, "\(r.stdout)")
    #expect(count.contains(" met, ") && count.contains(" not met"), "\(count)")

    var fake = small
    fake["LIBCACHESIM_CACHESIM"] = "/bin/true"
    let lcs = try runProcess("/bin/bash", [script], in: dir, environment: fake)
    #expect(lcs.status == 1, "\(lcs.stderr)")
    #expect(lcs.stderr.contains("bench: /bin/true printed no miss ratio"), "\(lcs.stderr)")
}
