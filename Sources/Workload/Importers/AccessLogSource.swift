// The rules every access-log importer shares: time from the first record, POPs, absolute URLs,
// the page origin from an Origin field or a cross-site Referer, the kind, and counted skips.
// Each format only finds its fields on a line (`parse`); everything after that is here.
import HTTPModel
import Prefetch

/// The fields a format found on one line, decoded from the log's own escaping, before the
/// shared rules make a record of them. Buffers are reused from line to line.
struct LogFields {
    /// Microseconds since the Unix epoch, UTC.
    var time: Int64 = 0
    /// The name of the field the time came from, for messages.
    var timeField = "time"
    var method: [UInt8] = []
    /// The request target as the client sent it: a path (with its query) or an absolute URL.
    var target: [UInt8] = []
    /// The field the target came from, for messages.
    var targetField = "request"
    /// The URL's scheme and host when the log gives them apart from the target; empty otherwise.
    var scheme: [UInt8] = []
    var host: [UInt8] = []
    var hostField = "host"
    var referer: [UInt8] = []
    /// The request's `Origin` header, when the log has that field and the request had one.
    var origin: [UInt8] = []
    var originField = "origin"
    var contentType: [UInt8] = []
    /// The client's address as logged, for a `client_prefix` POP map.
    var client: [UInt8] = []
    /// The edge location that served the request, when the log names one.
    var edge: [UInt8] = []
    var edgeField = "edge"
    /// The HTTP status when logged (CloudFront writes 000 when the viewer went away first).
    var status: Int?
    /// The response body size when logged.
    var bytes: Int64?

    mutating func reset() {
        time = 0
        method.removeAll(keepingCapacity: true)
        target.removeAll(keepingCapacity: true)
        scheme.removeAll(keepingCapacity: true)
        host.removeAll(keepingCapacity: true)
        referer.removeAll(keepingCapacity: true)
        origin.removeAll(keepingCapacity: true)
        contentType.removeAll(keepingCapacity: true)
        client.removeAll(keepingCapacity: true)
        edge.removeAll(keepingCapacity: true)
        status = nil
        bytes = nil
    }
}

/// What a format's parser made of a line.
enum LineOutcome {
    /// `fields` hold a request.
    case record
    /// A header or comment line, not a request.
    case notARecord
    /// The line cannot be read: skipped and counted, or an error under `strict`.
    case bad(column: String?, message: String)
    /// The log cannot be read from here on (a CloudFront `#Fields` line without a URL field).
    case fatal(column: String?, message: String)
}

/// An access log read as a `TraceSource`: the shared machinery of `AlibabaCDNLogSource`,
/// `NginxCombinedLogSource` and `CloudFrontLogSource`.
///
/// Several files are read one after the other as one log, in the order given; line numbers
/// in records and errors restart in each file, and errors name the file. What a record holds:
/// - `time`: µs since the first record. Records may go back by up to `options.maxBackwards`
///   (given the previous time, counted in `stats.clamped`); further back is an error.
/// - `pop`: the log's edge field, mapped through `options.popMap` when it is keyed on edges;
///   or the POP of the client's address in a `client_prefix` map; else `options.defaultPOP`.
/// - `url`: `scheme://host[:port]/path[?query]` with the scheme and host in lower case and a
///   default port dropped; the path and query are kept as the client sent them (their
///   percent-encoding is not touched), except that bytes that cannot stand in a URL (spaces,
///   controls, non-ASCII — logs write them raw or with their own escapes) are percent-encoded.
///   A log without a host (nginx `combined`) gives paths, or URLs on `options.site`.
/// - `origin`: the page's serialised origin: the `Origin` field when the log has one and the
///   request sent one; otherwise, with `options.refererOrigin`, the origin of an http(s)
///   Referer that differs from the URL's. A same-origin Referer or `Origin` means no page origin.
/// - `kind`: from the content type, else the extension (see `kind(forContentType:)`).
/// - `bytes`: the body size of 2xx responses other than 206; empty for 206, 304, errors and
///   `HEAD`, whose sizes say nothing of the object's.
///
/// Memory grows with the distinct URLs, origins, POPs, methods and content types, never with
/// the number of lines.
public class AccessLogSource: TraceSource {
    // Every stored `var` is unchecked for exclusive access: one thread reads a log, and each
    // line touched them a dozen times, each a runtime check (`perf`: 6 % of an import).
    public let format: AccessLogFormat
    /// The files, read in this order.
    public let paths: [String]
    public let options: AccessLogOptions
    @exclusivity(unchecked) public private(set) var pops = Interner()
    @exclusivity(unchecked) public private(set) var urls = Interner()
    @exclusivity(unchecked) public private(set) var origins = Interner()
    @exclusivity(unchecked) public private(set) var methods = Interner()
    @exclusivity(unchecked) public private(set) var skips = SkipLog()
    @exclusivity(unchecked) public private(set) var stats = AccessLogStats()

