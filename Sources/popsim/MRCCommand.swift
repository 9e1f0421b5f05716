import Foundation
import Reports
import Simulation
import Workload

/// `popsim mrc TRACE`: the LRU miss-ratio curve at every cache size, from one pass of stack distances.
enum MRCCommand: Command {
    static let spec = CommandSpec(
        name: "mrc",
        summary: "LRU miss-ratio curve for every cache size in one pass (stack distances); CSV and SVG.",
        usage: "popsim mrc TRACE [--ignore-obj-size] [--format FORMAT] [--out DIR] [--points N|all] [--threads N] [--quiet]",
        options: [
            OptionSpec(name: "--ignore-obj-size", value: nil, help: "Count objects, not bytes: every request has size 1."),
            CacheTrace.formatOption,
            OptionSpec(name: "--unknown-size", value: "BYTES", help: "The size (4096, 100KB) of a request without one (CSV bytes empty; default 1; run gives such a request its origin's objectSize, 100KB unless the scenario sets another). Not for oracleGeneral, whose records all have one."),
            OptionSpec(name: "--out", value: "DIR", help: "Write DIR/mrc.csv (cache_size,miss_ratio,byte_miss_ratio,exact,misses,miss_bytes) and DIR/mrc.svg."),
            OptionSpec(name: "--points", value: "N|all", help: "Rows of mrc.csv (with --out): N sizes log-spaced from the largest object (counting objects: from 1) to the working set, both included (default 500; fewer when sizes that close round to one exact size, as small object counts do), or all: every size where the curve steps, from the smallest object, and the working set."),
            CacheTrace.threadsOption,
            CacheTrace.quietOption,
        ],
        details: """
        One pass computes each request's LRU stack distance — the objects (or bytes) used since its
        object's previous request, itself included — with a Fenwick tree over access times, O(log n) per
        request; a request hits in every cache at least that large. The requests are the ones cachesim
        replays (size-0 requests skipped; the same keys and sizes), so the curve equals cachesim:

          counting objects (--ignore-obj-size): exact at every size.
          in bytes: exact at every size from the largest object up. Below it the curve is an upper bound
          on the miss ratio (exact=false, "bound"): libCacheSim's LRU lets an object larger than the cache
          pass without evicting anything, and LRU is then not a stack algorithm. Distances are kept in
          buckets of 1/1024 of their value; each listed size is a bucket edge, exact there (a size you
          ask for is answered at the largest edge at or below it, at most 0.1 % smaller) — except from
          the largest distance up, where every reuse hits and each size is answered as asked: the
          working set is, when no object changes size, and there only first requests miss.

        A trace whose objects change size is approximate at every size (exact=false, "approx", neither
        exact nor a bound): the curve weighs an object by its latest size, where an LRU cache keeps the
        size it inserted.

        --points N, in bytes, starts at the first exact size from the largest object up: below it the
        curve only bounds the miss ratio from above and can be far from cachesim, so its rows cannot
        size a cache (--points all lists them too; cachesim --cache-size simulates any size). With N or
        all, the last row is the working set itself (when no object changes size), where only first
        requests miss — past the curve's last step when some object is never reused in a stack that large.

        Without --out, prints the curve at 0.1 % … 100 % of the working set (each row's share is where its
        size really is: a bucket edge can be up to 0.1 % below the share asked); with it, writes mrc.csv and
        mrc.svg (both or neither) and then prints. An access log's malformed lines are counted and shown.
        \(CacheTrace.progressDetails)
        Exit status: 0 done, 2 bad input (a trace with no request to replay included), 130 or 143 when
        SIGINT or SIGTERM stopped it (at once, writing nothing).
        """,
        examples: [
            "popsim trace gen --scenario scenarios/synthetic-fonts-day.json --out /tmp/day.csv   # a day to try",
            "popsim trace convert /tmp/day.csv /tmp/day.oracleGeneral",
            "popsim mrc /tmp/day.oracleGeneral",
            "popsim mrc /tmp/day.oracleGeneral --ignore-obj-size --out /tmp/mrc",
            "popsim mrc /tmp/day.csv --out /tmp/mrc --points all",
        ])

    static let tableFractions = [0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.4, 0.8, 1.0]

