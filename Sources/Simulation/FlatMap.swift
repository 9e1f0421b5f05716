// Hash tables for the event loop's memos and in-flight fetches: open addressing over flat
// arrays, keyed by small structs of integers with a multiply-xorshift hash. Swift's
// `Dictionary` hashes with per-process-seeded SipHash and was a fifth of a request's cost.

/// A key made of a few integers, with a cheap hash whose every bit depends on every input bit.
protocol FlatKey: Equatable {
    var mixedHash: UInt64 { get }
}

/// SplitMix64's finaliser: a bijection of 64 bits with full avalanche.
@inline(__always)
func mix64(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z &>> 31)
}

/// Two 32-bit words and a third, hashed.
@inline(__always)
func mix(_ a: UInt32, _ b: UInt32, _ c: UInt32 = 0, _ d: UInt32 = 0) -> UInt64 {
    mix64((UInt64(a) | UInt64(b) &<< 32) ^ mix64(UInt64(c) | UInt64(d) &<< 32 | 0x5555_0000_0000_0000))
}

/// An insert-only map from keys to values, with entries numbered densely in insertion order.
///
/// Linear probing over a power-of-two table of 8-byte buckets — the entry number and the top
/// 32 bits of the key's hash, which also choose the home bucket — grown at half load; keys and
/// values sit in arrays by entry number, so a memo's values can also be read by number. A probe
/// reads a key only where the hash bits match, so a lookup of an absent key (most lookups of a
/// table that grows with the trace, such as the canonical URL keys) reads no key at all, and
/// growing re-places entries from their buckets alone.
/// - Complexity: `find` and `insert` are O(1) expected; nothing is allocated once the table
///   has grown to the number of distinct keys.
struct FlatMap<Key: FlatKey, Value> {
    private(set) var keys: [Key] = []
    var values: [Value] = []
    /// Entry number in the low 32 bits (`empty` when none), hash bits in the high ones.
    private var buckets: [UInt64]
    private var mask: Int

    private static var empty: UInt64 { UInt64(UInt32.max) }

    init(capacity: Int = 16) {
        var n = 16
        while n < 2 * capacity { n <<= 1 }
        buckets = Array(repeating: Self.empty, count: n)
        mask = n - 1
    }

    var count: Int { keys.count }

    /// The home bucket and the bucket's hash bits of a key (the table never has 2³² buckets).
    @inline(__always)
    private func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash &>> 32) & mask }

    /// The entry number of `key`, or nil.
    @inline(__always)
    func find(_ key: Key) -> Int? {
        let hash = key.mixedHash
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var b = home(hash)
        while true {
            let bucket = buckets[b]
            if bucket == Self.empty { return nil }
            if bucket & 0xFFFF_FFFF_0000_0000 == tag {
                let e = Int(truncatingIfNeeded: bucket & 0xFFFF_FFFF)
                if keys[e] == key { return e }
            }
            b = (b + 1) & mask
        }
    }

    /// The value for `key`, or nil.
    @inline(__always)
    subscript(key: Key) -> Value? {
        guard let e = find(key) else { return nil }
        return values[e]
    }

    /// Reads the home buckets of keys with these hashes (`mixedHash`) and returns a value made
    /// of them, to be kept so that the loads are made: touching a batch of keys' buckets in a
    /// loop of their own, with no reference counting in it, lets the processor overlap the
    /// cache misses that `find` would wait for one at a time.
    func touch(_ hashes: UnsafePointer<UInt64>, count: Int) -> UInt64 {
        buckets.withUnsafeBufferPointer { buckets in
            var sum: UInt64 = 0
            for k in 0..<count { sum &+= buckets[Int(truncatingIfNeeded: hashes[k] &>> 32) & mask] }
            return sum
        }
    }

    /// Adds `key`, which must not be present, and returns its entry number.
    @discardableResult
    mutating func insert(_ key: Key, _ value: Value) -> Int {
        let e = keys.count
        precondition(e < Int(UInt32.max), "internal error: a FlatMap holds fewer than 2³² − 1 entries")
        keys.append(key)
        values.append(value)
        if keys.count * 2 > buckets.count { grow() }
        place((key.mixedHash & 0xFFFF_FFFF_0000_0000) | UInt64(e))
        return e
    }

    private mutating func place(_ bucket: UInt64) {
        var b = Int(truncatingIfNeeded: bucket &>> 32) & mask
        while buckets[b] != Self.empty { b = (b + 1) & mask }
        buckets[b] = bucket
    }

    private mutating func grow() {
        let old = buckets
        buckets = Array(repeating: Self.empty, count: old.count * 2)
        mask = buckets.count - 1
        for bucket in old where bucket != Self.empty { place(bucket) }
    }
}

/// A map from `UInt64` keys to `Int32` values with removal: the fetches in flight at a POP.
///
/// Linear probing with backward-shift deletion (no tombstones), grown at half load. The
/// table stays as small as the most fetches ever in flight at once. Key and value share a
/// bucket, placed by Fibonacci hashing, in memory reached through a pointer: every miss sets a
/// key and every completed fetch removes one, and the sole-ownership checks and the hashing of
/// two parallel arrays were most of their cost. The keys are cache keys —
/// a URL id in the high half, an Origin part (mostly 0) in the low — so the halves are folded
/// before the multiplication: the top bits of `key × φ` alone depend on the URL id only
/// through a 32-bit product, which clustered the buckets (1.6 shifted entries per removal).
struct UInt64Table {
    private struct Bucket {
        var key: UInt64
        /// -1: empty.
        var value: Int32
    }

