import Foundation
import HTTPModel
import Reports
import Scenario
import Workload

/// `popsim trace gen`: writes a synthetic workload as a trace: CSV, or straight to popsim's
/// binary format or oracleGeneral (a day of 100M requests is ~10 GB of CSV and ~1.5 GB of
/// `.pstrace`; writing the binary directly skips the CSV and a `trace convert`).
enum TraceGenCommand: Command {
    static let spec = CommandSpec(
        name: "gen",
        summary: "Generate a synthetic trace (Zipf popularity, Poisson arrivals) as CSV, .pstrace or oracleGeneral.",
        usage: "popsim trace gen (--scenario FILE | --objects N --alpha A --rate R (--duration D | --requests N) [options]) --out TRACE",
        options: [
            OptionSpec(name: "--scenario", value: "FILE", help: "Take the workload from FILE's \"workload\": {\"synthetic\": …} block."),
            OptionSpec(name: "--objects", value: "N", help: "Distinct URLs; o1 is the most popular."),
            OptionSpec(name: "--alpha", value: "A", help: "Zipf exponent (> 0): object oR is requested in proportion to R^-A."),
            OptionSpec(name: "--rate", value: "R", help: "Mean requests per second (the day's mean with a diurnal curve)."),
            OptionSpec(name: "--duration", value: "D", help: "End the trace before D (250ms, 30s, 10m, 1h, 1d)."),
            OptionSpec(name: "--requests", value: "N", help: "End the trace after N requests (with --duration: whichever comes first)."),
            OptionSpec(name: "--origins", value: "LIST", help: "Page origins and weights: 'https://a.com=3,https://b.com=1' (default https://www.example.com)."),
            OptionSpec(name: "--no-origin-share", value: "S", help: "Share of requests without a page origin, 0 to 1 (default 0)."),
            OptionSpec(name: "--kinds", value: "LIST", help: "Kinds and weights: 'font=2,img=5,video=1,video-cors=1' (default font)."),
            OptionSpec(name: "--pops", value: "LIST", help: "POP ids and weights: 'hangzhou=2,frankfurt=1' (default edge)."),
            OptionSpec(name: "--amplitude", value: "A", help: "Diurnal swing, 0 to 1: the rate follows 1 + A·cos over the day (needs --peak-hour)."),
            OptionSpec(name: "--peak-hour", value: "H", help: "The busiest clock hour, 0 to 23 (needs --amplitude)."),
            OptionSpec(name: "--base-url", value: "URL", help: "Prefix for absolute URLs, e.g. https://static.example-cdn.com (default: paths)."),
            OptionSpec(name: "--seed", value: "S", help: "Seed (default 0; with --scenario, the scenario's)."),
            OptionSpec(name: "--out", value: "TRACE", help: "Where to write the trace: .pstrace and .oracleGeneral (or .bin) in those formats, any other name as CSV (t,pop,url,origin,kind[,bytes]); /dev/stdout with --to csv or popsim streams it, the summary then going to stderr."),
            OptionSpec(name: "--unknown-size", value: "BYTES", help: "oracleGeneral output: the size (4096, 100KB) of every request the workload gives no size (default: with --scenario, the default object size its origins share — the size a run gives such a request; else 1)."),
            OptionSpec(name: "--to", value: "FORMAT", help: "The format whatever OUT's name (\(TraceConvertCommand.writable.map(\.rawValue).joined(separator: "|")))."),
            OptionSpec(name: "--quiet", value: nil, help: "No progress line."),
        ],
        details: """
        Requests are drawn on the fly and written as they come: memory grows with the distinct URLs
        drawn (about 70 bytes each; at most --objects), not with the trace's length.
        The same options and seed give the same file on every machine. A LIST entry without '=W' has
        weight 1. Object sizes (the bytes column) and hourly curves are set in a scenario's synthetic
        block (scenarios/README.md); --scenario uses that block, and --seed may override its seed.
        The three formats hold the same requests (a .pstrace replays exactly as the CSV does);
        oracleGeneral keeps ids, sizes and whole seconds only, as `trace convert` writes it.
        Generating for longer than a second shows a progress line on stderr when stderr is a terminal (not
        with --quiet): requests written, their share and an ETA (~ with a duration: the count is then the
        rate over it, an estimate), then "finishing TRACE" while the file is completed; it is cleared
        before the summary prints.
        """,
        examples: [
            "popsim trace gen --objects 10000 --alpha 0.9 --rate 50 --duration 1h --kinds 'font=3,img=5,video=1,video-cors=1' --pops 'hangzhou=2,frankfurt=1' --origins 'https://www.example.com=3,https://shop.example.com=1' --no-origin-share 0.05 --seed 7 --out /tmp/synthetic.csv",
            "popsim trace gen --scenario scenarios/synthetic-fonts-day.json --out /tmp/fonts-day.csv",
            "popsim trace gen --objects 1000000 --alpha 0.9 --rate 1200 --duration 1d --out /tmp/day.pstrace",
        ],
        parent: "trace")

