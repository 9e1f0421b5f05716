// The fuzz targets' bodies, shared by the libFuzzer entry points (`fuzz/targets/*.swift`, built
// by `fuzz/run.sh`) and the regression test that replays `fuzz/corpus/` under `swift test`.
// Each body turns bytes into a value or a clean error; anything else — a trap, a sanitizer
// report, a hang, a property check below failing — is a bug the fuzzer reports.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import HTTPModel
import Scenario
import Workload

/// How one input ended: a value (summarised) or an error the user would read.
public enum FuzzOutcome: Sendable, Equatable, CustomStringConvertible {
    case value(String)
    case error(String)

    public var description: String {
        switch self {
        case .value(let s): "value: \(s)"
        case .error(let s): "error: \(s)"
        }
    }
}

/// The fuzz targets, one per reader or parser that takes input from users.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `TraceCSVReader`, and a round trip of what it reads through the popsim binary format.
    case csvTrace = "csv-trace"
    /// `AlibabaCDNLogSource`.
    case alibabaCDN = "alibaba-cdn"
    /// `NginxCombinedLogSource`; a first line `#log_format …` gives a custom `log_format`.
    case nginx
    /// `CloudFrontLogSource`.
    case cloudfront
    /// `PopsimTraceSource` (`.pstrace`).
    case pstrace
    /// `OracleGeneralSource` and the raw `OracleGeneralReader`.
    case oracleGeneral = "oracle-general"
    /// `Scenario.decode`, `Lint`, then a short run: a synthetic workload cut to 300 requests, or
    /// a small trace over the scenario's POPs and domains in place of its trace file.
    case scenario
    /// `parseJSON`, and a serialise-and-parse round trip.
    case json
    /// The CDN rule Header Value: console validation, the documented and Lua matchers, Lua
    /// patterns, OSS globs and origins. Input: `VALUE\nORIGIN`.
    case cdnRules = "cdn-rules"
    /// The small parsers: durations, byte sizes, POP maps, oracleGeneral object maps. The first
    /// byte picks one; the rest is its input.
    case smallParsers = "small-parsers"

    /// Runs one input.
    /// - Parameter scratch: a directory the target may write its input file into.
    public func run(_ data: [UInt8], scratch: String) -> FuzzOutcome {
        switch self {
        case .csvTrace: return FuzzBodies.csvTrace(data, scratch: scratch)
        case .alibabaCDN: return FuzzBodies.accessLog(.alibabaCDN, data, scratch: scratch)
        case .nginx: return FuzzBodies.accessLog(.nginxCombined, data, scratch: scratch)
        case .cloudfront: return FuzzBodies.accessLog(.cloudfront, data, scratch: scratch)
        case .pstrace: return FuzzBodies.pstrace(data, scratch: scratch)
        case .oracleGeneral: return FuzzBodies.oracleGeneral(data, scratch: scratch)
        case .scenario: return FuzzBodies.scenario(data, scratch: scratch)
        case .json: return FuzzBodies.json(data)
        case .cdnRules: return FuzzBodies.cdnRules(data)
        case .smallParsers: return FuzzBodies.smallParsers(data, scratch: scratch)
        }
    }
}

/// Fails the run loudly: a broken property is a bug even when nothing crashed.
func property(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        let text = "fuzz property violated: \(message())\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        abort()
    }
}

enum FuzzBodies {
    /// Most records a target reads from one input (inputs are small; this bounds a bug's loop).
    static let recordLimit = 1 << 20

    // MARK: traces

    static func csvTrace(_ data: [UInt8], scratch: String) -> FuzzOutcome {
        let path = writeInput(data, scratch: scratch, name: "input.csv")
        let reader: TraceCSVReader
        do { reader = try TraceCSVReader(path: path) } catch { return .error(error.description) }
        var records: [TraceRecord] = []
        var failures: [String] = []
        // The reader stays usable after a bad line: read on, as a skipping caller would.
        while records.count + failures.count < recordLimit {
            do {
                guard let r = try reader.next() else { break }
                records.append(r)
            } catch {
                failures.append(error.description)
                if failures.count > 64 { break }
            }
        }
        check(records, of: reader)
        if failures.isEmpty && !records.isEmpty { roundTrip(records, from: reader, scratch: scratch) }
        return failures.first.map { .error($0) } ?? .value("\(records.count) record(s)")
    }

