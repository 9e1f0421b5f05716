import Foundation
import Reports
import Scenario
import Simulation
import Workload

/// The options of a sharded `run`.
let shardOptions = [
    OptionSpec(name: "--shard", value: "I/N", help: "Simulate only shard I of N (I counts from 0) and write its partial result to --out PART."),
    OptionSpec(name: "--shard-by", value: "pop|url", help: "Split by POP group (default; always exact) or by URL hash (exact while no cache fills up)."),
]

/// `--shard I/N` and `--shard-by`, checked; nil without `--shard`.
func shardOption(_ args: Arguments) throws(UsageError) -> Shard? {
    guard let text = args.value("--shard") else {
        if args.has("--shard-by") { throw UsageError(message: "--shard-by needs --shard I/N") }
        return nil
    }
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
          parts[0].allSatisfy(\.isASCIIDigit), parts[1].allSatisfy(\.isASCIIDigit) else {
        throw UsageError(message: "the value '\(text)' is invalid for '--shard <I/N>': expected the shard's index and the number of shards, such as 0/4")
    }
    guard count >= 1 else { throw UsageError(message: "the value '\(text)' is invalid for '--shard <I/N>': there must be at least 1 shard") }
    guard index < count else {
        throw UsageError(message: "the value '\(text)' is invalid for '--shard <I/N>': shards count from 0, so I must be below N (0/\(count) … \(count - 1)/\(count))")
    }
    var key = Shard.Key.pop
    if let by = args.value("--shard-by") {
        guard let k = Shard.Key(rawValue: by) else {
            throw UsageError(message: "the value '\(by)' is invalid for '--shard-by <pop|url>': expected pop or url")
        }
        key = k
    }
    return Shard(index: index, count: count, key: key)
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// `popsim run SCENARIO --shard I/N --out PART`: simulates one shard and writes its partial result.
func runShard(_ scenario: Scenario, path: String, only: [String]?, shard: Shard, args: Arguments) throws -> Int32 {
    guard let out = args.value("--out") else {
        throw UsageError(message: "--shard writes a partial result: give --out PART (popsim merge PART… --out DIR writes the bundle)")
    }
    if args.has("--no-out") { throw UsageError(message: "--shard and --no-out exclude each other") }
    if args.has("--requests-out") { throw UsageError(message: "--requests-out is not available with --shard (run the whole scenario for an audit log)") }
    try checkOutputFolder(parentDirectory(out), option: "--out", given: out)
    try refuseOverwriting(out, option: "--out", inputs: [(path, "the scenario")] + traceInput(scenario))
    let quiet = args.has("--quiet")
    let threads = try threadCount(args)
    let estimate = ProgressReporter.estimateRequests(scenario.workload)
    let progress = ProgressReporter(quiet: quiet, total: estimate?.count, estimated: !(estimate?.exact ?? false))
    let result: RunResult
    let clock = RunClock()
    if testFault() == .interrupt { Interruption.raise(SIGINT) }
    do {
        result = try ScenarioRun.run(scenario, only: only, progress: progress.update,
                                     options: SimulationOptions(threads: threads, shard: shard, countURLs: true))
        progress.finish()
        if args.has("--stats") { Output.note(clock.report(result, threads: threads)) }
        // The last moment a signal stops the shard: from here on the part is written.
        try Interruption.check(requests: result.requests, time: nil)
    } catch {
        progress.finish()
        // Interrupted, a shard stops as a whole run does (exit 128 + the signal), not as bad input.
        if error is Interrupted || (error as? RunError)?.interruption != nil { throw error }
        throw InputError("\(error)")
    }
    let part = PartialResult(result: result, only: only, scenarioFile: relativePath(path))
    do { try part.write(to: out) } catch { throw InputError("\(error)") }
    let groups = Simulation.popGroups(scenario.config.pops)
    var what = "\(result.requests) of \(result.traceRequests) requests"
    if shard.key == .pop {
        let pops = scenario.config.pops.indices.filter { groups[$0] % shard.count == shard.index }.map { scenario.config.pops[$0].id }
        what += pops.isEmpty ? " (no POP group falls to this shard)" : " at \(pops.joined(separator: ", "))"
    }
    // What the shard simulated; with --quiet, no note about the file written (as `run`'s).
    print("shard \(shard.index)/\(shard.count) by \(shard.key.rawValue): \(what)" + (args.has("--quiet") ? "" : "; wrote \(out)"))
    return 0
}

enum MergeCommand: Command {
    static let spec = CommandSpec(
        name: "merge",
        summary: "Combine the partial results of a sharded run into the results bundle of the whole run.",
        usage: "popsim merge PART... --out DIR [--scenario FILE] [--no-timeline] [--threads N] [--quiet]",
        options: [
            OptionSpec(name: "--out", value: "DIR", help: "Write the results bundle to DIR, as 'popsim run SCENARIO --out DIR' would."),
            OptionSpec(name: "--scenario", value: "FILE", help: "Read the scenario from FILE (default: the path the shards were given; its hash must match). The bundle records the shards' path either way."),
            OptionSpec(name: "--no-timeline", value: nil, help: "Do not replay the trace to narrate the worst URL (the report then says so, and differs from an unsharded run's)."),
            OptionSpec(name: "--threads", value: "N", help: "Threads for the timeline's replay (default: the cores this process may use — its CPU affinity, capped by a container's CPU quota)."),
            OptionSpec(name: "--quiet", value: nil, help: "No progress line and no note about the files written."),
        ],
        details: """
        A merge longer than a second shows on stderr, when stderr is a terminal (not with --quiet), which
        part it is reading (parts are read whole) or that it is merging them, then the timeline's replay
        as a run shows it; the line is cleared before the summary prints.

        The parts must be every shard of one run: the same popsim, scenario (hash, and path as given),
        seed, variants, shard count and key, and trace (a digest of every request it holds, so a trace changed between the
        shards' runs is refused); each index once; and each part consistent in itself (its per-URL
        counts add up to its requests and cells). Counts add up and rates are computed after, so the
        bundle is byte for byte the one an unsharded 'popsim run' writes to DIR — run the merge from the
        directory the shards ran in, so that the paths it records are the same. The report's timeline
        replays the trace up to the worst URL's 40th request and reads the rest for its digest, so the
        trace must be readable here too, and the one the shards read (or give --no-timeline). By URL, the result is exact when no POP's cache fills up; the merge
        warns when the shards' caches together held more than a POP's capacity. Parts are read whole,
        whatever their size (about 11 bytes per distinct URL of the trace). Exit status: 0 done, 2 bad
        input, 130 or 143 when SIGINT or SIGTERM stopped it before it wrote anything.
        """,
        examples: [
            "popsim run scenarios/several-pops-several-fills.json --shard 0/2 --out /tmp/part-0.json   # each shard, anywhere",
            "popsim run scenarios/several-pops-several-fills.json --shard 1/2 --out /tmp/part-1.json",
            "popsim merge /tmp/part-0.json /tmp/part-1.json --out /tmp/results",
            "popsim merge /tmp/part-*.json --out /tmp/results-quick --no-timeline",
        ])

    static func run(_ args: Arguments) throws -> Int32 {
        guard !args.positional.isEmpty else { throw UsageError(message: "missing PART (the files popsim run --shard wrote)") }
        guard let out = args.value("--out") else { throw UsageError(message: "missing --out DIR") }
        try checkOutputFolder(out, option: "--out")
        let quiet = args.has("--quiet")
        let threads = try threadCount(args)
        let files = args.positional
        let progress = ProgressReporter(quiet: quiet, stages: ProgressStages.merge(parts: files))
        // Nothing is written before the parts are merged: Ctrl-C stops the reading at once.
        // Each part is folded into the result as it is read, then dropped: one part in memory
        // besides the result, however many there are.
        let (only, recorded, merged) = try InterruptWatch.watching(showing: progress) {
            () throws -> ([String]?, String, (result: RunResult, inexactPOPs: [String])) in
            func part(_ i: Int) throws -> PartialResult {
                progress.counter.enter(stage: i)
                let file = files[i]
                let bytes: [UInt8]
                do { bytes = try readWholeFile(file, limit: maxPartialResultBytes, kind: "a partial result") } catch { throw InputError("\(error)") }
                do { return try PartialResult.parse(bytes, file: file) } catch { throw InputError("\(error)") }
            }
            do {
                var merge: PartialMerge
                let only: [String]?, recorded: String
                do { // the first part names the scenario; it is dropped once folded in
                    let first = try part(0)
                    (only, recorded) = (first.variantOption, first.scenarioFile)
                    // The path the shards recorded when --scenario names that same file (another
                    // spelling of it, or a link): the bundle then records the paths an unsharded run
                    // would — the trace's is the scenario's folder joined with its own.
                    let given = args.value("--scenario")
                    let scenarioPath = given.map { isSameFile($0, recorded) ? recorded : $0 } ?? recorded
                    if args.value("--scenario") == nil && !FileManager.default.fileExists(atPath: recorded) {
                        throw InputError("\(recorded): no such file (the scenario the shards ran, as they were given it, relative to the directory they ran in); "
                                         + "run merge from that directory, or give --scenario FILE")
                    }
                    merge = try PartialMerge(first: first, file: files[0], scenario: try loadScenario(scenarioPath))
                }
                for i in files.indices.dropFirst() { try merge.add(try part(i), file: files[i]) }
                progress.counter.enter(stage: files.count)
                return (only, recorded, try merge.finish())
            } catch let error as PartialResult.Error {
                throw InputError("\(error)")
            }
        }
        var inexact: String? = nil
        if !merged.inexactPOPs.isEmpty {
            let why = "sharded by URL, the caches of \(merged.inexactPOPs.joined(separator: ", ")) together held more than their capacity: "
                + "evictions depend on every shard's URLs, so this result may differ from an unsharded run (shard by pop for an exact one)"
            Output.warning(why)
            inexact = "merged from shards " + why
        }
        var words = ["popsim", "run", recorded]
        for v in only ?? [] { words += ["--variant", v] }
        words += ["--out", relativePath(out)]
        let command = words.map(shellWord).joined(separator: " ")
        try writeBundle(merged.result, to: out, only: only, command: command, threads: threads, quiet: quiet,
                        scenarioFile: recorded, skipTimeline: args.has("--no-timeline") ? ReportHTML.TimelineSkipped.merged : nil, inexact: inexact,
                        traceDigest: merged.result.traceDigest)
        print(Summary.text(merged.result), terminator: "")
        return 0
    }
}
