// A long loop (a replay at tens of millions of requests a second, a trace being copied) says how
// far it got by storing a count into a `ProgressCounter` now and then — once per block or batch,
// never per request — and the CLI's progress line reads it from a thread of its own. The loops
// pay a plain store; they neither draw nor look at a clock.
#if canImport(Glibc)
import Synchronization
#endif

/// How far a long operation got, written by the thread doing it and read by another.
///
/// The count is what the operation has done in its current stage (records read, records
/// written); the stage is a number the operation and whoever shows the progress agree on
/// (0 first). Both are only for display: a reader may see them a little late.
public final class ProgressCounter: @unchecked Sendable {
    #if canImport(Glibc)
    private let count = Atomic<Int>(0)
    private let stageNumber = Atomic<Int>(0)
    #else
    // Without `Atomic` (older Darwin): word-sized stores that another thread reads for display.
    nonisolated(unsafe) private var count = 0
    nonisolated(unsafe) private var stageNumber = 0
    #endif

    public init() {}

    /// The count so far in the current stage.
    public var done: Int {
        get {
            #if canImport(Glibc)
            count.load(ordering: .acquiring)
            #else
            count
            #endif
        }
        set {
            #if canImport(Glibc)
            count.store(newValue, ordering: .releasing)
            #else
            count = newValue
            #endif
        }
    }

    /// The stage the operation is in.
    public var stage: Int {
        #if canImport(Glibc)
        stageNumber.load(ordering: .acquiring)
        #else
        stageNumber
        #endif
    }

    /// Moves to `stage`, counting from 0 again.
    public func enter(stage: Int) {
        done = 0
        #if canImport(Glibc)
        stageNumber.store(stage, ordering: .releasing)
        #else
        stageNumber = stage
        #endif
    }
}

/// A trace source that passes on another's records and counts them into `progress` every 4,096
/// records (and at the end): for readers that have no count of their own (access logs).
public final class CountedTraceSource: TraceSource {
    public let base: any TraceSource
    public let progress: ProgressCounter
    private var records = 0

    public init(_ base: any TraceSource, progress: ProgressCounter) {
        self.base = base
        self.progress = progress
    }

    public var sourceName: String { base.sourceName }
    public var pops: Interner { base.pops }
    public var urls: Interner { base.urls }
    public var origins: Interner { base.origins }
    public var methods: Interner { base.methods }
    public var skips: SkipLog { base.skips }

    public func next() throws(TraceError) -> TraceRecord? {
        guard let r = try base.next() else {
            progress.done = records
            return nil
        }
        records &+= 1
        if records & 0xFFF == 0 { progress.done = records }
        return r
    }
}

/// Batches of another reader, whose requests are counted into `progress` as each batch is read
/// (a batch is at most 64 requests).
public final class CountedRequestBatches: NumberedRequestBatches {
    public let base: any NumberedRequestBatches
    public let progress: ProgressCounter
    private var requests = 0

    public init(_ base: any NumberedRequestBatches, progress: ProgressCounter) {
        self.base = base
        self.progress = progress
    }

    public func nextBatch(objects: UnsafeMutablePointer<Int>, sizes: UnsafeMutablePointer<Int64>, limit: Int) throws(TraceError) -> Int {
        let n = try base.nextBatch(objects: objects, sizes: sizes, limit: limit)
        requests &+= n
        progress.done = requests
        return n
    }
}
