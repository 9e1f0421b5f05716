// The cache-only replays (`cachesim`, `mrc`) read only each request's object and size. Readers
// that number their URLs densely hand those over in batches, and the replays index their rows by
// the number: no hash per request, and a batch's rows can be touched before they are used.
//
// Splitting a CSV trace and numbering its URLs costs three times what the cache replay after it
// does. On a machine with a spare core the two can overlap: one thread reads ahead while the
// caller replays what it has read. The batches arrive in file order either way, so the replay,
// and every number it prints, is the same with read-ahead or without.
import Dispatch

/// A reader that numbers a trace's objects densely — 0, 1, 2, … (URL ids) — and gives its
/// requests in batches of object numbers and sizes: a CSV trace through `CacheKeyCSVReader`, a
/// `.pstrace` (whose URL ids are dense already).
public protocol NumberedRequestBatches: AnyObject {
    /// Reads up to `limit` (at most 64) requests, in file order: their object numbers and sizes
    /// (-1 for a request without one). - Returns: how many; 0 only at the end of the trace.
    /// - Throws: `TraceError` for a bad record, after which the reader cannot go on.
    func nextBatch(objects: UnsafeMutablePointer<Int>, sizes: UnsafeMutablePointer<Int64>, limit: Int) throws(TraceError) -> Int
}

extension NumberedRequestBatches {
    /// Calls `body` with each batch of the trace's requests — object numbers and sizes, as
    /// `nextBatch` gives them — in file order, on the calling thread. With `readAhead`, the
    /// file is read on a second thread up to eight batches of 4,096 requests ahead.
    /// - Throws: the reader's `TraceError`, after the batches before the bad record.
    public func forEachBatch(readAhead: Bool,
                             _ body: (_ objects: UnsafePointer<Int>, _ sizes: UnsafePointer<Int64>, _ count: Int) -> Void) throws(TraceError) {
        guard readAhead else {
            let objects = UnsafeMutablePointer<Int>.allocate(capacity: 64)
            let sizes = UnsafeMutablePointer<Int64>.allocate(capacity: 64)
            defer { objects.deallocate(); sizes.deallocate() }
            while true {
                let n = try nextBatch(objects: objects, sizes: sizes, limit: 64)
                if n == 0 { return }
                body(objects, sizes, n)
            }
        }
        let ring = BatchRing(reader: self)
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) { ring.produce() }
        defer { done.wait() }
        try ring.consume(body)
    }
}

extension CacheKeyCSVReader: NumberedRequestBatches {}

extension PopsimTraceSource: NumberedRequestBatches {
    /// Reads up to `limit` requests as URL ids and sizes (-1 when a request has none), every
    /// record checked as `next()` checks it.
    public func nextBatch(objects: UnsafeMutablePointer<Int>, sizes: UnsafeMutablePointer<Int64>, limit: Int) throws(TraceError) -> Int {
        var n = 0
        while n < limit, let r = try next() {
            objects[n] = Int(r.url)
            sizes[n] = r.bytes ?? -1
            n &+= 1
        }
        return n
    }
}

/// The batches between the reading thread and the replaying one: a ring of `slotCount` slots,
/// handed back and forth by two semaphores (which also order the memory accesses). A count of
/// 0 ends the trace; -1 says the reader threw `error`.
private final class BatchRing: @unchecked Sendable {
    static let slotCount = 8
    static let slotCapacity = 4096
    let reader: any NumberedRequestBatches
    let objects = UnsafeMutablePointer<Int>.allocate(capacity: slotCount * slotCapacity)
    let sizes = UnsafeMutablePointer<Int64>.allocate(capacity: slotCount * slotCapacity)
    var counts = [Int](repeating: 0, count: slotCount)
    var error: TraceError?
    let filled = DispatchSemaphore(value: 0)
    let free = DispatchSemaphore(value: 0)

    init(reader: any NumberedRequestBatches) {
        self.reader = reader
        // Signalled up rather than created at slotCount: libdispatch refuses to dispose of a
        // semaphore whose count ends below the one it was created with, and the ring ends
        // with slots still taken.
        for _ in 0..<Self.slotCount { free.signal() }
    }

    deinit {
        objects.deallocate()
        sizes.deallocate()
    }

    /// The reading thread: fills slots until the end of the trace or an error.
    func produce() {
        var slot = 0
        while true {
            free.wait()
            let base = slot * Self.slotCapacity
            var n = 0
            var ended = false
            do {
                while n < Self.slotCapacity {
                    let k = try reader.nextBatch(objects: objects + base + n, sizes: sizes + base + n, limit: min(64, Self.slotCapacity - n))
                    if k == 0 { ended = true; break }
                    n += k
                }
            } catch {
                self.error = error
                counts[slot] = -1
                filled.signal()
                return
            }
            counts[slot] = n
            filled.signal()
            if ended && n == 0 { return }
            slot = (slot + 1) % Self.slotCount
        }
    }

    /// The caller's side: replays slots in order until the end (count 0) or an error.
    func consume(_ body: (UnsafePointer<Int>, UnsafePointer<Int64>, Int) -> Void) throws(TraceError) {
        var slot = 0
        while true {
            filled.wait()
            let n = counts[slot]
            if n < 0 { throw error! }
            if n == 0 { return }
            let base = slot * Self.slotCapacity
            body(objects + base, sizes + base, n)
            free.signal()
            slot = (slot + 1) % Self.slotCount
        }
    }
}
