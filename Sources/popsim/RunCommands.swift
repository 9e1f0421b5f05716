import Foundation
import HTTPModel
import Reports
import Scenario
import Simulation
import Workload

/// Loads a scenario to run, or throws a located error. A scenario whose rules the CDN or OSS
/// console would refuse is not run: no real POP could be in that state (see `popsim lint`).
func loadScenario(_ path: String) throws -> Scenario {
    let scenario: Scenario
    do { scenario = try Scenario.load(path: path) } catch { throw InputError("\(error)") }
    let refused = Lint.findings(for: scenario).filter { $0.severity == .error }
    if !refused.isEmpty {
        let list = refused.map { "  \($0.path): [\($0.code)] \($0.message)" }.joined(separator: "\n")
        throw InputError("\(path): the console would refuse \(refused.count) rule(s); fix them first (popsim lint \(path)):\n\(list)")
    }
    return scenario
}

/// The options `run` and `compare` share.
let runOutputOptions = [
    OptionSpec(name: "--out", value: "DIR", help: "Write the results bundle to DIR (default: notebooks-export/<scenario name>/): report.html, analysis.ipynb, summary.json, cells.csv, timeseries.csv, pops.csv, events.csv, urls.csv, charts/*.svg, scenario.json, manifest.json."),
    OptionSpec(name: "--no-out", value: nil, help: "Write no results bundle."),
    OptionSpec(name: "--requests-out", value: "FILE", help: "Write the audit CSV: seq,t,variant,pop,url,origin,kind,cache,acao,verdict,reason."),
    OptionSpec(name: "--quiet", value: nil, help: "No progress line and no note about the files written."),
    OptionSpec(name: "--threads", value: "N", help: "Simulate on N threads (default: the cores this process may use — its CPU affinity, capped by a container's CPU quota): N beside the reading thread, or N − 1 when, reading a .pstrace, it replays a share of the POPs too; POPs are dealt to the threads by their share of the first 4,096 requests (--stats shows the layout). Results do not depend on it; --requests-out runs on one."),
    OptionSpec(name: "--stats", value: nil, help: "Print the run's speed, which thread replayed which POPs, and the caches' memory per resident object to stderr."),
]

/// Where the bundle goes: `--out DIR`, nothing with `--no-out`, else `notebooks-export/<name>`.
func bundleDirectory(_ scenario: Scenario, args: Arguments) throws -> String? {
    if args.has("--no-out") {
        if args.has("--out") { throw UsageError(message: "--out and --no-out exclude each other") }
        return nil
    }
    if let out = args.value("--out") { return out }
    return "notebooks-export/" + folderName(scenario.name)
}

/// A scenario name as one safe folder name: letters, digits, '-', '_' and '.'; others become '-'.
func folderName(_ name: String) -> String {
    var s = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "-" })
    while s.hasPrefix(".") { s.removeFirst() }
    return s.isEmpty ? "scenario" : s
}

/// `path` relative to the current directory when it lies inside it (manifests hold no absolute paths).
func relativePath(_ path: String) -> String {
    guard path.hasPrefix("/") else { return path }
    let cwd = FileManager.default.currentDirectoryPath
    let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
}

/// A word for a shell command line, quoted only when it needs to be.
func shellWord(_ s: String) -> String {
    let safe = !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) }
    return safe ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Runs a scenario, streaming the audit log when asked, and writes the results bundle.
