#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// A cache-only replay needs two columns of a CSV trace: the URL (the cache key) and the size.
// Reading every column as `TraceCSVReader` does (time, POP, origin, kind, method, credentials,
// each validated and interned) costs ten times more than the replay itself; this reader splits
// each line only as far as it must and interns the URLs in a table of its own.

/// Reads a CSV trace's `url` and `bytes` columns only, as dense object numbers and sizes.
///
/// The header is checked as `TraceCSVReader` checks it (same columns, same messages); on each
/// line the number of fields, the URL (when first seen: not empty, no space or control
/// character, valid UTF-8, a path starting with one `/` or an `http(s)://` URL) and the size
/// (digits, or empty) are checked; the other columns are not read, so a trace that
/// `popsim run` would refuse for its time, origin or kind may still replay here. Blank lines are
/// skipped; CRLF line ends and a UTF-8 byte-order mark are accepted; a line with a quote is
/// split by `CSVSplitter`, the others by scanning for commas.
///
/// URLs become object numbers 0, 1, 2, … in order of first appearance, in an open-addressing
/// table keyed by a 64-bit hash of the bytes, each match confirmed against the stored bytes —
/// exact, never a hash standing for the URL. The file is read in 256 KiB blocks (which stay in the
/// processor's L2 cache between the kernel's copy and the split); `nextBatch` hands
/// out up to a batch of requests at a time, touching their table slots and stored URLs in short
/// loops before numbering them, so that the processor overlaps those cache misses.
/// Memory: the distinct URLs' bytes, plus 24–40 bytes per distinct URL.
public final class CacheKeyCSVReader {
    /// The path as given, for messages.
    public let path: String
    /// The header's column names, in file order.
    public private(set) var columns: [String] = []
    /// Distinct URLs seen so far: the next new URL gets this number.
    public var objectCount: Int { state.pointee.objectCount }
    /// The 1-based number of the last line read.
    public var lineNumber: Int { state.pointee.lineNumber }

    // Set from the header, read by `init` once the reader can read lines.
    private var urlColumn = 0
    private var bytesColumn = -1
    private let fd: Int32
    private var splitter = CSVSplitter()

    /// What the hot path reads and writes, behind a pointer: a class's stored properties would
    /// be checked for exclusive access on every use, which costs more than the work here.
    private struct State {
        var buffer: UnsafeMutableRawPointer
        var capacity: Int // bytes usable; 8 more are allocated so words can be read past a line
        var start = 0 // the next unread byte
        var end = 0 // the end of the bytes read
        var atEOF = false
        var lineNumber = 0
        var objectCount = 0
        // URL table: slot = (hash, arena offset + 1); 0 is empty. Each URL in `arena` is an
        // 8-byte header (length, object number; UInt32 each) and its bytes, padded to 8, so that
        // confirming a match reads one place.
        var slots: UnsafeMutablePointer<(UInt64, UInt64)>
        var slotCount: Int
        var arena: UnsafeMutableRawPointer
        var arenaUsed = 0
        var arenaCapacity: Int
        /// Where the touches' values go.
        var touched: UInt64 = 0
    }
    private let state: UnsafeMutablePointer<State>
    /// Object o's entry in the arena, for `url(_:)` (not on the hot path).
    private var offsets: [Int] = []

    // One batch: where each line's URL lies in the buffer, its hash, and its line.
    private static let batchLimit = 64
    private let urlOffsets = UnsafeMutablePointer<Int>.allocate(capacity: batchLimit)
    private let urlLengths = UnsafeMutablePointer<Int>.allocate(capacity: batchLimit)
    private let hashes = UnsafeMutablePointer<UInt64>.allocate(capacity: batchLimit)
    private let lineNumbers = UnsafeMutablePointer<Int>.allocate(capacity: batchLimit)

