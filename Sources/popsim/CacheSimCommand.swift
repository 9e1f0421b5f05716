import Foundation
import Reports
import Simulation
import Workload

/// `popsim cachesim TRACE --cache-size N[,N…]`: the trace against bare LRU caches, one per size,
/// in one pass; request and byte miss ratios as libCacheSim's `cachesim TRACE … lru N` gives them.
enum CacheSimCommand: Command {
    static let spec = CommandSpec(
        name: "cachesim",
        summary: "Replay a trace against bare LRU caches: miss ratios per cache size (libCacheSim's cachesim).",
        usage: "popsim cachesim TRACE --cache-size N[,N…] [--ignore-obj-size] [--working-set] [--format FORMAT] [--threads N] [--quiet]",
        options: [
            OptionSpec(name: "--cache-size", value: "N[,N…]", help: "Cache sizes: bytes (1GB, 512MiB, 1000000), or a share of the working set (0.01ws, or in percent 1% or 1%ws); object counts with --ignore-obj-size."),
            OptionSpec(name: "--ignore-obj-size", value: nil, help: "Count objects, not bytes: every request has size 1."),
            OptionSpec(name: "--working-set", value: nil, help: "Count an oracleGeneral trace's working set (distinct objects and their bytes) when replaying it at one size. Counted anyway for several sizes and other formats, and by a pass of its own when a size is a fraction of it."),
            CacheTrace.formatOption,
            OptionSpec(name: "--unknown-size", value: "BYTES", help: "The size (4096, 100KB) of a request without one (CSV bytes empty; default 1, as trace convert writes it; run gives such a request its origin's objectSize, 100KB unless the scenario sets another). Not for oracleGeneral, whose records all have one."),
            CacheTrace.threadsOption,
            CacheTrace.quietOption,
        ],
        details: """
        LRU as libCacheSim's `cachesim TRACE oracleGeneral lru SIZE` simulates it: a hit moves the object to
        the most recently used end (its cached size stays the one it was inserted with); a miss evicts
        from the least recently used end until the object fits; an object larger than the cache is a
        miss and is not inserted. Requests of size 0 are skipped, not counted, as libCacheSim's readers
        skip them. No warm-up. The table, a row per size: cache size (bytes, or objects with
        --ignore-obj-size); miss ratio = misses / requests; byte miss ratio = missed bytes / requested
        bytes; misses; evictions (objects taken out to make room); resident (objects in the cache at
        the end); given as (the size as written on the command line: 1GB, 10%, 0.01ws). All sizes run in one pass over the trace, on one thread; a CSV trace is split
        and its URLs numbered, a popsim trace decoded, on a second one unless --threads 1 (libCacheSim's
        cachesim is one thread: compare with --threads 1 for the same footing).

        Only the object and its size are used: oracleGeneral's obj_id, or a CSV/popsim trace's url
        (POP, origin, kind and method are ignored: one cache sees every request). A CSV trace is read
        for its url and bytes columns only (its header, field counts, URLs and sizes are checked;
        times, POPs, origins and kinds are not). A popsim trace's URLs are checked as they are defined
        (UTF-8, no control character; none defined twice, found at its end record) but their texts
        are not kept: its URL ids are all a replay needs.

        Sizes: KB, MB, GB are powers of 1000 and KiB, MiB, GiB powers of 1024 — libCacheSim reads 1GB as
        1 GiB, so give plain bytes when comparing. A fraction of the working set (0.01ws) is rounded
        down as libCacheSim rounds 0.01; a percentage (1%, 1%ws) is that fraction, to the byte (2.5% is
        0.025ws). The working set (distinct objects, and the sum of their sizes at first request) is
        then counted in one more pass over the trace, and printed.

        An oracleGeneral trace replayed at one size in bytes or objects has its working set counted only
        with --working-set: counting it means a table of every object the trace names and one random
        access into it per request, where the cache alone keeps only what it holds (as libCacheSim's
        does) — a quarter of the run at 1 % of the working set. Several sizes share one such table, so
        their working set is always counted; so is that of CSV and popsim traces, whose readers number
        URLs as they go. The miss ratios are the same either way.

        An access log (--format nginx-combined, …) is read as trace import reads it: its malformed lines
        are skipped, counted and shown with the first of them, never dropped silently.

        \(CacheTrace.progressDetails)
        It names the pass: "replaying: …", after "counting the working set: …" when a size is a fraction of it
        (which counts the requests, so that the replay's share and ETA are then exact: no ~).

        Exit status: 0 done, 2 bad input or usage — a trace with no request to replay (empty, a header
        only, every request of size 0) included: its miss ratio would be 0 / 0; 130 or 143 when SIGINT
        or SIGTERM stopped it (at once: nothing is printed before the replay ends).
        """,
        examples: [
            "popsim trace gen --scenario scenarios/synthetic-fonts-day.json --out /tmp/day.csv   # a day to try",
            "popsim trace convert /tmp/day.csv /tmp/day.oracleGeneral",
            "popsim cachesim /tmp/day.oracleGeneral --cache-size 0.01ws,0.1ws",
            "popsim cachesim /tmp/day.oracleGeneral --cache-size 1%,10%,100%",
            "popsim cachesim /tmp/day.oracleGeneral --cache-size 100,1000 --ignore-obj-size",
            "popsim cachesim /tmp/day.oracleGeneral --cache-size 1GB --working-set",
            "popsim cachesim /tmp/day.csv --cache-size 1GB,10GB",
        ])

