// The CSV trace format: one request a line, time-ordered, read as a stream.
import HTTPModel

/// One request of a trace, with its names interned by the reader that read it.
public struct TraceRecord: Sendable, Equatable {
    /// Microseconds from the trace's start.
    public var time: Int64
    /// Id in the reader's `pops`.
    public var pop: UInt32
    /// Id in the reader's `urls`: an absolute `http(s)` URL or a path, as written.
    public var url: UInt32
    /// Id in the reader's `origins` (the serialised origin), or nil when the request has no `Origin`.
    public var origin: UInt32?
    public var kind: ResourceKind
    /// Id in the reader's `methods`.
    public var method: UInt32
    /// The credentials mode when the trace sets one; nil means the kind's default.
    public var credentials: CredentialsMode?
    /// The response size when the trace gives it.
    public var bytes: Int64?
    /// The 1-based line the record was read from.
    public var line: Int

    public init(time: Int64, pop: UInt32, url: UInt32, origin: UInt32?, kind: ResourceKind, method: UInt32,
                credentials: CredentialsMode?, bytes: Int64?, line: Int) {
        self.time = time
        self.pop = pop
        self.url = url
        self.origin = origin
        self.kind = kind
        self.method = method
        self.credentials = credentials
        self.bytes = bytes
        self.line = line
    }
}

/// A trace that cannot be read, located by file, line and column name.
public struct TraceError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    /// 1-based line; 0 when the problem is the file as a whole (missing, a directory, empty).
    public let line: Int
    /// The CSV column (header name) at fault, when one is.
    public let column: String?
    public let message: String

    public init(file: String, line: Int, column: String?, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `traces/x.csv:42: column 'origin': "htp://a.com" is not a serialised origin: …`. A column
    /// name read from a file that holds quotes or control characters is shown in JSON quotes
    /// (`column "ki\u0000nd"`), so a message never carries raw control bytes to a terminal.
    public var description: String {
        var s = line > 0 ? "\(file):\(line): " : "\(file): "
        if let column {
            let plain = column.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F && $0 != "'" && $0 != "\"" }
            s += plain ? "column '\(column)': " : "column \(quoted(column)): "
        }
        return s + message
    }
}

/// Reads a CSV trace as a stream of `TraceRecord`s, interning names as it goes.
///
/// The file starts with a header row naming its columns, in any order: `t,pop,url,origin,kind`
/// are required, `method,credentials,bytes` optional. Then one request a line:
/// - `t`: seconds from the trace's start, decimal (`12`, `12.5`, `0.000001`), exact to the
///   microsecond, never decreasing from one line to the next;
/// - `pop`: the POP's id;
/// - `url`: an absolute `http://` or `https://` URL, or a path starting with `/`;
/// - `origin`: the page's serialised origin (`https://www.example.com`, `null`), or empty when
///   the request carries no `Origin` header;
/// - `kind`: a `ResourceKind` name (`font`, `img-cors`, `fetch`, …);
/// - `method`: an HTTP method (default `GET`); `credentials`: `omit`, `same-origin`,
///   `include` or empty for the kind's default; `bytes`: the response size or empty.
///
/// Blank lines are skipped. Each distinct value is validated once, when first seen; after
/// that a line costs a split and a few hash lookups, with no `String` made. Memory grows
/// with the number of distinct values, never with the trace's length.
public final class TraceCSVReader {
    /// The columns every trace must have.
    public static let requiredColumns = ["t", "pop", "url", "origin", "kind"]
    /// The columns a trace may add.
    public static let optionalColumns = ["method", "credentials", "bytes"]

    /// The path as given, used in errors.
    public let path: String
    /// The header's column names, in file order.
    public let columns: [String]

    /// POP ids as written in the trace.
    public var pops: Interner { s.pops }
    /// URLs as written in the trace.
    public var urls: Interner { s.urls }
    /// Serialised origins (`HTTPS://A.com:443` in the trace is `https://a.com` here).
    public var origins: Interner { s.origins }
    /// HTTP methods.
    public var methods: Interner { s.methods }
    /// Records returned so far.
    public private(set) var recordsRead = 0

    /// The 1-based number of the line last read.
    public var lineNumber: Int { lines.lineNumber }

    private let lines: LineReader
    /// An error met after some rows of a `nextRequests` call: thrown by the next call, so that
    /// the rows before it come first (as `next()` gives them).
    private var deferredError: TraceError? = nil
    /// The look-ahead's work on the coming lines, which their parse takes over.
    private let ahead: LookAhead
    /// Lines whose URLs are touched together, ahead of their turn: each URL's lookup reads a
    /// slot of a table of millions and the string it names — misses that, in a loop of their
    /// own, are in flight together instead of one line at a time.
    private static let touchBatch = 32
    private let touchHashes = UnsafeMutablePointer<UInt64>.allocate(capacity: touchBatch)

