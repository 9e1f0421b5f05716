import HTTPModel

/// Requests held many at a time, a column per field: what a reader hands a run in one call.
///
/// A run's reading path once cost as much per request as the model itself: each request went
/// from the reader's record to the run's request to a batch of resolved work, an optional and
/// an enum unwrapped at every step. In columns, a reader stores each field once, the run maps
/// a column's reader ids to its own in a loop of their own, and the driver reads the fields
/// where the reader left them. Fields without a value use a sentinel instead of an optional.
///
/// The columns are plain memory owned by the object (no copy-on-write check per store); the
/// reader's thread fills them and hands them on. Not `Sendable`: one thread at a time.
public final class RequestColumns {
    /// How many requests the columns hold at most.
    public let capacity: Int
    /// How many they hold now (the first `count` rows are valid).
    public var count = 0
    /// The 1-based record (or line) number of the first row: errors name rows by it.
    public var firstRecord = 1
    /// Microseconds from the trace's start, non-decreasing.
    public let time: UnsafeMutablePointer<Int64>
    /// The reader's POP id (a caller may replace it by its own).
    public let pop: UnsafeMutablePointer<UInt32>
    /// The reader's URL id (a caller may replace it by its own).
    public let url: UnsafeMutablePointer<UInt32>
    /// The reader's page-origin id + 1; 0 when the request sends no `Origin`.
    public let originPlus1: UnsafeMutablePointer<UInt32>
    /// The reader's method id.
    public let method: UnsafeMutablePointer<UInt32>
    /// `ResourceKind.ordinal`.
    public let kind: UnsafeMutablePointer<UInt8>
    /// `CredentialsMode.ordinal` + 1; 0 when the trace gives none (the kind's default).
    public let credentialsPlus1: UnsafeMutablePointer<UInt8>
    /// The response size; -1 when the trace gives none.
    public let bytes: UnsafeMutablePointer<Int64>
    /// How many URLs the reader had defined when it read the row — what its `urls.count` said
    /// then, as `next()` leaves it: a caller that takes the reader's new URLs when a row names
    /// one takes those, not the ones defined for later rows of the batch (so that a URL it
    /// refuses is refused at the row `next()` would have been at).
    public let urlsDefined: UnsafeMutablePointer<UInt32>

    public init(capacity: Int) {
        precondition(capacity > 0, "RequestColumns needs room for at least one request")
        self.capacity = capacity
        time = .allocate(capacity: capacity)
        pop = .allocate(capacity: capacity)
        url = .allocate(capacity: capacity)
        originPlus1 = .allocate(capacity: capacity)
        method = .allocate(capacity: capacity)
        kind = .allocate(capacity: capacity)
        credentialsPlus1 = .allocate(capacity: capacity)
        bytes = .allocate(capacity: capacity)
        urlsDefined = .allocate(capacity: capacity)
    }

    deinit {
        time.deallocate(); pop.deallocate(); url.deallocate(); originPlus1.deallocate()
        method.deallocate(); kind.deallocate(); credentialsPlus1.deallocate(); bytes.deallocate(); urlsDefined.deallocate()
    }
}

/// A trace that can hand over its requests in columns, many per call.
public protocol RequestColumnSource: TraceSource {
    /// Reads the next requests into `columns` (at most its capacity) and sets its `count`,
    /// `firstRecord` and rows; ids are the reader's, as `next()` gives them. A batch ends
    /// before the reader takes in a new POP, origin or method, so that those tables are
    /// the same, as the reader's `pops`, `origins` and `methods` say after the call, for every
    /// row of it — as they were when `next()` would have given the row (new URLs are many and
    /// may come within a batch: `urlsDefined` says which each row saw).
    /// - Returns: how many; 0 only at the end of the trace.
    /// - Throws: `TraceError` for a bad record — only when no request comes before it in this
    ///   call: the good requests before it are returned first, and the next call throws.
    func nextRequests(into columns: RequestColumns) throws(TraceError) -> Int
}
