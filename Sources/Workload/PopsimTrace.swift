// popsim's own binary trace: everything a CSV trace holds, written in one streaming pass and
// replayed an order of magnitude faster than CSV is parsed. The layout is documented here and
// in docs/trace-format.md; the two must agree.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import HTTPModel

/// The layout of a popsim binary trace (`.pstrace`), version 1.
///
/// All integers are little-endian; `varint` is unsigned LEB128 (7 bits a byte, low group
/// first, at most 10 bytes).
///
/// **Header**, 12 bytes: the magic `PSTRACE\0` (8 bytes), `version` u16 (1), `flags` u16.
/// Flag bits 0–7 are features a reader must understand (it refuses a file with one it does not
/// know); bits 8–15 are hints it may ignore. Version 1 defines none: writers write 0.
///
/// **Records** follow, each starting with a tag byte:
///
/// | tag | record | payload |
/// |---|---|---|
/// | `0x00` | end | `varint` number of request records; nothing may follow |
/// | `0x01` | define | `u8` table, `varint` length, that many bytes of UTF-8 |
/// | `0x02` | time | `varint` absolute time in µs; must not be earlier than the current time |
/// | `0x03`–`0x7F` | reserved | a reader refuses them |
/// | `0x80`–`0xFF` | request | the low 7 bits say which fields follow (below) |
///
/// A *define* gives the next id of a table — ids are dense, 0, 1, 2, … in order of definition —
/// so a writer defines each string just before the first request that uses it and the file is
/// written in one pass. Tables: 0 POP ids, 1 URLs, 2 serialised origins, 3 methods, 4 kind
/// names (`font`, `img-cors`, …; by name, so that new kinds never renumber old files). A string
/// appears at most once per table.
///
/// A *request*'s tag bits, and its fields in this order (absent fields cost nothing):
///
/// | bit | field | when the bit is 0 |
/// |---|---|---|
/// | `0x01` | `varint` time delta in µs from the previous request (or time record) | same time |
/// | `0x02` | `varint` POP id | the previous request's POP |
/// | — | `varint` URL id (always present) | |
/// | `0x04` | `varint` origin id | no `Origin` |
/// | `0x08` | `varint` kind id | the previous request's kind |
/// | `0x10` | `varint` method id | the previous request's method |
/// | `0x20` | `u8` credentials: 0 omit, 1 same-origin, 2 include | the kind's default |
/// | `0x40` | `varint` response bytes | unknown |
///
/// The time starts at 0, so a first request's delta is its absolute time; "previous" ids start
/// at 0. Every id must have been defined. A typical request is 4–8 bytes.
public enum PopsimTraceFormat {
    /// `PSTRACE` and a NUL.
    public static let magic: [UInt8] = Array("PSTRACE\0".utf8)
    /// The version this popsim writes and reads.
    public static let version: UInt16 = 1
    /// Bytes before the first record.
    public static let headerSize = 12
    /// The longest request record: a tag, six 10-byte varints and a byte.
    static let maxRequestSize = 62

    /// The string tables, by their number in define records.
    public enum Table: UInt8, CaseIterable, Sendable {
        case pop = 0, url, origin, method, kind

        var name: String {
            switch self {
            case .pop: "pop"
            case .url: "url"
            case .origin: "origin"
            case .method: "method"
            case .kind: "kind"
            }
        }
    }

    static let tagEnd: UInt8 = 0x00
    static let tagDefine: UInt8 = 0x01
    static let tagTime: UInt8 = 0x02
    static let tagRequest: UInt8 = 0x80
    static let hasTime: UInt8 = 0x01
    static let hasPOP: UInt8 = 0x02
    static let hasOrigin: UInt8 = 0x04
    static let hasKind: UInt8 = 0x08
    static let hasMethod: UInt8 = 0x10
    static let hasCredentials: UInt8 = 0x20
    static let hasBytes: UInt8 = 0x40

    /// The longest string a define record may carry.
    public static let maxStringLength = 1 << 24

    static let credentials: [CredentialsMode] = [.omit, .sameOrigin, .include]

    static func code(_ c: CredentialsMode) -> UInt8 {
        switch c {
        case .omit: 0
        case .sameOrigin: 1
        case .include: 2
        }
    }
}

extension PopsimTraceFormat {
    /// The request count in a trace's end record — its last bytes: the tag 0x00, then the count
    /// as a varint — read backwards from the file's end, without reading the file: what a
    /// progress line needs for its share and ETA. Nil when the tail cannot be an end record. (A
    /// file cut after a request whose last byte is 0 looks like one with a count of that last
    /// varint: only reading it tells, and reading reports it.)
    public static func requestCount(path: String) -> Int? {
        guard isRegularFile(path), let (fd, size) = try? openForReading(path) else { return nil }
        defer { _ = close(fd) }
        guard let size, size >= Int64(headerSize) + 2 else { return nil }
        let tail = Int(min(size - Int64(headerSize), 11))
        guard lseek(fd, off_t(size) - off_t(tail), SEEK_SET) >= 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: tail)
        guard bytes.withUnsafeMutableBytes({ readFully(fd, $0.baseAddress!, tail) }) == tail else { return nil }
        guard let last = bytes.last, last < 0x80 else { return nil }
        // Back over the varint's continuation bytes (high bit set) to the tag before them.
        var start = bytes.count - 1
        while start > 0 && bytes[start - 1] >= 0x80 { start -= 1 }
        guard start > 0, bytes[start - 1] == tagEnd, bytes.count - start <= 9 else { return nil }
        var count = 0
        for (k, b) in bytes[start...].enumerated() { count |= Int(b & 0x7F) << (7 * k) }
        return count
    }
}