    /// Opens a CSV trace and checks its header.
    /// - Throws: `TraceError` when the file cannot be read or its header is not a trace header.
    public init(path: String) throws(TraceError) {
        self.path = path
        let opened: (fd: Int32, size: Int64?)
        do { opened = try openForReading(path) } catch {
            throw TraceError(file: path, line: 0, column: nil, message: error.message)
        }
        fd = opened.fd
        let capacity = 256 << 10 // measured: 2-3% faster than 4 MiB, whose copy leaves L2
        let slotCount = 1 << 16
        let slots = UnsafeMutablePointer<(UInt64, UInt64)>.allocate(capacity: slotCount)
        slots.initialize(repeating: (0, 0), count: slotCount)
        state = .allocate(capacity: 1)
        state.initialize(to: State(buffer: .allocate(byteCount: capacity + 8, alignment: 64), capacity: capacity,
                                   slots: slots, slotCount: slotCount, arena: malloc(1 << 20)!, arenaCapacity: 1 << 20))
        // The header: the first line that is not blank, checked by TraceCSVReader's rules (known,
        // required, repeated columns) but read here, so that a pipe is read once.
        var header: [UInt8]?
        while let line = try nextLine() {
            if isBlankLine(line) { continue }
            header = Array(UnsafeRawBufferPointer(start: state.pointee.buffer + line.lowerBound, count: line.count))
            break
        }
        (columns, _) = try TraceCSVReader.checkHeader(header.map { $0[...] }, lineNumber: state.pointee.lineNumber, path: path)
        urlColumn = columns.firstIndex(of: "url")!
        bytesColumn = columns.firstIndex(of: "bytes") ?? -1
    }

    deinit {
        _ = close(fd)
        state.pointee.buffer.deallocate()
        state.pointee.slots.deallocate()
        free(state.pointee.arena)
        state.deinitialize(count: 1)
        state.deallocate()
        for p in [urlOffsets, urlLengths, lineNumbers] { p.deallocate() }
        hashes.deallocate()
    }

    /// The bytes of URL `object`, for messages and tests.
    public func url(_ object: Int) -> String {
        let entry = state.pointee.arena + offsets[object]
        let n = Int(entry.load(as: UInt32.self))
        return String(decoding: UnsafeRawBufferPointer(start: entry + 8, count: n), as: UTF8.self)
    }

    /// Reads up to `limit` requests (at most 64): their object numbers and sizes (-1 when the
    /// line has none).
    /// - Returns: how many were read; 0 at the end of the trace.
    /// - Throws: `TraceError` naming the line and column of a bad line.
    public func nextBatch(objects: UnsafeMutablePointer<Int>, sizes: UnsafeMutablePointer<Int64>, limit: Int) throws(TraceError) -> Int {
        let limit = min(limit, Self.batchLimit)
        var n = 0
        var sink: UInt64 = 0
        // 1. Split lines up to the batch, within one buffer fill (the URLs stay where they are).
        reading: while n < limit {
            switch try scanLine(into: n) {
            case .request(let size):
                sizes[n] = size
                n += 1
            case .blank:
                continue
            case .needMore:
                if n > 0 { break reading }
                try fill()
            case .end:
                break reading
            case .quoted:
                // A quoted field: split it properly, alone, so numbering stays in order.
                if n > 0 { break reading }
                guard let line = try nextLine() else { break reading }
                let (url, size) = try splitQuoted(line)
                objects[0] = try url.withUnsafeBufferPointer { (p) throws(TraceError) in
                    let base = p.baseAddress ?? UnsafePointer(bitPattern: 1)!
                    return try intern(base, p.count, hash: Self.hash(base, p.count), line: state.pointee.lineNumber)
                }
                sizes[0] = size
                return 1
            }
        }
        // 2. Touch each URL's home slot, then the stored bytes each names — in short loops of
        //    their own, so that the processor has many of these independent misses in flight at
        //    once (a touch inside the parsing loop would stall it instead).
        let t = state.pointee
        let mask = t.slotCount &- 1
        for j in 0..<n { sink &+= t.slots[Int(truncatingIfNeeded: hashes[j] &>> 16) & mask].1 }
        for j in 0..<n {
            let slot = t.slots[Int(truncatingIfNeeded: hashes[j] &>> 16) & mask].1
            if slot != 0 {
                // The entry's first and last bytes: an entry may straddle two cache lines.
                let entry = Int(truncatingIfNeeded: slot) &- 1
                sink &+= t.arena.load(fromByteOffset: entry, as: UInt64.self)
                // (The slot may name another URL: stay inside the arena.)
                sink &+= UInt64(t.arena.load(fromByteOffset: min(entry &+ 7 &+ max(urlLengths[j], 1), t.arenaCapacity &- 1), as: UInt8.self))
            }
        }
        state.pointee.touched &+= sink // stored, so that the touches are not optimised away
        // 3. Number the URLs in order.
        let bytes = t.buffer.assumingMemoryBound(to: UInt8.self)
        for j in 0..<n {
            objects[j] = try intern(bytes + urlOffsets[j], urlLengths[j], hash: hashes[j], line: lineNumbers[j])
        }
        return n
    }

