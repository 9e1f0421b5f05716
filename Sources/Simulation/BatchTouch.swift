/// Scratch space for touching a batch's cache entries before the batch runs: the batch's
/// cache keys and POPs, and the same keys grouped by POP, so that each POP's cache is touched
/// in one loop over plain memory (see `LRUCache.touch`).
///
/// A reference, allocated once per unit: the buffers are reused batch after batch, and the
/// per-POP table is reset entry by entry after each batch (it is as long as the POP list).
final class BatchTouch {
    /// The most requests a batch may have.
    static let capacity = 256

    let keys = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
    let pops = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    private let grouped = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
    /// The POPs met in the batch, in order of first appearance, and where each one's keys start.
    private let distinct = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    private let starts = UnsafeMutablePointer<Int>.allocate(capacity: capacity + 1)
    /// Per POP, its index in `distinct` during a batch, else -1.
    private let slotOfPOP: UnsafeMutablePointer<Int32>
    private let popCount: Int

    init(popCount: Int) {
        self.popCount = popCount
        slotOfPOP = .allocate(capacity: max(1, popCount))
        slotOfPOP.initialize(repeating: -1, count: max(1, popCount))
    }

    deinit {
        keys.deallocate()
        grouped.deallocate()
        pops.deallocate()
        distinct.deallocate()
        starts.deallocate()
        slotOfPOP.deallocate()
    }

    /// Calls `body` once per POP among the first `count` entries of `pops`, with that POP's
    /// keys (in batch order) — a counting sort, O(count).
    @inline(__always)
    func groupByPOP(_ count: Int, _ body: (Int, UnsafePointer<UInt64>, Int) -> Void) {
        guard count > 0 else { return }
        // The common case, one POP: no copy.
        let first = pops[0]
        var single = true
        for k in 1..<count where pops[k] != first { single = false; break }
        if single { return body(Int(first), UnsafePointer(keys), count) }

        var groups = 0
        for k in 0..<count {
            let p = Int(pops[k])
            if slotOfPOP[p] < 0 {
                slotOfPOP[p] = Int32(groups)
                distinct[groups] = Int32(p)
                starts[groups] = 0
                groups += 1
            }
            starts[Int(slotOfPOP[p])] += 1
        }
        // Counts → starts (exclusive prefix sums), then place.
        var total = 0
        for g in 0..<groups { let c = starts[g]; starts[g] = total; total += c }
        starts[groups] = total
        for k in 0..<count {
            let g = Int(slotOfPOP[Int(pops[k])])
            grouped[starts[g]] = keys[k]
            starts[g] += 1
        }
        // Each start has moved to its group's end, which is the next group's start.
        var begin = 0
        for g in 0..<groups {
            let end = starts[g]
            body(Int(distinct[g]), UnsafePointer(grouped + begin), end - begin)
            begin = end
            slotOfPOP[Int(distinct[g])] = -1
        }
    }
}