    /// The flags that describe a workload, which `--scenario` replaces.
    static let workloadFlags = ["--objects", "--alpha", "--rate", "--duration", "--requests", "--origins", "--no-origin-share",
                                "--kinds", "--pops", "--amplitude", "--peak-hour", "--base-url"]

    static func run(_ args: Arguments) throws -> Int32 {
        _ = try positionals(args)
        guard let out = args.value("--out") else { throw UsageError(message: "missing --out TRACE") }
        let toStandardOutput = isStandardOutput(out)
        let format = try TraceConvertCommand.format(args.value("--to"), option: "--to", allowed: TraceConvertCommand.writable)
            ?? TraceFormat.byExtension(out) ?? .csv
        var unknownSize = try unknownSizeOption(args, writing: format)
        // Why requests without a size got the size they were written with, for the closing note.
        var sizeSource = "--unknown-size"
        if let file = args.value("--scenario") { try refuseOverwriting(out, option: "--out", inputs: [(file, "the --scenario file")]) }
        var spec: SyntheticSpec
        if let file = args.value("--scenario") {
            if let flag = workloadFlags.first(where: args.has) {
                throw UsageError(message: "\(flag) cannot be combined with --scenario (the workload comes from the file)")
            }
            let scenario: Scenario
            do { scenario = try Scenario.load(path: file) } catch { throw InputError("\(error)") }
            guard case .synthetic(let s) = scenario.workload else {
                throw InputError("\(file): workload: a trace file (\(scenario.workload)), not \"synthetic\"; nothing to generate")
            }
            spec = s
            // The size a run gives a request without one is its origin's default object size: an
            // oracleGeneral file written with it replays in `cachesim` as the scenario does in
            // `run` and `sweep` (with 1 byte, a day's working set came out smaller than sweep's).
            let defaults = Set(scenario.config.origins.map(\.defaultObjectBytes))
            if format == .oracleGeneral, unknownSize == nil {
                if defaults.count == 1, let size = defaults.first {
                    // A size oracleGeneral cannot hold is not written as 1 byte without a word.
                    guard let n = UInt32(exactly: size) else {
                        throw InputError("\(file): the default object size of its origins, \(size) bytes, is more than oracleGeneral's 32-bit obj_size holds (\(UInt32.max)): give --unknown-size BYTES for the requests without a size, or write CSV or .pstrace, which keep them unknown")
                    }
                    unknownSize = n
                    sizeSource = "the scenario's default object size; --unknown-size sets another"
                } else if defaults.count > 1 {
                    sizeSource = "--unknown-size; the scenario's origins differ in their default object size (\(defaults.sorted().map(String.init).joined(separator: ", ")) bytes), so a run gives each URL its origin's"
                }
            }
        } else {
            spec = try specFromFlags(args)
        }
        if let s = args.value("--seed") { spec.seed = try parseSeed(s) }

        let source: SyntheticSource
        do { source = try SyntheticSource(spec: spec) } catch {
            throw InputError(describe(error, fromScenario: args.has("--scenario")))
        }
        for share in source.familyShares where abs(share.reached - share.target) > 0.01 {
            Output.warning("with alpha \(spec.alpha) the /\(share.family.folder)/ objects get \(percent(share.reached)) of the requests instead of \(percent(share.target)): the most popular objects alone outweigh the kind mix")
        }
        let expected = spec.expectedRequests
        let progress = ProgressReporter(quiet: args.has("--quiet"),
                                        stages: ProgressStages.gen(output: out, total: expected.count, estimated: !expected.exact))
        let written = try progress.watching {
            format == .csv ? try writeCSV(source, to: out, progress: progress.counter)
                : try write(source, to: out, as: format, unknownSize: unknownSize ?? 1, progress: progress.counter)
        }
        let span = written.last.map { formatDuration($0) } ?? "0s"
        printSummary("wrote \(written.count) requests over \(span) (\(source.urls.count) distinct URLs, \(spec.pops.count) POP(s), seed \(spec.seed)) to \(out)"
                     + (format == .csv ? "" : " (\(format.rawValue))"), outputWasStandardOutput: toStandardOutput)
        if let og = written.writer as? OracleGeneralWriter { TraceConvertCommand.noteLosses(of: og, from: .csv, template: nil, sizeSource: sizeSource) }
        return 0
    }

    // MARK: - Flags