    /// What the look-ahead found on each of the coming lines: its place in the line reader's
    /// buffer (with the buffer's generation), its fields' ranges from the line's start and their
    /// number (`LineState.splitPlain`: -1 for a line with a quote), and its URL's hash. A line's
    /// parse takes these instead of finding, splitting and hashing the line again (side by side,
    /// a CSV run took 0.95× the time). Allocated once, reused at every look-ahead.
    final class LookAhead {
        let capacity: Int
        let columns: Int
        let starts: UnsafeMutablePointer<Int>
        let ends: UnsafeMutablePointer<Int>
        let found: UnsafeMutablePointer<Int>
        let urlHashes: UnsafeMutablePointer<UInt64>
        let hasURLHash: UnsafeMutablePointer<Bool>
        let ranges: UnsafeMutablePointer<Range<Int>>
        var generation = -1
        var count = 0
        var next = 0

        init(capacity: Int, columns: Int) {
            self.capacity = capacity
            self.columns = columns
            starts = .allocate(capacity: capacity)
            ends = .allocate(capacity: capacity)
            found = .allocate(capacity: capacity)
            urlHashes = .allocate(capacity: capacity)
            hasURLHash = .allocate(capacity: capacity)
            ranges = .allocate(capacity: capacity * columns)
            ranges.initialize(repeating: 0..<0, count: capacity * columns)
        }

        deinit {
            starts.deallocate(); ends.deallocate(); found.deallocate(); urlHashes.deallocate()
            hasURLHash.deallocate(); ranges.deallocate()
        }

        /// The look-ahead's entry for `line` (a slice of the buffer of generation `generation`)
        /// when it is the next one, taken; else nil (the line is split and hashed as it is), and
        /// the entries left are dropped, so that the next line looks ahead again.
        @inline(__always)
        func take(_ line: ArraySlice<UInt8>, generation: Int) -> LineState.Split? {
            guard next < count else { return nil }
            guard starts[next] == line.startIndex, ends[next] == line.endIndex, self.generation == generation else {
                next = count
                return nil
            }
            let k = next
            next &+= 1
            return LineState.Split(ranges: UnsafePointer(ranges + k &* columns), found: found[k],
                                   urlHash: hasURLHash[k] ? urlHashes[k] : nil)
        }

        /// Gives back the entry `take` gave last, for a line read again.
        func giveBack() { next &-= 1 }
    }
    // Everything a line touches lives in one value, so a line makes one exclusive access to
    // the reader instead of one per field, and no interner is copied (retained) per lookup.
    private var s: LineState

    struct ColumnIndex {
        var t = 0, pop = 0, url = 0, origin = 0, kind = 0
        var method: Int?, credentials: Int?, bytes: Int?
    }

    /// Opens a trace and reads its header.
    /// - Throws: `TraceError` when the file cannot be read, is empty, or its header has an
    ///   unknown, repeated or missing column.
    public init(path: String) throws(TraceError) {
        self.path = path
        do {
            lines = try LineReader(path: path)
        } catch {
            throw TraceError(file: path, line: 0, column: nil, message: error.message)
        }
        var headerLine: ArraySlice<UInt8>?
        do {
            while let line = try lines.nextLine() {
                if !isBlank(line) { headerLine = line; break }
            }
        } catch {
            throw TraceError(file: path, line: 0, column: nil, message: error.message)
        }
        let (names, index) = try Self.checkHeader(headerLine, lineNumber: lines.lineNumber, path: path)
        columns = names
        s = LineState(path: path, columns: names, index: index)
        ahead = LookAhead(capacity: Self.touchBatch, columns: names.count)
    }

    deinit { touchHashes.deallocate() }

