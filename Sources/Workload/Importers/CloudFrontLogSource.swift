/// Amazon CloudFront standard logs: W3C extended format, tab-separated, with `#Version` and
/// `#Fields` header lines (AWS, "Standard logging reference").
///
/// Fields are found by the names on the `#Fields` line, not by position, because the field
/// set has grown over the years; a file without a `#Fields` line is read with the documented
/// 33-field order (`standardFields`). A `#Fields` line anywhere (logs concatenated with
/// `cat`) replaces the previous one. What popsim reads:
/// - time: `date` + `time` (UTC), or `timestamp` (seconds) / `timestamp(ms)`;
/// - POP: `x-edge-location` (`IAD89-C3`), or through an `edge` POP map;
/// - URL: `cs-protocol` (ws/wss as http/https), `x-host-header` (the host the viewer asked
///   for; `cs(Host)`, the distribution's domain, when absent), `cs-uri-stem` and `cs-uri-query`;
/// - page origin: a cross-site `cs(Referer)` (standard logs have no `Origin` field);
/// - kind: `sc-content-type`, else the extension; bytes: `sc-content-len`, else `sc-bytes`
///   (which counts headers too); method `cs-method`; status `sc-status`; client `c-ip`.
///
/// CloudFront URL-encodes field values a second time (a space is `%20`, a `%2C` the viewer
/// sent is logged as `%252C`): values are percent-decoded once, which gives the target as
/// the viewer sent it. `-` is an empty field.
public final class CloudFrontLogSource: AccessLogSource {
    /// The documented field order of standard logs (33 fields).
    public static let standardFields = [
        "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem", "sc-status",
        "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-edge-result-type", "x-edge-request-id",
        "x-host-header", "cs-protocol", "cs-bytes", "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher",
        "x-edge-response-result-type", "cs-protocol-version", "fle-status", "fle-encrypted-fields", "c-port",
        "time-to-first-byte", "x-edge-detailed-result-type", "sc-content-type", "sc-content-len", "sc-range-start",
        "sc-range-end",
    ]

    /// Positions of the fields popsim reads; -1 when absent.
    private struct Layout {
        var names: [String] = []
        var date = -1, time = -1, timestamp = -1, timestampMS = -1
        var edge = -1, scBytes = -1, client = -1, method = -1, csHost = -1, stem = -1, status = -1
        var referer = -1, query = -1, hostHeader = -1, scheme = -1, contentType = -1, contentLength = -1
        /// Fields a line needs to reach every one of those.
        var needed = 0

        init(names: [String]) {
            self.names = names
            func at(_ name: String) -> Int { names.firstIndex(of: name) ?? -1 }
            date = at("date"); time = at("time"); timestamp = at("timestamp"); timestampMS = at("timestamp(ms)")
            edge = at("x-edge-location"); scBytes = at("sc-bytes"); client = at("c-ip"); method = at("cs-method")
            csHost = at("cs(Host)"); stem = at("cs-uri-stem"); status = at("sc-status"); referer = at("cs(Referer)")
            query = at("cs-uri-query"); hostHeader = at("x-host-header"); scheme = at("cs-protocol")
            contentType = at("sc-content-type"); contentLength = at("sc-content-len")
            needed = [date, time, timestamp, timestampMS, edge, scBytes, client, method, csHost, stem, status, referer, query,
                      hostHeader, scheme, contentType, contentLength].max()! + 1
        }

        /// Why a line cannot be read with this layout, or nil.
        var missing: String? {
            if !(date >= 0 && time >= 0) && timestamp < 0 && timestampMS < 0 { return "no time field (date and time, or timestamp)" }
            if stem < 0 { return "no cs-uri-stem field" }
            if method < 0 { return "no cs-method field" }
            return nil
        }
    }

    private var layout = Layout(names: CloudFrontLogSource.standardFields)
    private var layoutProblem: String?
    private var ranges: [Range<Int>] = []

    /// Opens CloudFront standard logs.
    /// - Parameter paths: the files, read in this order as one log; gzip files (as delivered
    ///   to S3) are decompressed.
    /// - Throws: `TraceError` when a file cannot be read.
    public init(paths: [String], options: AccessLogOptions = AccessLogOptions()) throws(TraceError) {
        try super.init(format: .cloudfront, paths: paths, options: options)
    }

    override func startFile() {
        layout = Layout(names: CloudFrontLogSource.standardFields)
        layoutProblem = nil
    }