    static func run(_ args: Arguments) throws -> Int32 {
        let path = try positionals(args, "TRACE")[0]
        let counting = args.has("--ignore-obj-size")
        var pointCount: Int? = 500
        if let p = args.value("--points") {
            if p == "all" { pointCount = nil } else {
                guard let n = Int(p), n >= 2 else { throw UsageError(message: "the value '\(p)' is invalid for '--points': a whole number ≥ 2, or all") }
                pointCount = n
            }
        }
        if args.value("--points") != nil && args.value("--out") == nil {
            throw UsageError(message: "--points sets the rows of DIR/mrc.csv: give --out DIR too (without it, the curve is printed at 9 sizes)")
        }
        let readAhead = try threadCount(args) > 1
        var trace = try CacheTrace(path: path, formatOption: args.value("--format"), unknownSizeOption: try unknownSizeOption(args))
        if let dir = args.value("--out") { try checkOutputFolder(dir, option: "--out") }
        let progress = trace.progressReporter(quiet: args.has("--quiet"), stages: ProgressStages.mrc)
        trace.progress = progress.enabled ? progress.counter : nil

        // Nothing is written before the profile ends: Ctrl-C stops it at once.
        let (curve, skips, seconds) = try InterruptWatch.watching(showing: progress) { () throws -> (MissRatioCurve, SkipLog, Double) in
            let start = DispatchTime.now().uptimeNanoseconds
            var profiler = StackDistanceProfiler(countingObjects: counting, unknownSize: trace.unknownSize)
            let skips = try trace.read { (reader) throws(TraceError) in try profiler.replay(reader) }
                numbered: { (reader) throws(TraceError) in try profiler.replay(reader, readAhead: readAhead) }
                source: { (source) throws(TraceError) in try profiler.replay(source) }
            return (profiler.curve, skips, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        try trace.requireRequests(curve.requests, zeroSizeSkipped: curve.zeroSizeSkipped, skips: skips)

        // The files first, both or neither: a write error then leaves no report on the screen
        // that reads as done, and no curve half replaced.
        var written: String?
        if let dir = args.value("--out") {
            let points = pointCount.map { curve.points(count: $0) } ?? curve.allSteps()
            // The writers make DIR (mkdir -p), naming the folder that could not be made and why.
            let name = URL(fileURLWithPath: path).lastPathComponent
            let plotted = points.count > 400 ? curve.points(count: 400) : points
            do {
                try writeFilesAtomically([
                    (dir + "/mrc.csv", Array(MissRatioCurveExport.csv(points).utf8)),
                    (dir + "/mrc.svg", Array(MissRatioCurveExport.svg(curve, points: plotted, name: name).utf8)),
                ])
            } catch {
                throw InputError("\(error)")
            }
            written = "wrote \(dir)/mrc.csv (\(plural(Int64(points.count), "size"))) and \(dir)/mrc.svg"
        }

        print(CacheTrace.describe(path: path, format: trace.format, requests: curve.requests, zeroSizeSkipped: curve.zeroSizeSkipped,
                                  withoutSize: curve.withoutSize, unknownSize: trace.unknownSize, skips: skips, workingSet: curve.workingSet,
                                  countingObjects: counting))
        if curve.sizeChanges > 0 {
            print("note: \(curve.sizeChanges) request(s) changed their object's size; the curve weighs an object by its latest size, where an LRU cache keeps the size it inserted, so it is approximate at every size")
        } else if !counting {
            print("exact from the largest object up: \(curve.largestObject) \(curve.largestObject == 1 ? "byte" : "bytes") (\(Format.bytes(curve.largestObject))); below it, an upper bound on the miss ratio")
        }
        var rows = [["share of working set", "cache size", "miss ratio", "byte miss ratio", "exact"]]
        let whole = Double(curve.workingSetSize)
        var previous: Int64 = 0
        for f in tableFractions {
            let p = curve.point(at: curve.workingSet.size(fraction: f, countingObjects: counting))
            guard p.capacity > previous else { continue }
            previous = p.capacity
            // The share of the size answered, not of the size asked: they differ by a bucket.
            let share = Format.fixed(Double(p.capacity) / whole * 100, 1) + "%"
            rows.append([share, "\(p.capacity)", Format.fixed(p.missRatio, 4), Format.fixed(p.byteMissRatio, 4), p.exact ? "yes" : curve.sizeChanges > 0 ? "approx" : "bound"])
        }
        print("LRU miss-ratio curve, cache sizes in \(counting ? "objects" : "bytes"):")
        print(Format.table(rows, rightAlign: [0, 1, 2, 3]), terminator: "")
        print("profiled in \(Format.fixed(seconds, 2)) s (\(Format.rate(Int(curve.requests), per: seconds, of: "requests")))")
        if let written { print(written) }
        return 0
    }
}
