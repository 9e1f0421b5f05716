import HTTPModel

/// The latest time a simulated request may have, in µs from the trace's start: 2^53 µs, about
/// 285 years. Times, durations (RTTs, TTLs, event delays: `parseDuration` refuses longer ones)
/// and their sums then stay far from `Int64.max`, so the simulation's arithmetic cannot
/// overflow whatever the input. Trace files may hold later times; a run refuses them.
@inlinable public var maxTraceTime: Int64 { 1 << 53 }

/// The largest response size a simulated request may carry: 2^40 bytes (1 TiB). Byte totals
/// then stay exact for at least 8 million requests of that size. Trace files may hold larger
/// sizes; a run refuses them.
@inlinable public var maxObjectBytes: Int64 { 1 << 40 }

/// Anything that yields requests in time order with interned names: a CSV trace, a binary trace,
/// an access-log importer, a generator. The simulator's driver reads every format through this.
///
/// Records carry ids into the source's own interners; the driver maps each new id to the
/// simulation's catalog once, so the event loop never sees a `String`.
public protocol TraceSource: AnyObject {
    /// The file (or generator description) the records come from, for error messages.
    var sourceName: String { get }
    var pops: Interner { get }
    var urls: Interner { get }
    /// Serialised page origins.
    var origins: Interner { get }
    var methods: Interner { get }
    /// The next record, or nil at the end. Records come in non-decreasing time order.
    func next() throws(TraceError) -> TraceRecord?
    /// Lines the source skipped (counted, never silent) and the first few of them.
    var skips: SkipLog { get }
}

extension TraceSource {
    public var skips: SkipLog { SkipLog() }
}

/// Lines a reader chose to skip rather than fail on: how many, and the first few with reasons.
public struct SkipLog: Sendable, Equatable {
    public private(set) var count = 0
    public private(set) var first: [TraceError] = []
    /// How many examples are kept.
    public static let examples = 5

    public init() {}

    /// A log with `count` skips of which `first` are the examples (a shard's, read back).
    public init(count: Int, first: [TraceError]) {
        self.count = count
        self.first = Array(first.prefix(Self.examples))
    }

    public mutating func record(_ error: TraceError) {
        count += 1
        if first.count < Self.examples { first.append(error) }
    }

    /// `1,204,331 lines, 17 skipped (first: line 88, unterminated quote)`-style summary; empty when none.
    public var summary: String {
        guard count > 0, let f = first.first else { return "" }
        return "\(count) line(s) skipped (first: \(f))"
    }
}

/// Anything that stores requests: a CSV trace, a binary trace. Writers are atomic: nothing
/// appears at the destination until `commit()`.
public protocol TraceWriter: AnyObject {
    /// Appends one record whose ids refer to `source`'s interners.
    func write(_ record: TraceRecord, from source: any TraceSource) throws(FileWriteError)
    /// Finishes the file and moves it into place.
    func commit() throws(FileWriteError)
    /// Drops everything written; the destination is left as it was.
    func abort()
}

extension TraceCSVReader: TraceSource {
    public var sourceName: String { path }
}
