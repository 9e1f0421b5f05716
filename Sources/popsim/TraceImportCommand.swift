import Foundation
import HTTPModel
import Workload

/// `popsim trace import`: access logs in, a trace out (CSV, or `.pstrace` for the fastest replays).
enum TraceImportCommand: Command {
    static let spec = CommandSpec(
        name: "import",
        summary: "Turn CDN or web-server access logs into a trace (CSV or .pstrace).",
        usage: "popsim trace import --format alibaba-cdn|nginx-combined|cloudfront LOG... --out TRACE [options]",
        options: [
            OptionSpec(name: "--format", value: "FORMAT", help: "The logs' format: alibaba-cdn, nginx-combined or cloudfront (required)."),
            OptionSpec(name: "--out", value: "TRACE", help: "The trace to write (required), in the format its name says (.pstrace, .oracleGeneral or .bin; else CSV); it appears whole or not at all."),
            OptionSpec(name: "--to", value: "FORMAT", help: "The trace's format whatever its name: csv, popsim or oracleGeneral."),
            OptionSpec(name: "--log-format", value: "STRING", help: "nginx: the log_format the lines were written with (default: combined)."),
            OptionSpec(name: "--pop-map", value: "FILE", help: "CSV 'client_prefix,pop' or 'edge,pop' assigning requests to POPs."),
            OptionSpec(name: "--pop", value: "NAME", help: "The POP of requests no log field or map places (default: default)."),
            OptionSpec(name: "--site", value: "ORIGIN", help: "The origin of logs whose lines carry only a path (nginx without $host)."),
            OptionSpec(name: "--no-referer-origin", value: nil, help: "Do not take a cross-site Referer's origin as the page origin."),
            OptionSpec(name: "--max-backwards", value: "DURATION", help: "How far a line's time may go back before it is an error (default 1s)."),
            OptionSpec(name: "--strict", value: nil, help: "Stop at the first line that cannot be read (exit 2)."),
        ],
        details: """
        Reads the LOG files one after the other as one log (gzip files through 'gzip -dc') and
        writes a trace: t (seconds from the first request), pop, url (absolute where the log
        gives a host), origin (the page's: an Origin field, else a cross-site Referer's origin),
        kind (content type, else extension), method, bytes. Lines that cannot be read are
        skipped and counted; the summary on stderr shows the first few with their line numbers.
        See the README, "Importing access logs", for the mapping and what each format lacks.

        A day of logs meant for many runs is best written as a .pstrace (--out day.pstrace):
        the same requests as the CSV, replayed about 2.5 times as fast, with no separate
        'popsim trace convert'. oracleGeneral keeps only object ids, sizes and seconds.
        """,
        examples: [
            "popsim trace import --format nginx-combined scenarios/logs/nginx-combined.log --site https://static.example-cdn.com --out /tmp/nginx.csv",
            "popsim trace import --format cloudfront scenarios/logs/cloudfront.log --pop-map scenarios/logs/edges.csv --out /tmp/cf.csv",
            "popsim trace import --format alibaba-cdn scenarios/logs/alibaba-cdn.log --pop hangzhou --out /tmp/ali.csv",
            "popsim trace import --format cloudfront scenarios/logs/cloudfront.log --pop-map scenarios/logs/edges.csv --out /tmp/cf.pstrace",
            "popsim trace import --format nginx-combined access.log.1 access.log --log-format '$remote_addr [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_origin\" $host' --out trace.csv",
        ],
        parent: "trace")

