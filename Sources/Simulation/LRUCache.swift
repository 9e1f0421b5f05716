/// A byte-bounded least-recently-used cache with per-entry expiry, keyed by integer ids.
///
/// This is the POP cache of the simulator, written in libCacheSim's verbs: `lookup` (get),
/// `insert` (which evicts from the LRU end until the object fits) and `remove`. Keys are
/// `UInt64` because readers intern URLs and cache keys once; the event loop never hashes a
/// `String`.
///
/// Storage is flat, in the manner of swift-collections: parallel arrays indexed by a slot
/// number (`keys`, `values`, `sizes`, `expiries`, and `prev`/`next` links of the recency
/// list as `Int32`), a free list of vacated slots, and an open-addressing index from key to
/// slot (linear probing over a power-of-two table, deletion by backward shift so no
/// tombstones accumulate). After the arrays have grown to the peak number of objects, a
/// lookup, insert or eviction allocates nothing. The table grows by doubling.
///
/// Expired entries are not removed by `lookup`: a CDN keeps a stale object until it is
/// revalidated or replaced, and the simulator needs to see it (`.expired`) to decide.
/// - Complexity: `lookup`, `insert` (per eviction), `remove` and `peek` are O(1) expected.
@frozen
public struct LRUCache<Value> {
    /// What a lookup found.
    @frozen
    public enum Lookup {
        /// A fresh entry; it is now the most recently used.
        case hit(Value)
        /// An entry whose expiry time is at or before the lookup time. Its recency is
        /// unchanged and it stays until it is replaced or removed.
        case expired(Value)
        /// No entry for the key.
        case miss
    }

    /// The slot number that stands for "none" in links and in the index.
    @inlinable internal static var none: Int32 { -1 }

    // Per-slot data. A slot is live when `values[slot] != nil`.
    @usableFromInline internal var keys: ContiguousArray<UInt64>
    @usableFromInline internal var values: ContiguousArray<Value?>
    @usableFromInline internal var sizes: ContiguousArray<Int64>
    @usableFromInline internal var expiries: ContiguousArray<Int64>
    /// Towards the least recently used end; for free slots, unused.
    @usableFromInline internal var prev: ContiguousArray<Int32>
    /// Towards the most recently used end; for free slots, the next free slot.
    @usableFromInline internal var next: ContiguousArray<Int32>

    /// The least recently used live slot (evicted first), or `none`.
    @usableFromInline internal var lruSlot: Int32
    /// The most recently used live slot, or `none`.
    @usableFromInline internal var mruSlot: Int32
    /// The first free slot, or `none`.
    @usableFromInline internal var freeSlot: Int32

    /// The open-addressing index: bucket → slot, `none` when empty. Its size is a power of
    /// two and at least twice `count`, which keeps linear-probing runs short.
    @usableFromInline internal var buckets: ContiguousArray<Int32>
    /// `64 − log2(buckets.count)`: the shift that turns a 64-bit hash into a bucket.
    @usableFromInline internal var bucketShift: UInt64

    // Counters behind read-only public properties (a `private(set)` setter could not be
    // used from the `@inlinable` verbs).
    @usableFromInline internal var liveCount: Int
    @usableFromInline internal var liveBytes: Int64
    @usableFromInline internal var evictionCount: Int

    /// The most bytes the cache holds at once.
    public let capacityBytes: Int64

    /// Creates an empty cache.
    /// - Parameters:
    ///   - capacityBytes: The most bytes the cache holds; must not be negative.
    ///   - expectedObjects: How many entries to make room for up front, so that a run of
    ///     known size never grows the storage; the cache grows past it as needed.
    @inlinable
    public init(capacityBytes: Int64, expectedObjects: Int = 1024) {
        precondition(capacityBytes >= 0, "capacityBytes must not be negative")
        precondition(expectedObjects >= 0, "expectedObjects must not be negative")
        precondition(expectedObjects < Int(Int32.max) / 2, "expectedObjects must fit Int32 slot numbers")
        self.capacityBytes = capacityBytes
        let slots = expectedObjects
        keys = []; keys.reserveCapacity(slots)
        values = []; values.reserveCapacity(slots)
        sizes = []; sizes.reserveCapacity(slots)
        expiries = []; expiries.reserveCapacity(slots)
        prev = []; prev.reserveCapacity(slots)
        next = []; next.reserveCapacity(slots)
        lruSlot = Self.none
        mruSlot = Self.none
        freeSlot = Self.none
        var bucketCount = 16
        while bucketCount < 2 * slots { bucketCount <<= 1 }
        buckets = ContiguousArray(repeating: Self.none, count: bucketCount)
        bucketShift = UInt64(64 - bucketCount.trailingZeroBitCount)
        liveCount = 0
        liveBytes = 0
        evictionCount = 0
    }

