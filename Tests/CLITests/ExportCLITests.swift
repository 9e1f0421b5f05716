import Foundation
import Testing
import TestSupport

/// A fresh folder holding a copy of `scenarios/`, so runs there write bundles as they would in
/// the repository's root without touching it.
func scenarioSandbox() throws -> String {
    let dir = try makeTemporaryDirectory("popsim-export")
    try FileManager.default.copyItem(atPath: repoPath("scenarios"), toPath: dir + "/scenarios")
    return dir
}

func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

/// FNV-1a 64 as 16 hex digits (what manifest.json records).
func fnv1a(_ data: Data) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    let s = String(h, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

let bundleFiles = ["analysis.ipynb", "cells.csv", "charts/failure-rate-by-pop.svg", "charts/failure-rate-over-time.svg",
                   "charts/failure-rate-vs-hit-ratio.svg", "charts/failure-rate-vs-origin-fetches.svg", "charts/failures-by-reason.svg",
                   "events.csv", "manifest.json", "pops.csv", "report.html", "scenario.json", "summary.json", "timeseries.csv", "urls.csv"]

@Test("run writes the bundle to notebooks-export/<scenario name>/ by default, and says where")
func runDefaultBundle() throws {
    let dir = try scenarioSandbox()
    let r = try runPopsim(["run", "scenarios/pass-through-two-origins.json"], in: dir)
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(filesIn(dir) == ["notebooks-export", "scenarios"])
    let out = dir + "/notebooks-export/pass-through-two-origins"
    #expect(filesBelow(out) == bundleFiles)
    #expect(r.stderr.contains("results in notebooks-export/pass-through-two-origins/"))
    #expect(!r.stderr.contains("\r"), "no progress line when stderr is not a terminal")
    // The manifest names every other file with its size and hash, and the command that reproduces them.
    let manifest = try #require(try JSONSerialization.jsonObject(with: bytes(out + "/manifest.json")) as? [String: Any])
    #expect(manifest["command"] as? String == "popsim run scenarios/pass-through-two-origins.json --out notebooks-export/pass-through-two-origins")
    #expect(manifest["scenarioFile"] as? String == "scenarios/pass-through-two-origins.json")
    #expect(manifest["seed"] as? Int == 1)
    let entries = try #require(manifest["files"] as? [[String: Any]])
    #expect(entries.map { $0["path"] as? String ?? "" } == bundleFiles.filter { $0 != "manifest.json" })
    for entry in entries {
        let path = try #require(entry["path"] as? String)
        let data = try bytes(out + "/" + path)
        #expect(entry["fnv1a64"] as? String == fnv1a(data), "\(path)")
        #expect(entry["bytes"] as? Int == data.count, "\(path)")
    }
}

@Test("--no-out writes nothing; --quiet says nothing; --out with --no-out is a usage error")
func runOutputOptions() throws {
    let dir = try scenarioSandbox()
    let none = try runPopsim(["compare", "scenarios/vary-honoured.json", "--no-out"], in: dir)
    #expect(none.status == 0)
    #expect(filesIn(dir) == ["scenarios"])
    let quiet = try runPopsim(["run", "scenarios/vary-honoured.json", "--out", "x", "--quiet"], in: dir)
    #expect(quiet.status == 0)
    #expect(quiet.stderr.isEmpty, "stderr: \(quiet.stderr)")
    #expect(filesBelow(dir + "/x") == bundleFiles)
    let both = try runPopsim(["run", "scenarios/vary-honoured.json", "--out", "y", "--no-out"], in: dir)
    #expect(both.status == 2)
    #expect(both.stderr.contains("--out and --no-out exclude each other"))
}

@Test("export notebook rewrites the bundle's notebook byte for byte and keeps the manifest right")
func exportNotebook() throws {
    let dir = try scenarioSandbox()
    #expect(try runPopsim(["run", "scenarios/fonts-vs-video.json", "--out", "b", "--quiet"], in: dir).status == 0)
    let before = try bytes(dir + "/b/analysis.ipynb"), manifest = try bytes(dir + "/b/manifest.json")
    try FileManager.default.removeItem(atPath: dir + "/b/analysis.ipynb")
    let r = try runPopsim(["export", "notebook", "b"], in: dir)
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(r.stdout == "wrote b/analysis.ipynb\n")
    #expect(try bytes(dir + "/b/analysis.ipynb") == before)
    #expect(try bytes(dir + "/b/manifest.json") == manifest)

    let missing = try runPopsim(["export", "notebook", "nowhere"], in: dir)
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("nowhere/manifest.json"))
    #expect(missing.stderr.contains("is not a results bundle"))
    let noSub = try runPopsim(["export"], in: dir)
    #expect(noSub.status == 2)
    let help = try runPopsim(["export", "--help"], in: dir)
    #expect(help.stdout.contains("notebook"))
}

/// The teaching scenarios whose bundles ship in notebooks-export/ (scripts/export-teaching.sh).
let teaching = ["pass-through-two-origins", "rule-added-without-purge", "fonts-vs-video", "vary-honoured"]

@Test("the committed teaching exports are what the code produces now, byte for byte (regenerate: scripts/export-teaching.sh)",
      arguments: teaching)
func teachingExportsAreCurrent(_ name: String) throws {
    let dir = try scenarioSandbox()
    // The same command scripts/export-teaching.sh runs, from a copy of the repository's scenarios.
    let r = try runPopsim(["run", "scenarios/\(name).json", "--quiet"], in: dir)
    #expect(r.status == 0, "stderr: \(r.stderr)")
    let fresh = dir + "/notebooks-export/" + name, committed = repoPath("notebooks-export/" + name)
    #expect(filesBelow(committed) == filesBelow(fresh), "files differ; run scripts/export-teaching.sh")
    for file in filesBelow(fresh) {
        #expect(try bytes(fresh + "/" + file) == (try? bytes(committed + "/" + file)),
                "notebooks-export/\(name)/\(file) is stale; run scripts/export-teaching.sh")
    }
}

@Test("notebooks-export/ holds the teaching bundles and nothing else (a test that forgets --no-out would leave one)")
func notebooksExportHoldsOnlyTeaching() {
    let dirs = filesIn(repoPath("notebooks-export")).filter { $0 != "README.md" }
    #expect(dirs == teaching.sorted())
}