/// Reads a popsim binary trace as a stream of `TraceRecord`s; see `PopsimTraceFormat`.
///
/// The file is read in 1 MiB blocks into one buffer and decoded in place: a request costs a few
/// varints and no allocation. Define records go into the interners as they are met, validated
/// once (UTF-8, no control characters, origins serialised, kinds known). Errors name the
/// request record (`line` is its 1-based index) and the byte offset. Memory: the interners
/// plus the buffer, whatever the file's length.
public final class PopsimTraceSource: RequestColumnSource {
    public var sourceName: String { path }
    /// The path as given, for messages.
    public let path: String
    // Read and written by the reading thread only: no run-time exclusivity check (two per
    // distinct URL, each a call into the runtime).
    @exclusivity(unchecked) public private(set) var pops = Interner()
    @exclusivity(unchecked) public private(set) var urls = Interner()
    @exclusivity(unchecked) public private(set) var origins = Interner()
    @exclusivity(unchecked) public private(set) var methods = Interner()
    /// The file's version and flags.
    public private(set) var version: UInt16 = 0
    public private(set) var flags: UInt16 = 0
    /// Request records returned so far.
    public var recordsRead: Int { c.records }

    // Everything a request touches lives in one struct, so the hot path makes one exclusive
    // access to the class per record instead of one per field.
    private var c: Cursor
    private var kindNames = Interner()
    /// Whether `urls` keeps the URLs' texts (else it stays empty: `init`'s `keepingURLTexts`).
    private var keepsURLTexts = true
    /// Every URL definition, checked for a text defined twice at the end record. Unchecked for
    /// exclusive access, as the interners are: one thread reads the source.
    @exclusivity(unchecked) private var urlDefinitions = RepeatedDefinitions(keepingLocations: false)
    private var capacity: Int
    private var bufferOffset: Int64 = 0 // file offset of buffer[0]
    private var atEOF = false
    private var finished = false
    private let fd: Int32
    private var recordStart = 0 // buffer index of the record being decoded
    /// An error met after some requests of a `nextRequests` call: thrown by the next call, so
    /// that a caller sees every good request before the bad record, as with `next()`.
    private var deferredError: TraceError?
    /// Set while `nextRequests` fills a batch that has a row already: the reader then stops
    /// before a define of a POP, origin or method (see `RequestColumnSource`).
    private var stopsBeforeTables = false

    /// One request record as the cursor decodes it: ids as in the file, sentinels for absent
    /// fields (see `RequestColumns`).
    struct DecodedRequest {
        var time: Int64
        var pop: UInt32
        var url: UInt32
        var originPlus1: UInt32
        /// `ResourceKind.ordinal`.
        var kind: UInt8
        var method: UInt32
        var credentialsPlus1: UInt8
        var bytes: Int64
    }

    /// The decoder's state: the buffer window, the current time and "previous" ids, and the
    /// number of strings defined per table.
    private struct Cursor {
        var buffer: UnsafeMutableRawPointer
        var position = 0
        var end = 0
        var time: Int64 = 0
        var timeSetBy = 0 // the request (or 0) whose time `time` is, for messages
        var pop: UInt32 = 0
        var kind: UInt32 = 0
        var method: UInt32 = 0
        var records = 0
        var defined: (pop: Int, url: Int, origin: Int, method: Int, kind: Int) = (0, 0, 0, 0, 0)
        /// Kind id ⇒ kind; at most one entry per `ResourceKind`, since names are distinct.
        let kinds: UnsafeMutablePointer<ResourceKind>

