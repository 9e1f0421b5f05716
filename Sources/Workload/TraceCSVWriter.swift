// The CSV trace format, written: the canonical form `TraceCSVReader` reads back.
import HTTPModel

/// Writes requests as a CSV trace in canonical form.
///
/// The header is always `t,pop,url,origin,kind,method,credentials,bytes`; `t` is decimal
/// seconds without trailing zeros (`12`, `12.5`, `0.000001`); origins are written serialised
/// and methods as interned (`GET` when a trace left the column empty); an absent origin,
/// credentials mode or size is an empty field; fields with a comma or quote are quoted. A
/// CSV trace in this form reads and writes back byte for byte, through any popsim format.
///
/// Memory: 8 bytes per distinct string (the source keeps the texts), a copy of each that needs
/// quoting, plus a 1 MiB buffer.
public final class TraceCSVWriter: TraceWriter {
    /// The header row every file starts with.
    public static let header = "t,pop,url,origin,kind,method,credentials,bytes"

    /// The target path.
    public let path: String
    /// Records written so far.
    @exclusivity(unchecked) public private(set) var recordsWritten = 0

    // Unchecked for exclusive access (one thread writes): each byte appended to `out` was a
    // runtime check (`perf`, `trace convert` to CSV: a tenth of its time).
    @exclusivity(unchecked) private var out: BufferedAtomicOutput
    /// The name tables of each source written from but the current one (usually none; ids are
    /// per source).
    @exclusivity(unchecked) private var tablesBySource: [ObjectIdentifier: SourceTables] = [:]
    /// The source of the last record and its tables: a record from it looks nothing up (two
    /// dictionary operations a record were a tenth of an import to CSV, `perf`).
    @exclusivity(unchecked) private var currentSource: ObjectIdentifier?
    @exclusivity(unchecked) private var tables = SourceTables()
    @exclusivity(unchecked) private var lastTime: Int64 = 0
    private let kindNames: [[UInt8]] = ResourceKind.allCases.map { Array($0.rawValue.utf8) }
    private let credentialNames: [[UInt8]] = CredentialsMode.allCases.map { Array($0.rawValue.utf8) }

    /// Opens the temporary beside `path` and writes the header.
    /// - Throws: `FileWriteError` when it cannot be created.
    public init(path: String) throws(FileWriteError) {
        self.path = path
        out = try BufferedAtomicOutput(path: path)
        out.bytes.append(contentsOf: Self.header.utf8)
        out.bytes.append(0x0A)
    }

    public func write(_ record: TraceRecord, from source: any TraceSource) throws(FileWriteError) {
        let n = recordsWritten + 1
        guard record.time >= 0 else { throw FileWriteError(path: path, message: "record \(n): negative time \(record.time) µs") }
        // A trace never goes back in time (TraceCSVReader refuses it), so neither does a writer.
        guard record.time >= lastTime else {
            throw FileWriteError(path: path, message: "record \(n): time \(record.time) µs is earlier than the previous record's \(lastTime) µs")
        }
        let sid = ObjectIdentifier(source)
        if sid != currentSource {
            if let current = currentSource { tablesBySource[current] = tables }
            tables = tablesBySource.removeValue(forKey: sid) ?? SourceTables()
            currentSource = sid
        }
        if Int(record.pop) >= tables.pops.count { tables.pops.catchUp(source.pops) }
        if Int(record.url) >= tables.urls.count { tables.urls.catchUp(source.urls) }
        if let o = record.origin, Int(o) >= tables.origins.count { tables.origins.catchUp(source.origins) }
        if Int(record.method) >= tables.methods.count { tables.methods.catchUp(source.methods) }

        appendDecimal(UInt64(record.time / 1_000_000))
        let micros = record.time % 1_000_000
        if micros != 0 {
            out.bytes.append(UInt8(ascii: "."))
            var digits = micros
            var width = 6
            while digits % 10 == 0 {
                digits /= 10
                width -= 1
            }
            var scale: Int64 = 1
            for _ in 1..<width { scale *= 10 }
            while scale > 0 {
                out.bytes.append(0x30 + UInt8(digits / scale % 10))
                scale /= 10
            }
        }
        out.bytes.append(0x2C)
        tables.pops.append(record.pop, to: &out.bytes)
        out.bytes.append(0x2C)
        tables.urls.append(record.url, to: &out.bytes)
        out.bytes.append(0x2C)
        if let o = record.origin { tables.origins.append(o, to: &out.bytes) }
        out.bytes.append(0x2C)
        out.bytes.append(contentsOf: kindNames[record.kind.ordinal])
        out.bytes.append(0x2C)
        tables.methods.append(record.method, to: &out.bytes)
        out.bytes.append(0x2C)
        if let c = record.credentials { out.bytes.append(contentsOf: credentialNames[c.ordinal]) }
        out.bytes.append(0x2C)
        if let b = record.bytes {
            guard b >= 0 else { throw FileWriteError(path: path, message: "record \(n): negative response size \(b)") }
            appendDecimal(UInt64(b))
        }
        out.bytes.append(0x0A)
        recordsWritten = n
        lastTime = record.time
        try out.flushIfFull()
    }

    public func commit() throws(FileWriteError) { try out.commit() }

    public func abort() { out.abort() }

    private func appendDecimal(_ value: UInt64) { Workload.appendDecimal(value, to: &out.bytes) }
}

/// One source's name tables, escaped.
private struct SourceTables {
    var pops = EscapedStrings()
    var urls = EscapedStrings()
    var origins = EscapedStrings()
    var methods = EscapedStrings()
}

/// A source table's strings as CSV fields, indexed by the source's ids. A string that needs no
/// quoting is written from where the source's interner keeps it (its arena, which only grows,
/// held here); one that does (a comma, a quote or a line break in it) is quoted once and kept
/// here. A day's millions of URLs were most of an import's memory when each was copied here
/// (550 MB against the `.pstrace` writer's 330 MB for 10M lines of 3.9M URLs); now each costs 8
/// bytes.
private struct EscapedStrings {
    /// Per id: where the string is, or nil when it is quoted (`quoted`).
    private var plain: [ArenaText?] = []
    /// Hold the texts of `plain` alive: the source's interner's arena (one, unless the source
    /// ever hands over another interner).
    private var arenas: [TextArena] = []
    private var quoted: [UInt32: [UInt8]] = [:]

    var count: Int { plain.count }

    /// Notes the strings the source has interned since the last call, quoting those that need it.
    mutating func catchUp(_ interner: Interner) {
        if arenas.last !== interner.arena { arenas.append(interner.arena) }
        while count < interner.count {
            let id = UInt32(count)
            let text = interner.text(id)
            guard text.bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
                plain.append(text)
                continue
            }
            var field: [UInt8] = [0x22]
            for c in text.bytes {
                if c == 0x22 { field.append(0x22) }
                field.append(c)
            }
            field.append(0x22)
            quoted[id] = field
            plain.append(nil)
        }
    }

    /// Appends string `id` as a field.
    @inline(__always)
    func append(_ id: UInt32, to out: inout [UInt8]) {
        if let text = plain[Int(id)] {
            out.append(contentsOf: text.bytes)
        } else {
            out.append(contentsOf: quoted[id]!)
        }
    }
}
