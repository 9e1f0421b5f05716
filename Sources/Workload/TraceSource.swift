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
}

extension TraceCSVReader: TraceSource {
    public var sourceName: String { path }
}