    // MARK: - Lines

    /// The next line's byte range in the buffer (line end and a CR before it excluded), or nil
    /// at the end of the file — or, without `refill`, at the end of what the buffer holds.
    private func nextLine(refill: Bool = true) throws(TraceError) -> Range<Int>? {
        while true {
            let t = state.pointee
            if t.start < t.end, let nl = memchr(t.buffer + t.start, 0x0A, t.end - t.start) {
                let newline = t.buffer.distance(to: nl)
                var lineEnd = newline
                if lineEnd > t.start && t.buffer.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0D { lineEnd -= 1 }
                state.pointee.start = newline + 1
                state.pointee.lineNumber += 1
                return t.start..<lineEnd
            }
            if t.atEOF {
                guard t.start < t.end else { return nil }
                var lineEnd = t.end
                if t.buffer.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0D { lineEnd -= 1 }
                state.pointee.start = t.end
                state.pointee.lineNumber += 1
                return t.start..<lineEnd
            }
            if !refill { return nil }
            try fill()
        }
    }

    /// Moves the partial line to the front (growing the buffer when one line fills it) and reads.
    private func fill() throws(TraceError) {
        var t = state.pointee
        defer { state.pointee = t }
        if t.start > 0 {
            if t.end > t.start { t.buffer.copyMemory(from: t.buffer + t.start, byteCount: t.end - t.start) }
            t.end -= t.start
            t.start = 0
        }
        if t.end == t.capacity {
            guard t.capacity < LineReader.maxLineLength else {
                throw TraceError(file: path, line: t.lineNumber + 1, column: nil, message: "line is longer than \(LineReader.maxLineLength >> 20) MiB")
            }
            let grown = UnsafeMutableRawPointer.allocate(byteCount: t.capacity * 2 + 8, alignment: 64)
            grown.copyMemory(from: t.buffer, byteCount: t.end)
            t.buffer.deallocate()
            t.buffer = grown
            t.capacity *= 2
        }
        let n = readFully(fd, t.buffer + t.end, t.capacity - t.end)
        if n < 0 {
            throw TraceError(file: path, line: t.lineNumber + 1, column: nil, message: "read failed: \(errnoText(Int32(-n)))")
        }
        if n < t.capacity - t.end { t.atEOF = true }
        t.end += n
    }

    private func isBlankLine(_ line: Range<Int>) -> Bool {
        let buffer = state.pointee.buffer
        for i in line {
            let c = buffer.load(fromByteOffset: i, as: UInt8.self)
            if c != 0x20 && c != 0x09 { return false }
        }
        return true
    }

    // MARK: - Fields

    /// What `scanLine` found at the buffer's next unread byte.
    private enum Scanned {
        /// An unquoted request, recorded at the batch index given; its size (-1 for none).
        case request(Int64)
        /// A blank line, skipped.
        case blank
        /// A line with a quote: not consumed, for `nextLine` and `splitQuoted`.
        case quoted
        /// The buffer ends before the line does: not consumed.
        case needMore
        /// The end of the file.
        case end
    }

