// libCacheSim's oracleGeneral binary trace: the format public cache traces (Twitter, Meta,
// Wikimedia, CloudPhysics, … as converted by libCacheSim's traceConv) are shared in, so that
// popsim replays them unchanged and libCacheSim users can replay popsim's traces.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import HTTPModel

// Layout (libCacheSim `traceReader/customizedReader/oracle/oracleGeneralBin.h`, written by
// `bin/traceUtils/traceConvOracleGeneral.cpp`): no header; packed little-endian records of
// 24 bytes, so the request count is the file size / 24.
//
//   offset  type    field
//   0       uint32  clock_time         seconds
//   4       uint64  obj_id
//   12      uint32  obj_size           bytes
//   16      int64   next_access_vtime  1-based index of the next request to the same object;
//                                      -1 when there is none (the reader also takes INT64_MAX)
//
// traceConv reads the trace backwards with a map of id ⇒ reverse index, then reverses the
// file; the result is the definition above (checked by brute force in FORMATS.md §2).

/// Reads an oracleGeneral trace as raw records, as fast as the disk gives them.
///
/// For cache-only replays that need nothing but ids and sizes: no interning, no `String`, no
/// allocation per record; the file is read in 1 MiB blocks into one buffer and each record is
/// decoded in place. Records come in file order, unchecked (time order is the caller's
/// business; `OracleGeneralSource` checks it).
///
/// ```swift
/// let reader = try OracleGeneralReader(path: "cluster52.oracleGeneral")
/// while let r = try reader.next() { cache.access(r.id, size: r.size) }
/// ```
///
/// Files compressed with zstd (`.zst`, as traces are usually distributed) are refused with a
/// message saying to decompress them first: popsim has no zstd.
public final class OracleGeneralReader {
    /// One request: `clock_time` in seconds, `obj_id`, `obj_size` in bytes, and
    /// `next_access_vtime` (the 1-based index of the next request to the object, -1 for none).
    public typealias Record = (time: UInt32, id: UInt64, size: UInt32, nextAccess: Int64)

    /// The size of one record in bytes.
    public static let recordSize = 24

    /// The path as given, for messages.
    public let path: String
    /// The number of requests in the file (its size / 24), when it is a regular file.
    public let recordCount: Int?

    /// Records returned so far, which is also the 1-based index of the last one.
    public var recordsRead: Int { returned }

    /// Where to count the records read, for a progress line: updated once per block read (every
    /// 43,690 records) and at the end, never per record.
    public var progress: ProgressCounter?

    // Unchecked: nothing here is ever accessed from two places at once, and the run-time check
    // on every record cost 5 % of `run` on an oracleGeneral trace (measured).
    @usableFromInline @exclusivity(unchecked) var buffer: UnsafeMutableRawPointer
    @usableFromInline @exclusivity(unchecked) var position = 0 // next record in `buffer`
    @usableFromInline @exclusivity(unchecked) var end = 0 // end of the whole records in `buffer`
    @usableFromInline @exclusivity(unchecked) var returned = 0
    private var filled = 0 // bytes in `buffer`; end..<filled is the start of a record
    private let capacity: Int
    private var fd: Int32
    private var atEOF = false
    private var bufferOffset: Int64 = 0 // the file offset of buffer[0]
    private let fileSize: Int64?

