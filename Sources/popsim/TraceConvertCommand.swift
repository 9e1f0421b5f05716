import Foundation
import HTTPModel
import Reports
import Workload

/// `popsim trace convert IN OUT`: rewrites a trace in another format, streaming.
enum TraceConvertCommand: Command {
    /// What `--from` takes: every format popsim reads, access logs included.
    static let readable = TraceFormat.allCases
    /// What `--to` takes: the formats popsim writes.
    static let writable = TraceFormat.allCases.filter(\.isWritable)

    static let spec = CommandSpec(
        name: "convert",
        summary: "Rewrite a trace in another format (csv, popsim, oracleGeneral).",
        usage: "popsim trace convert IN OUT [--from FORMAT] [--to FORMAT] [options]",
        options: [
            OptionSpec(name: "--from", value: "FORMAT", help: "IN's format (\(readable.map(\.rawValue).joined(separator: "|"))); default: from its name, else its magic, else csv."),
            OptionSpec(name: "--to", value: "FORMAT", help: "OUT's format (\(writable.map(\.rawValue).joined(separator: "|"))); default: from its name."),
            OptionSpec(name: "--object-url", value: "TEMPLATE", help: "oracleGeneral: the URL of object {id} (default /obj/{id}); writing, URLs it makes give their ids back."),
            OptionSpec(name: "--object-pop", value: "POP", help: "oracleGeneral input: the POP of every request (default: default)."),
            OptionSpec(name: "--object-kind", value: "KIND", help: "oracleGeneral input: the resource kind of every request (default: other)."),
            OptionSpec(name: "--object-map", value: "FILE", help: "oracleGeneral: CSV id,url,pop,kind overriding them per object (writing, its URLs give their ids back)."),
            OptionSpec(name: "--unknown-size", value: "BYTES", help: "oracleGeneral output: the size (4096, 100KB) of a request without one (default 1; libCacheSim skips size 0; run gives such a request its origin's objectSize, 100KB unless the scenario sets another)."),
            OptionSpec(name: "--quiet", value: nil, help: "No progress line."),
        ],
        details: """
        Formats: csv (.csv; t,pop,url,origin,kind,method,credentials,bytes), popsim (.pstrace; popsim's
        compact binary trace, docs/trace-format.md) and oracleGeneral (.oracleGeneral or .bin; libCacheSim's
        24-byte records). Both files stream: memory grows with distinct URLs and origins, not with records.
        oracleGeneral keeps ids, sizes and whole seconds only; its next_access_vtime is recomputed on writing.
        Nothing is written at OUT unless the whole conversion succeeds; a trace without requests is
        refused. Exit status: 0 done, 2 bad input, 130/143 interrupted.
        A conversion longer than a second shows a progress line on stderr when stderr is a terminal (not with
        --quiet): records written, the share of IN and an ETA (~ when IN's count is estimated from a CSV
        trace's or log's size), then "finishing OUT" while the file is completed; it is cleared before the
        summary prints.
        """,
        examples: [
            "popsim trace gen --scenario scenarios/synthetic-fonts-day.json --out /tmp/day.csv   # a day to try",
            "popsim trace convert /tmp/day.csv /tmp/day.pstrace",
            "popsim trace convert /tmp/day.pstrace /tmp/day.bin --to oracleGeneral",
            "popsim trace convert /tmp/day.bin /tmp/objects.pstrace --from oracleGeneral --object-url https://static.example-cdn.com/obj/{id} --object-pop hangzhou",
        ],
        parent: "trace")