        /// The request whose tag has just been read, or nil when anything is wrong with it
        /// (then the checked decoder finds and names the problem). The fast path.
        @inline(__always)
        mutating func request(_ tag: UInt8) -> DecodedRequest? {
            var p = position
            var t = time
            if tag & PopsimTraceFormat.hasTime != 0 {
                guard let d = varint(&p), d <= UInt64(Int64.max) else { return nil }
                let (sum, overflow) = t.addingReportingOverflow(Int64(d))
                if overflow { return nil }
                t = sum
            }
            var pop = self.pop
            if tag & PopsimTraceFormat.hasPOP != 0 {
                guard let v = varint(&p), v < UInt64(defined.pop) else { return nil }
                pop = UInt32(v)
            } else if defined.pop == 0 { return nil }
            guard let url = varint(&p), url < UInt64(defined.url) else { return nil }
            var originPlus1: UInt32 = 0
            if tag & PopsimTraceFormat.hasOrigin != 0 {
                guard let v = varint(&p), v < UInt64(defined.origin) else { return nil }
                originPlus1 = UInt32(v) &+ 1
            }
            var kind = self.kind
            if tag & PopsimTraceFormat.hasKind != 0 {
                guard let v = varint(&p), v < UInt64(defined.kind) else { return nil }
                kind = UInt32(v)
            } else if defined.kind == 0 { return nil }
            var method = self.method
            if tag & PopsimTraceFormat.hasMethod != 0 {
                guard let v = varint(&p), v < UInt64(defined.method) else { return nil }
                method = UInt32(v)
            } else if defined.method == 0 { return nil }
            var credentialsPlus1: UInt8 = 0
            if tag & PopsimTraceFormat.hasCredentials != 0 {
                guard p < end else { return nil }
                let code = buffer.load(fromByteOffset: p, as: UInt8.self)
                p &+= 1
                switch code {
                case 0: credentialsPlus1 = UInt8(CredentialsMode.omit.ordinal + 1)
                case 1: credentialsPlus1 = UInt8(CredentialsMode.sameOrigin.ordinal + 1)
                case 2: credentialsPlus1 = UInt8(CredentialsMode.include.ordinal + 1)
                default: return nil
                }
            }
            var bytes: Int64 = -1
            if tag & PopsimTraceFormat.hasBytes != 0 {
                guard let v = varint(&p), v <= UInt64(Int64.max) else { return nil }
                bytes = Int64(v)
            }
            records &+= 1
            (position, time, timeSetBy, self.pop, self.kind, self.method) = (p, t, records, pop, kind, method)
            return DecodedRequest(time: t, pop: pop, url: UInt32(url), originPlus1: originPlus1,
                                  kind: UInt8(truncatingIfNeeded: kinds[Int(kind)].ordinal), method: method,
                                  credentialsPlus1: credentialsPlus1, bytes: bytes)
        }