    /// Checks a trace's header row — `header`, the file's first non-blank line (nil: there is
    /// none), at `lineNumber` — and finds its columns: the rules every CSV trace reader applies
    /// (`CacheKeyCSVReader` too, on the line it read itself, so a pipe is read once).
    /// - Throws: `TraceError` for an empty file, a binary or compressed file, or a header with
    ///   an unknown, repeated or missing column.
    static func checkHeader(_ headerLine: ArraySlice<UInt8>?, lineNumber headerLineNumber: Int, path: String) throws(TraceError)
        -> (columns: [String], index: ColumnIndex) {
        let required = requiredColumns.joined(separator: ",")
        guard var header = headerLine else {
            throw TraceError(file: path, line: 0, column: nil, message: "empty file (expected a header row such as \(required))")
        }
        var bomBytes = 0
        if headerLineNumber == 1, header.starts(with: [0xEF, 0xBB, 0xBF]) { header = header.dropFirst(3); bomBytes = 3 }
        if headerLineNumber == 1, let tool = compressor(ofFileStartingWith: header) {
            throw TraceError(file: path, line: 0, column: nil, message: decompressionAdvice(tool) + " --format csv — popsim reads CSV traces uncompressed")
        }
        // A binary file read as CSV (an oracleGeneral or .pstrace trace without its extension)
        // fails here, in a line, not with its whole first "line" quoted as a column name.
        if let bad = header.withUnsafeBytes({ firstControlByte($0) }) {
            throw TraceError(file: path, line: headerLineNumber, column: nil,
                             message: "header: control character U+\(hex(UInt32(header[header.startIndex + bad]), width: 4)) at byte \(bomBytes + bad + 1) "
                                + "(is this a binary trace? name it .oracleGeneral or .pstrace, or give its format)")
        }
        var splitter = CSVSplitter()
        do {
            try splitter.split(header)
        } catch {
            throw TraceError(file: path, line: headerLineNumber, column: nil, message: "header: \(error.message) at byte \(error.column)" + logHint(path))
        }
        let names = splitter.strings
        let known = requiredColumns + optionalColumns
        var position: [String: Int] = [:]
        for (i, name) in names.enumerated() {
            guard known.contains(name) else {
                // A long name is shown by its start: a header is a few short names.
                let shown = name.count > 40 ? String(name.prefix(40)) + "…" : name
                throw TraceError(file: path, line: headerLineNumber, column: shown,
                                 message: "unknown column in the header (known columns: \(known.joined(separator: ", ")))" + logHint(path))
            }
            if let first = position[name] {
                throw TraceError(file: path, line: headerLineNumber, column: name,
                                 message: "column appears twice in the header (fields \(first + 1) and \(i + 1))")
            }
            position[name] = i
        }
        let missing = requiredColumns.filter { position[$0] == nil }
        if let first = missing.first {
            throw TraceError(file: path, line: headerLineNumber, column: first,
                             message: "required column missing from the header (missing: \(missing.joined(separator: ", ")); required: \(required))")
        }
        return (names, ColumnIndex(t: position["t"]!, pop: position["pop"]!, url: position["url"]!,
                                   origin: position["origin"]!, kind: position["kind"]!,
                                   method: position["method"], credentials: position["credentials"], bytes: position["bytes"]))
    }

    /// For a file named like an access log (`access.log`, `access.log.1`) that is not a CSV trace:
    /// how to read it as one, which the message about its header does not say.
    private static func logHint(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard name.hasSuffix(".log") || name.contains(".log.") else { return "" }
        return " (an access log? popsim trace import reads it, and cachesim and mrc with --format nginx-combined, cloudfront or alibaba-cdn)"
    }


    /// The next request, or nil at the end of the trace.
    ///
    /// After an error the reader is still usable: the next call reads the following line, so a
    /// caller can count bad lines and go on.
    /// - Throws: `TraceError` naming the line and column of the first problem on a line.
    public func next() throws(TraceError) -> TraceRecord? {
        while true {
            guard let (line, split) = try nextLine() else { return nil }
            if isBlank(line) { continue }
            // Not stopping before new POPs, origins or methods, `parse` always gives the record.
            guard let record = try s.parse(line, lineNumber: lines.lineNumber, split: split, stopsBeforeTables: false) else { continue }
            recordsRead += 1
            return record
        }
    }
}

extension TraceCSVReader {
    /// The next line, looking ahead first when the look-ahead's lines are spent, with its entry
    /// there when it has one; nil at the end of the file.
    @inline(__always)
    private func nextLine() throws(TraceError) -> (ArraySlice<UInt8>, LineState.Split?)? {
        if ahead.next == ahead.count { touchAhead() }
        do {
            guard let line = try lines.nextLine() else { return nil }
            return (line, ahead.take(line, generation: lines.generation))
        } catch {
            throw TraceError(file: path, line: lines.lineNumber + 1, column: nil, message: error.message)
        }
    }
}

