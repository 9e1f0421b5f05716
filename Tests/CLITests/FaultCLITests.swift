import Foundation
import Testing
import TestSupport

// Faults a run must survive (issue 7): SIGINT or SIGTERM in the middle of a long command leaves
// no partial file and says where it stopped; a broken invariant is a loud internal error.

/// A scenario with one POP and one domain, replaying `trace.csv`.
let faultScenario = """
{"version": 1, "name": "faults", "pops": [{"id": "hangzhou", "capacity": "1GB"}],
 "origins": [{"id": "bucket", "type": "oss"}],
 "domains": [{"host": "cdn.example.com", "origin": "bucket"}],
 "variants": {"pass-through": {}, "cdn-star": {"responseHeaders": [{"header": "Access-Control-Allow-Origin", "value": "*"}]}},
 "workload": {"trace": "trace.csv"}}
"""

/// A generated CSV trace of `count` requests over 1,000 fonts and two page origins, one every millisecond.
func bigTrace(_ count: Int) -> String {
    var text = "t,pop,url,origin,kind\n"
    text.reserveCapacity(count * 56)
    for i in 0..<count {
        text += "\(i / 1000).\(String(i % 1000 + 1000).dropFirst()),hangzhou,/fonts/f\(i % 1000).woff2,"
        text += i % 2 == 0 ? "https://www.example.com,font\n" : "https://shop.example.com,font\n"
    }
    return text
}

/// An nginx `combined` log of `count` lines, one a second.
func bigLog(_ count: Int) -> String {
    var text = ""
    text.reserveCapacity(count * 120)
    for i in 0..<count {
        let (h, m, s) = (i / 3600 % 24, i / 60 % 60, i % 60)
        let time = "1\(i / 86400)/Mar/2024:\(h < 10 ? "0" : "")\(h):\(m < 10 ? "0" : "")\(m):\(s < 10 ? "0" : "")\(s) +0000"
        text += "203.0.113.9 - - [\(time)] \"GET /fonts/f\(i % 500).woff2 HTTP/1.1\" 200 4096 \"https://www.example.com/\" \"UA\"\n"
    }
    return text
}

/// A started `popsim` process and its captured output.
final class RunningPopsim: @unchecked Sendable {
    let process = Process()
    let out = Pipe(), err = Pipe()
    private var stdout = Data(), stderr = Data()
    private let group = DispatchGroup()