    static func specFromFlags(_ args: Arguments) throws -> SyntheticSpec {
        func required(_ name: String) throws -> String {
            guard let v = args.value(name) else { throw UsageError(message: "missing \(name) (or give --scenario FILE)") }
            return v
        }
        func number(_ name: String, _ text: String) throws -> Double {
            guard isDecimal(text), let v = Double(text), v.isFinite else {
                throw UsageError(message: "the value '\(text)' is invalid for '\(name)' (expected a number)")
            }
            return v
        }
        func integer(_ name: String, _ text: String) throws -> Int {
            guard let v = Int(text) else { throw UsageError(message: "the value '\(text)' is invalid for '\(name)' (expected a whole number)") }
            return v
        }
        var spec = SyntheticSpec(objects: try integer("--objects", try required("--objects")),
                                 alpha: try number("--alpha", try required("--alpha")),
                                 rate: try number("--rate", try required("--rate")),
                                 origins: [.init("https://www.example.com", 1)], kinds: [.init(.font, 1)], pops: [.init("edge", 1)])
        if let d = args.value("--duration") {
            do { spec.duration = try parseDuration(d) } catch { throw UsageError(message: "the value '\(d)' is invalid for '--duration': \(error.reason)") }
        }
        if let n = args.value("--requests") { spec.requests = try integer("--requests", n) }
        if spec.duration == nil && spec.requests == nil { throw UsageError(message: "missing --duration or --requests (or give --scenario FILE)") }
        if let list = args.value("--origins") { spec.origins = try weights(list, flag: "--origins").map { .init($0.0, $0.1) } }
        if let s = args.value("--no-origin-share") { spec.noOriginShare = try number("--no-origin-share", s) }
        if let list = args.value("--kinds") {
            spec.kinds = []
            for (name, w) in try weights(list, flag: "--kinds") {
                do { spec.kinds.append(.init(try ResourceKind(parsing: name), w)) } catch {
                    throw UsageError(message: "the value '\(name)' is invalid for '--kinds': \(error)")
                }
            }
        }
        if let list = args.value("--pops") { spec.pops = try weights(list, flag: "--pops").map { .init($0.0, $0.1) } }
        switch (args.value("--amplitude"), args.value("--peak-hour")) {
        case let (a?, h?): spec.diurnal = .sinusoid(amplitude: try number("--amplitude", a), peakHour: try integer("--peak-hour", h))
        case (_?, nil): throw UsageError(message: "--amplitude needs --peak-hour")
        case (nil, _?): throw UsageError(message: "--peak-hour needs --amplitude")
        case (nil, nil): break
        }
        if let b = args.value("--base-url") { spec.baseURL = b }
        return spec
    }

