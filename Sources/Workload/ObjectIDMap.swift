// Binary traces name objects by 64-bit ids; readers and writers keep one small value per
// distinct id. A flat open-addressing table keeps that at 16 bytes a slot with no per-entry
// allocation, where a Dictionary would cost several times more and hash through Hasher.

/// A map from 64-bit object ids to non-negative integers, in flat storage.
///
/// Linear probing over a power-of-two table kept at most half full, so memory is 16 to 32
/// bytes per distinct id. Values must be `>= 0` (a negative value marks an empty slot).
/// Order is not exposed; nothing here leaves the process.
struct ObjectIDMap {
    private var keys: [UInt64]
    private var values: [Int64]
    private(set) var count = 0

    /// An empty map with room for about `capacity` ids before it first grows.
    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: -1, count: size)
    }

    /// The bytes the table holds, for reports on memory.
    var storageBytes: Int { keys.count * 16 }

    /// The value stored for `id`, or nil.
    func value(for id: UInt64) -> Int64? {
        let mask = keys.count - 1
        var i = slot(id) & mask
        while true {
            let v = values[i]
            if v < 0 { return nil }
            if keys[i] == id { return v }
            i = (i + 1) & mask
        }
    }

    /// Stores `value` for `id` and returns the value it replaces, or nil when `id` is new.
    mutating func updateValue(_ value: Int64, for id: UInt64) -> Int64? {
        precondition(value >= 0, "ObjectIDMap values must be non-negative")
        let mask = keys.count - 1
        var i = slot(id) & mask
        while true {
            let v = values[i]
            if v < 0 { break }
            if keys[i] == id {
                values[i] = value
                return v
            }
            i = (i + 1) & mask
        }
        keys[i] = id
        values[i] = value
        count += 1
        if count * 2 > keys.count { grow() }
        return nil
    }

    /// A finaliser from MurmurHash3: ids in traces are often sequential or already hashed, and
    /// both spread evenly after it.
    @inline(__always)
    private func slot(_ id: UInt64) -> Int {
        var h = id
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return Int(truncatingIfNeeded: h)
    }

    private mutating func grow() {
        let (oldKeys, oldValues) = (keys, values)
        let size = keys.count * 2
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: -1, count: size)
        let mask = size - 1
        for j in 0..<oldKeys.count where oldValues[j] >= 0 {
            var i = slot(oldKeys[j]) & mask
            while values[i] >= 0 { i = (i + 1) & mask }
            keys[i] = oldKeys[j]
            values[i] = oldValues[j]
        }
    }
}
