import Testing
@testable import Simulation

// The scratch space that groups a batch's cache keys by POP before they are touched
// (Simulation/BatchTouch.swift): every key reaches its POP's group once, in batch order.
@Suite("BatchTouch")
struct BatchTouchTests {
    /// Fills the scratch with `entries` and returns the groups `groupByPOP` hands out.
    private func groups(_ t: BatchTouch, _ entries: [(pop: Int32, key: UInt64)]) -> [(pop: Int, keys: [UInt64])] {
        for (k, e) in entries.enumerated() {
            t.pops[k] = e.pop
            t.keys[k] = e.key
        }
        var out: [(pop: Int, keys: [UInt64])] = []
        t.groupByPOP(entries.count) { pop, keys, count in out.append((pop, Array(UnsafeBufferPointer(start: keys, count: count)))) }
        return out
    }

    @Test("one POP: one group with every key, in order")
    func onePOP() {
        let g = groups(BatchTouch(popCount: 3), [(2, 10), (2, 11), (2, 12)])
        #expect(g.count == 1 && g[0].pop == 2 && g[0].keys == [10, 11, 12])
    }

    @Test("mixed POPs: one group per POP in order of first appearance, keys in batch order; reusable")
    func mixedPOPs() {
        let t = BatchTouch(popCount: 8)
        let g = groups(t, [(5, 1), (0, 2), (5, 3), (7, 4), (0, 5), (5, 6)])
        #expect(g.map(\.pop) == [5, 0, 7])
        #expect(g.map(\.keys) == [[1, 3, 6], [2, 5], [4]])
        // The per-POP table was reset: a second batch groups afresh.
        let again = groups(t, [(7, 9), (0, 8), (7, 7)])
        #expect(again.map(\.pop) == [7, 0] && again.map(\.keys) == [[9, 7], [8]])
        #expect(groups(t, []).isEmpty)
    }

    @Test("a full batch over many POPs: every key exactly once")
    func fullBatch() {
        let t = BatchTouch(popCount: 1_000)
        let entries = (0..<BatchTouch.capacity).map { (pop: Int32(($0 * 37) % 1_000), key: UInt64($0)) }
        let g = groups(t, entries)
        #expect(g.flatMap(\.keys).sorted() == entries.map(\.key))
        for group in g { #expect(group.keys.allSatisfy { entries[Int($0)].pop == Int32(group.pop) }) }
    }
}