    /// The number of entries, expired ones included.
    @inlinable public var count: Int { liveCount }
    /// The sum of the sizes of all entries, expired ones included.
    @inlinable public var usedBytes: Int64 { liveBytes }
    /// How many entries were evicted to make room (replacements and removals not counted).
    @inlinable public var evictions: Int { evictionCount }
}

// MARK: - The verbs

extension LRUCache {
    /// Looks `key` up at time `now`; a fresh entry becomes the most recently used.
    /// - Returns: `.hit` for an entry with `expiresAt > now`, `.expired` for one with
    ///   `expiresAt <= now` (not promoted), `.miss` when there is none.
    /// - Complexity: O(1) expected.
    @inlinable
    public mutating func lookup(_ key: UInt64, at now: SimTime) -> Lookup {
        let slot = findSlot(key)
        guard slot != Self.none else { return .miss }
        let s = Int(slot)
        if expiries[s] <= now.microseconds { return .expired(values[s]!) }
        if slot != mruSlot {
            unlink(slot)
            linkAsMRU(slot)
        }
        return .hit(values[s]!)
    }

    /// Stores `value` under `key` as the most recently used entry, replacing any entry
    /// with that key and evicting from the least recently used end until it fits.
    ///
    /// An object larger than the whole capacity is not stored, and an existing entry with
    /// its key is removed, since a cache holding the old version would serve stale data.
    /// - Parameters:
    ///   - bytes: The object's size; must not be negative.
    ///   - expiresAt: The first time at which the entry is no longer fresh.
    /// - Returns: Whether the object was stored.
    /// - Complexity: O(1) expected, plus O(1) per eviction.
    @inlinable
    @discardableResult
    public mutating func insert(_ key: UInt64, bytes: Int64, expiresAt: SimTime, value: Value) -> Bool {
        precondition(bytes >= 0, "an object's size must not be negative")
        var (bucket, slot) = probe(key)
        if bytes > capacityBytes {
            if slot != Self.none { removeSlot(slot, bucket: bucket) }
            return false
        }
        if slot != Self.none {
            // Replace in place: take the old entry out of the list so eviction skips it;
            // its index bucket stays valid because the key does not change.
            unlink(slot)
            liveBytes -= sizes[Int(slot)]
            evictUntilFree(bytes)
        } else {
            let evicted = evictUntilFree(bytes)
            if (count + 1) * 2 > buckets.count {
                growIndex()
                bucket = probe(key).bucket
            } else if evicted {
                // Backward-shift deletion may have moved entries into our empty bucket.
                bucket = probe(key).bucket
            }
            slot = allocateSlot(key)
            buckets[bucket] = slot
            liveCount += 1
        }
        let s = Int(slot)
        sizes[s] = bytes
        expiries[s] = expiresAt.microseconds
        values[s] = value
        liveBytes += bytes
        linkAsMRU(slot)
        return true
    }

    /// Removes the entry for `key`.
    /// - Returns: Whether there was one.
    /// - Complexity: O(1) expected.
    @inlinable
    @discardableResult
    public mutating func remove(_ key: UInt64) -> Bool {
        let (bucket, slot) = probe(key)
        guard slot != Self.none else { return false }
        removeSlot(slot, bucket: bucket)
        return true
    }

    /// Removes every entry for which `predicate` is true: purges by prefix, by origin, or all.
    /// - Returns: How many entries were removed.
    /// - Complexity: O(n).
    @inlinable
    @discardableResult
    public mutating func removeAll(where predicate: (UInt64, Value) throws -> Bool) rethrows -> Int {
        var removed = 0
        var slot = lruSlot
        while slot != Self.none {
            let s = Int(slot)
            let following = next[s]
            if try predicate(keys[s], values[s]!) {
                removeSlot(slot, bucket: probe(keys[s]).bucket)
                removed += 1
            }
            slot = following
        }
        return removed
    }

    /// The value stored under `key`, fresh or expired, without changing its recency.
    /// - Complexity: O(1) expected.
    @inlinable
    public func peek(_ key: UInt64) -> Value? {
        let slot = findSlot(key)
        return slot == Self.none ? nil : values[Int(slot)]
    }

    /// The keys from least to most recently used (the next eviction first). For tests and
    /// narrated timelines; allocates.
    /// - Complexity: O(n).
    public func keysInLRUOrder() -> [UInt64] {
        var result: [UInt64] = []
        result.reserveCapacity(count)
        var slot = lruSlot
        while slot != Self.none {
            result.append(keys[Int(slot)])
            slot = next[Int(slot)]
        }
        return result
    }
}

// MARK: - Recency list