        /// An unsigned LEB128 at `p`, or nil when it runs past the buffer or 64 bits.
        ///
        /// A varint of up to eight bytes with eight bytes in the buffer is read as one word: its
        /// length from the first byte without the continuation bit, its 7-bit groups gathered
        /// with shifts and masks. A byte at a time, the loop's exit depends on each value's length
        /// (a URL id takes one to three bytes, at random), and the processor mispredicts it.
        @inline(__always)
        func varint(_ p: inout Int) -> UInt64? {
            guard p < end else { return nil }
            let first = buffer.load(fromByteOffset: p, as: UInt8.self)
            if first < 0x80 {
                p &+= 1
                return UInt64(first)
            }
            if end &- p >= 8 {
                let word = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: p, as: UInt64.self))
                if word & 0x8000 == 0 {
                    // Two bytes (a time delta, most sizes): no mask to make.
                    p &+= 2
                    return (word & 0x7F) | (word &>> 1 & 0x3F80)
                }
                let stops = ~word & 0x8080_8080_8080_8080
                if stops != 0 {
                    // The last byte's high bit is bit 8k+7 of the word: the varint is k+1 bytes.
                    let bits = stops.trailingZeroBitCount &+ 1
                    let v = bits == 64 ? word : word & ((1 &<< UInt64(bits)) &- 1)
                    var result = (v & 0x7F) | (v &>> 1 & 0x7F &<< 7) | (v &>> 2 & 0x7F &<< 14) | (v &>> 3 & 0x7F &<< 21)
                    if bits > 32 {
                        result |= (v &>> 4 & 0x7F &<< 28) | (v &>> 5 & 0x7F &<< 35) | (v &>> 6 & 0x7F &<< 42) | (v &>> 7 & 0x7F &<< 49)
                    }
                    p &+= bits &>> 3
                    return result
                }
            }
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while p < end {
                let b = buffer.load(fromByteOffset: p, as: UInt8.self)
                p &+= 1
                result |= UInt64(b & 0x7F) &<< shift
                if b < 0x80 { return shift == 63 && b > 1 ? nil : result }
                shift &+= 7
                if shift > 63 { return nil }
            }
            return nil
        }
    }

    /// Opens a trace and checks its header.
    /// - Parameter keepingURLTexts: false for a caller that needs only URL ids (a cache-only
    ///   replay): the URLs' texts are then checked as they are defined — UTF-8, no control
    ///   character — but not kept, and `urls` stays empty; that none is defined twice is checked
    ///   at the end by reading back the few whose hashes agree (`RepeatedDefinitions`). A file
    ///   that cannot be read back by offset (a pipe) keeps them anyway.
    /// - Parameter keepingURLLocations: whether to keep where each URL is defined, which the
    ///   check's error names; else a file found to repeat one is read again to find it (a pipe
    ///   keeps them, being read once).
    /// - Throws: `TraceError` when the file cannot be read, has the wrong magic, or a version
    ///   or required flag this popsim does not support.
    public convenience init(path: String, blockSize: Int = 1 << 20, keepingURLTexts: Bool = true) throws(TraceError) {
        try self.init(path: path, blockSize: blockSize, keepingURLTexts: keepingURLTexts, keepingURLLocations: false)
    }

    init(path: String, blockSize: Int, keepingURLTexts: Bool, keepingURLLocations: Bool) throws(TraceError) {
        self.path = path
        let size: Int64?
        do { (fd, size) = try openForReading(path) } catch {
            throw TraceError(file: path, line: 0, column: nil, message: error.message)
        }
        keepsURLTexts = keepingURLTexts || size == nil
        urlDefinitions = RepeatedDefinitions(keepingLocations: keepingURLLocations || size == nil)
        capacity = max(blockSize, 4096)
        c = Cursor(buffer: UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16),
                   kinds: UnsafeMutablePointer<ResourceKind>.allocate(capacity: ResourceKind.allCases.count))
        let header = PopsimTraceFormat.headerSize
        _ = try fill(atLeast: header)
        let magic = PopsimTraceFormat.magic
        let head = (0..<min(c.end, magic.count)).map { c.buffer.load(fromByteOffset: $0, as: UInt8.self) }
        if head != magic {
            var what = c.end == 0 ? "empty file" : "wrong magic \(hexBytes(head))"
            if let tool = compressor(ofFileStartingWith: head) { what += ": " + decompressionAdvice(tool) }
            throw TraceError(file: path, line: 0, column: nil,
                             message: "not a popsim binary trace (\(what); expected \(hexBytes(magic)), \"PSTRACE\\0\")")
        }
        guard c.end >= header else {
            throw TraceError(file: path, line: 0, column: nil, message: "truncated header: the file ends at byte offset \(c.end) (the header is \(header) bytes)")
        }
        version = UInt16(littleEndian: c.buffer.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        flags = UInt16(littleEndian: c.buffer.loadUnaligned(fromByteOffset: 10, as: UInt16.self))
        guard version == PopsimTraceFormat.version else {
            throw TraceError(file: path, line: 0, column: nil,
                             message: "unsupported version \(version) (this popsim reads version \(PopsimTraceFormat.version); \(version > PopsimTraceFormat.version ? "a newer popsim wrote it" : "it is not a version popsim ever wrote"))")
        }
        if flags & 0xFF != 0 {
            throw TraceError(file: path, line: 0, column: nil,
                             message: "unsupported required feature flags 0x\(hex(UInt32(flags & 0xFF), width: 2)) (this popsim knows none)")
        }
        c.position = header
    }

    deinit {
        c.buffer.deallocate()
        c.kinds.deallocate()
        _ = close(fd)
    }

    /// The next request, or nil after the end record.
    /// - Throws: `TraceError` naming the record and byte offset of the first problem; after an
    ///   error the reader cannot go on.
    public func next() throws(TraceError) -> TraceRecord? {
        if let error = deferredError { deferredError = nil; throw error }
        guard let r = try nextRequest() else { return nil }
        return TraceRecord(time: r.time, pop: r.pop, url: r.url, origin: r.originPlus1 == 0 ? nil : r.originPlus1 - 1,
                           kind: ResourceKind(ordinal: r.kind), method: r.method,
                           credentials: r.credentialsPlus1 == 0 ? nil : CredentialsMode(ordinal: r.credentialsPlus1 - 1),
                           bytes: r.bytes < 0 ? nil : r.bytes, line: c.records)
    }

    /// Reads the next requests into `columns`: the records `next()` would give, decoded
    /// straight into the columns (see `RequestColumnSource`).
    public func nextRequests(into columns: RequestColumns) throws(TraceError) -> Int {
        if let error = deferredError { deferredError = nil; throw error }
        columns.firstRecord = c.records + 1
        var n = 0
        var failure: TraceError? = nil
        defer { stopsBeforeTables = false }
        while n < columns.capacity {
            let request: DecodedRequest?
            // A batch ends before a POP, origin or method is defined (nil then, as at the end):
            // those tables are then the same for every row of a batch (`RequestColumnSource`).
            stopsBeforeTables = n > 0
            do { request = try nextRequest() } catch { failure = error; break }
            guard let r = request else { break }
            columns.time[n] = r.time
            columns.pop[n] = r.pop
            columns.url[n] = r.url
            columns.originPlus1[n] = r.originPlus1
            columns.method[n] = r.method
            columns.kind[n] = r.kind
            columns.credentialsPlus1[n] = r.credentialsPlus1
            columns.bytes[n] = r.bytes
            columns.urlsDefined[n] = UInt32(truncatingIfNeeded: c.defined.url)
            n &+= 1
        }
        // The rows before an error first, the error at the next call (as `next()` gives them).
        if let failure {
            if n == 0 { throw failure }
            deferredError = failure
        }
        columns.count = n
        return n
    }

    /// The next request as the cursor decodes it (define and time records are taken on the
    /// way), or nil after the end record — or before a table's define (`take`).
    @inline(__always)
    private func nextRequest() throws(TraceError) -> DecodedRequest? {
        while true {
            if c.end - c.position < PopsimTraceFormat.maxRequestSize && !atEOF { _ = try fill(atLeast: PopsimTraceFormat.maxRequestSize) }
            recordStart = c.position
            guard c.position < c.end else {
                if finished { return nil }
                throw fail("the file ends without an end record (truncated?)")
            }
            let tag = byte()
            if tag >= PopsimTraceFormat.tagRequest {
                if let record = c.request(tag) { return record }
                throw checkedRequestError(tag)
            }
            if try !take(tag) { return nil }
        }
    }

    /// Takes the record other than a request whose tag has just been read: a define, a time, or
    /// the end. - Returns: false at the end, or — with `stopsBeforeTables` — before a define of
    /// a POP, origin or method, left unread. Called, not inlined: it is the rare branch.
    @inline(never)
    private func take(_ tag: UInt8) throws(TraceError) -> Bool {
        switch tag {
        case PopsimTraceFormat.tagDefine:
            if stopsBeforeTables && c.position < c.end {
                let table = c.buffer.load(fromByteOffset: c.position, as: UInt8.self)
                if table == PopsimTraceFormat.Table.pop.rawValue || table == PopsimTraceFormat.Table.origin.rawValue
                    || table == PopsimTraceFormat.Table.method.rawValue {
                    c.position = recordStart
                    return false
                }
            }
            try define()
        case PopsimTraceFormat.tagTime:
            let t = try varint()
            guard t <= UInt64(Int64.max), Int64(t) >= c.time else {
                throw fail("time record sets \(t) µs, earlier than \(c.time) µs\(c.timeSetBy > 0 ? " of record \(c.timeSetBy)" : "") (time going backwards)")
            }
            c.time = Int64(t)
        case PopsimTraceFormat.tagEnd:
            let count = try varint()
            guard count == UInt64(c.records) else {
                throw fail("the end record counts \(count) requests but the file holds \(c.records)")
            }
            if c.end == c.position && !atEOF { _ = try fill(atLeast: 1) }
            guard c.position == c.end else {
                throw fail("\(c.end - c.position)\(atEOF ? "" : "+") byte(s) after the end record")
            }
            try checkURLsDefinedOnce()
            finished = true
            return false
        default:
            throw fail("unknown record tag 0x\(hex(UInt32(tag), width: 2))")
        }
        return true
    }

    // MARK: records, checked

    /// Decodes the request at `recordStart` again, field by field, to name what is wrong with it.
    private func checkedRequestError(_ tag: UInt8) -> TraceError {
        c.position = recordStart + 1
        do throws(TraceError) {
            if tag & PopsimTraceFormat.hasTime != 0 {
                let delta = try varint()
                guard delta <= UInt64(Int64.max), !c.time.addingReportingOverflow(Int64(delta)).overflow else {
                    return fail("time overflows (delta \(delta) µs)")
                }
            }
            if tag & PopsimTraceFormat.hasPOP != 0 { _ = try id(.pop) } else if c.defined.pop == 0 { return fail("unknown pop id 0 (none defined yet)") }
            _ = try id(.url)
            if tag & PopsimTraceFormat.hasOrigin != 0 { _ = try id(.origin) }
            if tag & PopsimTraceFormat.hasKind != 0 { _ = try id(.kind) } else if c.defined.kind == 0 { return fail("unknown kind id 0 (none defined yet)") }
            if tag & PopsimTraceFormat.hasMethod != 0 { _ = try id(.method) } else if c.defined.method == 0 { return fail("unknown method id 0 (none defined yet)") }
            if tag & PopsimTraceFormat.hasCredentials != 0 {
                guard c.position < c.end else { return truncated() }
                let code = byte()
                if code > 2 { return fail("credentials code \(code) is not 0 (omit), 1 (same-origin) or 2 (include)") }
            }
            if tag & PopsimTraceFormat.hasBytes != 0 {
                let b = try varint()
                if b > UInt64(Int64.max) { return fail("response size \(b) is too large") }
            }
            return fail("malformed request record")
        } catch {
            return error
        }
    }

    private func define() throws(TraceError) {
        guard c.position < c.end else { throw truncated() }
        let number = byte()
        guard let table = PopsimTraceFormat.Table(rawValue: number) else {
            throw fail("define record names table \(number) (tables: 0 pop, 1 url, 2 origin, 3 method, 4 kind)")
        }
        let length = try varint()
        guard length <= UInt64(PopsimTraceFormat.maxStringLength) else {
            throw fail("define record for a \(table.name) of \(length) bytes (at most \(PopsimTraceFormat.maxStringLength))")
        }
        let count = Int(length)
        if c.end - c.position < count {
            // Keep the record's start in the buffer so errors still give its offset.
            let done = c.position - recordStart
            c.position = recordStart
            _ = try fill(atLeast: done + count)
            c.position = recordStart + done
            guard c.end - c.position >= count else { throw truncated() }
        }
        let text = UnsafeRawBufferPointer(start: c.buffer + c.position, count: count)
        c.position += count
        if let bad = firstControlByte(text) {
            throw fail("\(table.name) string contains control character U+\(hex(UInt32(text[bad]), width: 4)) at byte \(bad + 1)")
        }
        func notUTF8() -> TraceError { fail("\(table.name) string is not valid UTF-8") }
        let before: Int
        let id: UInt32
        // Names go into the interners as bytes (validated there, when new): no `String` per URL.
        switch table {
        case .pop:
            before = pops.count
            guard let i = pops.intern(bytes: text) else { throw notUTF8() }
            id = i
        case .url:
            // Each is noted, and the file checked for a URL defined twice at its end
            // (`checkURLsDefinedOnce`): not looked up in a table of every URL so far.
            if keepsURLTexts {
                before = urls.count
                guard let i = urls.appendUnindexed(text) else { throw notUTF8() }
                id = i
            } else {
                before = c.defined.url
                guard isValidUTF8(text) else { throw notUTF8() }
                id = UInt32(truncatingIfNeeded: before)
            }
            urlDefinitions.note(hash: TextIndex.hash(text), record: bufferOffset + Int64(recordStart), line: c.records + 1)
        case .method:
            before = methods.count
            guard let i = methods.intern(bytes: text) else { throw notUTF8() }
            id = i
        case .origin:
            guard let string = validatedString(text) else { throw notUTF8() }
            guard (try? WebOrigin(parsing: string))?.serialized == string else {
                throw fail("origin \(quoted(string)) is not a serialised origin")
            }
            (before, id) = (origins.count, origins.intern(string))
        case .kind:
            guard let string = validatedString(text) else { throw notUTF8() }
            let kind: ResourceKind
            do { kind = try ResourceKind(parsing: string) } catch { throw fail(error.description) }
            (before, id) = (kindNames.count, kindNames.intern(string))
            if Int(id) == before { (c.kinds + before).initialize(to: kind) }
        }
        guard Int(id) == before else { throw fail(definedTwice(table, String(decoding: text, as: UTF8.self), earlier: id)) }
        switch table {
        case .pop: c.defined.pop += 1
        case .url: c.defined.url += 1
        case .origin: c.defined.origin += 1
        case .method: c.defined.method += 1
        case .kind: c.defined.kind += 1
        }
    }

    /// At the end record: refuses the file when a URL is defined twice, naming the second
    /// definition as a check at each definition would have (`RepeatedDefinitions`).
    private func checkURLsDefinedOnce() throws(TraceError) {
        let shared = urlDefinitions.sharedHashes()
        if shared.isEmpty { return }
        guard urlDefinitions.keepsLocations else {
            // Rare: a repeat (or two URLs with one hash). Read the file again keeping where each
            // URL is defined (not the texts: it reads back the few it compares): that reader
            // names the repeat, as this one would have.
            let again = try PopsimTraceSource(path: path, blockSize: capacity, keepingURLTexts: false, keepingURLLocations: true)
            while try again.next() != nil {}
            return
        }
        func text(_ id: Int) throws(TraceError) -> [UInt8] {
            keepsURLTexts ? Array(urls.text(UInt32(id)).rawBytes) : try definedText(at: urlDefinitions.location(of: id)!.record)
        }
        guard let (earlier, later) = try urlDefinitions.firstRepeat(among: shared, text: text) else { return }
        let text = String(decoding: try text(later), as: UTF8.self)
        let (offset, line) = urlDefinitions.location(of: later)!
        throw fail(definedTwice(.url, text, earlier: UInt32(earlier)), line: line, offset: offset)
    }

    /// The text of the define record at file offset `record`, read back from the file (which
    /// has been read through it, and checked, once already).
    private func definedText(at record: Int64) throws(TraceError) -> [UInt8] {
        /// `count` bytes from `offset`, or fewer where the file ends when `upTo`.
        func readBack(_ count: Int, at offset: Int64, upTo: Bool = false) throws(TraceError) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
                if n < 0 && errno == EINTR { continue }
                if n == 0 && upTo { return Array(bytes[..<done]) }
                if n <= 0 {
                    throw fail("reading back a URL defined at byte offset \(record): \(n < 0 ? errnoText(errno) : "the file is shorter than before")",
                               line: c.records, offset: record)
                }
                done += n
            }
            return bytes
        }
        // Tag, table, then the length: a varint, which a writer may spell in up to 10 bytes
        // (the reader takes them; 4 were read back here, and a repeat whose length took 5
        // went unseen — QA pass, stop 33).
        let head = try readBack(12, at: record, upTo: true)
        var length = 0, shift = 0, i = 2
        while i < head.count {
            length |= Int(head[i] & 0x7F) << shift
            i += 1
            if head[i - 1] < 0x80 { break }
            shift += 7
        }
        return try readBack(length, at: record + Int64(i))
    }

    // MARK: bytes, checked

    private func byte() -> UInt8 {
        let b = c.buffer.load(fromByteOffset: c.position, as: UInt8.self)
        c.position += 1
        return b
    }

    private func varint() throws(TraceError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard c.position < c.end else { throw truncated() }
            let b = byte()
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 {
                if shift == 63 && b > 1 { throw fail("malformed varint (more than 64 bits)") }
                return result
            }
            shift += 7
            if shift > 63 { throw fail("malformed varint (longer than 10 bytes)") }
        }
    }

    private func id(_ table: PopsimTraceFormat.Table) throws(TraceError) -> UInt32 {
        let v = try varint()
        let defined: Int
        switch table {
        case .pop: defined = c.defined.pop
        case .url: defined = c.defined.url
        case .origin: defined = c.defined.origin
        case .method: defined = c.defined.method
        case .kind: defined = c.defined.kind
        }
        guard v < UInt64(defined) else {
            throw fail("unknown \(table.name) id \(v) (\(defined) defined so far)")
        }
        return UInt32(v)
    }

    /// Makes at least `count` bytes available from the position when the file has them, moving
    /// the unread bytes to the front and growing the buffer when needed; false at the end.
    private func fill(atLeast count: Int) throws(TraceError) -> Bool {
        if c.end - c.position >= count { return true }
        if c.position > 0 {
            let keep = c.end - c.position
            if keep > 0 { c.buffer.copyMemory(from: c.buffer + c.position, byteCount: keep) }
            bufferOffset += Int64(c.position)
            recordStart -= c.position
            c.end = keep
            c.position = 0
        }
        if count > capacity {
            var size = capacity
            while size < count { size *= 2 }
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            bigger.copyMemory(from: c.buffer, byteCount: c.end)
            c.buffer.deallocate()
            c.buffer = bigger
            capacity = size
        }
        while c.end < count && !atEOF {
            let want = capacity - c.end
            let n = readFully(fd, c.buffer + c.end, want)
            if n < 0 {
                throw TraceError(file: path, line: c.records + 1, column: nil,
                                 message: "record \(c.records + 1): read failed at byte offset \(bufferOffset + Int64(c.end)): \(errnoText(Int32(-n)))")
            }
            if n < want { atEOF = true }
            c.end += n
        }
        return c.end >= count
    }

    private func fail(_ message: String) -> TraceError {
        fail(message, line: c.records + 1, offset: bufferOffset + Int64(recordStart))
    }

    /// The error for the record before request `line`, at byte `offset` of the file.
    private func fail(_ message: String, line n: Int, offset: Int64) -> TraceError {
        TraceError(file: path, line: n, column: nil, message: "record \(n) (byte offset \(offset)): \(message)")
    }

    private func definedTwice(_ table: PopsimTraceFormat.Table, _ text: String, earlier id: UInt32) -> String {
        "\(table.name) \(quoted(text)) is defined twice (it is already id \(id))"
    }

    private func truncated() -> TraceError {
        fail("truncated: the file ends \(c.end - recordStart) byte(s) into the record, at byte offset \(bufferOffset + Int64(c.end))")
    }
}