    /// Owns the buckets, which live in memory reached through a pointer: an array would check
    /// its sole ownership at every set and removal. Copies of a table share its block.
    private final class Block {
        var buckets: UnsafeMutablePointer<Bucket>
        init(count: Int) {
            buckets = .allocate(capacity: count)
            buckets.initialize(repeating: Bucket(key: 0, value: -1), count: count)
        }
        deinit { buckets.deallocate() }
    }

    private let block: Block
    private var buckets: UnsafeMutablePointer<Bucket>
    /// The number of buckets − 1 (a power of two − 1).
    private var mask: Int
    /// `64 − log2(mask + 1)`.
    private var shift: UInt64
    private(set) var count = 0

    init() {
        block = Block(count: 16)
        buckets = block.buckets
        mask = 15
        shift = 60
    }

    /// The bucket where probing for `key` starts: the halves folded, then Fibonacci hashing.
    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: ((key ^ key &>> 32) &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// The value for `key`, or nil.
    @inline(__always)
    subscript(key: UInt64) -> Int32? {
        var b = home(key)
        while true {
            let v = buckets[b].value
            if v < 0 { return nil }
            if buckets[b].key == key { return v }
            b = (b + 1) & mask
        }
    }

    /// Sets the value for `key` (a non-negative number), adding the key when new. Inlined, as
    /// is `remove(_:ifValue:)`: one of each per miss.
    @inline(__always)
    mutating func set(_ key: UInt64, _ value: Int32) {
        precondition(value >= 0)
        var b = home(key)
        while buckets[b].value >= 0 {
            if buckets[b].key == key { buckets[b].value = value; return }
            b = (b + 1) & mask
        }
        buckets[b] = Bucket(key: key, value: value)
        count += 1
        if count * 2 > mask + 1 { grow() }
    }

    /// Removes `key` if present.
    mutating func remove(_ key: UInt64) {
        _ = remove(key, ifValue: nil)
    }

    /// Removes `key` if present and, when `expected` is given, its value is `expected`: a fetch
    /// that completes leaves the table only if no later fetch of its key replaced it, in one probe.
    /// - Returns: Whether the key was removed.
    @inline(__always) @discardableResult
    mutating func remove(_ key: UInt64, ifValue expected: Int32?) -> Bool {
        var b = home(key)
        while true {
            if buckets[b].value < 0 { return false }
            if buckets[b].key == key { break }
            b = (b + 1) & mask
        }
        if let expected, buckets[b].value != expected { return false }
        var hole = b
        var cursor = b
        while true {
            cursor = (cursor + 1) & mask
            if buckets[cursor].value < 0 { break }
            let h = home(buckets[cursor].key)
            // The entry may fill the hole if the hole lies between its home and its bucket.
            if (cursor &- h) & mask >= (cursor &- hole) & mask {
                buckets[hole] = buckets[cursor]
                hole = cursor
            }
        }
        buckets[hole].value = -1
        count -= 1
        return true
    }

    private mutating func grow() {
        let old = buckets, oldCount = mask + 1
        buckets = .allocate(capacity: 2 * oldCount)
        buckets.initialize(repeating: Bucket(key: 0, value: -1), count: 2 * oldCount)
        mask = 2 * oldCount - 1
        shift -= 1
        for i in 0..<oldCount where old[i].value >= 0 {
            var b = home(old[i].key)
            while buckets[b].value >= 0 { b = (b + 1) & mask }
            buckets[b] = old[i]
        }
        old.deallocate()
        block.buckets = buckets
    }
}

/// A key that a `RecentMemo` places with one multiplication.
protocol RecentKey: Equatable {
    /// The key's fields folded into 64 bits (overlaps allowed): the memo multiplies them by a
    /// Fibonacci constant and keeps the top bits, so every field should reach some high bit.
    var foldedBits: UInt64 { get }
}

/// The most recent answers of a memo, one per slot of a small direct-mapped table, in front of
/// the memo itself (a `FlatMap`): a probe is a multiplication, a load and a compare, where a
/// `FlatMap` probe mixes its key through SplitMix64 and may walk a run. The event loop asks its
/// memos the same few questions over and over (one response, rule set and request class for
/// most requests), so nearly every probe is answered here.
///
/// It only ever holds answers the memo behind it gave, so it is exact: when a key's slot holds
/// another key, the caller asks the memo and `remember`s the answer, which replaces that slot.
/// - Complexity: `subscript` and `remember` are O(1); nothing is allocated after `init`.
struct RecentMemo<Key: RecentKey, Value> {
    private struct Entry {
        var key: Key
        var value: Value
    }

    private var entries: [Entry]
    /// `64 − log2(entries.count)`.
    private let shift: UInt64

    /// - Parameters:
    ///   - vacant: a key no caller ever asks for, which fills the empty slots.
    ///   - filler: any value, kept beside `vacant`.
    ///   - slots: the table's size, a power of two of at least 2.
    init(vacant: Key, filler: Value, slots: Int = 256) {
        precondition(slots >= 2 && slots & (slots - 1) == 0, "internal error: a RecentMemo has a power-of-two size")
        entries = Array(repeating: Entry(key: vacant, value: filler), count: slots)
        shift = UInt64(64 - slots.trailingZeroBitCount)
    }

    @inline(__always)
    private func slot(_ key: Key) -> Int { Int(truncatingIfNeeded: (key.foldedBits &* 0x9E37_79B9_7F4A_7C15) &>> shift) }

    /// The remembered value for `key`, or nil (never remembered, or replaced since).
    @inline(__always)
    subscript(key: Key) -> Value? {
        entries.withUnsafeBufferPointer { entries in
            let e = entries[slot(key)]
            return e.key == key ? e.value : nil
        }
    }

    /// Remembers the memo's answer for `key`, replacing whatever its slot held.
    @inline(__always)
    mutating func remember(_ key: Key, _ value: Value) {
        entries[slot(key)] = Entry(key: key, value: value)
    }
}