/// Output files appear only when the whole run succeeded: every file is written to a temporary
/// first (a full disk or an unwritable folder fails here, changing nothing), then all are
/// renamed into place, the manifest last, so a bundle whose manifest matches its files is
/// complete. SIGINT or SIGTERM before that point stops the run and writes nothing.
func runAndWrite(_ scenario: Scenario, only: [String]?, args: Arguments, command: String) throws -> RunResult {
    var audit: AtomicFileWriter? = nil
    var writeError: FileWriteError? = nil
    let outDir = try bundleDirectory(scenario, args: args)
    if let outDir { try checkOutputFolder(outDir, option: "--out") }
    if let path = args.value("--requests-out") {
        try refuseOverwriting(path, option: "--requests-out", inputs: [(scenario.file, "the scenario")] + traceInput(scenario))
        // One of the bundle's own files: the bundle was written, then the audit's rename failed
        // (or replaced a table), against all-or-nothing (QA pass, stop 33).
        if let outDir {
            let audit = resolvedPath(path)
            for (name, _) in ResultsBundle.fileDescriptions {
                let chart = name.hasPrefix("charts/") // charts/*.svg: any file in that folder
                guard chart ? parentDirectory(audit) == resolvedPath(outDir + "/charts") : audit == resolvedPath(outDir + "/" + name) else { continue }
                throw InputError("--requests-out \(path) is \(chart ? "in the bundle's charts folder" : "the bundle's \(name)") in --out \(outDir): give another path")
            }
        }
        audit = try AtomicFileWriter(path: path)
        try audit!.write(Audit.header + "\n")
    }
    let quiet = args.has("--quiet")
    let threads = try threadCount(args)
    let pops = scenario.config.pops.map(\.id)
    let names = scenario.config.variants.map(\.name)
    var catalog: Catalog? = nil
    let estimate = ProgressReporter.estimateRequests(scenario.workload)
    let progress = ProgressReporter(quiet: quiet, total: estimate?.count, estimated: !(estimate?.exact ?? false))
    let result: RunResult
    let clock = RunClock()
    do {
        // No observer unless the audit log needs outcomes: the simulation then builds none, and
        // can use every thread. The bundle's per-URL failures are counted by the simulation itself.
        let observer: ((RequestOutcome) -> Void)? = audit == nil ? nil : { o in
            guard let writer = audit, writeError == nil, let catalog else { return }
            do throws(FileWriteError) {
                try writer.write(Audit.line(o, variantName: names[o.variant], popName: pops[o.request.pop], catalog: catalog) + "\n")
            } catch {
                writeError = error
            }
        }
        result = try ScenarioRun.run(scenario, only: only, observer: observer, catalogReady: { catalog = $0 }, progress: progress.update,
                                     fault: testFault(), options: SimulationOptions(threads: threads, countURLs: outDir != nil))
        progress.finish()
        // Not for an empty workload, which is refused below.
        if args.has("--stats") && result.traceRequests > 0 { Output.note(clock.report(result, threads: audit == nil ? threads : 1)) }
    } catch {
        progress.finish()
        audit?.abort()
        if error.interruption != nil { throw error }
        throw InputError("\(error)")
    }
    do {
        if let writeError { throw writeError }
        if result.traceRequests == 0 { throw emptyWorkload(scenario, skips: result.skips) }
        // The audit's last buffer goes to its temporary now, so a full disk fails before the bundle is written.
        try audit?.flush()
        if let out = outDir {
            // A trace from a pipe cannot be replayed to narrate the worst URL: the report then says
            // which `popsim explain` command narrates it.
            try writeBundle(result, to: out, only: only, command: command, threads: threads, quiet: quiet,
                            skipTimeline: scenario.workload.canBeReadAgain ? nil : ReportHTML.TimelineSkipped.piped)
        } else {
            // The last moment a signal stops everything: from here on the outputs are renamed into place.
            try Interruption.check(requests: result.requests, time: nil)
        }
        try audit?.commit()
    } catch {
        audit?.abort()
        if error is Interrupted || (error as? RunError)?.interruption != nil { throw error }
        if error is InputError { throw error }
        throw InputError("\(error)")
    }
    return result
}

/// An empty workload makes an empty report; as a command's result it is a mistake (a trace with
/// only its header, a log of nothing but skipped lines).
func emptyWorkload(_ scenario: Scenario, skips: SkipLog) -> InputError {
    let skipped = skips.count > 0 ? " (\(skips.summary))" : ""
    return InputError("\(scenario.workload): no requests in the workload\(skipped); nothing to simulate")
}

/// The fault a test asked for with `POPSIM_TEST_FAULT` (see `RunFault`); nil in normal use.
func testFault() -> RunFault? {
    ProcessInfo.processInfo.environment["POPSIM_TEST_FAULT"].flatMap(RunFault.init(rawValue:))
}