/// Writes requests as a popsim binary trace in one streaming pass; see `PopsimTraceFormat`.
///
/// Each string is defined just before the first request that uses it, so memory is a map
/// from the source's ids to the file's (4 bytes per distinct string) and a 1 MiB buffer.
/// Records must come from one source, in time order.
public final class PopsimTraceWriter: TraceWriter {
    /// The target path.
    public let path: String
    /// Request records written so far.
    @exclusivity(unchecked) public private(set) var recordsWritten = 0

    // The state a record writes, unchecked for exclusive access: a writer is used by one
    // thread, and each byte appended to `out` was a check — a call into the runtime and a
    // thread-local lookup — a third of `trace convert`'s time from CSV (`perf`).
    @exclusivity(unchecked) private var out: BufferedAtomicOutput
    @exclusivity(unchecked) private var sourceID: ObjectIdentifier?
    // Source id ⇒ file id + 1 (0: not defined yet), per table.
    @exclusivity(unchecked) private var popIDs: [UInt32] = []
    @exclusivity(unchecked) private var urlIDs: [UInt32] = []
    @exclusivity(unchecked) private var originIDs: [UInt32] = []
    @exclusivity(unchecked) private var methodIDs: [UInt32] = []
    @exclusivity(unchecked) private var kindIDs = [UInt32](repeating: 0, count: ResourceKind.allCases.count)
    @exclusivity(unchecked) private var defined = [UInt32](repeating: 0, count: PopsimTraceFormat.Table.allCases.count)
    @exclusivity(unchecked) private var time: Int64 = 0
    @exclusivity(unchecked) private var pop: UInt32 = 0
    @exclusivity(unchecked) private var kind: UInt32 = 0
    @exclusivity(unchecked) private var method: UInt32 = 0
    /// Whether `urlIDs` has so far been each id to itself (+ 1), and is left empty: a source
    /// numbers its URLs as its records first name them, which is the order the file defines
    /// them in, so for every reader popsim has the map is the identity — and a table of
    /// millions of URLs read at random, a miss a record (`perf`: most of the writer's share of
    /// a 10M-line import with 3.9M URLs). Built in full at the first id out of that order.
    @exclusivity(unchecked) private var urlsInOrder = true
    /// The source's name and the line of the record being written, for messages.
    @exclusivity(unchecked) private var sourceName = ""
    @exclusivity(unchecked) private var line = 0