extension LRUCache {
    /// Takes a live slot out of the recency list (its links become stale).
    @inlinable
    internal mutating func unlink(_ slot: Int32) {
        let s = Int(slot)
        let before = prev[s], after = next[s]
        if before == Self.none { lruSlot = after } else { next[Int(before)] = after }
        if after == Self.none { mruSlot = before } else { prev[Int(after)] = before }
    }

    /// Appends a slot that is not in the list at the most recently used end.
    @inlinable
    internal mutating func linkAsMRU(_ slot: Int32) {
        let s = Int(slot)
        prev[s] = mruSlot
        next[s] = Self.none
        if mruSlot == Self.none { lruSlot = slot } else { next[Int(mruSlot)] = slot }
        mruSlot = slot
    }

    /// Evicts least recently used entries until `bytes` more fit.
    /// - Returns: Whether anything was evicted.
    @inlinable
    @discardableResult
    internal mutating func evictUntilFree(_ bytes: Int64) -> Bool {
        var evicted = false
        while usedBytes > capacityBytes - bytes {
            let victim = lruSlot
            precondition(victim != Self.none, "LRUCache: usedBytes accounts for entries not in the list")
            removeSlot(victim, bucket: probe(keys[Int(victim)]).bucket)
            evictionCount += 1
            evicted = true
        }
        return evicted
    }

    /// A slot for a new entry: the first free one, else a new one at the end of the arrays.
    /// Sets the key; the caller sets the rest and links it.
    @inlinable
    internal mutating func allocateSlot(_ key: UInt64) -> Int32 {
        if freeSlot != Self.none {
            let slot = freeSlot
            freeSlot = next[Int(slot)]
            keys[Int(slot)] = key
            return slot
        }
        precondition(keys.count < Int(Int32.max), "LRUCache: more entries than Int32 slot numbers")
        let slot = Int32(truncatingIfNeeded: keys.count)
        keys.append(key)
        values.append(nil)
        sizes.append(0)
        expiries.append(0)
        prev.append(Self.none)
        next.append(Self.none)
        return slot
    }

    /// Removes a live entry: from the list (if linked), the index and the byte count, and
    /// puts its slot on the free list. Releases the value at once.
    @inlinable
    internal mutating func removeSlot(_ slot: Int32, bucket: Int) {
        unlink(slot)
        deleteBucket(bucket)
        let s = Int(slot)
        liveBytes -= sizes[s]
        liveCount -= 1
        values[s] = nil
        next[s] = freeSlot
        freeSlot = slot
    }
}

// MARK: - Index (open addressing, linear probing)

extension LRUCache {
    /// The bucket where probing for `key` starts: Fibonacci hashing, whose top bits
    /// spread sequential ids and ids sharing low bits across the table.
    @inlinable
    internal func homeBucket(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> bucketShift)
    }

    /// The slot holding `key`, or `none`.
    @inlinable
    internal func findSlot(_ key: UInt64) -> Int32 {
        probe(key).slot
    }

    /// Probes for `key`: its bucket and slot when present, else the empty bucket where it
    /// would go and `none`.
    @inlinable
    internal func probe(_ key: UInt64) -> (bucket: Int, slot: Int32) {
        let mask = buckets.count - 1
        var bucket = homeBucket(key)
        while true {
            let slot = buckets[bucket]
            if slot == Self.none || keys[Int(slot)] == key { return (bucket, slot) }
            bucket = (bucket + 1) & mask
        }
    }

    /// Empties `bucket` and shifts later members of its probe run back, so that every key
    /// stays reachable from its home bucket without tombstones.
    @inlinable
    internal mutating func deleteBucket(_ bucket: Int) {
        let mask = buckets.count - 1
        var hole = bucket
        var cursor = bucket
        while true {
            cursor = (cursor + 1) & mask
            let slot = buckets[cursor]
            if slot == Self.none { break }
            let home = homeBucket(keys[Int(slot)])
            // The entry may fill the hole if the hole lies between its home and its bucket.
            if (cursor &- home) & mask >= (cursor &- hole) & mask {
                buckets[hole] = slot
                hole = cursor
            }
        }
        buckets[hole] = Self.none
    }

    /// Doubles the index and re-inserts every live entry.
    @inlinable
    internal mutating func growIndex() {
        let newCount = buckets.count * 2
        buckets = ContiguousArray(repeating: Self.none, count: newCount)
        bucketShift -= 1
        let mask = newCount - 1
        var slot = lruSlot
        while slot != Self.none {
            var bucket = homeBucket(keys[Int(slot)])
            while buckets[bucket] != Self.none { bucket = (bucket + 1) & mask }
            buckets[bucket] = slot
            slot = next[Int(slot)]
        }
    }
}

extension LRUCache: Sendable where Value: Sendable {}
extension LRUCache.Lookup: Sendable where Value: Sendable {}
extension LRUCache.Lookup: Equatable where Value: Equatable {}
