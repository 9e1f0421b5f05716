import Foundation
import Reports
import Testing
import TestSupport
import Workload

/// Whether `python3 -c "import MODULES"` works here (the optional checks need it).
func pythonCanImport(_ modules: String) -> Bool {
    (try? runPython(["-c", "import \(modules)"]))?.status == 0
}

/// Runs python3 with `arguments` (in `directory`), capturing stdout and stderr.
func runPython(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3"] + arguments
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Writes a bundle's files into a fresh folder and returns it.
func writeBundle(_ b: BuiltBundle) throws -> String {
    let dir = try makeTemporaryDirectory("popsim-bundle")
    for f in b.files { try writeFileAtomically(dir + "/" + f.path, contents: f.contents) }
    return dir
}

@Test("analysis.ipynb has nbformat 4.5's required structure (FORMATS.md §3.1)", arguments: teachingScenarios)
func notebookStructure(_ name: String) throws {
    let text = try #require(try buildBundle(name).file("analysis.ipynb"))
    let nb = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(Set(nb.keys) == ["cells", "metadata", "nbformat", "nbformat_minor"])
    #expect(nb["nbformat"] as? Int == 4)
    #expect((nb["nbformat_minor"] as? Int ?? 0) >= 5)
    let meta = try #require(nb["metadata"] as? [String: Any])
    let kernel = try #require(meta["kernelspec"] as? [String: Any])
    #expect(kernel["name"] as? String == "python3" && kernel["display_name"] != nil)
    #expect((meta["language_info"] as? [String: Any])?["name"] as? String == "python")
    let cells = try #require(nb["cells"] as? [[String: Any]])
    var ids = Set<String>()
    for cell in cells {
        let id = try #require(cell["id"] as? String)
        #expect(!id.isEmpty && id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        #expect(ids.insert(id).inserted, "duplicate cell id \(id)")
        let type = try #require(cell["cell_type"] as? String)
        let keys = Set(cell.keys)
        if type == "code" {
            #expect(keys == ["id", "cell_type", "metadata", "source", "outputs", "execution_count"])
            #expect((cell["outputs"] as? [Any])?.isEmpty == true)
            #expect(cell["execution_count"] is NSNull)
        } else {
            #expect(type == "markdown")
            #expect(keys == ["id", "cell_type", "metadata", "source"])
        }
        let source = try #require(cell["source"] as? [String])
        #expect(source.dropLast().allSatisfy { $0.hasSuffix("\n") })
    }
    #expect(cells.contains { ($0["source"] as? [String])?.joined().contains("pd.read_csv") == true })
    #expect(cells.contains { ($0["source"] as? [String])?.joined().contains("popsim run scenarios/\(name).json") == true })
}

@Test("analysis.ipynb validates with nbformat (PyPI)",
      .enabled(if: pythonCanImport("nbformat"), "python3 with nbformat is not importable here (pip install nbformat)"),
      arguments: teachingScenarios)
func notebookValidates(_ name: String) throws {
    let dir = try writeBundle(try buildBundle(name))
    let r = try runPython(["-c", "import nbformat, sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print('valid')",
                           dir + "/analysis.ipynb"])
    #expect(r.status == 0, "\(r.output)")
    #expect(r.output.contains("valid"))
}

@Test("analysis.ipynb runs: every code cell, in order, with pandas and matplotlib (headless)",
      .enabled(if: pythonCanImport("pandas, matplotlib"), "python3 with pandas and matplotlib is not importable here"),
      arguments: teachingScenarios)
func notebookRuns(_ name: String) throws {
    let dir = try writeBundle(try buildBundle(name))
    // The code cells as one script; outside IPython a cell's last expression is simply dropped.
    let script = """
    import json, sys
    nb = json.load(open("analysis.ipynb", encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), cell["id"], "exec"), globals())
    print("ran", sum(c["cell_type"] == "code" for c in nb["cells"]), "cells")
    """
    let r = try runPython(["-c", script], in: dir, environment: ["MPLBACKEND": "Agg"])
    #expect(r.status == 0, "\(r.output)")
}