    static func run(_ args: Arguments) throws -> Int32 {
        let path = try positionals(args, "TRACE")[0]
        let counting = args.has("--ignore-obj-size")
        guard let sizeList = args.value("--cache-size") else { throw UsageError(message: "missing --cache-size N[,N…]") }
        let requested = try CacheTrace.parseSizes(sizeList, countingObjects: counting)
        let readAhead = try threadCount(args) > 1
        var trace = try CacheTrace(path: path, formatOption: args.value("--format"), unknownSizeOption: try unknownSizeOption(args))
        if trace.isPipe, let share = requested.first(where: \.isFraction) {
            throw InputError("\(path): --cache-size \(share.text) is a share of the working set, which takes a pass over the trace to count before the one that replays it, and \(path) is a pipe, read once: give the size in \(counting ? "objects" : "bytes"), or the trace as a file")
        }
        let progress = trace.progressReporter(quiet: args.has("--quiet"), stages: ProgressStages.cachesim)
        trace.progress = progress.enabled ? progress.counter : nil // piped, the readers are as they were
        if !requested.contains(where: \.isFraction) { progress.counter.enter(stage: 1) } // no working-set pass

        // Nothing is written before the replays end: Ctrl-C stops them at once.
        let (result, counted, skips, seconds) = try InterruptWatch.watching(showing: progress) { () throws -> (CacheOnlyResult, WorkingSet?, SkipLog, Double) in
            var workingSet: WorkingSet?
            if requested.contains(where: \.isFraction) {
                workingSet = try trace.workingSet(countingObjects: counting, readAhead: readAhead)
                // The replay reads the same requests through the same counting readers: the pass
                // just done counted them, where a CSV trace's total was estimated from its size.
                progress.enter(stage: 1, knowing: progress.counter.done)
            }
            var capacities: [Int64] = []
            for size in requested {
                let c = size.capacity(workingSet: workingSet, countingObjects: counting)
                guard c > 0 else {
                    throw InputError("--cache-size: \(size.text) of a working set of \(counting ? "\(workingSet!.objects) objects" : "\(workingSet!.bytes) bytes") is 0 \(counting ? "objects" : "bytes")")
                }
                capacities.append(c)
            }

            let start = DispatchTime.now().uptimeNanoseconds
            var result: CacheOnlyResult
            var counted: WorkingSet?
            var skips = SkipLog()
            if trace.format == .oracleGeneral && capacities.count == 1 && (workingSet != nil || !args.has("--working-set")) {
                // One cache indexes only what it holds; the working set, if wanted, is known already.
                // (Several caches each probing a table of their own cost more than one row per
                // object that serves them all — and counts the working set on the way.)
                var replay = ResidentIndexReplay(capacities: capacities, ignoreObjectSize: counting)
                try trace.read { (reader) throws(TraceError) in try replay.replay(reader) }
                    numbered: { _ throws(TraceError) in } source: { _ throws(TraceError) in }
                result = replay.result
                counted = workingSet
            } else {
                var replay = CacheOnlyReplay(capacities: capacities, ignoreObjectSize: counting, unknownSize: trace.unknownSize,
                                             expectedObjects: workingSet?.objects ?? 1 << 16)
                skips = try trace.read { (reader) throws(TraceError) in try replay.replay(reader) }
                    numbered: { (reader) throws(TraceError) in try replay.replay(reader, readAhead: readAhead) }
                    source: { (source) throws(TraceError) in try replay.replay(source) }
                result = replay.result
                counted = result.workingSet
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            return (result, counted, skips, seconds)
        }
        try trace.requireRequests(result.requests, zeroSizeSkipped: result.zeroSizeSkipped, skips: skips)

        print(CacheTrace.describe(path: path, format: trace.format, requests: result.requests, zeroSizeSkipped: result.zeroSizeSkipped,
                                  withoutSize: result.withoutSize, unknownSize: trace.unknownSize, skips: skips, workingSet: counted,
                                  countingObjects: counting))
        var rows = [["cache size", "miss ratio", "byte miss ratio", "misses", "evictions", "resident", "given as"]]
        for (i, size) in requested.enumerated() {
            let c = result.caches[i]
            rows.append(["\(c.capacity)", Format.fixed(result.missRatio(i), 4), Format.fixed(result.byteMissRatio(i), 4),
                         "\(c.misses)", "\(c.evictions)", "\(c.residentObjects)", size.text])
        }
        print("LRU, cache sizes in \(counting ? "objects" : "bytes"):")
        print(Format.table(rows, rightAlign: [0, 1, 2, 3, 4, 5]), terminator: "")
        print("replayed in \(Format.fixed(seconds, 2)) s (\(Format.rate(Int(result.requests), per: seconds, of: "requests")))")
        return 0
    }
}

/// A trace opened for a cache-only pass (`cachesim`, `mrc`): oracleGeneral through the raw reader,
/// anything else through its trace source.
struct CacheTrace {
    /// The formats `--format` takes.
    static let formats = TraceFormat.allCases.map(\.rawValue).joined(separator: "|")