    /// CSV ⇒ popsim binary ⇒ the same requests, strings and all.
    static func roundTrip(_ records: [TraceRecord], from source: TraceSource, scratch: String) {
        let path = scratch + "/roundtrip.pstrace"
        do {
            let writer = try PopsimTraceWriter(path: path)
            for r in records { try writer.write(r, from: source) }
            try writer.commit()
        } catch {
            property(false, "writing a .pstrace of records the CSV reader accepted failed: \(error)")
        }
        let again: PopsimTraceSource
        do { again = try PopsimTraceSource(path: path) } catch {
            property(false, "reading back the .pstrace written failed: \(error)"); return
        }
        var i = 0
        while true {
            let r: TraceRecord?
            do { r = try again.next() } catch { property(false, "reading back record \(i + 1) failed: \(error)"); return }
            guard let r else { break }
            property(i < records.count, "the .pstrace holds more records than were written")
            let o = records[i]
            property(r.time == o.time && r.kind == o.kind && r.credentials == o.credentials && r.bytes == o.bytes
                     && again.pops.string(r.pop) == source.pops.string(o.pop)
                     && again.urls.string(r.url) == source.urls.string(o.url)
                     && again.methods.string(r.method) == source.methods.string(o.method)
                     && r.origin.map(again.origins.string) == o.origin.map(source.origins.string),
                     "record \(i + 1) differs after a .pstrace round trip")
            i += 1
        }
        property(i == records.count, "the .pstrace holds \(i) records, \(records.count) were written")
    }

    static func accessLog(_ format: AccessLogFormat, _ data: [UInt8], scratch: String) -> FuzzOutcome {
        var body = data[...]
        var logFormat: String? = nil
        let marker = Array("#log_format ".utf8)
        if format == .nginxCombined, body.starts(with: marker) {
            let end = body.firstIndex(of: 0x0A) ?? body.endIndex
            logFormat = String(decoding: body[(body.startIndex + marker.count)..<end], as: UTF8.self)
            body = end < body.endIndex ? body[(end + 1)...] : []
        }
        // A gzip file goes through a `gzip -dc` child: too slow to fuzz, and not popsim's parser.
        if body.starts(with: [0x1F, 0x8B]) { return .value("gzip input not fuzzed") }
        let path = writeInput(Array(body), scratch: scratch, name: "input.log")
        var options = AccessLogOptions()
        // Vary the options with the input's length, so every path is reached without a second input.
        options.refererOrigin = data.count % 3 != 0
        options.maxBackwards = data.count % 5 == 0 ? 0 : 1_000_000
        if data.count % 7 == 0 { options.site = try? WebOrigin(parsing: "https://static.example-cdn.com") }
        let source: AccessLogSource
        do { source = try format.open(paths: [path], options: options, logFormat: logFormat) } catch { return .error(error.description) }
        var records: [TraceRecord] = []
        do {
            while records.count < recordLimit, let r = try source.next() { records.append(r) }
        } catch {
            check(records, of: source)
            return .error(error.description)
        }
        check(records, of: source)
        let s = source.stats
        property(s.records == records.count, "stats count \(s.records) records, \(records.count) returned")
        property(s.originFromField + s.originFromReferer + s.sameOrigin + s.noReferer + s.unusableReferer == s.records,
                 "page-origin counts do not add up to the records")
        property(source.skips.count + s.records <= s.lines, "more records and skips than lines")
        for r in records {
            let url = source.urls.string(r.url)
            property(url.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "URL \(url) holds a byte a URL cannot")
        }
        return .value("\(records.count) record(s), \(source.skips.count) skipped")
    }

    static func pstrace(_ data: [UInt8], scratch: String) -> FuzzOutcome {
        let path = writeInput(data, scratch: scratch, name: "input.pstrace")
        let source: PopsimTraceSource
        do { source = try PopsimTraceSource(path: path, blockSize: 4096) } catch { return .error(error.description) }
        var records: [TraceRecord] = []
        do {
            while records.count < recordLimit, let r = try source.next() { records.append(r) }
        } catch {
            check(records, of: source)
            return .error(error.description)
        }
        check(records, of: source)
        return .value("\(records.count) record(s)")
    }

    static func oracleGeneral(_ data: [UInt8], scratch: String) -> FuzzOutcome {
        let path = writeInput(data, scratch: scratch, name: "input.oracleGeneral")
        // The raw reader: every whole record, in order.
        do {
            let raw = try OracleGeneralReader(path: path, blockSize: 48)
            var n = 0
            while let _ = try raw.next() { n += 1 }
            property(n == data.count / 24, "the raw reader returned \(n) records from \(data.count) bytes")
        } catch {
            _ = error
        }
        var mapping = OracleGeneralMapping()
        if data.count % 2 == 1 {
            mapping = OracleGeneralMapping(urlTemplate: "https://static.example-cdn.com/o/{id}.woff2", pop: "hangzhou", kind: .font,
                                           objects: [1: .init(url: "/special", pop: "frankfurt", kind: .img), 7: .init(kind: .video)])
        }
        let source: OracleGeneralSource
        do { source = try OracleGeneralSource(path: path, mapping: mapping) } catch { return .error(error.description) }
        var records: [TraceRecord] = []
        do {
            while records.count < recordLimit, let r = try source.next() { records.append(r) }
        } catch {
            check(records, of: source)
            return .error(error.description)
        }
        check(records, of: source)
        return .value("\(records.count) record(s)")
    }