    static func run(_ args: Arguments) throws -> Int32 {
        let formats = AccessLogFormat.allCases.map(\.rawValue).joined(separator: ", ")
        guard let formatName = args.value("--format") else { throw UsageError(message: "missing --format (one of \(formats))") }
        guard let format = AccessLogFormat(rawValue: formatName) else {
            throw UsageError(message: "unknown format '\(formatName)' for '--format' (formats: \(formats))")
        }
        guard !args.positional.isEmpty else { throw UsageError(message: "missing LOG (one or more access log files)") }
        guard let out = args.value("--out"), !out.isEmpty else { throw UsageError(message: "missing --out TRACE (the trace to write)") }
        // By --to, else by the name as `trace convert` and `trace gen` choose; a name that says
        // no format stays CSV, as every import wrote before there was a choice.
        let to = try TraceConvertCommand.format(args.value("--to"), option: "--to", allowed: TraceConvertCommand.writable)
            ?? TraceFormat.byExtension(out) ?? .csv
        if args.has("--log-format"), format != .nginxCombined {
            throw UsageError(message: "'--log-format' applies to nginx-combined logs only")
        }
        try refuseOverwriting(out, option: "--out", inputs: args.positional.map { ($0, "one of the logs") }
                                                        + (args.value("--pop-map").map { [($0, "the --pop-map file")] } ?? []))

        var options = AccessLogOptions()
        if let map = args.value("--pop-map") { options.popMap = try POPMap(path: map) }
        if let pop = args.value("--pop") {
            guard !pop.isEmpty, !pop.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw UsageError(message: "'--pop' needs a POP name (no control characters)")
            }
            options.defaultPOP = pop
        }
        if let site = args.value("--site") {
            let origin: WebOrigin
            do { origin = try WebOrigin(parsing: site) } catch { throw InputError("--site: \(error)") }
            guard origin.scheme == "http" || origin.scheme == "https" else {
                throw InputError("--site: \"\(site)\" is not an http(s) origin such as https://static.example.com")
            }
            options.site = origin
        }
        if let text = args.value("--max-backwards") {
            do { options.maxBackwards = try parseDuration(text) } catch { throw InputError("--max-backwards: \(error)") }
        }
        options.refererOrigin = !args.has("--no-referer-origin")
        options.strict = args.has("--strict")

        let source = try format.open(paths: args.positional, options: options, logFormat: args.value("--log-format"))
        // The import reads to the end (or to an error): the source may prepare lines ahead.
        source.readsAhead = true
        let writer = try makeTraceWriter(path: out, format: to)
        do {
            var count = 0
            var lastTime: Int64 = 0
            while let record = try source.next() {
                try writer.write(record, from: source)
                count += 1
                lastTime = record.time
                if count & 0xFFF == 0 { try Interruption.check(requests: count, time: lastTime) }
            }
            try Interruption.check(requests: count, time: count > 0 ? lastTime : nil)
        } catch {
            writer.abort()
            report(source, out: nil, stopped: true)
            throw error
        }
        guard source.stats.records > 0 else {
            writer.abort()
            report(source, out: nil)
            throw InputError("no requests found in \(args.positional.joined(separator: ", ")) as \(format.rawValue) logs; nothing written")
        }
        try writer.commit()
        report(source, out: out)
        if let og = writer as? OracleGeneralWriter { TraceConvertCommand.noteLosses(of: og, from: .csv, template: nil) }
        return 0
    }

    /// The summary on stderr: what was read, written and skipped, and what had to be guessed.
    /// `stopped`: an error ended the import, nothing was written; the summary then says where it
    /// stopped and what was skipped before, and nothing that reads as a finished import (the
    /// page-origin and POP lines did: QA pass, stop 34).
    static func report(_ source: AccessLogSource, out: String?, stopped: Bool = false) {
        let s = source.stats
        var text = stopped ? "stopped after \(s.lines) line(s) of \(s.files) file(s) as \(source.format.rawValue); nothing written"
                           : "read \(s.lines) line(s) from \(s.files) file(s) as \(source.format.rawValue)"
        if let out { text += "; wrote \(s.records) request(s) to \(out)" }
        text += "\n"
        if source.skips.count > 0 {
            text += "  skipped \(source.skips.count) line(s)"
            text += source.skips.count > source.skips.first.count ? " (first \(source.skips.first.count)):\n" : ":\n"
            for e in source.skips.first { text += "    \(e)\n" }
        }
        if s.records > 0 && !stopped {
            let none = s.sameOrigin + s.noReferer + s.unusableReferer
            text += "  page origin: \(s.originFromField) from an Origin field, \(s.originFromReferer) from a cross-site Referer, "
            text += "none for \(none) (\(s.sameOrigin) same-origin, \(s.noReferer) without Referer or Origin, \(s.unusableReferer) with a Referer that is not an http(s) URL)\n"
            if s.refererAssumedCrossSite > 0 {
                text += "  note: \(s.refererAssumedCrossSite) Referer(s) were taken as cross-site because the log gives no host; give --site to compare\n"
            }
            text += "  POPs: \(source.pops.allStrings.joined(separator: ", "))"
            text += s.defaultPOP > 0 ? " (\(s.defaultPOP) request(s) placed at '\(source.options.defaultPOP)': no POP in the log or map)\n" : "\n"
            if s.clamped > 0 {
                text += "  time: \(s.clamped) request(s) went back in time (by up to \(formatDuration(s.largestClamp))) and were given the previous request's time\n"
            }
        }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
