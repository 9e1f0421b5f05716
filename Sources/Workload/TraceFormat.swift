// Which trace formats popsim reads and writes, how a file's format is recognised, and the
// one place that opens a reader or a writer for a format.

/// The trace formats popsim reads and writes.
public enum TraceFormat: String, Sendable, CaseIterable {
    /// `t,pop,url,origin,kind[,method,credentials,bytes]` with a header row (`.csv`).
    case csv
    /// popsim's compact binary trace (`.pstrace`); see `PopsimTraceFormat`.
    case popsim
    /// libCacheSim's oracleGeneral binary trace (`.oracleGeneral`, `.bin`); see `OracleGeneralReader`.
    case oracleGeneral
    /// Alibaba Cloud CDN offline access logs (read only).
    case alibabaCDN = "alibaba-cdn"
    /// nginx access logs in the `combined` format (read only).
    case nginxCombined = "nginx-combined"
    /// Amazon CloudFront standard access logs (read only).
    case cloudfront

    /// Whether popsim can write this format (access logs are read only).
    public var isWritable: Bool {
        switch self {
        case .csv, .popsim, .oracleGeneral: true
        case .alibabaCDN, .nginxCombined, .cloudfront: false
        }
    }

    /// The extension popsim gives files of this format.
    public var fileExtension: String {
        switch self {
        case .csv: "csv"
        case .popsim: "pstrace"
        case .oracleGeneral: "oracleGeneral"
        case .alibabaCDN, .nginxCombined, .cloudfront: "log"
        }
    }

    /// The format a file name says, or nil: `.csv`; `.pstrace`; `.oracleGeneral` or `.bin`, or
    /// any name with `.oracleGeneral.` in it, as libCacheSim's public traces are named
    /// (`cluster52.oracleGeneral.sample10`). Case is ignored; a trailing `.zst` is looked through
    /// (reading it then fails with a message to decompress it).
    public static func byExtension(_ path: String) -> TraceFormat? {
        var name = lastComponent(path).lowercased()
        if name.hasSuffix(".zst") { name.removeLast(4) }
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".pstrace") { return .popsim }
        if name.hasSuffix(".oraclegeneral") || name.hasSuffix(".bin") || name.contains(".oraclegeneral.") { return .oracleGeneral }
        return nil
    }

    /// The format a file's first bytes say, or nil: the popsim magic `PSTRACE\0`. (oracleGeneral
    /// has no header, and CSV none that is certain.)
    public static func sniff(path: String) -> TraceFormat? {
        guard let head = filePrefix(path, count: PopsimTraceFormat.magic.count) else { return nil }
        return head == PopsimTraceFormat.magic ? .popsim : nil
    }

    /// The format of an existing file: by its name, else by its magic, else CSV.
    public static func guess(fromPath path: String) -> TraceFormat {
        byExtension(path) ?? sniff(path: path) ?? .csv
    }
}

/// How to read traces whose format leaves something out.
public struct TraceReadOptions: Sendable, Equatable {
    /// How oracleGeneral's object ids become URLs, POPs and kinds.
    public var objects: OracleGeneralMapping

    public init(objects: OracleGeneralMapping = OracleGeneralMapping()) {
        self.objects = objects
    }
}

/// How to write traces whose format leaves something out.
public struct TraceWriteOptions: Sendable, Equatable {
    /// For oracleGeneral: the URL template that gives object ids back (other URLs are hashed).
    public var objects: OracleGeneralMapping
    /// For oracleGeneral: the size written for a request without one.
    public var unknownSize: UInt32

    public init(objects: OracleGeneralMapping = OracleGeneralMapping(), unknownSize: UInt32 = 1) {
        self.objects = objects
        self.unknownSize = unknownSize
    }
}

/// Opens a trace of `format` as a stream of requests.
/// - Throws: `TraceError` when the file cannot be opened or does not start as its format must.
public func openTraceSource(path: String, format: TraceFormat, options: TraceReadOptions = TraceReadOptions()) throws(TraceError) -> any TraceSource {
    switch format {
    case .csv: return try TraceCSVReader(path: path)
    case .popsim: return try PopsimTraceSource(path: path)
    case .oracleGeneral: return try OracleGeneralSource(path: path, mapping: options.objects)
    // Access logs replay with the default import options (Referer inference on, one POP named
    // "default"); `popsim trace import` offers the others.
    case .alibabaCDN: return try AccessLogFormat.alibabaCDN.open(paths: [path])
    case .nginxCombined: return try AccessLogFormat.nginxCombined.open(paths: [path])
    case .cloudfront: return try AccessLogFormat.cloudfront.open(paths: [path])
    }
}

