// Binary traces name objects by 64-bit ids; readers and writers keep one small value per
// distinct id. A flat open-addressing table keeps that at 16 bytes a slot with no per-entry
// allocation, where a Dictionary would cost several times more and hash through Hasher.

/// A map from 64-bit object ids to non-negative integers, in flat storage.
///
/// Linear probing over a power-of-two table kept at most half full, so memory is 16 to 32
/// bytes per distinct id. Values must be `>= 0` (a negative value marks an empty slot).
/// Order is not exposed; nothing here leaves the process.
struct ObjectIDMap {
    // Key and value side by side: a lookup touches one cache line.
    private struct Slot {
        var key: UInt64
        var value: Int64
    }

    private var slots: [Slot]
    private(set) var count = 0

    /// An empty map with room for about `capacity` ids before it first grows.
    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: Slot(key: 0, value: -1), count: size)
    }

    /// The value stored for `id`, or nil.
    @inline(__always)
    func value(for id: UInt64) -> Int64? {
        slots.withUnsafeBufferPointer { s in
            let mask = s.count - 1
            var i = Self.slot(id) & mask
            while true {
                let v = s[i].value
                if v < 0 { return nil }
                if s[i].key == id { return v }
                i = (i + 1) & mask
            }
        }
    }

    /// Reads `id`'s home slot and returns what is there, for nothing but to bring it into the
    /// processor's cache ahead of a `value(for:)`: touches in a loop of their own overlap.
    @inline(__always)
    func touch(_ id: UInt64) -> UInt64 {
        slots.withUnsafeBufferPointer { s in s[Self.slot(id) & (s.count - 1)].key }
    }

    /// Stores `value` for `id` and returns the value it replaces, or nil when `id` is new.
    mutating func updateValue(_ value: Int64, for id: UInt64) -> Int64? {
        precondition(value >= 0, "ObjectIDMap values must be non-negative")
        let old: Int64? = slots.withUnsafeMutableBufferPointer { s in
            let mask = s.count - 1
            var i = Self.slot(id) & mask
            while true {
                let v = s[i].value
                if v < 0 { break }
                if s[i].key == id {
                    s[i].value = value
                    return v
                }
                i = (i + 1) & mask
            }
            s[i] = Slot(key: id, value: value)
            return nil
        }
        if old == nil {
            count += 1
            if count * 2 > slots.count { grow() }
        }
        return old
    }

    /// A finaliser from MurmurHash3: ids in traces are often sequential or already hashed, and
    /// both spread evenly after it.
    @inline(__always)
    private static func slot(_ id: UInt64) -> Int {
        var h = id
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return Int(truncatingIfNeeded: h)
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(key: 0, value: -1), count: old.count * 2)
        slots.withUnsafeMutableBufferPointer { s in
            let mask = s.count - 1
            for slot in old where slot.value >= 0 {
                var i = Self.slot(slot.key) & mask
                while s[i].value >= 0 { i = (i + 1) & mask }
                s[i] = slot
            }
        }
    }
}