extension TraceCSVReader: RequestColumnSource {
    /// Reads the next requests into `columns`: the records `next()` would give, parsed line by
    /// line into the columns, with no record handed through the run one at a time. A batch's rows
    /// are consecutive lines (it ends at a blank line), so that the run names a row's line by
    /// its place, and it ends before a line that names a POP, origin or method not seen before
    /// (`RequestColumnSource`): that line, parsed and then given back, starts the next batch.
    public func nextRequests(into columns: RequestColumns) throws(TraceError) -> Int {
        if let error = deferredError { deferredError = nil; throw error }
        columns.firstRecord = lines.lineNumber + 1
        var n = 0
        var failure: TraceError? = nil
        while n < columns.capacity {
            let line: ArraySlice<UInt8>, split: LineState.Split?
            do {
                guard let next = try nextLine() else { break }
                (line, split) = next
            } catch {
                failure = error
                break
            }
            if isBlank(line) {
                if n > 0 { break }
                continue
            }
            let parsed: TraceRecord?
            do { parsed = try s.parse(line, lineNumber: lines.lineNumber, split: split, stopsBeforeTables: n > 0) } catch { failure = error; break }
            guard let r = parsed else {
                lines.unreadLastLine()
                if split != nil { ahead.giveBack() }
                break
            }
            if n == 0 { columns.firstRecord = r.line }
            columns.time[n] = r.time
            columns.pop[n] = r.pop
            columns.url[n] = r.url
            columns.originPlus1[n] = r.origin.map { $0 &+ 1 } ?? 0
            columns.method[n] = r.method
            columns.kind[n] = UInt8(truncatingIfNeeded: r.kind.ordinal)
            columns.credentialsPlus1[n] = r.credentials.map { UInt8(truncatingIfNeeded: $0.ordinal + 1) } ?? 0
            columns.bytes[n] = r.bytes ?? -1
            columns.urlsDefined[n] = UInt32(truncatingIfNeeded: s.urls.count)
            recordsRead += 1
            n &+= 1
        }
        // The rows before an error first, the error at the next call.
        if let failure {
            if n == 0 { throw failure }
            deferredError = failure
        }
        columns.count = n
        return n
    }
}

extension TraceCSVReader {
    /// Splits the next lines in the buffer (up to `touchBatch` of them) and hashes their URLs,
    /// keeping both for their parse (`LookAhead`), and touches the URLs' lookups: first every URL
    /// is hashed, then the interner reads their slots in one loop and the strings they name in
    /// another, so that the misses overlap.
    private func touchAhead() {
        let a = ahead, column = s.index.url
        let hashes = touchHashes
        var touches = 0
        a.count = 0
        a.next = 0
        a.generation = lines.generation
        let base = lines.unreadStart
        lines.withUnreadBytes { bytes in
            var line = 0
            while a.count < a.capacity, let lineEnd = bytes.firstOffset(of: 0x0A, from: line, to: bytes.count) {
                // The line as `LineReader.nextLine` gives it: without its CR.
                var end = lineEnd
                if end > line && bytes[end - 1] == 0x0D { end -= 1 }
                let k = a.count
                let ranges = UnsafeMutableBufferPointer(start: a.ranges + k &* a.columns, count: a.columns)
                let found = LineState.splitPlain(UnsafeRawBufferPointer(rebasing: bytes[line..<end]), into: ranges)
                a.starts[k] = base &+ line
                a.ends[k] = base &+ end
                a.found[k] = found
                a.hasURLHash[k] = found > column
                if found > column {
                    let url = ranges[column]
                    let h = Interner.hash(UnsafeRawBufferPointer(rebasing: bytes[(line + url.lowerBound)..<(line + url.upperBound)]))
                    a.urlHashes[k] = h
                    hashes[touches] = h
                    touches &+= 1
                }
                a.count &+= 1
                line = lineEnd + 1
            }
        }
        s.touched &+= s.urls.touch(hashes: hashes, count: touches)
    }
}

/// The per-line state of a `TraceCSVReader`: interners, the last time, the splitter.
///
/// A line without quotes (nearly all of them) is split in place: its fields are ranges of the
/// line's bytes, read through one unsafe buffer, with no copy. A line with a quote goes through
/// `CSVSplitter`, which unescapes. Each distinct value is validated once, when first seen; after
/// that a field costs a hash of its bytes and a probe, and no `String` is made. Messages (and the
/// display strings in them) are built only when a line is refused.
///
/// The field parsers are `mutating` though some change nothing: from `parseFields` (mutating),
/// a non-mutating method was handed a copy of the whole state, 480 bytes through `memcpy`, at
/// each call — four a line, a twentieth of a CSV run's instructions.
struct LineState {
    let path: String
    let columns: [String]
    let index: TraceCSVReader.ColumnIndex
    var pops = Interner()
    var urls = Interner()
    var origins = Interner()
    var methods = Interner()
    private var splitter = CSVSplitter()
    private var ranges: [Range<Int>] = []
    // Origins as written ⇒ id in `origins`, so each distinct spelling is parsed once.
    private var rawOrigins = Interner()
    private var originOfRaw: [UInt32] = []
    private var kindNames = Interner()
    private var kindOfName: [ResourceKind] = []
    /// Memos in front of the interners of the short, few-valued columns (`ShortTextMemo`): the
    /// POP's id, the origin's, the kind's name id, the method's, by the field's bytes.
    private let popMemo = ShortTextMemo(), originMemo = ShortTextMemo(), kindMemo = ShortTextMemo(), methodMemo = ShortTextMemo()
    /// The scheme-and-authority prefixes (`https://host:port`, as spelt) of the absolute URLs
    /// validated so far: a trace's URLs share a few, and `WebOrigin(ofURL:)` costs microseconds
    /// (a trace of two million distinct URLs spent nine-tenths of its conversion there).
    private var validAuthorities = Interner()
    private var getMethod: UInt32?
    private var lastTime: Int64 = 0
    private var lastTimeLine = 0
    /// Where the look-ahead's touches go, so that they are not optimised away.
    var touched: UInt64 = 0
    private var lineNumber = 0