    /// Splits the next line in one pass, eight bytes at a time: each word is searched for
    /// commas, a quote and the line end together, rather than passing over the line three times
    /// (for its end, for a quote, for commas). Records the URL's place
    /// and hash and the line's number at batch index `j`, and returns the size.
    ///
    /// Nothing is thrown or consumed until the line is known to have no quote, so that a quoted
    /// line reaches `splitQuoted` whole, exactly as if it had been looked at first.
    @inline(__always)
    private func scanLine(into j: Int) throws(TraceError) -> Scanned {
        let t = state.pointee
        let buffer = t.buffer
        let p = buffer.assumingMemoryBound(to: UInt8.self)
        let start = t.start, limit = t.end
        if start == limit { return t.atEOF ? .end : .needMore }
        let commas = repeatedByte(UInt8(ascii: ",")), quotes = repeatedByte(UInt8(ascii: "\"")), newlines = repeatedByte(UInt8(ascii: "\n"))
        var field = 0, fieldStart = start
        var sizeStart = -1, sizeEnd = -1 // the bytes field, parsed once the line is known to be unquoted
        var word = start
        var lineEnd: Int, next: Int
        while true {
            if word >= limit {
                // No line end in the buffer: the last line of the file, or more to read.
                guard t.atEOF else { return .needMore }
                lineEnd = limit
                next = limit
                break
            }
            // The buffer has 8 spare bytes past `capacity`, so a word may be read past `end`;
            // its bytes there are masked off.
            let w = buffer.loadUnaligned(fromByteOffset: word, as: UInt64.self)
            var found = matchingBytes(w, commas)
            var stops = matchingBytes(w, quotes) | matchingBytes(w, newlines)
            if limit &- word < 8 {
                let valid: UInt64 = (1 &<< UInt64((limit &- word) &* 8)) &- 1
                found &= valid
                stops &= valid
            }
            var stop = -1
            if stops != 0 {
                let k = stops.trailingZeroBitCount &>> 3
                if p[word &+ k] == 0x22 { return .quoted }
                stop = word &+ k
                found &= (1 &<< UInt64(k &* 8)) &- 1 // commas after the line end are the next line's
            }
            while found != 0 {
                let boundary = word &+ found.trailingZeroBitCount &>> 3
                found &= found &- 1
                if field == urlColumn {
                    urlOffsets[j] = fieldStart
                    urlLengths[j] = boundary &- fieldStart
                    hashes[j] = Self.hash(p + fieldStart, boundary &- fieldStart)
                } else if field == bytesColumn {
                    sizeStart = fieldStart
                    sizeEnd = boundary
                }
                field &+= 1
                fieldStart = boundary &+ 1
            }
            if stop >= 0 {
                lineEnd = stop
                next = stop &+ 1
                break
            }
            word &+= 8
        }
        // The line is consumed from here on, whatever it holds.
        if lineEnd > start && p[lineEnd &- 1] == 0x0D { lineEnd &-= 1 }
        state.pointee.start = next
        let lineNumber = t.lineNumber &+ 1
        state.pointee.lineNumber = lineNumber
        // The line's end closes the last field. (A CR before the LF is not in it: the last
        // comma, if any, is before the CR.)
        if field == urlColumn {
            urlOffsets[j] = fieldStart
            urlLengths[j] = lineEnd &- fieldStart
            hashes[j] = Self.hash(p + fieldStart, lineEnd &- fieldStart)
        } else if field == bytesColumn {
            sizeStart = fieldStart
            sizeEnd = lineEnd
        }
        field &+= 1
        // A trace has at least five columns, so only a line without commas can be blank.
        if field == 1 && isBlankLine(start..<lineEnd) { return .blank }
        let size = sizeStart < 0 ? -1 : try parseSize(p + sizeStart, sizeEnd &- sizeStart, line: lineNumber)
        guard field == columns.count else {
            throw TraceError(file: path, line: lineNumber, column: nil,
                             message: "expected \(columns.count) fields (\(columns.joined(separator: ","))), found \(field)")
        }
        lineNumbers[j] = lineNumber
        return .request(size)
    }

