// The CSV trace format, written: the inverse of TraceCSVReader.
import HTTPModel

/// Writes records as a CSV trace that `TraceCSVReader` reads back to the same records.
///
/// The header is `t,pop,url,origin,kind,method,credentials,bytes`. `t` is decimal seconds in
/// its shortest exact form (`0`, `12.5`, `0.000001`); `origin`, `credentials` and `bytes` are
/// empty when the record has none; `method` is always written. Fields are quoted only when
/// they must be (RFC 4180). A trace in this canonical form read and written again is
/// identical byte for byte.
///
/// Each source's names are escaped once per id, so a line costs a few appends. Nothing
/// appears at `path` until `commit()`.
public final class TraceCSVWriter: TraceWriter {
    public static let header = "t,pop,url,origin,kind,method,credentials,bytes"

    /// The target path.
    public var path: String { file.path }
    /// Records written so far.
    public private(set) var recordsWritten = 0

    private let file: AtomicFileWriter
    private var line: [UInt8] = []
    private var caches: [NameCache] = []
    private var current = -1
    private var lastTime: Int64 = 0

    /// The escaped names of one source, by id, filled as ids appear.
    private struct NameCache {
        let source: any TraceSource
        var pops: [[UInt8]] = []
        var urls: [[UInt8]] = []
        var origins: [[UInt8]] = []
        var methods: [[UInt8]] = []
    }

    /// Opens a temporary file beside `path` and writes the header.
    /// - Throws: `FileWriteError` when the directory cannot be written.
    public init(path: String) throws(FileWriteError) {
        file = try AtomicFileWriter(path: path)
        try file.write(TraceCSVWriter.header + "\n")
    }

    /// Appends one record whose ids refer to `source`'s interners.
    ///
    /// Records must come in non-decreasing time, as a trace requires.
    /// - Throws: `FileWriteError` on a write error, or for a record earlier than the previous one.
    public func write(_ record: TraceRecord, from source: any TraceSource) throws(FileWriteError) {
        if record.time < lastTime || record.time < 0 {
            throw FileWriteError(path: path, message: "record at \(formatDuration(record.time)) (line \(record.line) of \(source.sourceName)) is earlier than the previous one at \(formatDuration(lastTime))")
        }
        lastTime = record.time
        if current < 0 || caches[current].source !== source {
            current = caches.firstIndex { $0.source === source } ?? {
                caches.append(NameCache(source: source))
                return caches.count - 1
            }()
        }
        line.removeAll(keepingCapacity: true)
        appendSeconds(record.time)
        line.append(0x2C)
        let source = caches[current].source
        let (pop, url, method) = (Int(record.pop), Int(record.url), Int(record.method))
        if pop >= caches[current].pops.count { TraceCSVWriter.fill(&caches[current].pops, from: source.pops, through: pop) }
        line += caches[current].pops[pop]
        line.append(0x2C)
        if url >= caches[current].urls.count { TraceCSVWriter.fill(&caches[current].urls, from: source.urls, through: url) }
        line += caches[current].urls[url]
        line.append(0x2C)
        if let o = record.origin.map(Int.init) {
            if o >= caches[current].origins.count { TraceCSVWriter.fill(&caches[current].origins, from: source.origins, through: o) }
            line += caches[current].origins[o]
        }
        line.append(0x2C)
        line += record.kind.rawValue.utf8
        line.append(0x2C)
        if method >= caches[current].methods.count { TraceCSVWriter.fill(&caches[current].methods, from: source.methods, through: method) }
        line += caches[current].methods[method]
        line.append(0x2C)
        if let c = record.credentials { line += c.rawValue.utf8 }
        line.append(0x2C)
        if let b = record.bytes { line += String(b).utf8 }
        line.append(0x0A)
        try file.write(bytes: line)
        recordsWritten += 1
    }

    /// Writes what is buffered and moves the file into place.
    public func commit() throws(FileWriteError) { try file.commit() }

    /// Drops everything written; the target is left as it was.
    public func abort() { file.abort() }

    /// Escapes `interner`'s names from the cache's end through `id`.
    private static func fill(_ cache: inout [[UInt8]], from interner: Interner, through id: Int) {
        for next in cache.count...id { cache.append(Array(csvEscape(interner.string(UInt32(next))).utf8)) }
    }

    /// `12.5` for 12 500 000 µs: the shortest exact decimal.
    private func appendSeconds(_ t: Int64) {
        line += String(t / 1_000_000).utf8
        var frac = t % 1_000_000
        if frac == 0 { return }
        var digits = 6
        while frac % 10 == 0 {
            frac /= 10
            digits -= 1
        }
        line.append(0x2E)
        let text = String(frac)
        for _ in text.count..<digits { line.append(0x30) }
        line += text.utf8
    }
}