    /// Opens the temporary beside `path` and writes the header.
    /// - Throws: `FileWriteError` when it cannot be created.
    public init(path: String) throws(FileWriteError) {
        self.path = path
        out = try BufferedAtomicOutput(path: path)
        out.bytes.append(contentsOf: PopsimTraceFormat.magic)
        out.appendLittleEndian(PopsimTraceFormat.version)
        out.appendLittleEndian(UInt16(0))
    }

    public func write(_ record: TraceRecord, from source: any TraceSource) throws(FileWriteError) {
        let n = recordsWritten + 1
        let sid = ObjectIdentifier(source)
        if sourceID == nil { (sourceID, sourceName) = (sid, source.sourceName) } else if sourceID != sid {
            throw FileWriteError(path: path, message: "record \(n): records must all come from one source")
        }
        guard record.time >= 0 else {
            throw FileWriteError(path: path, message: "record \(n): negative time \(record.time) µs")
        }
        guard record.time >= time else {
            throw FileWriteError(path: path, message: "record \(n): time \(record.time) µs is earlier than \(time) µs of record \(n - 1) (time going backwards)")
        }
        line = record.line
        let popID = try fileID(record.pop, in: &popIDs, .pop, source)
        let urlID = try urlFileID(record.url, source)
        let originID = try record.origin.map { (o) throws(FileWriteError) in try fileID(o, in: &originIDs, .origin, source) }
        let methodID = try fileID(record.method, in: &methodIDs, .method, source)
        var kindID = kindIDs[record.kind.ordinal]
        if kindID == 0 {
            kindID = try define(.kind, record.kind.rawValue.utf8)
            kindIDs[record.kind.ordinal] = kindID
        }
        kindID -= 1

        var tag = PopsimTraceFormat.tagRequest
        if record.time != time { tag |= PopsimTraceFormat.hasTime }
        if popID != pop { tag |= PopsimTraceFormat.hasPOP }
        if originID != nil { tag |= PopsimTraceFormat.hasOrigin }
        if kindID != kind { tag |= PopsimTraceFormat.hasKind }
        if methodID != method { tag |= PopsimTraceFormat.hasMethod }
        if record.credentials != nil { tag |= PopsimTraceFormat.hasCredentials }
        if record.bytes != nil { tag |= PopsimTraceFormat.hasBytes }
        out.bytes.append(tag)
        if tag & PopsimTraceFormat.hasTime != 0 { appendVarint(UInt64(record.time - time)) }
        if tag & PopsimTraceFormat.hasPOP != 0 { appendVarint(UInt64(popID)) }
        appendVarint(UInt64(urlID))
        if let originID { appendVarint(UInt64(originID)) }
        if tag & PopsimTraceFormat.hasKind != 0 { appendVarint(UInt64(kindID)) }
        if tag & PopsimTraceFormat.hasMethod != 0 { appendVarint(UInt64(methodID)) }
        if let c = record.credentials { out.bytes.append(PopsimTraceFormat.code(c)) }
        if let b = record.bytes {
            guard b >= 0 else { throw FileWriteError(path: path, message: "record \(n): negative response size \(b)") }
            appendVarint(UInt64(b))
        }
        (time, pop, kind, method) = (record.time, popID, kindID, methodID)
        recordsWritten = n
        try out.flushIfFull()
    }

