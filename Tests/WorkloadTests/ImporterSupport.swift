import HTTPModel
@testable import Workload

/// One imported record with its names resolved, written `t pop url origin kind method bytes`
/// (origin and bytes `-` when absent) so a table of expectations reads like the trace.
func row(_ r: TraceRecord, _ s: some TraceSource) -> String {
    let t = formatDuration(r.time)
    let origin = r.origin.map { s.origins.string($0) } ?? "-"
    let bytes = r.bytes.map(String.init) ?? "-"
    return "\(t) \(s.pops.string(r.pop)) \(s.urls.string(r.url)) \(origin) \(r.kind.rawValue) \(s.methods.string(r.method)) \(bytes)"
}

/// Every record of `source`, as rows.
func readRows(_ source: some TraceSource) throws(TraceError) -> [String] {
    var rows: [String] = []
    while let r = try source.next() { rows.append(row(r, source)) }
    return rows
}

/// Imports `text` written to a file in a fresh directory, in `format`.
func importLog(_ text: String, _ format: AccessLogFormat, name: String = "access.log", logFormat: String? = nil,
               options: AccessLogOptions = AccessLogOptions()) throws -> (AccessLogSource, [String], TemporaryDirectory) {
    let dir = TemporaryDirectory()
    let source = try format.open(paths: [dir.file(name, text)], options: options, logFormat: logFormat)
    return (source, try readRows(source), dir)
}

/// The rows a single line imports to (empty when it is skipped), with the skip's message.
func importLine(_ line: String, _ format: AccessLogFormat, logFormat: String? = nil,
                options: AccessLogOptions = AccessLogOptions()) throws -> (rows: [String], skip: String?) {
    let (source, rows, _) = try importLog(line + "\n", format, logFormat: logFormat, options: options)
    return (rows, source.skips.first.first.map { "\($0.column.map { "\($0): " } ?? "")\($0.message)" })
}

let chromeUA = #""Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36""#

/// An options value changed by `change`.
func options(_ change: (inout AccessLogOptions) -> Void) -> AccessLogOptions {
    var o = AccessLogOptions()
    change(&o)
    return o
}