    /// Opens an oracleGeneral trace.
    /// - Parameter blockSize: bytes read at a time, rounded down to whole records.
    /// - Throws: `TraceError` when the file cannot be read, is compressed, is text or another
    ///   format, or its size is not a whole number of records (naming the truncated record).
    public init(path: String, blockSize: Int = 1 << 20) throws(TraceError) {
        self.path = path
        let opened: (fd: Int32, size: Int64?)
        do { opened = try openForReading(path) } catch {
            throw TraceError(file: path, line: 0, column: nil, message: error.message)
        }
        fd = opened.fd
        fileSize = opened.size
        capacity = max(1, blockSize / Self.recordSize) * Self.recordSize
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        recordCount = opened.size.map { Int($0) / Self.recordSize }
        var head = [UInt8](repeating: 0, count: Self.recordSize)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, Self.recordSize, 0) }
        if n > 0, let problem = Self.notOracleGeneral(Array(head[..<n])) {
            throw TraceError(file: path, line: 0, column: nil, message: problem)
        }
        if let size = opened.size, size % Int64(Self.recordSize) != 0 {
            throw truncated(record: Int(size) / Self.recordSize + 1, at: size - size % Int64(Self.recordSize),
                            have: Int(size % Int64(Self.recordSize)))
        }
    }

    deinit {
        buffer.deallocate()
        _ = close(fd)
    }

    /// The next record, or nil at the end of the file.
    /// - Throws: `TraceError` on a read error or a last record cut short.
    /// - Complexity: O(1); a `read` of one block every 43,690 records.
    @inlinable
    public func next() throws(TraceError) -> Record? {
        if position == end {
            guard try refill() else { return nil }
        }
        let p = buffer + position
        position &+= 24
        returned &+= 1
        return (time: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)),
                id: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt64.self)),
                size: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)),
                nextAccess: Int64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: Int64.self)))
    }

    /// How many records after the next `next()` call's are already in memory, for `id(ahead:)`.
    @inlinable
    public var recordsBuffered: Int { (end &- position) / Self.recordSize }

    /// The object id of the record `k` places after the one `next()` returns next (`k` below
    /// `recordsBuffered`), without consuming anything: a caller touches what an id indexes
    /// before it needs it, so that the processor overlaps those misses.
    @inlinable
    public func id(ahead k: Int) -> UInt64 {
        UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: position &+ k &* Self.recordSize &+ 4, as: UInt64.self))
    }

    /// Reads the next block; false at the end of the file.
    @usableFromInline
    func refill() throws(TraceError) -> Bool {
        // Keep the start of a record cut by the block boundary.
        let partial = filled - end
        if partial > 0 { buffer.copyMemory(from: buffer + end, byteCount: partial) }
        bufferOffset += Int64(end)
        progress?.done = returned
        filled = partial
        position = 0
        end = 0
        while true {
            if atEOF {
                if filled > 0 { throw truncated(record: returned + 1, at: bufferOffset, have: filled) }
                return false
            }
            let want = capacity - filled
            let n = readFully(fd, buffer + filled, want)
            if n < 0 {
                throw TraceError(file: path, line: returned + 1, column: nil,
                                 message: "record \(returned + 1): read failed at byte offset \(bufferOffset + Int64(filled)): \(errnoText(Int32(-n)))")
            }
            if n < want { atEOF = true }
            filled += n
            end = filled - filled % Self.recordSize
            if end > 0 { return true }
        }
    }

    private func truncated(record: Int, at offset: Int64, have: Int) -> TraceError {
        var message = "record \(record) is truncated: the file ends \(have) byte(s) into it, at byte offset \(offset) (oracleGeneral records are \(Self.recordSize) bytes"
        if let fileSize { message += "; the file has \(fileSize) bytes" }
        return TraceError(file: path, line: record, column: nil, message: message + ")")
    }

    /// Why a file that starts with `head` cannot be an oracleGeneral trace, or nil.
    static func notOracleGeneral(_ head: [UInt8]) -> String? {
        if let tool = compressor(ofFileStartingWith: head) {
            return decompressionAdvice(tool) + " — popsim reads oracleGeneral uncompressed"
        }
        if head.starts(with: PopsimTraceFormat.magic) {
            return "a popsim binary trace (magic PSTRACE), not oracleGeneral; read it with format popsim"
        }
        // A real record's next_access_vtime is -1 or a small index, so its high bytes are 0x00
        // or 0xFF: a first record of printable text is a CSV or log, not this format.
        if head.count >= 8, head.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20...0x7E).contains($0) }) {
            let text = String(decoding: head.prefix(while: { $0 != 0x0A && $0 != 0x0D }), as: UTF8.self)
            return "starts with text (\(quoted(text))): not an oracleGeneral binary trace (for a CSV trace use format csv)"
        }
        return nil
    }
}