    /// Splits a line with quotes by the RFC 4180 rules: the URL's bytes and the size.
    private func splitQuoted(_ line: Range<Int>) throws(TraceError) -> ([UInt8], Int64) {
        let lineNumber = state.pointee.lineNumber
        do {
            try splitter.split(UnsafeRawBufferPointer(start: state.pointee.buffer + line.lowerBound, count: line.count))
        } catch {
            let column = error.field < columns.count ? columns[error.field] : nil
            throw TraceError(file: path, line: lineNumber, column: column, message: "\(error.message) at byte \(error.column) of the line")
        }
        guard splitter.count == columns.count else {
            throw TraceError(file: path, line: lineNumber, column: nil,
                             message: "expected \(columns.count) fields (\(columns.joined(separator: ","))), found \(splitter.count)")
        }
        var size: Int64 = -1
        if bytesColumn >= 0 {
            let f = Array(splitter[bytesColumn])
            size = try f.withUnsafeBufferPointer { (q) throws(TraceError) in
                try parseSize(q.baseAddress ?? UnsafePointer(bitPattern: 1)!, q.count, line: lineNumber)
            }
        }
        return (Array(splitter[urlColumn]), size)
    }

    /// A size: digits, or empty for none (-1).
    @inline(__always)
    private func parseSize(_ p: UnsafePointer<UInt8>, _ n: Int, line: Int) throws(TraceError) -> Int64 {
        if n == 0 { return -1 }
        guard n <= 18 else { throw badSize(p, n, line: line) }
        var v: Int64 = 0
        for k in 0..<n {
            let d = Int64(p[k]) &- 48
            guard d >= 0 && d <= 9 else { throw badSize(p, n, line: line) }
            v = v &* 10 &+ d
        }
        return v
    }

    private func badSize(_ p: UnsafePointer<UInt8>, _ n: Int, line: Int) -> TraceError {
        let text = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        let why = text.hasPrefix("-") ? "is negative (expected a size in bytes, or empty)"
            : text.allSatisfy(\.isNumber) ? "is too large" : "is not a whole number of bytes (expected digits only, or empty)"
        return TraceError(file: path, line: line, column: "bytes", message: "\(quoted(text)) \(why)")
    }

    // MARK: - URL table

    /// A 64-bit hash of `n` bytes, eight at a time (in-process only: nothing keyed by it leaves).
    /// The last 0–7 bytes of a key of 8 or more are read as the key's last eight, overlapping
    /// the word before: one load instead of a loop over bytes.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        let raw = UnsafeRawPointer(p)
        var tail: UInt64 = 0
        if n >= 8 {
            var i = 0
            while i &+ 8 < n {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
                h ^= h &>> 32
                i &+= 8
            }
            tail = raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
        } else {
            for i in 0..<n { tail |= UInt64(p[i]) &<< UInt64(i &* 8) }
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h &>> 29
        h = h &* 0xFF51_AFD7_ED55_8CCD
        return h ^ (h &>> 32)
    }

    /// The object number of the URL in `p[0..<n]`, numbering it when new (after checking it).
    @inline(__always)
    private func intern(_ p: UnsafePointer<UInt8>, _ n: Int, hash: UInt64, line: Int) throws(TraceError) -> Int {
        let t = state.pointee
        let mask = t.slotCount &- 1
        var i = Int(truncatingIfNeeded: hash &>> 16) & mask
        while true {
            let slot = t.slots[i]
            if slot.1 == 0 { break }
            if slot.0 == hash {
                let entry = t.arena + (Int(truncatingIfNeeded: slot.1) &- 1)
                let header = entry.load(as: UInt64.self)
                if Int(truncatingIfNeeded: header & 0xFFFF_FFFF) == n && memcmp(entry + 8, p, n) == 0 {
                    return Int(truncatingIfNeeded: header &>> 32)
                }
            }
            i = (i &+ 1) & mask
        }
        if let problem = Self.urlProblem(UnsafeBufferPointer(start: p, count: n)) {
            throw TraceError(file: path, line: line, column: "url", message: problem)
        }
        return add(p, n, hash: hash, slot: i)
    }

