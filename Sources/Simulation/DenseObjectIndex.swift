/// Dense indices (0, 1, 2, …) for 64-bit object ids, in order of first appearance.
///
/// Cache-only replays and miss-ratio curves keep their per-object state in flat arrays indexed
/// by object; this table is the one place an id is hashed. Open addressing with linear probing
/// over a power-of-two table kept at most half full; each slot holds the key and its index side
/// by side (16 bytes), so a lookup touches one cache line. Keys are spread by Fibonacci hashing
/// (the top bits of `id × 2^64/φ`), which scatters sequential ids and ids that share low bits.
/// Nothing here depends on the process: indices follow the order ids first appear.
/// Not copyable: it owns its table.
/// - Complexity: `index(of:)` is O(1) expected; growth doubles the table.
struct DenseObjectIndex: ~Copyable {
    struct Slot {
        var key: UInt64
        /// The dense index, or -1 for an empty slot.
        var index: Int64
    }

    var slots: UnsafeMutablePointer<Slot>
    var slotCount: Int
    var shift: UInt64
    /// The number of distinct ids seen.
    private(set) var count: Int

    /// An empty table with room for about `expectedObjects` ids before it first grows.
    init(expectedObjects: Int = 1 << 16) {
        var n = 16
        while n < 2 * expectedObjects { n <<= 1 }
        slotCount = n
        shift = UInt64(64 - n.trailingZeroBitCount)
        slots = .allocate(capacity: n)
        slots.initialize(repeating: Slot(key: 0, index: -1), count: n)
        count = 0
    }

    deinit { slots.deallocate() }

    /// The index of `id`, giving it the next index when it is new.
    /// - Returns: the index, and whether `id` was new.
    mutating func index(of id: UInt64) -> (index: Int, isNew: Bool) {
        let mask = slotCount &- 1
        var i = Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) &>> shift)
        while true {
            let s = slots[i]
            if s.index < 0 { break }
            if s.key == id { return (Int(truncatingIfNeeded: s.index), false) }
            i = (i &+ 1) & mask
        }
        let index = count
        slots[i] = Slot(key: id, index: Int64(index))
        count &+= 1
        if count &* 2 > slotCount { grow() }
        return (index, true)
    }

    /// Reads `id`'s home slot and returns something computed from it: a prefetch, so that a
    /// later `index(of:)` finds the slot in cache.
    @inline(__always)
    func touch(_ id: UInt64) -> Int64 {
        slots[Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) &>> shift)].index
    }

    /// The index of `id` when it has one.
    func existingIndex(of id: UInt64) -> Int? {
        let mask = slotCount - 1
        var i = Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) &>> shift)
        while true {
            let s = slots[i]
            if s.index < 0 { return nil }
            if s.key == id { return Int(s.index) }
            i = (i + 1) & mask
        }
    }

    mutating func grow() {
        let old = slots, oldCount = slotCount
        slotCount *= 2
        shift -= 1
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: Slot(key: 0, index: -1), count: slotCount)
        let mask = slotCount - 1
        for j in 0..<oldCount where old[j].index >= 0 {
            var i = Int(truncatingIfNeeded: (old[j].key &* 0x9E37_79B9_7F4A_7C15) &>> shift)
            while slots[i].index >= 0 { i = (i + 1) & mask }
            slots[i] = old[j]
        }
        old.deallocate()
    }
}