/// How oracleGeneral's object ids become the requests popsim simulates, and back.
///
/// The format has ids and sizes only. Each id becomes a URL from `urlTemplate` (`{id}` is the
/// id in decimal; a path such as the default `/obj/{id}` is served by the scenario's single
/// domain), one POP (`default` unless named) and one kind (`other` unless named); `objects`
/// overrides any of the three per id. Requests carry no `Origin`, method `GET`, the kind's
/// default credentials, and the size as `bytes`. Writing works backwards: a URL an override
/// names gives that object's id (the smallest, if several), a URL the template produces gives
/// its id, and any other URL is hashed (FNV-1a, 64-bit) as libCacheSim hashes ids that are not
/// numbers.
public struct OracleGeneralMapping: Sendable, Equatable {
    /// One object's overrides; nil fields take the mapping's defaults.
    public struct Object: Sendable, Equatable {
        public var url: String?
        public var pop: String?
        public var kind: ResourceKind?

        public init(url: String? = nil, pop: String? = nil, kind: ResourceKind? = nil) {
            self.url = url
            self.pop = pop
            self.kind = kind
        }
    }

    /// The URL of object `{id}`.
    public var urlTemplate: String
    public var pop: String
    public var kind: ResourceKind
    /// Per-object overrides, by id.
    public var objects: [UInt64: Object]

    public init(urlTemplate: String = "/obj/{id}", pop: String = "default", kind: ResourceKind = .other,
                objects: [UInt64: Object] = [:]) {
        self.urlTemplate = urlTemplate
        self.pop = pop
        self.kind = kind
        self.objects = objects
    }