    static func run(_ args: Arguments) throws -> Int32 {
        let paths = try positionals(args, "IN", "OUT")
        let (input, output) = (paths[0], paths[1])
        let toStandardOutput = isStandardOutput(output)
        let from = try format(args.value("--from"), option: "--from", allowed: readable) ?? TraceFormat.guess(fromPath: input)
        guard let to = try format(args.value("--to"), option: "--to", allowed: writable) ?? TraceFormat.byExtension(output) else {
            throw UsageError(message: "cannot tell OUT's format from its name '\(output)' (use .csv, .pstrace, .oracleGeneral or .bin, or --to \(writable.map(\.rawValue).joined(separator: "|")))")
        }
        if isSameFile(input, output) { throw InputError("IN and OUT are the same file (\(input))") }
        if let map = args.value("--object-map") { try refuseOverwriting(output, option: "OUT", inputs: [(map, "the --object-map file")]) }

        var mapping = OracleGeneralMapping()
        if let url = args.value("--object-url") { mapping.urlTemplate = url }
        if let problem = mapping.templateProblem { throw UsageError(message: "--object-url: \(problem)") }
        if let pop = args.value("--object-pop") {
            guard !pop.isEmpty else { throw UsageError(message: "--object-pop needs a POP id") }
            mapping.pop = pop
        }
        if let kind = args.value("--object-kind") {
            do { mapping.kind = try ResourceKind(parsing: kind) } catch { throw UsageError(message: "--object-kind: \(error)") }
        }
        if let map = args.value("--object-map") {
            do { mapping.objects = try OracleGeneralMapping.loadObjects(path: map) } catch { throw InputError("\(error)") }
        }
        let unknownSize = try unknownSizeOption(args, writing: to) ?? 1

        let start = DispatchTime.now().uptimeNanoseconds
        let source: any TraceSource
        do { source = try openTraceSource(path: input, format: from, options: TraceReadOptions(objects: mapping)) } catch {
            throw InputError("\(error)")
        }
        // Copied to the end or to an error: an access log may be read ahead (`trace import`).
        (source as? AccessLogSource)?.readsAhead = true
        let writer: any TraceWriter
        do { writer = try makeTraceWriter(path: output, format: to, options: TraceWriteOptions(objects: mapping, unknownSize: unknownSize)) } catch {
            throw InputError("\(error)")
        }
        let estimate = ProgressReporter.estimateRequests(path: input, format: from)
        let progress = ProgressReporter(quiet: args.has("--quiet"),
                                        stages: ProgressStages.convert(output: output, total: estimate?.count, estimated: !(estimate?.exact ?? false)))
        let count: Int
        do {
            count = try progress.watching { () throws(TraceCopyError) -> Int in
                try copyTrace(from: source, to: writer, allowEmpty: false, progress: progress.counter)
            }
        } catch {
            if case .interrupted(let i) = error { throw i }
            throw InputError("\(error)")
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

        printSummary("converted \(count) record(s): \(input) (\(from.rawValue)) ⇒ \(output) (\(to.rawValue)) in \(String(format: "%.2f", seconds)) s (\(Format.rate(count, per: seconds, of: "records")))", outputWasStandardOutput: toStandardOutput)
        if !source.skips.summary.isEmpty { Output.warning(source.skips.summary) }
        if let og = writer as? OracleGeneralWriter { noteLosses(of: og, from: from, template: og.mapping.urlTemplate) }
        return 0
    }

    /// The notes on what an oracleGeneral file did not keep: sizes made up, URLs hashed to
    /// ids, and every field but the id, size and second (unless the input was oracleGeneral).
    /// `template` names the URL template the user gave, if any.
    static func noteLosses(of og: OracleGeneralWriter, from: TraceFormat, template: String?, sizeSource: String = "--unknown-size") {
        if og.recordsWithoutSize > 0 {
            Output.note("note: \(og.recordsWithoutSize) record(s) had no size and were written with size \(og.unknownSize) (\(sizeSource))")
        }
        if og.hashedURLs > 0 {
            Output.note(template.map { "note: \(og.hashedURLs) URL(s) do not match \($0); their object ids are FNV-1a hashes of the URL" }
                        ?? "note: the object ids are FNV-1a hashes of the \(og.hashedURLs) URL(s)")
        }
        if from != .oracleGeneral {
            Output.note("note: oracleGeneral keeps object ids, sizes and whole seconds only (no POP, Origin, kind or method)")
        }
    }

    /// A `--from`/`--to` value, or nil when the option is absent.
    static func format(_ value: String?, option: String, allowed: [TraceFormat]) throws(UsageError) -> TraceFormat? {
        guard let value else { return nil }
        guard let f = TraceFormat(rawValue: value), allowed.contains(f) else {
            let known = TraceFormat(rawValue: value) != nil ? " (popsim reads it but does not write it)" : ""
            throw UsageError(message: "\(option): unknown format '\(value)'\(known) (formats: \(allowed.map(\.rawValue).joined(separator: ", ")))")
        }
        return f
    }
}