/// Writes the results bundle of `result` into `out`, all files or none: the report narrates the
/// worst URL, which takes a second (partial) replay of the workload.
func writeBundle(_ result: RunResult, to out: String, only: [String]?, command: String, threads: Int, quiet: Bool,
                 scenarioFile: String? = nil, skipTimeline: String? = nil, inexact: String? = nil, traceDigest: UInt64? = nil) throws {
    let scenario = result.scenario
    let files: [(path: String, contents: [UInt8])]
    do {
        let urls = URLFailures(result: result)
        var timeline: Timeline? = nil
        if let worst = urls.worst, skipTimeline == nil {
            let again = ProgressReporter(quiet: quiet, total: result.traceRequests, estimated: false,
                                         what: "requests replayed to narrate \(urls.text(worst))")
            do {
                timeline = try Timeline.collect(scenario, only: only, url: worst, urls: urls, threads: threads, progress: again.update,
                                                traceDigest: traceDigest)
            } catch {
                again.finish()
                throw error
            }
            again.finish()
        }
        let context = ReportContext(result: result, urls: urls, timeline: timeline, command: command,
                                    scenarioFile: scenarioFile ?? relativePath(scenario.file), traceFile: relativePath(scenario.workload.description),
                                    timelineSkipped: skipTimeline, inexact: inexact)
        let bytes = try readWholeFile(scenario.file)
        files = ResultsBundle.files(context, scenarioBytes: bytes).map { (path: out + "/" + $0.path, contents: Array($0.contents.utf8)) }
    } catch {
        if (error as? RunError)?.interruption != nil { throw error }
        throw InputError("\(error)")
    }
    do {
        // The last moment a signal stops everything: from here on the outputs are renamed into place.
        try Interruption.check(requests: result.requests, time: nil)
        try writeFilesAtomically(files)
    } catch let error as Interrupted {
        throw error
    } catch {
        throw InputError("\(error)")
    }
    if !quiet { Output.note("popsim: results in \(out)/ — open \(out)/report.html, or analysis.ipynb in Jupyter") }
}

/// The command line that reproduces a bundle: what was run, on which scenario and variants, to
/// which folder; options that do not change the bundle (`--quiet`, `--requests-out`) are left out.
func reproducingCommand(_ name: String, scenarioPath: String, only: [String]?, scenario: Scenario, args: Arguments) throws -> String {
    var words = ["popsim", name, relativePath(scenarioPath)]
    for v in only ?? [] { words += ["--variant", v] }
    if let out = try bundleDirectory(scenario, args: args) { words += ["--out", relativePath(out)] }
    return words.map(shellWord).joined(separator: " ")
}

enum RunCommand: Command {
    static let spec = CommandSpec(
        name: "run",
        summary: "Replay a scenario's workload through its variants and report CORS failures and cache figures.",
        usage: "popsim run SCENARIO [--variant NAME]... [--out DIR | --no-out] [--requests-out FILE] [--threads N] [--stats] [--quiet]\n       popsim run SCENARIO --shard I/N [--shard-by pop|url] --out PART [--variant NAME]... [--threads N] [--stats] [--quiet]",
        options: [OptionSpec(name: "--variant", value: "NAME", repeatable: true, help: "Run only this variant.")] + runOutputOptions + shardOptions,
        details: """
        Every request of the trace goes through each variant's POP caches. The summary gives, per variant,
        the CORS-checked requests, the failures by reason, hit ratio, origin fetches and latency.
        The results bundle (report, notebook, tables, charts, manifest) goes to notebooks-export/<scenario name>/
        unless --out or --no-out says otherwise. Runs longer than a second show progress when stderr is a terminal.
        The trace may come through a pipe, read once: "trace": "/dev/stdin", "format": "popsim" in the scenario,
        then zstd -dc day.pstrace.zst | popsim run day.json.
        With --shard I/N the run simulates only its part (POP groups, or URLs by hash) and writes a partial
        result to --out PART; 'popsim merge' combines the N parts into the bundle of the whole run.
        """,
        examples: [
            "popsim run scenarios/pass-through-two-origins.json",
            "popsim run scenarios/pass-through-two-origins.json --variant pass-through --no-out --requests-out /tmp/audit.csv",
            "popsim run scenarios/rule-added-without-purge.json --out /tmp/results",
            "popsim run scenarios/several-pops-several-fills.json --shard 0/2 --shard-by pop --out /tmp/part-0.json",
        ])

    static func run(_ args: Arguments) throws -> Int32 {
        let path = try positionals(args, "SCENARIO")[0]
        let shard = try shardOption(args)
        let scenario = try loadScenario(path)
        let only = args.has("--variant") ? args.all("--variant") : nil
        if let shard { return try runShard(scenario, path: path, only: only, shard: shard, args: args) }
        let command = try reproducingCommand("run", scenarioPath: path, only: only, scenario: scenario, args: args)
        let auditToStandardOutput = args.value("--requests-out").map(isStandardOutput) ?? false
        let result = try runAndWrite(scenario, only: only, args: args, command: command)
        printSummary(Summary.text(result), terminator: "", outputWasStandardOutput: auditToStandardOutput)
        ExitReclaims.process.keep(result)
        return 0
    }
}