    /// The file being read (the first before reading, the last after).
    public var sourceName: String { input?.path ?? paths[min(max(fileIndex, 0), paths.count - 1)] }
    /// The 1-based line last read in `sourceName`.
    @exclusivity(unchecked) public private(set) var lineNumber = 0

    /// Filled by the format's `parse` for each line.
    @exclusivity(unchecked) var fields = LogFields()

    @exclusivity(unchecked) private var input: LogInput?
    @exclusivity(unchecked) private var fileIndex = -1

    @exclusivity(unchecked) private var firstTime: Int64?
    @exclusivity(unchecked) private var lastTime: Int64 = 0
    @exclusivity(unchecked) private var lastTimeLine = 0
    @exclusivity(unchecked) private var lastTimeFile = 0

    // Origins: every spelling met (URL origins, Referer origins, Origin fields) ⇒ an id in
    // `canonical` (serialisations), parsed once; `origins` gets the page origins records use.
    @exclusivity(unchecked) private var canonical = Interner()
    @exclusivity(unchecked) private var canonicalIsHTTP: [Bool] = []
    @exclusivity(unchecked) private var spellings = Interner()
    @exclusivity(unchecked) private var canonicalOfSpelling: [Int32] = []
    @exclusivity(unchecked) private var publicOfCanonical: [UInt32] = []
    @exclusivity(unchecked) private var siteCanonical: Int32 = -1

    @exclusivity(unchecked) private var contentTypes = Interner()
    @exclusivity(unchecked) private var kindOfContentType: [ResourceKind?] = []
    @exclusivity(unchecked) private var extensionKind: [ResourceKind?] = [] // by URL id

    @exclusivity(unchecked) private var defaultPOPID: UInt32?
    @exclusivity(unchecked) private var mapPOPIDs: [UInt32?] = []
    @exclusivity(unchecked) private var edgeNames = Interner()
    @exclusivity(unchecked) private var popOfEdge: [UInt32] = []

    @exclusivity(unchecked) private var spelling: [UInt8] = []
    @exclusivity(unchecked) private var url: [UInt8] = []

    init(format: AccessLogFormat, paths: [String], options: AccessLogOptions) throws(TraceError) {
        guard !paths.isEmpty else { throw TraceError(file: format.rawValue, line: 0, column: nil, message: "no log files given") }
        // Check every file first, so a typo in the last name fails before any work.
        for path in paths { try LogInput.check(path) }
        self.format = format
        self.paths = paths
        self.options = options
        mapPOPIDs = Array(repeating: nil, count: options.popMap?.popNames.count ?? 0)
        if let site = options.site {
            siteCanonical = canonicalID(Array(site.serialized.utf8)[...])
        }
    }

    /// Reads one line into `fields`. Formats override this.
    func parse(_ line: ArraySlice<UInt8>) -> LineOutcome { .notARecord }

    /// Called before the first line of each file (CloudFront forgets the previous `#Fields`).
    func startFile() {}

    // MARK: reading

    /// The next request, or nil at the end of the last file.
    /// - Throws: `TraceError` naming the file and line: a file that cannot be read, a time
    ///   further back than `maxBackwards`, a format problem that makes the rest unreadable,
    ///   or under `strict` the first line that cannot be read.
    public func next() throws(TraceError) -> TraceRecord? {
        if readsAhead { return try nextReadingAhead() }
        guard let p = try nextPrepared(withinFile: false) else { return nil }
        return url.withUnsafeBytes { finishRecord(p, url: $0, path: fields.target[p.pathStart...], contentType: fields.contentType[...]) }
    }

    /// Whether `next` prepares up to `aheadLimit` lines of a file before it returns the first of
    /// their records, so that their URLs' lookups read the interner's slots and texts in a loop of
    /// their own: one line at a time, each lookup waited for two or three cache misses in a table
    /// of millions of URLs (`perf`: a quarter of an import). The records, skips, errors and ids
    /// are the same, in the same order; what differs is when the source takes in the lines ahead
    /// (`stats`, `skips`, `lineNumber` and the POPs, origins and methods run up to a batch ahead
    /// of the record last returned), so only a reader that reads to the end or to an error turns
    /// it on (`trace import` and `convert`, `cachesim`, `mrc`, `run` — not `explain`).
    @exclusivity(unchecked) public var readsAhead = false
    private static let aheadLimit = 64
    /// The lines prepared ahead, their texts in `aheadText`, and the next to return.
    @exclusivity(unchecked) private var ahead: [(record: Prepared, url: Range<Int>, path: Range<Int>, contentType: Range<Int>)] = []
    @exclusivity(unchecked) private var aheadText: [UInt8] = []
    @exclusivity(unchecked) private var aheadNext = 0
    @exclusivity(unchecked) private var aheadHashes: [UInt64] = []
    /// The error a line ahead raised: thrown once the records before it are returned.
    @exclusivity(unchecked) private var aheadError: TraceError?
    /// Keeps what `Interner.touch` read.
    @exclusivity(unchecked) private var aheadTouched: UInt64 = 0

    private func nextReadingAhead() throws(TraceError) -> TraceRecord? {
        if aheadNext == ahead.count {
            if aheadError == nil { prepareAhead() }
            if aheadNext == ahead.count {
                if let error = aheadError {
                    aheadError = nil
                    throw error
                }
                return nil
            }
        }
        let a = ahead[aheadNext]
        aheadNext += 1
        return aheadText.withUnsafeBytes { text in
            finishRecord(a.record, url: UnsafeRawBufferPointer(rebasing: text[a.url]), path: aheadText[a.path], contentType: aheadText[a.contentType])
        }
    }

    /// Prepares the next batch — up to `aheadLimit` lines, all from one file so that
    /// `sourceName` names the file of the records it returns — keeping the error a line raises
    /// for after the records before it, and reads what their URLs' lookups will read.
    private func prepareAhead() {
        ahead.removeAll(keepingCapacity: true)
        aheadText.removeAll(keepingCapacity: true)
        aheadHashes.removeAll(keepingCapacity: true)
        aheadNext = 0
        while ahead.count < Self.aheadLimit {
            let prepared: Prepared?
            do { prepared = try nextPrepared(withinFile: !ahead.isEmpty) } catch {
                aheadError = error
                break
            }
            guard let p = prepared else { break }
            let u = aheadText.count
            aheadText += url
            let t = aheadText.count
            aheadText += fields.target[p.pathStart...]
            let c = aheadText.count
            aheadText += fields.contentType
            ahead.append((p, u..<t, t..<c, c..<aheadText.count))
            aheadHashes.append(p.urlHash)
        }
        guard !ahead.isEmpty else { return }
        aheadTouched &+= aheadHashes.withUnsafeMutableBufferPointer { urls.touch(hashes: $0.baseAddress!, count: $0.count) }
        // `touch` left each URL's home slot, which nearly always names the URL itself, whose
        // extension's kind `kindOf` reads — in a table of millions of URLs, a miss a line
        // (`perf`: 5 % of a 10M-line import with 3.9M URLs).
        extensionKind.withUnsafeBufferPointer { kinds in
            for word in aheadHashes {
                if let id = Interner.idInTouchedSlot(word), id < kinds.count { prefetch(UnsafeRawPointer(kinds.baseAddress! + id)) }
            }
        }
    }

    /// The next line's record but for its URL's id and kind (`finishRecord`), or nil at the end
    /// of the last file — or, `withinFile`, of the file being read.
    private func nextPrepared(withinFile: Bool) throws(TraceError) -> Prepared? {
        while true {
            guard let line = try nextLine(withinFile: withinFile) else { return nil }
            stats.lines += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            fields.reset()
            switch parse(line) {
            case .notARecord: continue
            case .fatal(let column, let message): throw located(column, message)
            case .bad(let column, let message): try reject(column, message)
            case .record:
                if let prepared = try prepareRecord() { return prepared }
            }
        }
    }