/// A writer for `format` at `path`; nothing appears there until `commit()`.
/// - Throws: `FileWriteError` when the temporary file cannot be created.
public func makeTraceWriter(path: String, format: TraceFormat, options: TraceWriteOptions = TraceWriteOptions()) throws(FileWriteError) -> any TraceWriter {
    switch format {
    case .csv: return try TraceCSVWriter(path: path)
    case .popsim: return try PopsimTraceWriter(path: path)
    case .oracleGeneral: return try OracleGeneralWriter(path: path, mapping: options.objects, unknownSize: options.unknownSize)
    case .alibabaCDN, .nginxCombined, .cloudfront:
        throw FileWriteError(path: path, message: "popsim reads \(format.rawValue) access logs but does not write them (write csv, popsim or oracleGeneral)")
    }
}

/// Why copying a trace stopped: the source could not be read, the copy not written, or the
/// user interrupted it.
public enum TraceCopyError: Error, Equatable, Sendable, CustomStringConvertible {
    case read(TraceError)
    case write(FileWriteError)
    case interrupted(Interrupted)
    /// The source holds no requests and the caller asked for at least one.
    case empty(source: String)

    public var description: String {
        switch self {
        case .read(let e): e.description
        case .write(let e): e.description
        case .interrupted(let e): e.description
        case .empty(let source): "\(source): no requests in the trace; nothing written"
        }
    }
}

/// Writes every record of `source` to `writer` and commits it; on any error, or SIGINT or
/// SIGTERM (looked at every 4,096 records and before the commit), the writer is aborted, so
/// nothing appears at its destination.
/// - Parameters:
///   - allowEmpty: whether a source without requests makes an empty copy (true) or is refused
///     with `.empty`, writing nothing (false).
///   - progress: where to count the records written (every 4,096), in its stage 0; it enters
///     stage 1 for the commit, which finishes the file (oracleGeneral's is a second pass).
/// - Returns: the number of records copied.
/// - Complexity: streams; memory is what the reader and writer keep per distinct string.
@discardableResult
public func copyTrace(from source: any TraceSource, to writer: any TraceWriter, allowEmpty: Bool = true,
                      progress: ProgressCounter? = nil) throws(TraceCopyError) -> Int {
    try copyTraceSummarised(from: source, to: writer, allowEmpty: allowEmpty, progress: progress).count
}

/// What a copy wrote: how many records, and the time of the last (nil when none) — what
/// `trace gen` reports ("wrote 20000 requests over 3m20s").
public struct TraceCopySummary: Sendable, Equatable {
    public var count: Int
    public var lastTime: Int64?
}

/// `copyTrace`, also giving the last record's time.
public func copyTraceSummarised(from source: any TraceSource, to writer: any TraceWriter,
                                allowEmpty: Bool = true, progress: ProgressCounter? = nil) throws(TraceCopyError) -> TraceCopySummary {
    var count = 0
    var lastTime: Int64 = 0
    while true {
        let record: TraceRecord?
        do { record = try source.next() } catch {
            writer.abort()
            throw .read(error)
        }
        guard let record else { break }
        do { try writer.write(record, from: source) } catch {
            writer.abort()
            throw .write(error)
        }
        count += 1
        lastTime = record.time
        if count & 0xFFF == 0 {
            progress?.done = count
            do { try Interruption.check(requests: count, time: lastTime) } catch {
                writer.abort()
                throw .interrupted(error)
            }
        }
    }
    do { try Interruption.check(requests: count, time: count > 0 ? lastTime : nil) } catch {
        writer.abort()
        throw .interrupted(error)
    }
    if count == 0 && !allowEmpty {
        writer.abort()
        throw .empty(source: source.sourceName)
    }
    progress?.enter(stage: 1)
    do { try writer.commit() } catch { throw .write(error) }
    return TraceCopySummary(count: count, lastTime: count > 0 ? lastTime : nil)
}
