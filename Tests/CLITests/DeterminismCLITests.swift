import Foundation
import Testing
import TestSupport

/// Same scenario + seed ⇒ the same bytes, run after run (issue 7): every file of the bundle,
/// the manifest included, and the audit log. (Across thread counts and shards is tested with
/// the parallel runner.)
@Suite("Determinism across runs")
struct DeterminismCLITests {
    /// The shipped generated day, cut to 3,000 requests, so two debug runs stay quick.
    static func shortSyntheticDay(in dir: String) throws -> String {
        let text = try String(contentsOfFile: repoPath("scenarios/synthetic-fonts-day.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"duration\": \"1d\",", with: "\"duration\": \"1d\", \"requests\": 3000,")
        return try writeFile(dir, "synthetic-day.json", text)
    }

    @Test("two runs write byte-identical bundles and audit logs", arguments: ["synthetic", "scenarios/logs/replay-nginx.json",
                                                                             "scenarios/rule-added-without-purge.json"])
    func twice(_ which: String) throws {
        let dir = try makeTemporaryDirectory("popsim-determinism")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scenario = which == "synthetic" ? try Self.shortSyntheticDay(in: dir) : repoPath(which)
        var listings: [[String: Data]] = []
        for run in ["a", "b"] {
            // Each run in its own folder with the same relative outputs: the manifest and report
            // name the command line, which must then be the same too.
            let cwd = "\(dir)/\(run)"
            try FileManager.default.createDirectory(atPath: cwd, withIntermediateDirectories: true)
            let r = try runPopsim(["run", scenario, "--out", "out", "--requests-out", "out/audit.csv", "--quiet"], in: cwd)
            #expect(r.status == 0, "stderr: \(r.stderr)")
            var files: [String: Data] = [:]
            for path in FileManager.default.subpaths(atPath: "\(cwd)/out") ?? [] {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: "\(cwd)/out/\(path)", isDirectory: &isDir), !isDir.boolValue {
                    files[path] = FileManager.default.contents(atPath: "\(cwd)/out/\(path)")
                }
            }
            listings.append(files)
        }
        #expect(listings[0].keys.sorted() == listings[1].keys.sorted())
        #expect(listings[0].keys.contains("manifest.json") && listings[0].keys.contains("audit.csv"))
        for (path, data) in listings[0] { #expect(listings[1][path] == data, "\(path) differs between two runs") }
    }
}