    /// `'a=3,b=1,c'` ⇒ `[(a, 3), (b, 1), (c, 1)]`; the weight follows the last `=`.
    static func weights(_ list: String, flag: String) throws -> [(String, Double)] {
        var out: [(String, Double)] = []
        for item in list.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = item.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { throw UsageError(message: "the value '\(list)' is invalid for '\(flag)': an empty entry (expected NAME=WEIGHT,…)") }
            guard let eq = entry.lastIndex(of: "=") else { out.append((entry, 1)); continue }
            let name = String(entry[..<eq]), w = String(entry[entry.index(after: eq)...])
            guard !name.isEmpty else { throw UsageError(message: "the value '\(entry)' is invalid for '\(flag)': no name before '='") }
            guard isDecimal(w), let weight = Double(w), weight.isFinite else {
                throw UsageError(message: "the value '\(entry)' is invalid for '\(flag)': '\(w)' is not a number")
            }
            out.append((name, weight))
        }
        return out
    }

    /// Digits, sign, point and exponent only: `Double("nan")`, `"inf"` and hex floats are refused.
    static func isDecimal(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { "0123456789.+-eE".contains($0) }
    }

    static func parseSeed(_ text: String) throws -> UInt64 {
        guard let s = UInt64(text) else { throw UsageError(message: "the value '\(text)' is invalid for '--seed' (expected a whole number ≥ 0)") }
        return s
    }

    /// A spec error in the words of the flag that set the value.
    static func describe(_ error: SyntheticSpecError, fromScenario: Bool) -> String {
        if fromScenario { return "workload.synthetic.\(error.key): \(error.message)" }
        let head = String(error.key.prefix { $0 != "." && $0 != "[" })
        let flags = ["objects": "--objects", "alpha": "--alpha", "rate": "--rate", "duration": "--duration", "requests": "--requests",
                     "origins": "--origins", "noOriginShare": "--no-origin-share", "kinds": "--kinds", "pops": "--pops",
                     "baseURL": "--base-url", "diurnal": error.key.hasSuffix("peakHour") ? "--peak-hour" : "--amplitude"]
        let rest = head == "diurnal" ? "" : error.key.dropFirst(head.count).drop { $0 == "." }
        return "invalid \(flags[head] ?? head)\(rest.isEmpty ? "" : " (\(rest))"): \(error.message)"
    }

    static func percent(_ share: Double) -> String {
        let tenths = Int((share * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10) %"
    }

    // MARK: - Writing

    /// Streams every record to `path` in a binary format (`trace convert`'s writers).
    static func write(_ source: SyntheticSource, to path: String, as format: TraceFormat, unknownSize: UInt32,
                      progress: ProgressCounter? = nil) throws -> (count: Int, last: Int64?, writer: (any TraceWriter)?) {
        let writer: any TraceWriter
        do { writer = try makeTraceWriter(path: path, format: format, options: TraceWriteOptions(unknownSize: unknownSize)) } catch {
            throw InputError("\(error)")
        }
        do {
            let summary = try copyTraceSummarised(from: source, to: writer, progress: progress)
            return (summary.count, summary.lastTime, writer)
        } catch {
            if case .interrupted(let i) = error { throw i }
            throw InputError("\(error)")
        }
    }

    /// Streams every record to `path` as CSV; returns the count and the last time. Counts into
    /// `progress` as `copyTrace` does (every 4,096 records, then stage 1 for the commit).
    static func writeCSV(_ source: SyntheticSource, to path: String,
                         progress: ProgressCounter? = nil) throws -> (count: Int, last: Int64?, writer: (any TraceWriter)?) {
        let writer: AtomicFileWriter
        do { writer = try AtomicFileWriter(path: path) } catch { throw InputError("\(error)") }
        let withBytes = !source.spec.sizes.isEmpty
        var line: [UInt8] = [] // lines not yet handed to the writer
        line.reserveCapacity(1 << 17)
        var popField: [[UInt8]] = [], originField: [[UInt8]] = []
        let kindField = ResourceKind.allCases.map { Array($0.rawValue.utf8) }
        var count = 0
        var last: Int64? = nil
        do {
            try writer.write(withBytes ? "t,pop,url,origin,kind,bytes\n" : "t,pop,url,origin,kind\n")
            while let r = try source.next() {
                while popField.count < source.pops.count { popField.append(csvField(source.pops.string(UInt32(popField.count)))) }
                while originField.count < source.origins.count { originField.append(csvField(source.origins.string(UInt32(originField.count)))) }
                appendSeconds(r.time, to: &line)
                line.append(UInt8(ascii: ","))
                line.append(contentsOf: popField[Int(r.pop)])
                line.append(UInt8(ascii: ","))
                line.append(contentsOf: source.urls.utf8(r.url))  // generated URLs need no quoting
                line.append(UInt8(ascii: ","))
                if let o = r.origin { line.append(contentsOf: originField[Int(o)]) }
                line.append(UInt8(ascii: ","))
                line.append(contentsOf: kindField[r.kind.ordinal])
                if withBytes {
                    line.append(UInt8(ascii: ","))
                    if let b = r.bytes { line.append(contentsOf: String(b).utf8) }
                }
                line.append(UInt8(ascii: "\n"))
                // Hand the writer large chunks: its generic append is costly per call.
                if line.count >= 1 << 16 {
                    try writer.write(bytes: line)
                    line.removeAll(keepingCapacity: true)
                }
                count += 1
                last = r.time
                if count & 0xFFF == 0 {
                    progress?.done = count
                    try Interruption.check(requests: count, time: last)
                }
            }
            try writer.write(bytes: line)
            try Interruption.check(requests: count, time: last)
            progress?.enter(stage: 1)
            try writer.commit()
        } catch let error as Interrupted {
            writer.abort()
            throw error
        } catch {
            writer.abort()
            throw InputError("\(error)")
        }
        return (count, last, nil)
    }

    /// A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break.
    static func csvField(_ s: String) -> [UInt8] {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return Array(s.utf8) }
        return Array(("\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"").utf8)
    }

    /// Microseconds as the trace's decimal seconds, exact: `12.5`, `0.000001`, `7`.
    static func appendSeconds(_ t: Int64, to line: inout [UInt8]) {
        line.append(contentsOf: String(t / 1_000_000).utf8)
        var frac = Int(t % 1_000_000)
        guard frac != 0 else { return }
        var digits = 6
        while frac % 10 == 0 { frac /= 10; digits -= 1 }
        line.append(UInt8(ascii: "."))
        let text = String(frac)
        for _ in 0..<(digits - text.utf8.count) { line.append(UInt8(ascii: "0")) }
        line.append(contentsOf: text.utf8)
    }
}