    override func parse(_ line: ArraySlice<UInt8>) -> LineOutcome {
        if line.first == UInt8(ascii: "#") {
            let fieldsPrefix = "#Fields:".utf8
            if line.starts(with: fieldsPrefix) {
                let names = line.dropFirst(fieldsPrefix.count)
                    .split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
                    .map { String(decoding: $0, as: UTF8.self) }
                layout = Layout(names: names)
                layoutProblem = layout.missing
            }
            return .notARecord
        }
        if let problem = layoutProblem {
            return .fatal(column: nil, message: "the #Fields line has \(problem), so no line can be read")
        }
        ranges.removeAll(keepingCapacity: true)
        var start = line.startIndex
        while let tab = line[start...].firstIndex(of: 0x09) {
            ranges.append(start..<tab)
            start = tab + 1
        }
        ranges.append(start..<line.endIndex)
        guard ranges.count >= layout.needed else {
            return .bad(column: nil, message: "\(ranges.count) tab-separated field(s), expected \(layout.names.count) (as #Fields names them)")
        }
        func value(_ i: Int) -> ArraySlice<UInt8>? {
            guard i >= 0 else { return nil }
            let v = line[ranges[i]]
            return v.count == 1 && v.first == UInt8(ascii: "-") ? nil : v
        }
        func name(_ i: Int) -> String { layout.names[i] }

        // Time.
        if layout.date >= 0, layout.time >= 0 {
            guard let t = parseW3CTime(date: line[ranges[layout.date]], time: line[ranges[layout.time]]) else {
                return .bad(column: "date", message: "\(shown(line[ranges[layout.date]])) \(shown(line[ranges[layout.time]])) is not a date and time like 2019-12-04 21:02:31")
            }
            fields.time = t
            fields.timeField = "time"
        } else if layout.timestamp >= 0 {
            guard let t = parseEpochSeconds(line[ranges[layout.timestamp]]) else {
                return .bad(column: "timestamp", message: "\(shown(line[ranges[layout.timestamp]])) is not seconds since 1970")
            }
            fields.time = t
            fields.timeField = "timestamp"
        } else {
            guard let ms = decimal(line[ranges[layout.timestampMS]]) else {
                return .bad(column: "timestamp(ms)", message: "\(shown(line[ranges[layout.timestampMS]])) is not milliseconds since 1970")
            }
            fields.time = ms * 1_000
            fields.timeField = "timestamp(ms)"
        }

        // Request.
        if let m = value(layout.method) { fields.method += m }
        fields.targetField = "cs-uri-stem"
        if let stem = value(layout.stem) { appendPercentDecoded(stem, to: &fields.target) }
        if let query = value(layout.query) {
            fields.target.append(UInt8(ascii: "?"))
            appendPercentDecoded(query, to: &fields.target)
        }
        if let host = value(layout.hostHeader) {
            fields.hostField = "x-host-header"
            appendPercentDecoded(host, to: &fields.host)
        } else if let host = value(layout.csHost) {
            fields.hostField = "cs(Host)"
            appendPercentDecoded(host, to: &fields.host)
        }
        if let scheme = value(layout.scheme) {
            if scheme.elementsEqual("ws".utf8) { fields.scheme += "http".utf8 } else if scheme.elementsEqual("wss".utf8) { fields.scheme += "https".utf8 } else { fields.scheme += scheme }
        }
        if let referer = value(layout.referer) { appendPercentDecoded(referer, to: &fields.referer) }
        if let type = value(layout.contentType) { appendPercentDecoded(type, to: &fields.contentType) }
        if let client = value(layout.client) { fields.client += client }
        if let edge = value(layout.edge) {
            fields.edgeField = "x-edge-location"
            fields.edge += edge
        }

        // Response.
        if let status = value(layout.status) {
            guard let n = decimal(status), n < 1000 else {
                return .bad(column: name(layout.status), message: "\(shown(status)) is not an HTTP status")
            }
            fields.status = Int(n)
        }
        for i in [layout.contentLength, layout.scBytes] {
            guard let v = value(i) else { continue }
            guard let n = decimal(v) else { return .bad(column: name(i), message: "\(shown(v)) is not a number of bytes") }
            fields.bytes = n
            break
        }
        return .record
    }
}

/// Appends `value` with each `%HH` decoded once; a `%` not followed by two hex digits is kept.
func appendPercentDecoded(_ value: ArraySlice<UInt8>, to out: inout [UInt8]) {
    guard value.contains(UInt8(ascii: "%")) else {
        out += value
        return
    }
    var i = value.startIndex
    while i < value.endIndex {
        let c = value[i]
        if c == UInt8(ascii: "%"), i + 2 < value.endIndex, let h = hexValue(value[i + 1]), let l = hexValue(value[i + 2]) {
            out.append(h << 4 | l)
            i += 3
        } else {
            out.append(c)
            i += 1
        }
    }
}
