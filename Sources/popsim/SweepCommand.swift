import Foundation
import Reports
import Scenario
import Simulation
import Workload

/// `popsim sweep SCENARIO --capacity SIZES`: the full model — CORS failures, hit ratio, origin
/// load, latency — at several cache sizes, in one pass over the trace.
enum SweepCommand: Command {
    static let spec = CommandSpec(
        name: "sweep",
        summary: "Run the variants at several cache sizes in one pass: CORS failure rate, hit ratio and origin load by size.",
        usage: "popsim sweep SCENARIO --capacity SIZE[,SIZE…] [--variant NAME]... [--out DIR] [--threads N] [--quiet] [--stats]",
        options: [
            OptionSpec(name: "--capacity", value: "SIZE[,SIZE…]", help: "Cache sizes: bytes every POP gets (1GB, 512MiB, 1000000; 0 for no cache), a multiple of each POP's own capacity (0.5x, 2x), or a share of the trace's working set every POP gets (1%, 0.5%ws, 0.01ws)."),
            OptionSpec(name: "--variant", value: "NAME", repeatable: true, help: "Sweep only this variant (default: all)."),
            OptionSpec(name: "--out", value: "DIR", help: "Write DIR/sweep.csv (a row per variant and size), DIR/sweep-failure-rate.svg and DIR/sweep-hit-ratio.svg."),
            OptionSpec(name: "--threads", value: "N", help: "Simulate on N threads (default: the cores this process may use — its CPU affinity, capped by a container's CPU quota); the (variant, size) pairs are spread over them. Results do not depend on it."),
            OptionSpec(name: "--quiet", value: nil, help: "No progress line."),
            OptionSpec(name: "--stats", value: nil, help: "Print the sweep's speed, which thread replayed which variants at which POPs, and the caches' memory per resident object to stderr."),
        ],
        details: """
        Each size replaces the capacity of every POP of the scenario (a multiple scales each POP's own);
        everything else — trace, origins, rules, events — stays as the scenario has it. Every variant at
        every size is simulated in full, in the same pass over the trace, so each row is exactly what
        'popsim run' prints for the scenario with that capacity: a sweep of 4 sizes reads the trace once
        and replays it 4 times per variant (on several threads, side by side) — so the trace may come
        through a pipe, as for 'popsim run' ("trace": "/dev/stdin", "format": "popsim").

        What it shows that 'popsim mrc' cannot: how the CORS failure rate of pass-through moves with the
        cache — a smaller cache refills more often, and each refill caches whichever Origin asked —
        next to the hit ratio and origin load every size buys. Rows go variant by variant, the sizes in
        the order given.

        A share of the working set (1%, 2.5%ws, 0.01ws; as 'popsim cachesim --cache-size' reads it) is of
        the whole trace's, as 'popsim cachesim' counts it: the distinct URLs, each at the size of its first
        request of a size above 0 — a request without a size at its origin's default object size, which
        must then be the same for every origin (else which one applies is only known once the run
        resolves the URL: an error naming the request). It is counted in a pass over the trace before
        the sweep, printed above the table, and every POP gets that share (rounded down to the byte);
        a trace through a pipe is read once, so shares need it as a file. Runs longer than a second
        show progress when stderr is a terminal: "counting the working set: …", then "replaying: …".
        Exit status: 0 done, 2 bad input, 130 or 143 when SIGINT or SIGTERM stopped it (writing nothing).
        """,
        examples: [
            "popsim sweep scenarios/synthetic-fonts-day.json --capacity 10MB,100MB,1GB,10GB",
            "popsim sweep scenarios/several-pops-several-fills.json --capacity 0.1x,1x,10x --variant pass-through --out /tmp/sweep",
            "popsim sweep scenarios/synthetic-fonts-day.json --capacity 1%,5%,10%,50% --variant pass-through",
        ])

    static func run(_ args: Arguments) throws -> Int32 {
        let path = try positionals(args, "SCENARIO")[0]
        guard let list = args.value("--capacity") else { throw UsageError(message: "missing --capacity SIZE[,SIZE…]") }
        let capacities: [SweepCapacity]
        do { capacities = try SweepCapacity.list(list) } catch {
            throw UsageError(message: "the value '\(list)' is invalid for '--capacity': \(error)")
        }
        let threads = try threadCount(args)
        let scenario = try loadScenario(path)
        if let dir = args.value("--out") { try checkOutputFolder(dir, option: "--out") }
        let only = args.has("--variant") ? args.all("--variant") : nil
        let quiet = args.has("--quiet")
        let estimate = ProgressReporter.estimateRequests(scenario.workload)
        // With a share of the working set, a pass counts it first: two stages, the second's total
        // then known exactly.
        let counts = capacities.contains(where: \.isShare)
        let (total, estimated) = (estimate?.count, !(estimate?.exact ?? false))
        let progress = counts
            ? ProgressReporter(quiet: quiet, stages: [.counting("requests", total: total, estimated: estimated, name: "counting the working set"),
                                                      .counting("requests", total: total, estimated: estimated, name: "replaying")])
            : ProgressReporter(quiet: quiet, total: total, estimated: estimated)
        let result: SweepResult
        let clock = RunClock()
        if testFault() == .interrupt { Interruption.raise(SIGINT) }
        do {
            result = try ScenarioRun.sweep(scenario, capacities: capacities, only: only,
                                           progress: { progress.update(stage: counts ? 1 : 0, $0) },
                                           countingProgress: { read, done in
                                               if done { progress.enter(stage: 1, knowing: read) } else { progress.update(stage: 0, read) }
                                           },
                                           fault: testFault(), options: SimulationOptions(threads: threads))
            progress.finish()
            if args.has("--stats") && result.requests > 0 { Output.note(clock.report(result, threads: threads)) }
        } catch {
            progress.finish()
            if error.interruption != nil { throw error }
            throw InputError("\(error)")
        }
        if result.requests == 0 { throw emptyWorkload(scenario, skips: result.skips) }
        // The files first, all or none: a write error then leaves no table on the screen that reads as done.
        var written: String?
        if let dir = args.value("--out") {
            let files = [("sweep.csv", SweepReport.csv(result))] + SweepReport.svgs(result).map { ($0.name, $0.contents) }
            do {
                // The last moment a signal stops the sweep: from here on the files are renamed into place.
                try Interruption.check(requests: result.requests, time: nil)
                try writeFilesAtomically(files.map { (dir + "/" + $0.0, Array($0.1.utf8)) })
            } catch let error as Interrupted {
                throw error
            } catch {
                throw InputError("\(error)")
            }
            written = "wrote " + files.map { "\(dir)/\($0.0)" }.joined(separator: ", ")
        }
        print(SweepReport.text(result), terminator: "")
        if let written { print(written) }
        return 0
    }
}