    /// What every source must hold: times that never go back, ids within the interners.
    static func check(_ records: [TraceRecord], of source: TraceSource) {
        var last: Int64 = 0
        for (i, r) in records.enumerated() {
            property(r.time >= 0, "record \(i + 1) has negative time \(r.time)")
            property(r.time >= last, "record \(i + 1) goes back in time (\(r.time) < \(last))")
            last = r.time
            property(Int(r.pop) < source.pops.count, "record \(i + 1): POP id \(r.pop) of \(source.pops.count)")
            property(Int(r.url) < source.urls.count, "record \(i + 1): URL id \(r.url) of \(source.urls.count)")
            property(Int(r.method) < source.methods.count, "record \(i + 1): method id \(r.method) of \(source.methods.count)")
            if let o = r.origin { property(Int(o) < source.origins.count, "record \(i + 1): origin id \(o) of \(source.origins.count)") }
            if let b = r.bytes { property(b >= 0, "record \(i + 1) has negative bytes \(b)") }
            _ = source.pops.string(r.pop)
            _ = source.urls.string(r.url)
        }
    }

    // MARK: scenarios and JSON

    static func scenario(_ data: [UInt8], scratch: String) -> FuzzOutcome {
        var scenario: Scenario
        // Decoding reads no file except an oracleGeneral `objects.map`, resolved beside `file`.
        do { scenario = try Scenario.decode(file: scratch + "/scenario.json", bytes: data) } catch {
            property(!error.description.isEmpty, "an empty scenario error")
            return .error(error.description)
        }
        let findings = Lint.findings(for: scenario)
        // Then run it: a synthetic workload cut to a few hundred requests, or in place of a
        // trace file a small one made of the scenario's own POPs and domains, so the fuzzer
        // reaches the event loop with every rule, TTL, event and cache setting it can write.
        switch scenario.workload {
        case .synthetic(var spec):
            spec.requests = min(spec.requests ?? 300, 300)
            scenario.workload = .synthetic(spec)
        case .trace:
            scenario.workload = .trace(path: writeInput(smallTrace(for: scenario), scratch: scratch, name: "trace.csv"), format: .csv)
        }
        let result: RunResult
        do { result = try ScenarioRun.run(scenario) } catch {
            return .error(error.description)
        }
        property(result.requests > 0, "a run without requests")
        return .value("scenario \(scenario.name): \(findings.count) finding(s), \(result.requests) request(s), \(result.variants.count) variant(s)")
    }

    /// Requests at every POP for every domain: fonts, images, credentialed fetches (preflights),
    /// PUTs, with and without `Origin`, one a second, then one an hour later (expiry).
    static func smallTrace(for scenario: Scenario) -> [UInt8] {
        var text = "t,pop,url,origin,kind,method\n"
        var t = 0
        let origins = ["https://www.example.com", "https://shop.example.com", ""]
        let kinds = [("font", "/fonts/a.woff2", "GET"), ("img", "/img/b.png", "GET"), ("fetch-credentials", "/api/c.json", "GET"),
                     ("video-cors", "/v/d.mp4", "GET"), ("fetch", "/api/c.json", "PUT")]
        for pop in scenario.config.pops.prefix(3) {
            for domain in scenario.config.domains.prefix(3) {
                for (i, (kind, path, method)) in kinds.enumerated() {
                    let url = csvEscape("\(domain.scheme)://\(domain.host)\(path)")
                    text += "\(t),\(csvEscape(pop.id)),\(url),\(origins[i % 3]),\(kind),\(method)\n"
                    text += "\(t),\(csvEscape(pop.id)),\(url),\(origins[(i + 1) % 3]),\(kind),\(method)\n"
                    t += 1
                }
            }
        }
        if let pop = scenario.config.pops.first, let domain = scenario.config.domains.first {
            text += "\(t + 3600),\(csvEscape(pop.id)),\(csvEscape("\(domain.scheme)://\(domain.host)/fonts/a.woff2")),https://www.example.com,font,GET\n"
        }
        return Array(text.utf8)
    }

    static func json(_ data: [UInt8]) -> FuzzOutcome {
        let node: JSONNode
        do { node = try parseJSON(data) } catch { return .error(error.description) }
        let text = node.value.serialized()
        let again: JSONNode
        do { again = try parseJSON(text) } catch {
            property(false, "serialised JSON does not parse: \(error)")
            return .error("\(error)")
        }
        property(again == node, "JSON changes in a serialise-and-parse round trip")
        property(again.value.serialized(indent: 2).utf8.count >= text.utf8.count, "the indented form is shorter than the compact one")
        return .value(node.value.typeName)
    }

    // MARK: CDN rules