    /// What is wrong with the template, or nil: it needs `{id}` exactly once and must make a
    /// path (`/…`) or an absolute http(s) URL.
    public var templateProblem: String? {
        let parts = urlTemplate.split(separator: "{id}", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return "URL template \(quoted(urlTemplate)) must contain {id} exactly once (e.g. /obj/{id})"
        }
        let lower = urlTemplate.lowercased()
        guard urlTemplate.hasPrefix("/") || lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return "URL template \(quoted(urlTemplate)) must start with '/' or http(s)://"
        }
        if urlTemplate.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return "URL template \(quoted(urlTemplate)) contains a space or control character"
        }
        return nil
    }

    /// The URL of object `id` by the template (overrides are not consulted).
    public func templateURL(for id: UInt64) -> String {
        let parts = urlTemplate.split(separator: "{id}", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 ? parts[0] + String(id) + parts[1] : urlTemplate
    }

    /// The id in a URL the template made (`/obj/42` ⇒ 42), or nil for any other URL.
    public func objectID(inURL url: some Collection<UInt8>) -> UInt64? {
        guard let (prefix, suffix) = templateParts else { return nil }
        return Self.objectID(inURL: Array(url)[...], prefix: prefix, suffix: suffix)
    }

    /// The template's bytes before and after `{id}`, or nil when it has none.
    var templateParts: (prefix: [UInt8], suffix: [UInt8])? {
        let t = Array(urlTemplate.utf8)
        guard let brace = t.firstRange(of: Array("{id}".utf8)) else { return nil }
        return (Array(t[..<brace.lowerBound]), Array(t[brace.upperBound...]))
    }

    static func objectID(inURL u: ArraySlice<UInt8>, prefix: [UInt8], suffix: [UInt8]) -> UInt64? {
        guard u.count > prefix.count + suffix.count, u.starts(with: prefix), u.reversed().starts(with: suffix.reversed()) else { return nil }
        let digits = u.dropFirst(prefix.count).dropLast(suffix.count)
        // Only the canonical spelling round-trips: no sign, no leading zero.
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), digits.count == 1 || digits.first != 0x30 else { return nil }
        var id: UInt64 = 0
        for d in digits {
            let (m, o1) = id.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d - 0x30))
            if o1 || o2 { return nil }
            id = s
        }
        return id
    }

    /// Reads per-object overrides from a CSV file: a header naming `id` and any of `url`, `pop`,
    /// `kind`, then one object a line; empty cells keep the defaults.
    /// - Throws: `TraceError` naming the line and column of the first problem.
    public static func loadObjects(path: String) throws(TraceError) -> [UInt64: Object] {
        let lines: LineReader
        do { lines = try LineReader(path: path) } catch { throw TraceError(file: path, line: 0, column: nil, message: error.message) }
        var splitter = CSVSplitter()
        var columns: [String] = []
        var objects: [UInt64: Object] = [:]
        func fail(_ column: String?, _ message: String) -> TraceError {
            TraceError(file: path, line: lines.lineNumber, column: column, message: message)
        }
        while true {
            let line: ArraySlice<UInt8>
            do {
                guard let l = try lines.nextLine() else { break }
                line = l
            } catch { throw TraceError(file: path, line: lines.lineNumber + 1, column: nil, message: error.message) }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            do { try splitter.split(line) } catch { throw fail(nil, error.description) }
            if columns.isEmpty {
                columns = splitter.strings
                for (i, c) in columns.enumerated() {
                    guard ["id", "url", "pop", "kind"].contains(c) else { throw fail(c, "unknown column (known: id, url, pop, kind)") }
                    guard !columns[..<i].contains(c) else { throw fail(c, "column appears twice in the header") }
                }
                guard columns.contains("id") else { throw fail("id", "required column missing from the header") }
                continue
            }
            guard splitter.count == columns.count else {
                throw fail(nil, "expected \(columns.count) fields (\(columns.joined(separator: ","))), found \(splitter.count)")
            }
            var id: UInt64?
            var object = Object()
            for (i, c) in columns.enumerated() {
                let value = splitter.string(i)
                switch c {
                case "id":
                    guard let v = UInt64(value) else { throw fail(c, "\(quoted(value)) is not an object id (a whole number below 2^64)") }
                    id = v
                case "url" where !value.isEmpty:
                    let lower = value.lowercased()
                    guard value.hasPrefix("/") || lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                        throw fail(c, "\(quoted(value)) is neither an absolute http(s) URL nor a path starting with '/'")
                    }
                    object.url = value
                case "pop" where !value.isEmpty: object.pop = value
                case "kind" where !value.isEmpty:
                    do { object.kind = try ResourceKind(parsing: value) } catch { throw fail(c, error.description) }
                default: break
                }
            }
            guard objects.updateValue(object, forKey: id!) == nil else { throw fail("id", "object \(id!) is mapped twice") }
        }
        if columns.isEmpty { throw TraceError(file: path, line: 0, column: nil, message: "empty file (expected a header such as id,url,pop,kind)") }
        return objects
    }
}

/// Replays an oracleGeneral trace as popsim requests; see `OracleGeneralMapping` for how ids
/// become URLs, POPs and kinds.
///
/// Time is `clock_time` seconds as microseconds; it must not go backwards. Size-0 requests
/// are kept (with `bytes` 0), where libCacheSim's reader skips them by default.
/// `next_access_vtime` is not used. Memory: per distinct object, its URL in the interner and
/// 16–32 bytes in the id table; plus the mapping; nothing per request.
public final class OracleGeneralSource: TraceSource {
    public let sourceName: String
    public private(set) var pops = Interner()
    public private(set) var urls = Interner()
    public private(set) var origins = Interner()
    public private(set) var methods = Interner()
    public let mapping: OracleGeneralMapping

    /// Records returned so far.
    public var recordsRead: Int { reader.recordsRead }

    private let reader: OracleGeneralReader
    /// What the hot path touches, behind a pointer: a class's stored property would be checked
    /// for exclusive access on every record (5 % of `run` on an oracleGeneral trace, measured).
    private let state: UnsafeMutablePointer<State>
    private var defaultPOP: UInt32?
    private let getMethod: UInt32
    private let urlPrefix: [UInt8]
    private let urlSuffix: [UInt8]
    private var scratch: [UInt8] = []