    init(path: String, columns: [String], index: TraceCSVReader.ColumnIndex) {
        self.path = path
        self.columns = columns
        self.index = index
        ranges = Array(repeating: 0..<0, count: columns.count)
    }

    private func fail(_ column: Int?, _ message: String) -> TraceError {
        TraceError(file: path, line: lineNumber, column: column.map { columns[$0] }, message: message)
    }

    /// A line split ahead of its parse (`TraceCSVReader.LookAhead`): its fields' ranges (one per
    /// column, from the line's start), their number as `splitPlain` counts them, and the hash
    /// of its URL field when it has one.
    struct Split {
        var ranges: UnsafePointer<Range<Int>>
        var found: Int
        var urlHash: UInt64?
    }

    /// The line's record.
    /// - Parameters:
    ///   - split: the line as the look-ahead split it, or nil to split it here.
    ///   - stopsBeforeTables: give nil for a valid line that names a POP, origin spelling or
    ///     method not seen before, taking nothing in from it (`TraceCSVReader.nextRequests`
    ///     leaves it for its next batch).
    mutating func parse(_ line: ArraySlice<UInt8>, lineNumber: Int, split: Split?, stopsBeforeTables: Bool) throws(TraceError) -> TraceRecord? {
        self.lineNumber = lineNumber
        // `ranges` holds one range per column, written in place: no append, no check of its
        // buffer's sole ownership per field.
        let found: Int
        if let split {
            found = split.found
            if found == columns.count {
                ranges.withUnsafeMutableBufferPointer { r in
                    for k in 0..<r.count { r[k] = split.ranges[k] }
                }
            }
        } else {
            found = line.withUnsafeBytes { raw in
                ranges.withUnsafeMutableBufferPointer { Self.splitPlain(raw, into: $0) }
            }
        }
        if found >= 0 {
            guard found == columns.count else { throw fieldCountError(found) }
            let ranges = self.ranges
            let result: Result<TraceRecord?, TraceError> = line.withUnsafeBytes { raw in
                do throws(TraceError) {
                    return .success(try parseFields(raw, ranges, urlHash: split?.urlHash, stopsBeforeTables: stopsBeforeTables))
                } catch { return .failure(error) }
            }
            return try result.get()
        }
        do {
            try splitter.split(line)
        } catch {
            let column = error.field < columns.count ? error.field : nil
            throw fail(column, "\(error.message) at byte \(error.column) of the line")
        }
        guard splitter.count == columns.count else { throw fieldCountError(splitter.count) }
        let split = splitter
        return try split.withFields { (raw, ranges) throws(TraceError) -> TraceRecord? in
            try parseFields(raw, ranges, urlHash: nil, stopsBeforeTables: stopsBeforeTables)
        }
    }

    /// Splits a line at its commas into `ranges` (as many as fit; the rest are counted only).
    /// - Returns: the number of fields, or -1 when the line has a quote (`CSVSplitter` then
    ///   splits it). Eight bytes at a time (`matchingBytes`): the byte-at-a-time loop was about
    ///   1,250 instructions a line of 90 bytes, a fifth of a CSV run's reading (callgrind).
    @inline(__always)
    static func splitPlain(_ raw: UnsafeRawBufferPointer, into ranges: UnsafeMutableBufferPointer<Range<Int>>) -> Int {
        let n = raw.count
        var fields = 0, start = 0, i = 0
        while i &+ 8 <= n {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            if matchingBytes(word, repeatedByte(0x22)) != 0 { return -1 }
            var commas = matchingBytes(word, repeatedByte(0x2C))
            while commas != 0 {
                let at = i &+ commas.trailingZeroBitCount &>> 3
                if fields < ranges.count { ranges[fields] = start..<at }
                fields &+= 1
                start = at &+ 1
                commas &= commas &- 1
            }
            i &+= 8
        }
        while i < n {
            let c = raw.load(fromByteOffset: i, as: UInt8.self)
            if c == 0x22 { return -1 }
            if c == 0x2C {
                if fields < ranges.count { ranges[fields] = start..<i }
                fields &+= 1
                start = i &+ 1
            }
            i &+= 1
        }
        if fields < ranges.count { ranges[fields] = start..<n }
        return fields &+ 1
    }