    let path: String
    let format: TraceFormat
    let unknownSize: Int64
    /// Whether the trace is not a regular file but a pipe or device: read once, never peeked at.
    let isPipe: Bool
    /// Where the readers `read` opens count what they read, for the progress line.
    var progress: ProgressCounter?

    init(path: String, formatOption: String?, unknownSizeOption: UInt32?) throws {
        self.path = path
        if let f = formatOption {
            guard let parsed = TraceFormat(rawValue: f) else {
                throw UsageError(message: "--format: unknown format '\(f)' (formats: \(TraceFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            format = parsed
        } else {
            format = TraceFormat.guess(fromPath: path)
        }
        if let n = unknownSizeOption {
            // Every oracleGeneral record has a size: the option would be ignored without a word.
            guard format != .oracleGeneral else {
                throw UsageError(message: "--unknown-size applies to CSV, popsim and log traces, whose requests may lack a size; every oracleGeneral record has one")
            }
            unknownSize = Int64(n)
        } else {
            unknownSize = 1
        }
        // Open once now, so a missing or unreadable file is reported before anything else — not a
        // pipe (`<(zstd -dc day.pstrace.zst)`), which can be opened and read once only.
        isPipe = isStream(path)
        if !isPipe { try read { _ throws(TraceError) in } numbered: { _ throws(TraceError) in } source: { _ throws(TraceError) in } }
    }

    /// Opens the trace and hands it to `raw` (oracleGeneral), `numbered` (CSV through its url
    /// and bytes columns; a `.pstrace`, whose URL ids are dense) or `source` (the other formats),
    /// each counting the requests it reads into `progress`, if set.
    /// - Returns: the lines the reader skipped (an access log's malformed lines; none for the
    ///   other formats, which refuse a bad line), to be reported with the results.
    @discardableResult
    func read(_ raw: (OracleGeneralReader) throws(TraceError) -> Void, numbered: (any NumberedRequestBatches) throws(TraceError) -> Void,
              source: (any TraceSource) throws(TraceError) -> Void) throws -> SkipLog {
        do {
            if format == .oracleGeneral {
                let reader = try OracleGeneralReader(path: path)
                reader.progress = progress
                try raw(reader)
            } else if format == .csv || format == .popsim {
                let reader: any NumberedRequestBatches = format == .csv ? try CacheKeyCSVReader(path: path)
                    : try PopsimTraceSource(path: path, keepingURLTexts: false)  // ids are all a replay needs
                try numbered(progress.map { CountedRequestBatches(reader, progress: $0) } ?? reader)
            } else {
                let opened = try openTraceSource(path: path, format: format)
                // Read to the end: an access log may be read ahead (the same records and skips).
                (opened as? AccessLogSource)?.readsAhead = true
                try source(progress.map { CountedTraceSource(opened, progress: $0) } ?? opened)
                return opened.skips
            }
        } catch {
            throw InputError("\(error)")
        }
        return SkipLog()
    }

    /// Refuses a replay that had no request to replay: its miss ratio would be 0 / 0, and a
    /// printed 0.0000 would read as a perfect cache.
    func requireRequests(_ requests: Int64, zeroSizeSkipped: Int64, skips: SkipLog) throws {
        guard requests == 0 else { return }
        var why = zeroSizeSkipped == 1
            ? "its one request has size 0, and requests of size 0 are skipped (as libCacheSim skips them)"
            : zeroSizeSkipped > 0
            ? "all \(zeroSizeSkipped) of its requests have size 0, and requests of size 0 are skipped (as libCacheSim skips them)"
            : "it holds no requests"
        if unknownSize == 0 && zeroSizeSkipped > 0 { why += "; --unknown-size 0 gives the requests without a size the size 0" }
        if skips.count > 0 { why += "; " + skips.summary }
        throw InputError("\(path): nothing to replay: \(why)")
    }

    /// `--quiet` of cachesim and mrc.
    static let quietOption = OptionSpec(name: "--quiet", value: nil, help: "No progress line.")

    /// What cachesim's and mrc's help say about the progress line.
    static let progressDetails = """
        A command running longer than a second shows a progress line on stderr when stderr is a terminal (not
        with --quiet): requests read, the share of the trace and an ETA (~ when its request count is
        estimated from a CSV trace's or log's size); it is cleared before the results print.
        """

    /// The progress line of passes over this trace, whose stages `stages` makes from the trace's
    /// request count (a `.pstrace`'s end record, an oracleGeneral file's size / 24, or an estimate
    /// from a CSV trace's or log's size).
    func progressReporter(quiet: Bool, stages: (_ total: Int?, _ estimated: Bool) -> [ProgressLine.Stage]) -> ProgressReporter {
        let estimate = ProgressReporter.estimateRequests(path: path, format: format)
        return ProgressReporter(quiet: quiet, stages: stages(estimate?.count, !(estimate?.exact ?? false)))
    }

    /// `--format` of cachesim and mrc.
    static let formatOption = OptionSpec(name: "--format", value: "FORMAT", help: "TRACE's format (\(formats)); default: from its name, else its magic, else csv. Give it for a pipe, read once: <(zstd -dc day.pstrace.zst) --format popsim.")

    /// `--threads` of cachesim and mrc: a CSV or popsim trace read ahead on a thread of its own.
    static let threadsOption = OptionSpec(name: "--threads", value: "N", help: "With 2 or more (the default on a machine with several cores), a CSV or popsim trace is read on a thread of its own while the caches replay it; 1: one thread. Results are the same.")

    /// The working set, from one pass over the trace.
    func workingSet(countingObjects: Bool, readAhead: Bool = false) throws -> WorkingSet {
        var ws = WorkingSet()
        let unknown = unknownSize
        try read { (r) throws(TraceError) in ws = try CacheOnlyReplay.workingSet(of: r, ignoreObjectSize: countingObjects) }
            numbered: { (c) throws(TraceError) in
                ws = try CacheOnlyReplay.workingSet(of: c, ignoreObjectSize: countingObjects, unknownSize: unknown, readAhead: readAhead)
            }
            source: { (s) throws(TraceError) in ws = try CacheOnlyReplay.workingSet(of: s, ignoreObjectSize: countingObjects, unknownSize: unknown) }
        return ws
    }

    /// A cache size as given on the command line.
    struct Size {
        var text: String
        var bytes: Int64?
        var fraction: Double?
        var isFraction: Bool { fraction != nil }

        func capacity(workingSet: WorkingSet?, countingObjects: Bool) -> Int64 {
            if let bytes { return bytes }
            return workingSet!.size(fraction: fraction!, countingObjects: countingObjects)
        }
    }

    /// A plain decimal fraction written as a percentage, for hints: `0.5` → `50`, `0.025` → `2.5`.
    static func shareAsPercent(_ fraction: String) -> String {
        Format.fixed((Double(fraction) ?? 0) * 100, 6).replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
    }

    /// Parses `1GB,10GB`, `0.01ws,0.1ws`, `1%,10%` or, counting objects, `1000,10000`.
    static func parseSizes(_ list: String, countingObjects: Bool) throws(UsageError) -> [Size] {
        var sizes: [Size] = []
        for token in list.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let text = token.trimmingCharacters(in: .whitespaces)
            func bad(_ why: String) -> UsageError { UsageError(message: "the value '\(text)' is invalid for '--cache-size': \(why)") }
            let share: Double?
            do { share = try parseWorkingSetShare(text) } catch { throw bad(error.reason) }
            if let share {
                sizes.append(Size(text: text, fraction: share))
            } else if text.contains("%") {
                // `10%abc`, `10 % ws`: meant as a percentage, whatever follows.
                throw bad("a percentage of the working set is a positive number before '%' (10%, 0.5%)")
            } else if countingObjects {
                guard let n = Int64(text), n > 0 else {
                    throw bad("with --ignore-obj-size a cache size is a whole number of objects (1000) or a share of the working set (0.01ws, 1%)")
                }
                sizes.append(Size(text: text, bytes: n))
            } else {
                let n: Int64
                do { n = try parseByteSize(text) } catch {
                    let hint = text.contains(".") && Double(text) != nil ? " (for a share of the working set write \(text)ws, or \(shareAsPercent(text))%)" : ""
                    throw bad(error.reason + hint)
                }
                guard n > 0 else { throw bad("a cache holds at least 1 byte") }
                sizes.append(Size(text: text, bytes: n))
            }
        }
        return sizes
    }

    /// `trace day.oracleGeneral (oracleGeneral): 10000000 requests …` and the working-set line.
    static func describe(path: String, format: TraceFormat, requests: Int64, zeroSizeSkipped: Int64, withoutSize: Int64,
                         unknownSize: Int64, skips: SkipLog, workingSet: WorkingSet?, countingObjects: Bool) -> String {
        var s = "trace \(path) (\(format.rawValue)): \(plural(requests, "request"))"
        if zeroSizeSkipped > 0 { s += ", \(zeroSizeSkipped) of size 0 skipped (as libCacheSim skips them)" }
        if withoutSize > 0 { s += ", \(withoutSize) without a size given \(unknownSize) byte(s) (--unknown-size)" }
        if skips.count > 0 { s += "\n\(skips.summary); not replayed (trace import lists them)" }
        guard let workingSet else { return s + "\nworking set: not counted (--working-set counts it)" }
        s += "\nworking set: \(plural(Int64(workingSet.objects), "object"))"
        if !countingObjects { s += ", \(plural(workingSet.bytes, "byte")) (\(Format.bytes(workingSet.bytes)))" }
        return s
    }
}

/// "1 request", "2 requests".
func plural(_ n: Int64, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }
