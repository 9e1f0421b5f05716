import Foundation
import Reports
import Scenario
import Workload

/// `popsim export <subcommand>`: files for other tools, made from a results bundle.
enum ExportCommand: CommandGroup {
    nonisolated(unsafe) static let subcommands: [Command.Type] = [ExportNotebookCommand.self]
    static let groupName = "export"
    static let groupSummary = "Write files for other tools (Jupyter notebooks) from a results bundle."
    static let groupExamples = ["popsim export notebook notebooks-export/pass-through-two-origins"]
}

/// `popsim export notebook DIR`: (re)writes DIR/analysis.ipynb for the bundle in DIR and updates
/// its entry in DIR/manifest.json. `run --out` already writes the notebook; this regenerates it
/// (after a popsim upgrade, or for a bundle whose notebook was edited or deleted).
enum ExportNotebookCommand: Command {
    static let spec = CommandSpec(
        name: "notebook",
        summary: "Write DIR/analysis.ipynb: a Jupyter notebook (nbformat 4.5) that loads the bundle's tables with pandas and plots them.",
        usage: "popsim export notebook DIR",
        options: [],
        details: """
        DIR is a results bundle written by 'popsim run SCENARIO --out DIR' (or the default notebooks-export/<scenario name>/):
        it needs DIR/manifest.json and DIR/scenario.json. The notebook is unexecuted (no outputs) and byte-identical for
        the same bundle; open it with 'jupyter lab DIR/analysis.ipynb' (pandas and matplotlib needed).
        """,
        examples: ["popsim export notebook notebooks-export/rule-added-without-purge"])

    static func run(_ args: Arguments) throws -> Int32 {
        let dir = try positionals(args, "DIR")[0]
        let manifestPath = dir + "/manifest.json"
        var manifest: Manifest
        do {
            manifest = try Manifest.parse(try readWholeFile(manifestPath), file: manifestPath)
        } catch let error as FileReadError {
            throw InputError("\(error) — \(dir) is not a results bundle (write one with: popsim run SCENARIO --out \(dir))")
        }
        let scenarioPath = dir + "/scenario.json"
        let scenario: Scenario
        do {
            scenario = try Scenario.decode(file: manifest.scenarioFile, bytes: try readWholeFile(scenarioPath))
        } catch {
            throw InputError("\(scenarioPath): \(error)")
        }
        if scenario.contentHash != manifest.scenarioHash {
            Output.warning("\(scenarioPath) has hash \(scenario.contentHash), the manifest says \(manifest.scenarioHash)")
        }
        let notebook = BundleFile(path: "analysis.ipynb",
                                  contents: Notebook.analysis(scenario: scenario, variants: manifest.variants,
                                                              scenarioFile: manifest.scenarioFile, command: manifest.command))
        manifest.files.removeAll { $0.path == notebook.path }
        manifest.files.append(Manifest.Entry(notebook))
        try writeFileAtomically(dir + "/" + notebook.path, contents: notebook.contents)
        try writeFileAtomically(manifestPath, contents: manifest.json)
        print("wrote \(dir)/\(notebook.path)")
        return 0
    }
}