    private func fieldCountError(_ found: Int) -> TraceError {
        fail(nil, "expected \(columns.count) fields (\(columns.joined(separator: ","))), found \(found)")
    }

    /// One line's record from its fields (`ranges` into `raw`); `urlHash`: the URL field's
    /// `Interner.hash` when the look-ahead has it. See `parse` for `stopsBeforeTables`.
    private mutating func parseFields(_ raw: UnsafeRawBufferPointer, _ ranges: [Range<Int>], urlHash: UInt64?,
                                      stopsBeforeTables: Bool) throws(TraceError) -> TraceRecord? {
        func field(_ i: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: raw[ranges[i]]) }
        // Validate every field before interning any, so a bad line leaves no trace in the interners.
        let time = try parseTime(field(index.t))
        let popField = field(index.pop), urlField = field(index.url), originField = field(index.origin)
        let pop = try checkPOP(popField)
        let url = try checkURL(urlField, hash: urlHash)
        let origin = try checkOrigin(originField)
        let kind = try parseKind(field(index.kind))
        let methodField = index.method.map { field($0) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
        let method = try checkMethod(methodField)
        var credentials: CredentialsMode? = nil
        if let i = index.credentials { credentials = try parseCredentials(field(i), column: i) }
        var bytes: Int64? = nil
        if let i = index.bytes { bytes = try parseBytes(field(i), column: i) }

        if stopsBeforeTables {
            var newOrigin = false
            if case .new = origin { newOrigin = true }
            let newMethod = method == nil && (!methodField.isEmpty || methods.id(of: "GET") == nil)
            if pop == nil || newOrigin || newMethod { return nil }
        }
        let originID: UInt32?
        switch origin {
        case .absent: originID = nil
        case .known(let id): originID = id
        case .new(let serialized):
            _ = rawOrigins.intern(bytes: originField)
            originID = origins.intern(serialized)
            originOfRaw.append(originID!)
        }
        let methodID: UInt32
        if let method {
            methodID = method
        } else if methodField.isEmpty {
            methodID = methods.intern("GET")
            getMethod = methodID
        } else {
            methodID = methods.intern(bytes: methodField)!
        }
        lastTime = time
        lastTimeLine = lineNumber
        let urlID: UInt32
        switch url {
        case .known(let id): urlID = id
        case .new: urlID = urls.add(new: urlField)
        }
        return TraceRecord(time: time, pop: pop ?? pops.intern(bytes: popField)!,
                           url: urlID, origin: originID, kind: kind,
                           method: methodID, credentials: credentials, bytes: bytes, line: lineNumber)
    }

    private enum OriginLookup {
        case absent
        case known(UInt32)
        case new(serialized: String)
    }

    private mutating func parseTime(_ field: UnsafeRawBufferPointer) throws(TraceError) -> Int64 {
        // The common form — digits, then at most six decimals — read directly; anything else
        // (and every error) goes through the general decimal parser.
        if let t = Self.simpleMicroseconds(field), t >= lastTime { return t }
        let forms = "decimal seconds such as 12, 12.5 or 0.000001"
        if field.isEmpty { throw fail(index.t, "empty (expected \(forms))") }
        switch scaledDecimal(field, times: 1_000_000) {
        case .success(let t):
            if t < lastTime {
                throw fail(index.t, "\(display(field)) is earlier than \(formatSeconds(lastTime)) on line \(lastTimeLine) (a trace must be in time order)")
            }
            return t
        case .failure(.syntax): throw fail(index.t, "\(display(field)) is not a time (expected \(forms))")
        case .failure(.negative): throw fail(index.t, "\(display(field)) is negative (times are seconds from the trace's start)")
        case .failure(.notWhole): throw fail(index.t, "\(display(field)) is finer than a microsecond")
        case .failure(.overflow): throw fail(index.t, "\(display(field)) is too large")
        }
    }