    private struct State {
        /// Object id ⇒ its URL id (bits 0–31), POP id (32–55) and kind ordinal (56–62).
        var objects = ObjectIDMap(capacity: 1 << 16)
        var lastTime: UInt32 = 0
        /// Records left before the next batch's ids are touched.
        var untilTouch = 0
        /// Where the touches' values go, so that they are not optimised away.
        var touched: UInt64 = 0

        /// The packed object for a known id at a time not before the last, else nil (the
        /// caller sorts out which). The fast path: no allocation, no `String`.
        @inline(__always)
        mutating func record(time: UInt32, id: UInt64) -> Int64? {
            guard time >= lastTime, let packed = objects.value(for: id) else { return nil }
            lastTime = time
            return packed
        }
    }

    /// Records whose id-table slots are touched together, ahead of their turn: the table is
    /// 16–32 bytes per distinct object, far larger than the processor's caches, so each lookup
    /// is a miss; touched in one short loop, many of them are in flight at once.
    private static let touchBatch = 64

    private static let kindByOrdinal = ResourceKind.allCases

    /// Opens `path`.
    /// - Throws: `TraceError` when the file is not an oracleGeneral trace or the mapping's URL
    ///   template is unusable.
    public init(path: String, mapping: OracleGeneralMapping = OracleGeneralMapping()) throws(TraceError) {
        if let problem = mapping.templateProblem { throw TraceError(file: path, line: 0, column: nil, message: problem) }
        sourceName = path
        self.mapping = mapping
        let template = Array(mapping.urlTemplate.utf8)
        let brace = template.firstRange(of: Array("{id}".utf8))!
        urlPrefix = Array(template[..<brace.lowerBound])
        urlSuffix = Array(template[brace.upperBound...])
        reader = try OracleGeneralReader(path: path)
        getMethod = methods.intern("GET")
        state = .allocate(capacity: 1)
        state.initialize(to: State())
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    public func next() throws(TraceError) -> TraceRecord? {
        if state.pointee.untilTouch == 0 { touchAhead() }
        state.pointee.untilTouch &-= 1
        guard let r = try reader.next() else { return nil }
        let n = reader.recordsRead
        guard let packed = state.pointee.record(time: r.time, id: r.id) else {
            let lastTime = state.pointee.lastTime
            if r.time < lastTime {
                throw TraceError(file: sourceName, line: n, column: nil,
                                 message: "record \(n): time \(r.time) s is earlier than \(lastTime) s in record \(n - 1) (a trace must be in time order)")
            }
            let packed = addObject(r.id)
            state.pointee.lastTime = r.time
            return record(r, packed, n)
        }
        return record(r, packed, n)
    }

    /// Touches the id-table slots of the next batch of records the reader holds.
    private func touchAhead() {
        let count = min(Self.touchBatch, reader.recordsBuffered)
        var sink: UInt64 = 0
        for k in 0..<count { sink &+= state.pointee.objects.touch(reader.id(ahead: k)) }
        state.pointee.touched &+= sink
        state.pointee.untilTouch = max(count, 1)
    }

    @inline(__always)
    private func record(_ r: OracleGeneralReader.Record, _ packed: Int64, _ n: Int) -> TraceRecord {
        TraceRecord(time: Int64(r.time) * 1_000_000, pop: UInt32(truncatingIfNeeded: packed >> 32) & 0xFF_FFFF,
                    url: UInt32(truncatingIfNeeded: packed), origin: nil, kind: Self.kindByOrdinal[Int(packed >> 56)],
                    method: getMethod, credentials: nil, bytes: Int64(r.size), line: n)
    }

    private func addObject(_ id: UInt64) -> Int64 {
        let custom = mapping.objects.isEmpty ? nil : mapping.objects[id]
        let url: UInt32
        if let u = custom?.url {
            url = urls.intern(u)
        } else {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: urlPrefix)
            appendDecimal(id, to: &scratch)
            scratch.append(contentsOf: urlSuffix)
            url = urls.intern(utf8: scratch[...])! // the template is valid UTF-8 and digits are ASCII
        }
        let pop: UInt32
        if let p = custom?.pop {
            pop = pops.intern(p)
        } else {
            if defaultPOP == nil { defaultPOP = pops.intern(mapping.pop) }
            pop = defaultPOP!
        }
        precondition(pop < 1 << 24, "OracleGeneralSource: more than 2^24 POPs")
        let kind = custom?.kind ?? mapping.kind
        let packed = Int64(url) | Int64(pop) << 32 | Int64(kind.ordinal) << 56
        _ = state.pointee.objects.updateValue(packed, for: id)
        return packed
    }
}