    /// The next line, or nil at the end of the last file — or, `withinFile`, at the end of the
    /// file being read (the next call opens the next file).
    private func nextLine(withinFile: Bool = false) throws(TraceError) -> ArraySlice<UInt8>? {
        while true {
            if input == nil {
                if withinFile { return nil }
                guard fileIndex + 1 < paths.count else { return nil }
                fileIndex += 1
                input = try LogInput(path: paths[fileIndex])
                lineNumber = 0
                stats.files += 1
                startFile()
            }
            if let line = try input!.nextLine() {
                lineNumber = input!.lines.lineNumber
                return line
            }
            input = nil
            if withinFile { return nil }
        }
    }

    func located(_ column: String?, _ message: String) -> TraceError {
        TraceError(file: sourceName, line: lineNumber, column: column, message: message)
    }

    private func reject(_ column: String?, _ message: String) throws(TraceError) {
        let error = located(column, message)
        if options.strict { throw error }
        skips.record(error)
    }

    // MARK: one record

    private enum PageOrigin {
        case field(Int32), referer(Int32, assumed: Bool), sameOrigin, noReferer, unusableReferer
    }

    /// A line's record but for its URL's id and kind: the URL's text is in `url` and the path it
    /// came from at `pathStart` in `fields.target`, until the next line is read.
    private struct Prepared {
        var time: Int64
        var pop: UInt32
        var origin: UInt32?
        var method: UInt32
        var bytes: Int64?
        var line: Int
        var pathStart: Int
        var urlHash: UInt64
    }

    /// The record for `fields` but for its URL's id and kind, or nil when the line was skipped.
    private func prepareRecord() throws(TraceError) -> Prepared? {
        // Validate everything before interning anything, so a skipped line leaves no trace.
        // `fields` is read in place: a copy of it retained and released its dozen arrays.
        guard !fields.method.isEmpty else { try reject(fields.targetField, "no method"); return nil }
        let knownMethod = methods.id(utf8: fields.method[...])
        if knownMethod == nil, let bad = fields.method.first(where: { !$0.isHTTPTokenByte }) {
            try reject(fields.targetField, "method \(shown(fields.method)) has \(shownByte(bad)), which an HTTP method cannot contain")
            return nil
        }

        // The URL: its origin, then the path.
        var urlOrigin: Int32 = -1
        let pathStart: Int
        let target = fields.target
        if target.first == UInt8(ascii: "/") {
            pathStart = 0
            if !fields.host.isEmpty {
                spelling.removeAll(keepingCapacity: true)
                if !fields.scheme.isEmpty { spelling += fields.scheme } else { spelling += (options.site?.scheme ?? "https").utf8 }
                spelling += "://".utf8
                spelling += fields.host
                urlOrigin = canonicalID(spelling[...])
                guard urlOrigin >= 0, canonicalIsHTTP[Int(urlOrigin)] else {
                    try reject(fields.hostField, "\(shown(spelling)) is not an http(s) scheme and a valid host")
                    return nil
                }
            } else {
                urlOrigin = siteCanonical
                if urlOrigin < 0, target.count > 1, target[1] == UInt8(ascii: "/") {
                    try reject(fields.targetField, "path \(shown(target)) starts with '//', which a trace cannot hold without a host (give the site)")
                    return nil
                }
            }
        } else if let end = originEnd(ofURL: target[...]) {
            urlOrigin = canonicalID(target[..<end])
            guard urlOrigin >= 0, canonicalIsHTTP[Int(urlOrigin)] else {
                try reject(fields.targetField, "\(shown(target)) does not start with an http(s) scheme and a valid host")
                return nil
            }
            pathStart = end
        } else if target.isEmpty {
            try reject(fields.targetField, "no request target")
            return nil
        } else {
            try reject(fields.targetField, "request target \(shown(target)) is neither a path nor an absolute http(s) URL")
            return nil
        }

        // The page origin.
        let page: PageOrigin
        if !fields.origin.isEmpty {
            let id = canonicalID(fields.origin[...])
            guard id >= 0 else {
                var reason = ""
                do { _ = try WebOrigin(parsing: String(decoding: fields.origin, as: UTF8.self)) } catch { reason = ": \(error.reason)" }
                try reject(fields.originField, "\(shown(fields.origin)) is not a serialised origin\(reason)")
                return nil
            }
            page = id == urlOrigin ? .sameOrigin : .field(id)
        } else if options.refererOrigin, !fields.referer.isEmpty {
            if let end = originEnd(ofURL: fields.referer[...]) {
                let id = canonicalID(fields.referer[..<end])
                if id < 0 || !canonicalIsHTTP[Int(id)] {
                    page = .unusableReferer
                } else if urlOrigin < 0 {
                    page = .referer(id, assumed: true)
                } else {
                    page = id == urlOrigin ? .sameOrigin : .referer(id, assumed: false)
                }
            } else {
                page = .unusableReferer
            }
        } else {
            page = .noReferer
        }

        // The POP.
        enum POPChoice { case mapped(Int), edge, fallback }
        var choice = POPChoice.fallback
        if let map = options.popMap {
            switch map.key {
            case .clientPrefix:
                if let i = map.popIndex(forClient: fields.client) { choice = .mapped(i) }
            case .edge:
                if !fields.edge.isEmpty { choice = map.popIndex(forEdge: fields.edge).map { .mapped($0) } ?? .edge }
            }
        } else if !fields.edge.isEmpty {
            choice = .edge
        }
        if case .edge = choice, edgeNames.id(utf8: fields.edge[...]) == nil,
           String(validating: fields.edge, as: UTF8.self) == nil || fields.edge.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            try reject(fields.edgeField, "\(shown(fields.edge)) is not a POP name (invalid UTF-8 or a control character)")
            return nil
        }