    /// `12`, `12.5`, `0.000001` as microseconds: 1…12 digits, optionally a dot and 1…6 digits;
    /// nil for any other form (which the general parser then reads or refuses).
    @inline(__always)
    private static func simpleMicroseconds(_ f: UnsafeRawBufferPointer) -> Int64? {
        var i = 0, whole: Int64 = 0
        while i < f.count, i < 12, f[i] >= 0x30 && f[i] <= 0x39 { whole = whole * 10 + Int64(f[i] - 0x30); i += 1 }
        guard i > 0 else { return nil }
        if i == f.count { return whole * 1_000_000 }
        guard f[i] == UInt8(ascii: "."), f.count - i - 1 >= 1, f.count - i - 1 <= 6 else { return nil }
        var frac: Int64 = 0
        i += 1
        let decimals = f.count - i
        while i < f.count {
            let c = f[i]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            frac = frac * 10 + Int64(c - 0x30)
            i += 1
        }
        // The fraction's scale from its number of decimals (1…6), with no division per digit.
        var scale: Int64 = 1
        for _ in decimals..<6 { scale &*= 10 }
        return whole * 1_000_000 + frac * scale
    }

    /// The POP's id when known, nil when new and valid.
    private mutating func checkPOP(_ field: UnsafeRawBufferPointer) throws(TraceError) -> UInt32? {
        if let id = popMemo.id(field, else: pops.id(bytes:)) { return id }
        if field.isEmpty { throw fail(index.pop, "empty (every request needs a POP id)") }
        try checkText(field, column: index.pop)
        return nil
    }

    private enum URLLookup {
        case known(UInt32)
        /// Valid and not seen before (validated once).
        case new
    }

    /// The URL's id when known, `.new` when new and valid.
    private mutating func checkURL(_ field: UnsafeRawBufferPointer, hash: UInt64?) throws(TraceError) -> URLLookup {
        if let id = hash.map({ urls.id(bytes: field, hash: $0) }) ?? urls.id(bytes: field) { return .known(id) }
        if field.isEmpty { throw fail(index.url, "empty (expected an absolute http(s) URL or a path starting with '/')") }
        try checkText(field, column: index.url)
        if let space = field.firstIndex(of: 0x20) {
            throw fail(index.url, "\(display(field)) contains a space at byte \(space + 1) (write it as %20)")
        }
        // On printable ASCII (nearly every URL) a byte is a `Character`: the prefixes are tested
        // on the bytes, as the strings' tests would answer, and no `String` is made.
        let printable = isPrintableASCII(field)
        let text = printable ? nil : validatedString(field)!
        func hasPrefix(_ prefix: String, ignoringCase: Bool = false) -> Bool {
            guard printable else { return (ignoringCase ? text!.lowercased() : text!).hasPrefix(prefix) }
            var i = 0
            for b in prefix.utf8 {
                guard i < field.count, (ignoringCase ? field[i].asciiLowercased : field[i]) == b else { return false }
                i += 1
            }
            return true
        }
        if hasPrefix("/") {
            if hasPrefix("//") {
                throw fail(index.url, "\(display(field)) starts with '//' (write the scheme: https://host/path)")
            }
        } else {
            guard hasPrefix("http://", ignoringCase: true) || hasPrefix("https://", ignoringCase: true) else {
                throw fail(index.url, "\(display(field)) is neither an absolute http(s) URL nor a path starting with '/'")
            }
            let authority = Self.printableAuthority(field)
            if authority == nil || validAuthorities.id(bytes: authority!) == nil {
                do {
                    _ = try WebOrigin(ofURL: text ?? String(decoding: field, as: UTF8.self))
                } catch {
                    throw fail(index.url, "\(display(field)) has an invalid scheme, host or port: \(error.reason)")
                }
                if let authority { _ = validAuthorities.intern(bytes: authority) }
            }
        }
        return .new
    }

    /// The part of an absolute URL that `WebOrigin(ofURL:)` parses — up to the first `/`, `?` or
    /// `#` after `://` — when the whole field is printable ASCII (where a byte is a character, so
    /// the cut is the one that parse makes); nil otherwise (the full parse then runs each time).
    static func printableAuthority(_ field: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        for b in field where b < 0x21 || b > 0x7E { return nil }
        let n = field.count
        var i = 0
        while i + 2 < n && !(field[i] == 0x3A && field[i + 1] == 0x2F && field[i + 2] == 0x2F) { i += 1 }
        guard i + 2 < n else { return nil }
        var end = i + 3
        while end < n && field[end] != 0x2F && field[end] != 0x3F && field[end] != 0x23 { end += 1 }
        return UnsafeRawBufferPointer(rebasing: field[0..<end])
    }

    /// Absent, the id of an origin spelled this way before, or the serialisation of a new one.
    private mutating func checkOrigin(_ field: UnsafeRawBufferPointer) throws(TraceError) -> OriginLookup {
        if field.isEmpty { return .absent }
        if let id = originMemo.id(field, else: { rawOrigins.id(bytes: $0).map { originOfRaw[Int($0)] } }) { return .known(id) }
        try checkText(field, column: index.origin)
        do {
            return .new(serialized: try WebOrigin(parsing: String(decoding: field, as: UTF8.self)).serialized)
        } catch {
            throw fail(index.origin, error.description)
        }
    }