    init(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: popsimExecutable())
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes as the child writes, so it can never block on a full one.
        group.enter()
        DispatchQueue.global().async { self.stdout = self.out.fileHandleForReading.readDataToEndOfFile(); self.group.leave() }
        group.enter()
        DispatchQueue.global().async { self.stderr = self.err.fileHandleForReading.readDataToEndOfFile(); self.group.leave() }
    }

    /// Waits for the process to end; returns its exit status (128 + signal when a signal killed it) and output.
    func finish() -> CLIResult {
        process.waitUntilExit()
        group.wait()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return CLIResult(status: status, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Waits until a file whose name starts with `prefix` appears in `directory` (the temporary a
/// writer opens before its loop): then the command is at work. False after `seconds`.
func waitForFile(prefix: String, in directory: String, seconds: Double = 60) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if filesIn(directory).contains(where: { $0.hasPrefix(prefix) }) { return true }
        usleep(20_000)
    }
    return false
}

/// A command to interrupt, the temporary that shows it is working, and the signal.
struct InterruptCase: Sendable, CustomTestStringConvertible {
    var name: String
    var args: [String]
    var temporary: String
    var signal: Int32
    var testDescription: String { name }
}

let interruptCases: [InterruptCase] = [
    InterruptCase(name: "SIGINT during popsim run on a 600,000-request trace", args: ["run", "scenario.json", "--out", "bundle", "--requests-out", "audit.csv"],
                  temporary: ".audit.csv.tmp-", signal: SIGINT),
    InterruptCase(name: "SIGTERM during popsim run", args: ["run", "scenario.json", "--out", "bundle", "--requests-out", "audit.csv", "--quiet"],
                  temporary: ".audit.csv.tmp-", signal: SIGTERM),
    InterruptCase(name: "SIGINT during popsim trace convert", args: ["trace", "convert", "trace.csv", "out.pstrace"],
                  temporary: ".out.pstrace.tmp-", signal: SIGINT),
    InterruptCase(name: "SIGINT during popsim trace import", args: ["trace", "import", "--format", "nginx-combined", "access.log", "--out", "out.csv"],
                  temporary: ".out.csv.tmp-", signal: SIGINT),
    InterruptCase(name: "SIGTERM during popsim trace gen", args: ["trace", "gen", "--objects", "1000", "--alpha", "0.9", "--rate", "1000",
                                                                  "--requests", "100000000", "--out", "out.csv"],
                  temporary: ".out.csv.tmp-", signal: SIGTERM),
    InterruptCase(name: "SIGINT during popsim trace gen to a .pstrace", args: ["trace", "gen", "--objects", "1000", "--alpha", "0.9", "--rate", "1000",
                                                                               "--requests", "100000000", "--out", "out.pstrace"],
                  temporary: ".out.pstrace.tmp-", signal: SIGINT),
]

@Suite("Faults: interrupted commands, broken invariants")
struct FaultCLITests {
    @Test("an interrupted command writes nothing, removes its temporaries and says where it stopped", arguments: interruptCases)
    func interrupted(_ c: InterruptCase) throws {
        let dir = try makeTemporaryDirectory("popsim-interrupt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        switch c.args[1] {
        case "scenario.json":
            try writeFile(dir, "scenario.json", faultScenario)
            try writeFile(dir, "trace.csv", bigTrace(600_000))
        case "convert": try writeFile(dir, "trace.csv", bigTrace(600_000))
        case "import": try writeFile(dir, "access.log", bigLog(400_000))
        default: break
        }
        try writeFile(dir, "audit.csv", "precious\n")
        try writeFile(dir, "out.csv", "precious\n")
        let before = filesIn(dir)

        let running = try RunningPopsim(c.args, in: dir)
        let working = waitForFile(prefix: c.temporary, in: dir)
        kill(running.process.processIdentifier, c.signal)
        let r = running.finish()

        #expect(working, "no \(c.temporary)* appeared; stderr: \(r.stderr)")
        #expect(r.status == 128 + c.signal, "exit \(r.status); stderr: \(r.stderr)")
        let line = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(line.hasPrefix("popsim: interrupted at request "), "stderr: \(r.stderr)")
        #expect(line.hasSuffix("; nothing written"), "stderr: \(r.stderr)")
        #expect(line.contains("(t="), "stderr: \(r.stderr)")
        #expect(filesIn(dir) == before, "files left: \(filesIn(dir))")
        #expect(try String(contentsOfFile: dir + "/audit.csv", encoding: .utf8) == "precious\n")
        #expect(try String(contentsOfFile: dir + "/out.csv", encoding: .utf8) == "precious\n")
    }

    /// `cachesim`, `mrc` and `merge` compute before they write: a signal at any point of that
    /// (`POPSIM_TEST_FAULT=interrupt` raises the flag as the handler would) stops them at once.
    @Test("cachesim, mrc and merge stop on SIGINT while they compute: exit 130, nothing written", arguments: [
        ["cachesim", "trace.csv", "--cache-size", "100,0.1ws"],
        ["mrc", "trace.csv", "--out", "curve"],
        ["merge", "p0.json", "--out", "merged"],
    ])
    func interruptedWhileComputing(_ args: [String]) throws {
        let dir = try makeTemporaryDirectory("popsim-interrupt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFile(dir, "scenario.json", faultScenario)
        try writeFile(dir, "trace.csv", bigTrace(20_000))
        #expect(try runPopsim(["run", "scenario.json", "--shard", "0/1", "--out", "p0.json"], in: dir).status == 0)
        let before = filesIn(dir)
        let r = try RunningPopsim(args, in: dir, environment: ["POPSIM_TEST_FAULT": "interrupt"]).finish()
        #expect(r.status == 130, "\(args): exit \(r.status); stderr: \(r.stderr)")
        #expect(r.stderr == "popsim: interrupted; nothing written\n", "\(args): \(r.stderr)")
        #expect(r.stdout.isEmpty, "\(args): \(r.stdout)")
        #expect(filesIn(dir) == before, "\(args): files left: \(filesIn(dir))")
        // Without the signal the same command runs.
        let ok = try runPopsim(args, in: dir)
        #expect(ok.status == 0, "\(args): \(ok.stderr)")
    }

    /// A shard's run writes its part only at the end: interrupted, it stops as a whole run does.
    /// From a `.pstrace` the run reads requests in columns and looks for the signal between batches.
    @Test("a shard's run stops on SIGINT as a whole run does: exit 130, 'interrupted at request', no part written",
          arguments: ["pop", "url"], ["csv", "pstrace"])
    func shardInterrupted(_ key: String, format: String) throws {
        let dir = try makeTemporaryDirectory("popsim-interrupt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFile(dir, "scenario.json", faultScenario.replacingOccurrences(of: "trace.csv", with: "trace.\(format)"))
        try writeFile(dir, "trace.csv", bigTrace(20_000))
        if format == "pstrace" { #expect(try runPopsim(["trace", "convert", "trace.csv", "trace.pstrace", "--quiet"], in: dir).status == 0) }
        let before = filesIn(dir)
        // On two threads the simulation threads must stop too; where the run stopped does not
        // depend on the threads.
        var stopped: [String] = []
        for threads in ["1", "2"] {
            let args = ["run", "scenario.json", "--shard", "0/2", "--shard-by", key, "--out", "p0.json", "--threads", threads]
            let r = try RunningPopsim(args, in: dir, environment: ["POPSIM_TEST_FAULT": "interrupt"]).finish()
            #expect(r.status == 130, "\(threads) threads: exit \(r.status); stderr: \(r.stderr)")
            #expect(r.stderr.hasPrefix("popsim: interrupted at request ") && r.stderr.hasSuffix("; nothing written\n") && !r.stderr.contains("error"),
                    "\(threads) threads: \(r.stderr)")
            #expect(filesIn(dir) == before, "\(threads) threads: files left: \(filesIn(dir))")
            stopped.append(r.stderr)
        }
        #expect(stopped[0] == stopped[1])
        #expect(try runPopsim(["run", "scenario.json", "--shard", "0/2", "--shard-by", key, "--out", "p0.json"], in: dir).status == 0)
    }

    @Test("a broken invariant (time going back inside the loop) is an internal error: exit 70, nothing written")
    func internalError() throws {
        let dir = try makeTemporaryDirectory("popsim-internal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFile(dir, "scenario.json", faultScenario)
        try writeFile(dir, "trace.csv", bigTrace(10))
        try writeFile(dir, "audit.csv", "precious\n")
        let running = try RunningPopsim(["run", "scenario.json", "--out", "bundle", "--requests-out", "audit.csv"], in: dir,
                                        environment: ["POPSIM_TEST_FAULT": "time-goes-back"])
        let r = running.finish()
        #expect(r.status == 70, "stderr: \(r.stderr)")
        #expect(r.stderr.hasPrefix("popsim: internal error: time went backwards: request 1 at -1 µs after 0 µs\n"), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("This is a bug in popsim"))
        #expect(filesIn(dir) == ["audit.csv", "scenario.json", "trace.csv"])
        #expect(try String(contentsOfFile: dir + "/audit.csv", encoding: .utf8) == "precious\n")
    }

    @Test("the same internal error when the run reads a .pstrace in columns (no observer: batches of requests)")
    func internalErrorInColumns() throws {
        let dir = try makeTemporaryDirectory("popsim-internal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFile(dir, "scenario.json", faultScenario.replacingOccurrences(of: "trace.csv", with: "trace.pstrace"))
        try writeFile(dir, "trace.csv", bigTrace(10))
        #expect(try runPopsim(["trace", "convert", "trace.csv", "trace.pstrace", "--quiet"], in: dir).status == 0)
        // On one thread, and on two (the driver hands batches to a simulation thread).
        for threads in ["1", "2"] {
            let r = try RunningPopsim(["run", "scenario.json", "--out", "bundle", "--threads", threads], in: dir,
                                      environment: ["POPSIM_TEST_FAULT": "time-goes-back"]).finish()
            #expect(r.status == 70, "\(threads) threads: stderr: \(r.stderr)")
            #expect(r.stderr.hasPrefix("popsim: internal error: time went backwards: request 1 at -1 µs after 0 µs\n"), "\(threads) threads: stderr: \(r.stderr)")
            #expect(filesIn(dir) == ["scenario.json", "trace.csv", "trace.pstrace"])
        }
        let fine = try runPopsim(["run", "scenario.json", "--no-out"], in: dir)
        #expect(fine.status == 0, "stderr: \(fine.stderr)")
    }

    @Test("without the fault the same run succeeds (the hook is inert unless asked for)")
    func noFault() throws {
        let dir = try makeTemporaryDirectory("popsim-internal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFile(dir, "scenario.json", faultScenario)
        try writeFile(dir, "trace.csv", bigTrace(10))
        let r = try runPopsim(["run", "scenario.json", "--no-out"], in: dir)
        #expect(r.status == 0, "stderr: \(r.stderr)")
    }
}