    static func cdnRules(_ data: [UInt8]) -> FuzzOutcome {
        let cut = data.firstIndex(of: 0x0A) ?? data.endIndex
        let value = String(decoding: data[..<cut], as: UTF8.self)
        let origin = cut < data.endIndex ? String(decoding: data[(cut + 1)...], as: UTF8.self) : "https://www.example.com"
        var verdicts: [String] = []
        for validation in [true, false] {
            let rule = CDNResponseHeaderRule(header: HeaderName.allowOrigin, value: value, corsValidation: validation)
            for matcher in [OriginMatcher.documentedExact, .luaPattern(anchored: true), .luaPattern(anchored: false)] {
                let policy = CDNHeaderPolicy(rules: [rule], matcher: matcher)
                _ = policy.validate()
                let base: HeaderFields = [(HeaderName.allowOrigin, "https://a.example.com")]
                for requestOrigin in [origin, nil] {
                    let served = policy.apply(to: base, requestOrigin: requestOrigin)
                    verdicts.append(served.values(HeaderName.allowOrigin).joined(separator: " | "))
                }
            }
        }
        // The value as a Lua pattern, as the lua matcher uses it.
        if let pattern = try? LuaPattern(value) {
            let anchored = pattern.matches(origin, anchored: true)
            let anywhere = pattern.matches(origin, anchored: false)
            property(!anchored || anywhere, "a Lua pattern matches the whole subject but not anywhere in it")
        }
        // The value as an OSS AllowedOrigin and AllowedHeader (globs).
        let oss = OSSCORSConfiguration(rules: [OSSCORSRule(allowedOrigins: [value], allowedMethods: ["GET"], allowedHeaders: [value])])
        _ = oss.validate()
        var headers: HeaderFields = [(HeaderName.origin, origin)]
        let get = oss.respond(to: OriginRequest(method: "GET", headers: headers))
        headers.append(HeaderName.requestMethod, "GET")
        headers.append(HeaderName.requestHeaders, origin)
        _ = oss.respond(to: OriginRequest(method: "OPTIONS", headers: headers))
        if let parsed = try? WebOrigin(parsing: origin) {
            let again = try? WebOrigin(parsing: parsed.serialized)
            property(again == parsed, "an origin's serialisation does not parse back to it")
        }
        return .value("\(verdicts.count) verdicts; OSS \(get.status)")
    }

    // MARK: small parsers

    static func smallParsers(_ data: [UInt8], scratch: String) -> FuzzOutcome {
        guard let selector = data.first else { return .value("empty") }
        let rest = Array(data.dropFirst())
        let text = String(decoding: rest, as: UTF8.self)
        switch selector % 5 {
        case 0:
            do {
                let d = try parseDuration(text)
                property(d >= 0, "a negative duration \(d) from \(text)")
                return .value("\(formatDuration(d))")
            } catch { return .error(error.description) }
        case 1:
            do {
                let b = try parseByteSize(text)
                property(b >= 0, "a negative size \(b) from \(text)")
                return .value("\(formatBytes(b))")
            } catch { return .error(error.description) }
        case 2:
            do {
                let map = try POPMap(text: text, file: "map.csv")
                for probe in ["203.0.113.9", "2001:db8::1", "::ffff:203.0.113.9", "IAD89-C3", ""] {
                    if let i = map.popIndex(forClient: Array(probe.utf8)) { property(i < map.popNames.count, "client POP index out of range") }
                    if let i = map.popIndex(forEdge: Array(probe.utf8)) { property(i < map.popNames.count, "edge POP index out of range") }
                }
                return .value("\(map.popNames.count) POP(s)")
            } catch { return .error(error.description) }
        case 3:
            let path = writeInput(rest, scratch: scratch, name: "objects.csv")
            do { return .value("\(try OracleGeneralMapping.loadObjects(path: path).count) object(s)") } catch { return .error(error.description) }
        default:
            var mapping = OracleGeneralMapping()
            mapping.urlTemplate = text
            if let problem = mapping.templateProblem { return .error(problem) }
            for id: UInt64 in [0, 7, 42, .max] {
                let url = mapping.templateURL(for: id)
                property(mapping.objectID(inURL: Array(url.utf8)) == id, "template \(text) does not give id \(id) back from \(url)")
            }
            return .value("template ok")
        }
    }

    // MARK: files

    /// Writes `data` to `scratch/name`, replacing what was there, and returns the path.
    static func writeInput(_ data: [UInt8], scratch: String, name: String) -> String {
        let path = scratch + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        property(fd >= 0, "cannot create \(path)")
        var done = 0
        while done < data.count {
            let n = data.withUnsafeBytes { write(fd, $0.baseAddress! + done, data.count - done) }
            property(n > 0, "cannot write \(path)")
            done += n
        }
        close(fd)
        return path
    }
}