    public func commit() throws(FileWriteError) {
        out.bytes.append(PopsimTraceFormat.tagEnd)
        appendVarint(UInt64(recordsWritten))
        try out.commit()
    }

    public func abort() { out.abort() }

    /// `fileID` for a URL, without `urlIDs` while the source's ids are the file's (`urlsInOrder`).
    @inline(__always)
    private func urlFileID(_ id: UInt32, _ source: any TraceSource) throws(FileWriteError) -> UInt32 {
        if urlsInOrder {
            let known = defined[Int(PopsimTraceFormat.Table.url.rawValue)]
            if id < known { return id }
            if id == known {
                let urls = source.urls
                guard Int(id) < urls.count else { throw unknownID(.url, id) }
                return try define(.url, urls.utf8(id)) - 1
            }
            // Out of order: the map from here on, with the ids so far as they were.
            urlsInOrder = false
            urlIDs = (0..<known).map { $0 + 1 }
        }
        return try fileID(id, in: &urlIDs, .url, source)
    }

    /// The file's id for source id `id`, defining the string first when it is new.
    @inline(__always)
    private func fileID(_ id: UInt32, in map: inout [UInt32], _ table: PopsimTraceFormat.Table,
                        _ source: any TraceSource) throws(FileWriteError) -> UInt32 {
        let i = Int(id)
        if i < map.count, map[i] != 0 { return map[i] - 1 }
        let interner: Interner
        switch table {
        case .pop: interner = source.pops
        case .url: interner = source.urls
        case .origin: interner = source.origins
        case .method: interner = source.methods
        case .kind: preconditionFailure("kinds are not interned by sources")
        }
        guard i < interner.count else { throw unknownID(table, id) }
        if map.count < interner.count { map.append(contentsOf: repeatElement(0, count: interner.count - map.count)) }
        let fileID = try define(table, interner.utf8(id))
        map[i] = fileID
        return fileID - 1
    }