enum CompareCommand: Command {
    static let spec = CommandSpec(
        name: "compare",
        summary: "Run every variant on the same workload and print them side by side, the best marked.",
        usage: "popsim compare SCENARIO [--out DIR | --no-out] [--requests-out FILE] [--threads N] [--stats] [--quiet]",
        options: runOutputOptions,
        details: "Writes the same results bundle as 'popsim run' (default notebooks-export/<scenario name>/).",
        examples: ["popsim compare scenarios/pass-through-two-origins.json", "popsim compare scenarios/vary-honoured.json --no-out"])

    static func run(_ args: Arguments) throws -> Int32 {
        let path = try positionals(args, "SCENARIO")[0]
        let scenario = try loadScenario(path)
        let command = try reproducingCommand("compare", scenarioPath: path, only: nil, scenario: scenario, args: args)
        let auditToStandardOutput = args.value("--requests-out").map(isStandardOutput) ?? false
        let result = try runAndWrite(scenario, only: nil, args: args, command: command)
        printSummary(Summary.comparison(result), terminator: "", outputWasStandardOutput: auditToStandardOutput)
        ExitReclaims.process.keep(result)
        return 0
    }
}

enum ExplainCommand: Command {
    static let spec = CommandSpec(
        name: "explain",
        summary: "Narrate one URL's timeline: who filled each POP's cache, with which headers, and what each browser made of it.",
        usage: "popsim explain SCENARIO --url URL [--pop ID] [--variant NAME]",
        options: [
            OptionSpec(name: "--url", value: "URL", help: "The URL as the trace writes it (absolute, or a path)."),
            OptionSpec(name: "--pop", value: "ID", help: "Only this POP."),
            OptionSpec(name: "--variant", value: "NAME", help: "Only this variant (default: all)."),
        ],
        examples: ["popsim explain scenarios/pass-through-two-origins.json --url /fonts/brand.woff2 --variant pass-through"])

    static func run(_ args: Arguments) throws -> Int32 {
        let path = try positionals(args, "SCENARIO")[0]
        guard let url = args.value("--url") else { throw UsageError(message: "missing --url URL") }
        let scenario = try loadScenario(path)
        var popFilter: Int? = nil
        if let pop = args.value("--pop") {
            guard let i = scenario.config.pops.firstIndex(where: { $0.id == pop }) else {
                throw InputError("no POP named \"\(pop)\" (POPs: \(scenario.config.pops.map(\.id).joined(separator: ", ")))")
            }
            popFilter = i
        }
        let only = args.value("--variant").map { [$0] }
        var catalog: Catalog? = nil
        var matches: [Bool] = []
        var lines: [Int: [String]] = [:]
        var counts: [Int: (Int, Int)] = [:]
        let result: RunResult
        do {
            result = try ScenarioRun.run(scenario, only: only, observer: { o in
                guard let catalog else { return }
                if let popFilter, o.request.pop != popFilter { return }
                let id = Int(o.request.url)
                while matches.count <= id {
                    let info = catalog.urls[matches.count]
                    matches.append(info.text == url || info.pathAndQuery == url)
                }
                guard matches[id] else { return }
                let domain = scenario.config.domains[catalog.urls[id].domain]
                let originName = scenario.config.origins[domain.origin].id
                lines[o.variant, default: []].append(Explain.sentence(o, pop: scenario.config.pops[o.request.pop],
                                                                      originName: originName, catalog: catalog))
                var c = counts[o.variant] ?? (0, 0)
                c.0 += 1
                if o.verdict.reason != nil { c.1 += 1 }
                counts[o.variant] = c
            }, catalogReady: { catalog = $0 })
        } catch {
            if error.interruption != nil { throw error }
            throw InputError("\(error)")
        }
        guard !counts.isEmpty else {
            throw InputError("no request for \"\(url)\"\(args.value("--pop").map { " at POP \($0)" } ?? "") in \(scenario.workload)")
        }
        var first = true
        for (i, v) in scenario.config.variants.enumerated() where result.variants.contains(where: { $0.name == v.name }) {
            if !first { print("") }
            first = false
            let (n, blocked) = counts[i] ?? (0, 0)
            print("variant \(v.name): \(url)\(args.value("--pop").map { " at \($0)" } ?? "") — \(n) requests, \(blocked) blocked")
            for line in lines[i] ?? [] { print("  " + line) }
        }
        return 0
    }
}

