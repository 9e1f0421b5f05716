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
    public private(set) var pops = Interner()
    /// URLs as written in the trace.
    public private(set) var urls = Interner()
    /// Serialised origins (`HTTPS://A.com:443` in the trace is `https://a.com` here).
    public private(set) var origins = Interner()
    /// HTTP methods.
    public private(set) var methods = Interner()
    /// Records returned so far.
    public private(set) var recordsRead = 0

    /// The 1-based number of the line last read.
    public var lineNumber: Int { lines.lineNumber }

    private let lines: LineReader
    private var splitter = CSVSplitter()
    private let index: ColumnIndex
    // Origins as written ⇒ id in `origins`, so each distinct spelling is parsed once.
    private var rawOrigins = Interner()
    private var originOfRaw: [UInt32] = []
    private var kindNames = Interner()
    private var kindOfName: [ResourceKind] = []
    private var getMethod: UInt32?
    private var lastTime: Int64 = 0
    private var lastTimeLine = 0

    private struct ColumnIndex {
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
        let required = TraceCSVReader.requiredColumns.joined(separator: ",")
        guard var header = headerLine else {
            throw TraceError(file: path, line: 0, column: nil, message: "empty file (expected a header row such as \(required))")
        }
        let headerLineNumber = lines.lineNumber
        if headerLineNumber == 1, header.starts(with: [0xEF, 0xBB, 0xBF]) { header = header.dropFirst(3) }
        do {
            try splitter.split(header)
        } catch {
            throw TraceError(file: path, line: headerLineNumber, column: nil, message: "header: \(error.message) at byte \(error.column)")
        }
        let names = splitter.strings
        let known = TraceCSVReader.requiredColumns + TraceCSVReader.optionalColumns
        var position: [String: Int] = [:]
        for (i, name) in names.enumerated() {
            guard known.contains(name) else {
                throw TraceError(file: path, line: headerLineNumber, column: name,
                                 message: "unknown column in the header (known columns: \(known.joined(separator: ", ")))")
            }
            if let first = position[name] {
                throw TraceError(file: path, line: headerLineNumber, column: name,
                                 message: "column appears twice in the header (fields \(first + 1) and \(i + 1))")
            }
            position[name] = i
        }
        let missing = TraceCSVReader.requiredColumns.filter { position[$0] == nil }
        if let first = missing.first {
            throw TraceError(file: path, line: headerLineNumber, column: first,
                             message: "required column missing from the header (missing: \(missing.joined(separator: ", ")); required: \(required))")
        }
        columns = names
        index = ColumnIndex(t: position["t"]!, pop: position["pop"]!, url: position["url"]!,
                            origin: position["origin"]!, kind: position["kind"]!,
                            method: position["method"], credentials: position["credentials"], bytes: position["bytes"])
    }

    /// The next request, or nil at the end of the trace.
    ///
    /// After an error the reader is still usable: the next call reads the following line, so a
    /// caller can count bad lines and go on.
    /// - Throws: `TraceError` naming the line and column of the first problem on a line.
    public func next() throws(TraceError) -> TraceRecord? {
        while true {
            let line: ArraySlice<UInt8>
            do {
                guard let l = try lines.nextLine() else { return nil }
                line = l
            } catch {
                throw TraceError(file: path, line: lines.lineNumber + 1, column: nil, message: error.message)
            }
            if isBlank(line) { continue }
            let record = try parse(line)
            recordsRead += 1
            return record
        }
    }

    // MARK: one line

    private func fail(_ column: Int?, _ message: String) -> TraceError {
        TraceError(file: path, line: lines.lineNumber, column: column.map { columns[$0] }, message: message)
    }

    private func parse(_ line: ArraySlice<UInt8>) throws(TraceError) -> TraceRecord {
        do {
            try splitter.split(line)
        } catch {
            let column = error.field < columns.count ? error.field : nil
            throw fail(column, "\(error.message) at byte \(error.column) of the line")
        }
        guard splitter.count == columns.count else {
            throw fail(nil, "expected \(columns.count) fields (\(columns.joined(separator: ","))), found \(splitter.count)")
        }
        // Validate every field before interning any, so a bad line leaves no trace in the interners.
        let time = try parseTime(splitter[index.t])
        let pop = try checkPOP(splitter[index.pop])
        let url = try checkURL(splitter[index.url])
        let origin = try checkOrigin(splitter[index.origin])
        let kind = try parseKind(splitter[index.kind])
        let methodField = index.method.map { splitter[$0] } ?? []
        let method = try checkMethod(methodField)
        let credentials = try index.credentials.map { (i) throws(TraceError) in try parseCredentials(splitter[i], column: i) } ?? nil
        let bytes = try index.bytes.map { (i) throws(TraceError) in try parseBytes(splitter[i], column: i) } ?? nil

        let originID: UInt32?
        switch origin {
        case .absent: originID = nil
        case .known(let id): originID = id
        case .new(let serialized):
            _ = rawOrigins.intern(utf8: splitter[index.origin])
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
            methodID = methods.intern(utf8: methodField)!
        }
        lastTime = time
        lastTimeLine = lines.lineNumber
        return TraceRecord(time: time, pop: pop ?? pops.intern(utf8: splitter[index.pop])!,
                           url: url ?? urls.intern(utf8: splitter[index.url])!, origin: originID, kind: kind,
                           method: methodID, credentials: credentials, bytes: bytes, line: lines.lineNumber)
    }

    private enum OriginLookup {
        case absent
        case known(UInt32)
        case new(serialized: String)
    }

    private func parseTime(_ field: ArraySlice<UInt8>) throws(TraceError) -> Int64 {
        let shown = display(field)
        let forms = "decimal seconds such as 12, 12.5 or 0.000001"
        if field.isEmpty { throw fail(index.t, "empty (expected \(forms))") }
        switch scaledDecimal(field, times: 1_000_000) {
        case .success(let t):
            if t < lastTime {
                throw fail(index.t, "\(shown) is earlier than \(formatSeconds(lastTime)) on line \(lastTimeLine) (a trace must be in time order)")
            }
            return t
        case .failure(.syntax): throw fail(index.t, "\(shown) is not a time (expected \(forms))")
        case .failure(.negative): throw fail(index.t, "\(shown) is negative (times are seconds from the trace's start)")
        case .failure(.notWhole): throw fail(index.t, "\(shown) is finer than a microsecond")
        case .failure(.overflow): throw fail(index.t, "\(shown) is too large")
        }
    }

    /// The POP's id when known, nil when new and valid.
    private func checkPOP(_ field: ArraySlice<UInt8>) throws(TraceError) -> UInt32? {
        if let id = pops.id(utf8: field) { return id }
        if field.isEmpty { throw fail(index.pop, "empty (every request needs a POP id)") }
        try checkText(field, column: index.pop)
        return nil
    }

    /// The URL's id when known, nil when new and valid.
    private func checkURL(_ field: ArraySlice<UInt8>) throws(TraceError) -> UInt32? {
        if let id = urls.id(utf8: field) { return id }
        if field.isEmpty { throw fail(index.url, "empty (expected an absolute http(s) URL or a path starting with '/')") }
        try checkText(field, column: index.url)
        if let space = field.firstIndex(of: 0x20) {
            throw fail(index.url, "\(display(field)) contains a space at byte \(space - field.startIndex + 1) (write it as %20)")
        }
        let text = String(decoding: field, as: UTF8.self)
        if text.hasPrefix("/") {
            if text.hasPrefix("//") {
                throw fail(index.url, "\(display(field)) starts with '//' (write the scheme: https://host/path)")
            }
        } else {
            let lower = text.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw fail(index.url, "\(display(field)) is neither an absolute http(s) URL nor a path starting with '/'")
            }
            do {
                _ = try WebOrigin(ofURL: text)
            } catch {
                throw fail(index.url, "\(display(field)) has an invalid scheme, host or port: \(error.reason)")
            }
        }
        return nil
    }

    /// Absent, the id of an origin spelled this way before, or the serialisation of a new one.
    private func checkOrigin(_ field: ArraySlice<UInt8>) throws(TraceError) -> OriginLookup {
        if field.isEmpty { return .absent }
        if let raw = rawOrigins.id(utf8: field) { return .known(originOfRaw[Int(raw)]) }
        try checkText(field, column: index.origin)
        do {
            return .new(serialized: try WebOrigin(parsing: String(decoding: field, as: UTF8.self)).serialized)
        } catch {
            throw fail(index.origin, error.description)
        }
    }

    private func parseKind(_ field: ArraySlice<UInt8>) throws(TraceError) -> ResourceKind {
        if let id = kindNames.id(utf8: field) { return kindOfName[Int(id)] }
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
    private func checkMethod(_ field: ArraySlice<UInt8>) throws(TraceError) -> UInt32? {
        if field.isEmpty { return getMethod }
        if let id = methods.id(utf8: field) { return id }
        try checkText(field, column: index.method)
        guard field.allSatisfy(isTokenByte) else {
            throw fail(index.method, "\(display(field)) is not an HTTP method (a token of letters, digits and !#$%&'*+-.^_`|~)")
        }
        return nil
    }

    private func parseCredentials(_ field: ArraySlice<UInt8>, column: Int) throws(TraceError) -> CredentialsMode? {
        if field.isEmpty { return nil }
        if field.elementsEqual("omit".utf8) { return .omit }
        if field.elementsEqual("same-origin".utf8) { return .sameOrigin }
        if field.elementsEqual("include".utf8) { return .include }
        try checkText(field, column: column)
        throw fail(column, "\(display(field)) is not a credentials mode (expected omit, same-origin, include, or empty for the kind's default)")
    }

    private func parseBytes(_ field: ArraySlice<UInt8>, column: Int) throws(TraceError) -> Int64? {
        if field.isEmpty { return nil }
        switch scaledDecimal(field, times: 1) {
        case .success(let n) where !field.contains(UInt8(ascii: ".")): return n
        case .failure(.negative): throw fail(column, "\(display(field)) is negative (expected a size in bytes, or empty)")
        case .failure(.overflow): throw fail(column, "\(display(field)) is too large")
        default: throw fail(column, "\(display(field)) is not a whole number of bytes (expected digits only, or empty)")
        }
    }

    /// Refuses invalid UTF-8 and control characters, which no trace value may contain.
    private func checkText(_ field: ArraySlice<UInt8>, column: Int?) throws(TraceError) {
        if let bad = field.firstIndex(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw fail(column, "\(display(field)) contains control character U+\(hex(UInt32(field[bad]), width: 4)) at byte \(bad - field.startIndex + 1)")
        }
        if String(validating: field, as: UTF8.self) == nil {
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
            throw fail(column, "not valid UTF-8 (byte 0x\(hex(UInt32(field[field.startIndex + offset]), width: 2)) at byte \(offset + 1) of the field)")
        }
    }
}

/// A field for a message, in JSON quotes with control characters escaped.
private func display(_ field: ArraySlice<UInt8>) -> String { quoted(String(decoding: field, as: UTF8.self)) }

/// `12.5` for 12 500 000 µs: the trace's own notation, for messages.
private func formatSeconds(_ t: Int64) -> String {
    let whole = t / 1_000_000
    var frac = zeroPadded(t % 1_000_000, width: 6)
    while frac.hasSuffix("0") { frac.removeLast() }
    return frac.isEmpty ? "\(whole)" : "\(whole).\(frac)"
}

private func isBlank(_ line: ArraySlice<UInt8>) -> Bool { line.allSatisfy { $0 == 0x20 || $0 == 0x09 } }

/// RFC 9110 `tchar`.
private func isTokenByte(_ c: UInt8) -> Bool {
    switch c {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
    default: return "!#$%&'*+-.^_`|~".utf8.contains(c)
    }
}
