import Reports
import Scenario
import Simulation
import TestSupport
import Workload

/// A shipped scenario run as `popsim run` runs it, with its results bundle built in memory.
struct BuiltBundle {
    var result: RunResult
    var files: [BundleFile]

    func file(_ path: String) -> String? { files.first { $0.path == path }?.contents }

    /// A CSV table of the bundle as rows of named fields.
    func table(_ path: String) throws -> [[String: String]] {
        let lines = (file(path) ?? "").split(separator: "\n").map(String.init)
        guard let header = lines.first else { return [] }
        let names = try splitCSVLine(header)
        return try lines.dropFirst().map { line in
            let fields = try splitCSVLine(line)
            return Dictionary(uniqueKeysWithValues: zip(names, fields))
        }
    }
}

/// Runs `scenarios/NAME.json` and builds its bundle, as the CLI does (relative paths, one command).
func buildBundle(_ name: String) throws -> BuiltBundle {
    try buildBundle(path: repoPath("scenarios/\(name).json"), name: name)
}

/// Runs the scenario at `path` and builds its bundle, naming it `scenarios/NAME.json` in the command.
func buildBundle(path: String, name: String) throws -> BuiltBundle {
    let scenario = try Scenario.load(path: path)
    let result = try ScenarioRun.run(scenario, options: SimulationOptions(countURLs: true))
    let urls = URLFailures(result: result)
    let timeline = try urls.worst.map { try Timeline.collect(scenario, only: nil, url: $0, urls: urls) }
    let context = ReportContext(result: result, urls: urls, timeline: timeline,
                                command: "popsim run scenarios/\(name).json --out notebooks-export/\(name)",
                                scenarioFile: "scenarios/\(name).json", traceFile: "scenarios/traces/x.csv")
    let bytes = try readWholeFile(path)
    return BuiltBundle(result: result, files: ResultsBundle.files(context, scenarioBytes: bytes))
}

/// The teaching scenarios whose bundles ship in notebooks-export/.
let teachingScenarios = ["pass-through-two-origins", "rule-added-without-purge", "fonts-vs-video", "vary-honoured"]