/// `--threads N`: threads for the simulation (default: the machine's cores).
func threadCount(_ args: Arguments) throws -> Int {
    guard let text = args.value("--threads") else { return usableCores() }
    guard let n = Int(text), n >= 1, n <= 1024 else {
        throw UsageError(message: "the value '\(text)' is invalid for '--threads <n>': expected a whole number from 1 to 1024")
    }
    return n
}

/// `--unknown-size BYTES`, the size given a request without one: a byte size as `--cache-size`
/// and scenarios write them (`100KB`, `4096`), up to oracleGeneral's 32-bit `obj_size`; nil
/// when absent.
/// - Parameter format: the format a trace command writes, when it writes one: only oracleGeneral
///   takes the option (CSV and `.pstrace` keep a missing size missing; ignored, it said nothing).
func unknownSizeOption(_ args: Arguments, writing format: TraceFormat? = nil) throws(UsageError) -> UInt32? {
    guard let text = args.value("--unknown-size") else { return nil }
    if let format, format != .oracleGeneral {
        throw UsageError(message: "--unknown-size applies to oracleGeneral output only (OUT is \(format.rawValue))")
    }
    let bytes: Int64
    do { bytes = try parseByteSize(text) } catch {
        throw UsageError(message: "--unknown-size: '\(text)' is not a size in bytes: \(error.reason)")
    }
    guard let n = UInt32(exactly: bytes) else {
        throw UsageError(message: "--unknown-size: '\(text)' is more than \(UInt32.max) bytes, the most an oracleGeneral record holds")
    }
    return n
}

/// Wall and CPU time since it was made, and the caches' memory, for `--stats`.
struct RunClock {
    private let wall = DispatchTime.now().uptimeNanoseconds
    private let cpu = RunClock.cpuSeconds()

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(rusageSelf, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// `popsim: 10000000 requests × 2 variants in 8.12 s wall, 9.50 s CPU (1.23 M requests/s) on 2 threads; caches: …`.
    func report(_ result: RunResult, threads: Int) -> String {
        report(requests: result.requests, variants: result.variants, what: "variant(s)", layout: result.layout, threads: threads)
    }

    /// The same for a sweep: its units are its (variant, size) pairs.
    func report(_ result: SweepResult, threads: Int) -> String {
        report(requests: result.requests, variants: result.points.flatMap(\.variants), what: "(variant, size) pair(s)",
               layout: result.layout, threads: threads)
    }

    private func report(requests: Int, variants: [VariantResult], what: String, layout: ThreadLayout?, threads: Int) -> String {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - wall) / 1e9
        let cpuSeconds = RunClock.cpuSeconds() - cpu
        let objects = variants.reduce(0) { $0 + $1.residentObjects }
        let bytes = variants.reduce(0) { $0 + $1.cacheBytes }
        var usage = rusage()
        getrusage(rusageSelf, &usage)
        var s = "popsim: \(requests) requests × \(variants.count) \(what) in \(Format.fixed(seconds, 2)) s wall, "
        // The threads that ran, not the ones asked for: the reading thread and as many
        // simulation threads as there were pieces to deal (`--threads 16` for one POP runs two).
        let ran = layout.map { 1 + $0.threads.count } ?? threads
        s += "\(Format.fixed(cpuSeconds, 2)) s CPU (\(Format.fixed(Double(requests) / max(seconds, 1e-9) / 1e6, 3)) M requests/s) on \(ran) thread(s)"
        if let layout { s += " (\(layout))" }
        s += "; "
        s += "caches: \(objects) objects in \(bytes) bytes of slots and index"
        if objects > 0 { s += " (\(Format.fixed(Double(bytes) / Double(objects), 1)) bytes per resident object)" }
        s += "; peak RSS \(usage.ru_maxrss / 1024) MiB" // ru_maxrss is in KiB (getrusage(2))
        return s
    }
}

#if os(Linux)
private let rusageSelf = RUSAGE_SELF.rawValue
#else
private let rusageSelf = RUSAGE_SELF
#endif