    /// Numbers a new URL: stores its bytes and fills its slot.
    private func add(_ p: UnsafePointer<UInt8>, _ n: Int, hash: UInt64, slot: Int) -> Int {
        var t = state.pointee
        defer { state.pointee = t }
        let o = t.objectCount
        precondition(o < Int(UInt32.max) && n < Int(UInt32.max), "CacheKeyCSVReader: more than 2^32 - 1 URLs, or a URL that long")
        let from = t.arenaUsed
        let entrySize = 8 + (n + 7) / 8 * 8
        if from + entrySize > t.arenaCapacity {
            var grown = t.arenaCapacity * 2
            while from + entrySize > grown { grown *= 2 }
            // realloc, not allocate-copy-free: a large block's pages are moved by the kernel
            // (mremap) rather than copied into fresh pages that must first be zeroed.
            guard let a = realloc(t.arena, grown) else { fatalError("CacheKeyCSVReader: out of memory for \(grown) bytes of URLs") }
            t.arena = a
            t.arenaCapacity = grown
        }
        (t.arena + from).storeBytes(of: UInt64(n) | UInt64(o) << 32, as: UInt64.self)
        (t.arena + from + 8).copyMemory(from: p, byteCount: n)
        t.arenaUsed = from + entrySize
        offsets.append(from)
        t.slots[slot] = (hash, UInt64(from + 1))
        t.objectCount = o + 1
        if t.objectCount * 2 > t.slotCount {
            let old = t.slots, oldCount = t.slotCount
            t.slotCount *= 2
            t.slots = .allocate(capacity: t.slotCount)
            t.slots.initialize(repeating: (0, 0), count: t.slotCount)
            let mask = t.slotCount - 1
            for j in 0..<oldCount where old[j].1 != 0 {
                var i = Int(truncatingIfNeeded: old[j].0 &>> 16) & mask
                while t.slots[i].1 != 0 { i = (i + 1) & mask }
                t.slots[i] = old[j]
            }
            old.deallocate()
        }
        return o
    }

    /// Why a URL cannot be a trace's URL, or nil: the rules of `TraceCSVReader`'s url column,
    /// short of parsing the host.
    static func urlProblem(_ field: UnsafeBufferPointer<UInt8>) -> String? {
        // The common case without making a String: printable ASCII, a path or an http(s) URL.
        if field.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            if field.count >= 2 && field[0] == 0x2F && field[1] != 0x2F { return nil }
            func lower(_ i: Int) -> UInt8 { field[i] | 0x20 }
            let http = field.count > 7 && lower(0) == 0x68 && lower(1) == 0x74 && lower(2) == 0x74 && lower(3) == 0x70
            if http && field[4] == 0x3A && field[5] == 0x2F && field[6] == 0x2F { return nil }
            if http && lower(4) == 0x73 && field.count > 8 && field[5] == 0x3A && field[6] == 0x2F && field[7] == 0x2F { return nil }
        }
        if field.isEmpty { return "empty (expected an absolute http(s) URL or a path starting with '/')" }
        let text = String(decoding: field, as: UTF8.self)
        if let bad = firstControlByte(UnsafeRawBufferPointer(field)) {
            return "\(quoted(text)) contains control character U+\(hex(UInt32(field[bad]), width: 4)) at byte \(bad + 1)"
        }
        if String(validating: field, as: UTF8.self) == nil { return "\(quoted(text)) is not valid UTF-8" }
        if let space = field.firstIndex(of: 0x20) { return "\(quoted(text)) contains a space at byte \(space + 1) (write it as %20)" }
        if text.hasPrefix("//") { return "\(quoted(text)) starts with '//' (write the scheme: https://host/path)" }
        if text.hasPrefix("/") { return nil }
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return "\(quoted(text)) is neither an absolute http(s) URL nor a path starting with '/'"
        }
        return nil
    }
}