/// Appends `value` in decimal.
func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
    var v = value
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes hold the 20 digits of UInt64.max
    withUnsafeMutableBytes(of: &digits) { p in
        var i = 24
        repeat {
            i -= 1
            p[i] = 0x30 + UInt8(v % 10)
            v /= 10
        } while v > 0
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[i...]))
    }
}

/// Writes requests as an oracleGeneral trace, with `next_access_vtime` computed as traceConv does.
///
/// Each record keeps its time in whole seconds (rounded down: sub-second order is lost, see
/// FORMATS.md §2), its object id (from the URL: the id whose override names that URL, else the
/// template's id, else an FNV-1a hash; see `OracleGeneralMapping`) and its size
/// (`bytes`, or `unknownSize` when the record has none: libCacheSim's readers skip size-0
/// requests by default, so the default of 1 keeps such requests in its replays). POP, Origin,
/// kind, method and credentials have no field and are dropped.
///
/// `next_access_vtime` needs the future. Records go to the temporary file as they come, with
/// -1; `commit()` then reads the file backwards in 1 MiB blocks, keeping a map of id ⇒ 1-based
/// index of its latest-seen (that is, next) request, and rewrites each block in place before
/// the file is renamed into place. Memory: the map, 16–32 bytes per distinct object (about
/// 32 MiB for a million objects), plus two 1 MiB buffers; I/O: the file is written twice and
/// read once.
public final class OracleGeneralWriter: TraceWriter {
    /// The target path.
    public let path: String
    public let mapping: OracleGeneralMapping
    /// The size written for records without `bytes`.
    public let unknownSize: UInt32
    /// Records written so far.
    @exclusivity(unchecked) public private(set) var recordsWritten = 0
    /// Records that had no size and were written with `unknownSize`.
    @exclusivity(unchecked) public private(set) var recordsWithoutSize = 0
    /// Distinct URLs the template did not produce, whose ids are FNV-1a hashes.
    @exclusivity(unchecked) public private(set) var hashedURLs = 0

    // Unchecked for exclusive access (one thread writes), as `PopsimTraceWriter`'s: each byte
    // appended to `out` was a runtime check.
    @exclusivity(unchecked) private var out: BufferedAtomicOutput
    @exclusivity(unchecked) private var objectOfURL: [UInt64] = []
    private let templatePrefix: [UInt8]
    private let templateSuffix: [UInt8]
    private let idOfMappedURL: [String: UInt64]
    @exclusivity(unchecked) private var sourceID: ObjectIdentifier?

    /// Opens the temporary beside `path`.
    /// - Throws: `FileWriteError` when it cannot be created, or the template is unusable.
    public init(path: String, mapping: OracleGeneralMapping = OracleGeneralMapping(), unknownSize: UInt32 = 1) throws(FileWriteError) {
        if let problem = mapping.templateProblem { throw FileWriteError(path: path, message: problem) }
        self.path = path
        self.mapping = mapping
        self.unknownSize = unknownSize
        (templatePrefix, templateSuffix) = mapping.templateParts!
        var mapped: [String: UInt64] = [:]
        for (id, object) in mapping.objects {
            if let url = object.url { mapped[url] = min(mapped[url] ?? .max, id) }
        }
        idOfMappedURL = mapped
        out = try BufferedAtomicOutput(path: path)
        // next_access_vtime needs the future: the file is written, then revised backwards. A
        // pipe took every record with -1 and then failed ("illegal seek"): refused first.
        if out.writesInPlace {
            out.abort()
            throw FileWriteError(path: path, message: "oracleGeneral is written in two passes (each record's next_access_vtime is known only once the later requests are), so it needs a file, not a pipe or device: write to a file, or write CSV or .pstrace to the pipe")
        }
    }

