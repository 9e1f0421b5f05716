import Foundation
import Testing
import TestSupport

// The progress line is drawn only when stderr is a terminal, and only after a second.
// `POPSIM_TEST_FAULT=progress-at-once` takes the second away, so that small inputs show when a
// line would be drawn: through pipes (every other CLI test) none may be, through a
// pseudo-terminal (`script`, where it exists) each long command must draw its line and clear it
// before its results.

/// A small trace (2,000 requests over 300 objects) as .pstrace, CSV and oracleGeneral, two
/// shards' parts of a shipped scenario, and the folder they are in.
private let inputs: String = {
    let dir = try! makeTemporaryDirectory("popsim-progress")
    for args in [["trace", "gen", "--objects", "300", "--alpha", "0.8", "--rate", "100", "--requests", "2000", "--out", dir + "/t.pstrace"],
                 ["trace", "convert", dir + "/t.pstrace", dir + "/t.csv"],
                 ["trace", "convert", dir + "/t.pstrace", dir + "/t.oracleGeneral"]] {
        let r = try! runPopsim(args)
        precondition(r.status == 0, "\(args): \(r.stderr)")
    }
    let scenario = repoPath("scenarios/several-pops-several-fills.json")
    for i in 0..<2 { precondition(try! runPopsim(["run", scenario, "--shard", "\(i)/2", "--out", "p\(i).json"], in: dir).status == 0) }
    return dir
}()

private let atOnce = ["POPSIM_TEST_FAULT": "progress-at-once"]

/// The long commands, each with the start of the line it draws first.
private func commands(_ dir: String) -> [(args: [String], line: String)] {
    [(["trace", "gen", "--objects", "50", "--alpha", "1", "--rate", "10", "--requests", "500", "--out", dir + "/g.csv"],
      "0 requests written (0%)"),
     (["trace", "convert", dir + "/t.pstrace", dir + "/c.oracleGeneral"], "0 records written (0%)"),
     (["cachesim", dir + "/t.pstrace", "--cache-size", "0.1ws"], "counting the working set: 0 requests (0%)"),
     (["cachesim", dir + "/t.csv", "--cache-size", "10000"], "replaying: 0 requests (~0%)"),
     (["cachesim", dir + "/t.oracleGeneral", "--cache-size", "10000"], "replaying: 0 requests (0%)"),
     (["mrc", dir + "/t.pstrace"], "0 requests (0%)"),
     (["sweep", repoPath("scenarios/several-pops-several-fills.json"), "--capacity", "50%"], "counting the working set: 0 requests (0%)"),
     (["merge", dir + "/p0.json", dir + "/p1.json", "--out", dir + "/merged", "--scenario", repoPath("scenarios/several-pops-several-fills.json")],
      "reading part 1 of 2: "),
    ]
}

/// What a progress line leaves in stderr: a carriage return or the erase-line escape.
private func hasProgress(_ text: String) -> Bool { text.contains("\r") || text.contains("\u{1B}[K") }

/// The same on a terminal, whose line discipline ends every line with a carriage return: the
/// erase-line escape only.
private func hasProgressOnTerminal(_ text: some StringProtocol) -> Bool { text.contains("\u{1B}[K") }

/// Runs popsim with `args` under `script`, whose pseudo-terminal is its stdout and stderr, and
/// returns what the terminal showed.
private func throughTerminal(_ args: [String], environment: [String: String]) throws -> (status: Int32, shown: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    let command = ([popsimExecutable()] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    process.arguments = ["-qefc", command, "/dev/null"]
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}

@Suite("progress lines: none through a pipe, one on a terminal")
struct ProgressCLITests {
    @Test("through pipes no command draws a line, even when one is due at once; --quiet prints the same")
    func pipes() throws {
        for (args, _) in commands(inputs) {
            let r = try RunningPopsim(args, in: inputs, environment: atOnce).finish()
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(!hasProgress(r.stderr) && !hasProgress(r.stdout), "\(args): \(r.stderr)")
            let quiet = try RunningPopsim(args + ["--quiet"], in: inputs, environment: atOnce).finish()
            #expect(quiet.status == 0 && !hasProgress(quiet.stderr), "\(args) --quiet: \(quiet.stderr)")
            let timing = ["replayed in ", "profiled in ", "converted "]
            func results(_ s: String) -> [Substring] { s.split(separator: "\n").filter { line in !timing.contains { line.hasPrefix($0) } } }
            if args[0] != "trace" && args[0] != "merge" { #expect(results(quiet.stdout) == results(r.stdout), "\(args)") }
        }
    }

    @Test("on a terminal each long command draws its line and clears it before its results; none with --quiet",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal"))
    func onATerminal() throws {
        for (args, first) in commands(inputs) {
            let (status, shown) = try throughTerminal(args, environment: atOnce)
            #expect(status == 0, "\(args): \(shown)")
            let drawn = try #require(shown.range(of: "\r\u{1B}[K" + first), "\(args): \(shown.prefix(300))")
            // The results (stdout) come after the last clearing, and nothing is drawn after them.
            let cleared = try #require(shown.range(of: "\r\u{1B}[K", options: .backwards))
            #expect(cleared.lowerBound > drawn.lowerBound, "\(args): the line is cleared after it is drawn")
            let after = shown[cleared.upperBound...]
            #expect(!after.isEmpty && !hasProgressOnTerminal(after), "\(args): results after the cleared line: \(after.prefix(200))")
            let quiet = try throughTerminal(args + ["--quiet"], environment: atOnce)
            #expect(quiet.status == 0 && !hasProgressOnTerminal(quiet.shown), "\(args) --quiet: \(quiet.shown.prefix(200))")
        }
    }

    @Test("cachesim on a CSV trace with a share of the working set: the counting pass estimates its total (~), the replay after it knows it",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal"))
    func replayKnowsItsTotal() throws {
        let (status, shown) = try throughTerminal(["cachesim", inputs + "/t.csv", "--cache-size", "0.1ws"], environment: atOnce)
        #expect(status == 0, "\(shown)")
        let lines = shown.components(separatedBy: "\r\u{1B}[K")
        #expect(lines.contains { $0.hasPrefix("counting the working set: 0 requests (~0%)") }, "a CSV trace's size gives an estimate: \(shown.prefix(300))")
        let replaying = lines.filter { $0.hasPrefix("replaying: ") }
        #expect(replaying.first == "replaying: 0 requests (0%)", "drawn as the replay begins, its total counted: \(shown.prefix(300))")
        #expect(!replaying.contains { $0.contains("~") }, "\(replaying)")
    }

    @Test("sweep with a share of the working set: its counting pass, then the replay, each drawn as it begins",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal"))
    func sweepStages() throws {
        let (status, shown) = try throughTerminal(["sweep", repoPath("scenarios/several-pops-several-fills.json"), "--capacity", "1KB,50%"],
                                                  environment: atOnce)
        #expect(status == 0, "\(shown)")
        let lines = shown.components(separatedBy: "\r\u{1B}[K")
        let counting = try #require(lines.firstIndex { $0.hasPrefix("counting the working set: 0 requests (0%)") }, "\(shown.prefix(300))")
        let replaying = try #require(lines.firstIndex { $0 == "replaying: 0 requests (0%)" }, "its total counted: \(shown.prefix(300))")
        #expect(counting < replaying)
    }
}