        if let first = firstTime, fields.time > first, fields.time - first > maxTraceTime {
            try reject(fields.timeField, "\(formatDuration(fields.time - first)) after the first record; a trace may span at most about 285 years")
            return nil
        }

        // The time, last: a time too far back stops the import, but only on a line that is otherwise good.
        var time = fields.time
        var clamp: Int64 = 0
        if firstTime != nil, time < lastTime {
            clamp = lastTime - time
            guard clamp <= options.maxBackwards else {
                let previous = lastTimeFile == fileIndex ? "line \(lastTimeLine)" : "\(paths[lastTimeFile]):\(lastTimeLine)"
                throw located(fields.timeField, "\(formatDuration(clamp)) earlier than \(previous); a log may go back by at most "
                              + "\(formatDuration(options.maxBackwards)) (sort it by time, or give its files in time order)")
            }
            time = lastTime
        }

        // Commit: intern and count.
        if firstTime == nil { firstTime = time }
        lastTime = time
        lastTimeLine = lineNumber
        lastTimeFile = fileIndex
        if clamp > 0 {
            stats.clamped += 1
            stats.largestClamp = max(stats.largestClamp, clamp)
        }

        url.removeAll(keepingCapacity: true)
        if urlOrigin >= 0 {
            url += canonical.utf8(UInt32(urlOrigin))
            if pathStart == target.count || target[pathStart] != UInt8(ascii: "/") { url.append(UInt8(ascii: "/")) }
        }
        appendURLBytes(target[pathStart...], to: &url)
        let urlHash = url.withUnsafeBytes { Interner.hash($0) }

        var originID: UInt32?
        switch page {
        case .field(let id):
            originID = publicOrigin(id)
            stats.originFromField += 1
        case .referer(let id, let assumed):
            originID = publicOrigin(id)
            stats.originFromReferer += 1
            if assumed { stats.refererAssumedCrossSite += 1 }
        case .sameOrigin: stats.sameOrigin += 1
        case .noReferer: stats.noReferer += 1
        case .unusableReferer: stats.unusableReferer += 1
        }

        let popID: UInt32
        switch choice {
        case .mapped(let i):
            if let id = mapPOPIDs[i] { popID = id } else {
                popID = pops.intern(options.popMap!.popNames[i])
                mapPOPIDs[i] = popID
            }
        case .edge:
            if let e = edgeNames.id(utf8: fields.edge[...]) { popID = popOfEdge[Int(e)] } else {
                popID = pops.intern(utf8: fields.edge[...])!
                _ = edgeNames.intern(utf8: fields.edge[...])
                popOfEdge.append(popID)
            }
        case .fallback:
            if let id = defaultPOPID { popID = id } else {
                popID = pops.intern(options.defaultPOP)
                defaultPOPID = popID
            }
            stats.defaultPOP += 1
        }