    /// The error for a record naming an id its source does not have.
    private func unknownID(_ table: PopsimTraceFormat.Table, _ id: UInt32) -> FileWriteError {
        FileWriteError(path: path, message: "record \(recordsWritten + 1): \(table.name) id \(id) is not in the source's table")
    }

    /// Appends a define record and returns the new id + 1.
    /// - Throws: for a string longer than a `.pstrace` holds (`maxStringLength`, which its reader
    ///   refuses): the writer made files its reader could not read.
    private func define(_ table: PopsimTraceFormat.Table, _ bytes: some Collection<UInt8>) throws(FileWriteError) -> UInt32 {
        guard bytes.count <= PopsimTraceFormat.maxStringLength else {
            throw FileWriteError(path: path, message: "record \(recordsWritten + 1) (\(sourceName):\(line)): its \(table.name) is \(bytes.count) bytes; "
                                 + "a popsim trace holds strings of at most \(PopsimTraceFormat.maxStringLength) bytes (16 MiB)")
        }
        out.bytes.append(PopsimTraceFormat.tagDefine)
        out.bytes.append(table.rawValue)
        appendVarint(UInt64(bytes.count))
        out.bytes.append(contentsOf: bytes)
        defined[Int(table.rawValue)] += 1
        return defined[Int(table.rawValue)]
    }

    @inline(__always)
    private func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            out.bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.bytes.append(UInt8(v))
    }
}

/// `50 53 54 52` for messages.
private func hexBytes(_ bytes: [UInt8]) -> String {
    bytes.map { hex(UInt32($0), width: 2) }.joined(separator: " ")
}
