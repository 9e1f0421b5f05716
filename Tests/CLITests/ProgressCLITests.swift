import Foundation
import Testing
import TestSupport

// The progress line is drawn only when stderr is a terminal. Through pipes (every other CLI
// test) these runs must print none, however long they take; through a pseudo-terminal
// (`script`, where it exists) cachesim must draw one and clear it before its results.

/// A trace that takes each command more than a second to go through (debug build): 1,500,000
/// requests over 200,000 objects, as .pstrace, oracleGeneral and CSV, and the seconds gen and the
/// conversion to oracleGeneral took.
private let longTrace: (dir: String, gen: (CLIResult, Double), convert: (CLIResult, Double)) = {
    let dir = try! makeTemporaryDirectory("popsim-progress")
    let gen = timed(["trace", "gen", "--objects", "200000", "--alpha", "0.8", "--rate", "1000", "--requests", "1500000",
                     "--out", dir + "/t.pstrace"])
    let convert = timed(["trace", "convert", dir + "/t.pstrace", dir + "/t.oracleGeneral"])
    _ = try! runPopsim(["trace", "convert", dir + "/t.pstrace", dir + "/t.csv", "--quiet"])
    return (dir, gen, convert)
}()

/// Runs popsim and says how many seconds it took.
private func timed(_ arguments: [String]) -> (CLIResult, Double) {
    let start = Date()
    let r = try! runPopsim(arguments)
    return (r, Date().timeIntervalSince(start))
}

/// What a progress line leaves in stderr: a carriage return or the erase-line escape.
private func hasProgress(_ stderr: String) -> Bool { stderr.contains("\r") || stderr.contains("\u{1B}[K") }

/// stdout without the line that reports the time taken (which differs between runs).
private func withoutTiming(_ stdout: String) -> [Substring] {
    stdout.split(separator: "\n").filter { !$0.hasPrefix("replayed in ") && !$0.hasPrefix("profiled in ") && !$0.hasPrefix("converted ") }
}

@Suite("progress lines: none through a pipe, one on a terminal")
struct ProgressCLITests {
    @Test("trace gen and trace convert through pipes: no progress line in runs over a second; --quiet is accepted")
    func genAndConvert() throws {
        let (gen, genSeconds) = longTrace.gen, (convert, convertSeconds) = longTrace.convert
        #expect(gen.status == 0 && convert.status == 0, "\(gen.stderr)\(convert.stderr)")
        #expect(genSeconds > 1 && convertSeconds > 1, "runs too short to test the line: \(genSeconds) s, \(convertSeconds) s")
        #expect(!hasProgress(gen.stderr) && !hasProgress(convert.stderr))
        #expect(gen.stdout.hasPrefix("wrote 1500000 requests over "))
        let quiet = try runPopsim(["trace", "convert", longTrace.dir + "/t.pstrace", longTrace.dir + "/q.oracleGeneral", "--quiet"])
        #expect(quiet.status == 0 && !hasProgress(quiet.stderr), "\(quiet.stderr)")
        #expect(quiet.stderr.hasPrefix("note: "), "oracleGeneral's notes on what it keeps, only: \(quiet.stderr)")
        let quietGen = try runPopsim(["trace", "gen", "--objects", "10", "--alpha", "1", "--rate", "1", "--requests", "5",
                                      "--out", longTrace.dir + "/g.csv", "--quiet"])
        #expect(quietGen.status == 0 && quietGen.stderr.isEmpty, "\(quietGen.stderr)")
    }

    @Test("cachesim (two passes: 0.1ws) and mrc through pipes: no progress line in runs over a second; --quiet prints the same")
    func cachesimAndMRC() throws {
        // (cachesim on the oracleGeneral copy is done in under a second, even in a debug build.)
        for args in [["cachesim", longTrace.dir + "/t.csv", "--cache-size", "0.1ws"],
                     ["cachesim", longTrace.dir + "/t.pstrace", "--cache-size", "0.1ws", "--threads", "1"],
                     ["mrc", longTrace.dir + "/t.pstrace"]] {
            let (r, seconds) = timed(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(seconds > 1, "\(args): too short to test the line (\(seconds) s)")
            #expect(r.stderr.isEmpty, "\(args): \(r.stderr)")
            let quiet = try runPopsim(args + ["--quiet"])
            #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(args) --quiet: \(quiet.stderr)")
            #expect(withoutTiming(quiet.stdout) == withoutTiming(r.stdout))
            #expect(r.stdout.hasPrefix("trace \(args[1]) ("))
        }
    }

    @Test("merge through pipes: no progress line, with or without --quiet")
    func merge() throws {
        let dir = try makeTemporaryDirectory()
        let scenario = repoPath("scenarios/several-pops-several-fills.json")
        for i in 0..<2 { #expect(try runPopsim(["run", scenario, "--shard", "\(i)/2", "--out", "p\(i).json"], in: dir).status == 0) }
        let r = try runPopsim(["merge", "p0.json", "p1.json", "--out", "out"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!hasProgress(r.stderr), "\(r.stderr)")
        let quiet = try runPopsim(["merge", "p0.json", "p1.json", "--out", "out2", "--quiet"], in: dir)
        #expect(quiet.stdout == r.stdout)
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
    }

    @Test("cachesim on a terminal (script's pseudo-terminal): the line names the pass and is cleared before the results; none with --quiet",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal"))
    func onATerminal() throws {
        let command = "\(popsimExecutable()) cachesim \(longTrace.dir)/t.pstrace --cache-size 0.1ws --threads 1"
        func throughTerminal(_ command: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qefc", command, "/dev/null"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(text)")
            return text
        }
        let shown = try throughTerminal(command)
        let results = try #require(shown.range(of: "trace \(longTrace.dir)/t.pstrace "), "\(shown)")
        let before = shown[..<results.lowerBound]
        #expect(before.contains("\r\u{1B}[Kreplaying: "), "\(before)")
        #expect(before.contains(" requests ("), "the share, from the .pstrace's request count: \(before)")
        #expect(before.hasSuffix("\r\u{1B}[K"), "cleared before the results: \(before.suffix(80))")
        #expect(!shown[results.lowerBound...].contains("\u{1B}[K"), "nothing drawn after the results")
        let quiet = try throughTerminal(command + " --quiet")
        #expect(!quiet.contains("\u{1B}[K") && quiet.hasPrefix("trace "), "\(quiet.prefix(200))")
    }
}