        let methodID = knownMethod ?? methods.intern(utf8: fields.method[...])!
        let bytes: Int64?
        if fields.status.map({ (200...299).contains($0) && $0 != 206 }) ?? true {
            bytes = fields.method.elementsEqual("HEAD".utf8) ? nil : fields.bytes
        } else {
            bytes = nil
        }
        stats.records += 1
        return Prepared(time: time - firstTime!, pop: popID, origin: originID, method: methodID, bytes: bytes, line: lineNumber,
                        pathStart: pathStart, urlHash: urlHash)
    }

    /// The record of a prepared line: its URL's text `url` interned, its kind from the path the
    /// URL came from and the line's content type.
    private func finishRecord(_ p: Prepared, url: UnsafeRawBufferPointer, path: ArraySlice<UInt8>, contentType: ArraySlice<UInt8>) -> TraceRecord {
        let urlID = urls.intern(bytes: url, hash: p.urlHash)! // ASCII by construction
        if Int(urlID) == extensionKind.count { extensionKind.append(kind(forPath: path)) }
        return TraceRecord(time: p.time, pop: p.pop, url: urlID, origin: p.origin, kind: kindOf(contentType: contentType, urlID: urlID),
                           method: p.method, credentials: nil, bytes: p.bytes, line: p.line)
    }

    private func kindOf(contentType: ArraySlice<UInt8>, urlID: UInt32) -> ResourceKind {
        var typeKind: ResourceKind?
        if !contentType.isEmpty {
            if let id = contentTypes.id(utf8: contentType[...]) {
                typeKind = kindOfContentType[Int(id)]
            } else {
                typeKind = kind(forContentType: contentType)
                if contentTypes.intern(utf8: contentType[...]) != nil { kindOfContentType.append(typeKind) }
            }
        }
        return inferKind(contentType: typeKind, extension: extensionKind[Int(urlID)])
    }

    /// The id in `canonical` of an origin as spelled in the log, or -1 when it is not one.
    private func canonicalID(_ text: ArraySlice<UInt8>) -> Int32 {
        if let s = spellings.id(utf8: text) { return canonicalOfSpelling[Int(s)] }
        guard let string = String(validating: text, as: UTF8.self) else { return -1 }
        var id: Int32 = -1
        if let origin = try? WebOrigin(parsing: string) {
            let c = canonical.intern(origin.serialized)
            if Int(c) == canonicalIsHTTP.count {
                canonicalIsHTTP.append(origin.scheme == "http" || origin.scheme == "https")
                publicOfCanonical.append(.max)
            }
            id = Int32(c)
        }
        _ = spellings.intern(string)
        canonicalOfSpelling.append(id)
        return id
    }

    private func publicOrigin(_ id: Int32) -> UInt32 {
        let p = publicOfCanonical[Int(id)]
        if p != .max { return p }
        let new = origins.intern(canonical.string(UInt32(id)))
        publicOfCanonical[Int(id)] = new
        return new
    }
}

// MARK: helpers shared by the formats

/// The end of `scheme://authority` at the start of an absolute URL, or nil when `url` does not
/// start with a scheme and `://`.
func originEnd(ofURL url: ArraySlice<UInt8>) -> Int? {
    var i = url.startIndex
    guard i < url.endIndex, url[i].isASCIIAlphaByte else { return nil }
    while i < url.endIndex, url[i].isASCIIAlphaByte || url[i].isASCIIDigitByte || url[i] == 0x2B || url[i] == 0x2D || url[i] == 0x2E {
        i += 1
    }
    guard url.endIndex - i >= 3, url[i] == 0x3A, url[i + 1] == 0x2F, url[i + 2] == 0x2F else { return nil }
    i += 3
    while i < url.endIndex, url[i] != 0x2F, url[i] != 0x3F, url[i] != 0x23 { i += 1 }
    return i
}

/// Appends `bytes` with every byte outside `!`…`~` percent-encoded (`%20` for a space).
func appendURLBytes(_ bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
    let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
    for c in bytes {
        if c > 0x20 && c < 0x7F {
            out.append(c)
        } else {
            out.append(UInt8(ascii: "%"))
            out.append(hex[Int(c >> 4)])
            out.append(hex[Int(c & 0xF)])
        }
    }
}


/// A field for a message: in quotes, cut at 80 bytes, invalid UTF-8 and controls escaped.
func shown(_ bytes: some Collection<UInt8>) -> String {
    let cut = bytes.count > 80
    let text = String(decoding: bytes.prefix(80), as: UTF8.self)
    return quoted(text + (cut ? "…" : ""))
}

private func shownByte(_ c: UInt8) -> String {
    c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(hex(UInt32(c), width: 2))"
}