    public func write(_ record: TraceRecord, from source: any TraceSource) throws(FileWriteError) {
        let n = recordsWritten + 1
        let id = ObjectIdentifier(source)
        if sourceID == nil { sourceID = id } else if sourceID != id {
            throw FileWriteError(path: path, message: "record \(n): records must all come from one source")
        }
        guard record.time >= 0, record.time / 1_000_000 <= Int64(UInt32.max) else {
            throw FileWriteError(path: path, message: "record \(n): time \(record.time) µs does not fit oracleGeneral's 32-bit seconds")
        }
        let size: UInt32
        if let bytes = record.bytes {
            guard bytes >= 0, bytes <= Int64(UInt32.max) else {
                throw FileWriteError(path: path, message: "record \(n): size \(bytes) bytes does not fit oracleGeneral's 32-bit obj_size")
            }
            size = UInt32(bytes)
        } else {
            size = unknownSize
            recordsWithoutSize += 1
        }
        let url = Int(record.url)
        if url >= objectOfURL.count {
            let urls = source.urls
            while objectOfURL.count < urls.count {
                let text = ArraySlice(urls.utf8(UInt32(objectOfURL.count)))
                if !idOfMappedURL.isEmpty, let id = idOfMappedURL[urls.string(UInt32(objectOfURL.count))] {
                    objectOfURL.append(id)
                } else if let id = OracleGeneralMapping.objectID(inURL: text, prefix: templatePrefix, suffix: templateSuffix) {
                    objectOfURL.append(id)
                } else {
                    objectOfURL.append(fnv1a64(text))
                    hashedURLs += 1
                }
            }
        }
        out.appendLittleEndian(UInt32(record.time / 1_000_000))
        out.appendLittleEndian(objectOfURL[url])
        out.appendLittleEndian(size)
        out.appendLittleEndian(Int64(-1))
        recordsWritten = n
        try out.flushIfFull()
    }

    public func commit() throws(FileWriteError) {
        let count = recordsWritten
        let path = self.path
        try out.commit { (fd) throws(FileWriteError) in try Self.fillNextAccess(fd: fd, records: count, path: path) }
    }

    public func abort() { out.abort() }

    /// Rewrites `next_access_vtime` of the `records` records in `fd`, last block first.
    static func fillNextAccess(fd: Int32, records: Int, path: String) throws(FileWriteError) {
        let size = OracleGeneralReader.recordSize
        let blockRecords = (1 << 20) / size
        let block = UnsafeMutableRawPointer.allocate(byteCount: blockRecords * size, alignment: 16)
        defer { block.deallocate() }
        var nextIndex = ObjectIDMap(capacity: min(records, 1 << 16))
        var high = records
        while high > 0 {
            let low = max(0, high - blockRecords)
            let bytes = (high - low) * size
            let offset = off_t(low * size)
            var done = 0
            while done < bytes {
                let n = pread(fd, block + done, bytes - done, offset + off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw FileWriteError(path: path, message: "reading back the temporary failed: \(n < 0 ? errnoText(errno) : "unexpected end of file")")
                }
                done += n
            }
            var i = high - 1
            while i >= low {
                let p = block + (i - low) * size
                let id = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt64.self))
                let next = nextIndex.updateValue(Int64(i + 1), for: id) ?? -1
                p.storeBytes(of: next.littleEndian, toByteOffset: 16, as: Int64.self)
                i -= 1
            }
            done = 0
            while done < bytes {
                let n = pwrite(fd, block + done, bytes - done, offset + off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw FileWriteError(path: path, message: "rewriting next_access_vtime failed: \(errnoText(errno))") }
                done += n
            }
            high = low
        }
    }
}
