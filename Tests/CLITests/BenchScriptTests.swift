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