    private mutating func parseKind(_ field: UnsafeRawBufferPointer) throws(TraceError) -> ResourceKind {
        if let id = kindMemo.id(field, else: kindNames.id(bytes:)) { return kindOfName[Int(id)] }
        try checkText(field, column: index.kind)
        let text = String(decoding: field, as: UTF8.self)
        let kind: ResourceKind
        do {
            kind = try ResourceKind(parsing: text)
        } catch {
            throw fail(index.kind, error.description)
        }
        _ = kindNames.intern(text)
        kindOfName.append(kind)
        return kind
    }

    /// The method's id when known, nil when new and valid (an empty field is a new `GET`).
    private mutating func checkMethod(_ field: UnsafeRawBufferPointer) throws(TraceError) -> UInt32? {
        if field.isEmpty { return getMethod }
        if let id = methodMemo.id(field, else: methods.id(bytes:)) { return id }
        try checkText(field, column: index.method)
        guard field.allSatisfy(\.isHTTPTokenByte) else {
            throw fail(index.method, "\(display(field)) is not an HTTP method (a token of letters, digits and !#$%&'*+-.^_`|~)")
        }
        return nil
    }

    private mutating func parseCredentials(_ field: UnsafeRawBufferPointer, column: Int) throws(TraceError) -> CredentialsMode? {
        if field.isEmpty { return nil }
        if field.elementsEqual("omit".utf8) { return .omit }
        if field.elementsEqual("same-origin".utf8) { return .sameOrigin }
        if field.elementsEqual("include".utf8) { return .include }
        try checkText(field, column: column)
        throw fail(column, "\(display(field)) is not a credentials mode (expected omit, same-origin, include, or empty for the kind's default)")
    }

    private mutating func parseBytes(_ field: UnsafeRawBufferPointer, column: Int) throws(TraceError) -> Int64? {
        if field.isEmpty { return nil }
        // The common form, up to 18 digits (no overflow), read directly; anything else (and
        // every error) through the general parser.
        if field.count <= 18 {
            var value: Int64 = 0, digits = true
            for c in field {
                let d = c &- 0x30
                if d > 9 { digits = false; break }
                value = value &* 10 &+ Int64(d)
            }
            if digits { return value }
        }
        switch scaledDecimal(field, times: 1) {
        case .success(let n) where !field.contains(UInt8(ascii: ".")): return n
        case .failure(.negative): throw fail(column, "\(display(field)) is negative (expected a size in bytes, or empty)")
        case .failure(.overflow): throw fail(column, "\(display(field)) is too large")
        default: throw fail(column, "\(display(field)) is not a whole number of bytes (expected digits only, or empty)")
        }
    }

    /// Refuses invalid UTF-8 and control characters, which no trace value may contain.
    private func checkText(_ field: UnsafeRawBufferPointer, column: Int?) throws(TraceError) {
        if let bad = firstControlByte(field) {
            throw fail(column, "\(display(field)) contains control character U+\(hex(UInt32(field[bad]), width: 4)) at byte \(bad + 1)")
        }
        if !isValidUTF8(field) {
            var offset = 0
            // Find the first byte that starts an invalid sequence, for the message.
            var it = field.makeIterator()
            var decoder = UTF8()
            loop: while true {
                let before = offset
                switch decoder.decode(&it) {
                case .scalarValue(let s): offset += UTF8.width(s)
                case .emptyInput: break loop
                case .error:
                    offset = before
                    break loop
                }
            }
            throw fail(column, "not valid UTF-8 (byte 0x\(hex(UInt32(field[offset]), width: 2)) at byte \(offset + 1) of the field)")
        }
    }
}

/// A field for a message, in JSON quotes with control characters escaped.
private func display(_ field: some Collection<UInt8>) -> String { quoted(String(decoding: field, as: UTF8.self)) }

/// `12.5` for 12 500 000 µs: the trace's own notation, for messages.
private func formatSeconds(_ t: Int64) -> String {
    let whole = t / 1_000_000
    var frac = zeroPadded(t % 1_000_000, width: 6)
    while frac.hasSuffix("0") { frac.removeLast() }
    return frac.isEmpty ? "\(whole)" : "\(whole).\(frac)"
}

private func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
    guard let first = line.first else { return true }
    return (first == 0x20 || first == 0x09) && line.allSatisfy { $0 == 0x20 || $0 == 0x09 }
}

