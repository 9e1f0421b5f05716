import Prefetch

/// A byte-bounded least-recently-used cache with per-entry expiry, keyed by integer ids.
///
/// This is the POP cache of the simulator, written in libCacheSim's verbs: `lookup` (get),
/// `insert` (which evicts from the LRU end until the object fits) and `remove`. Keys are
/// `UInt64` because readers intern URLs and cache keys once; the event loop never hashes a
/// `String`.
///
/// Storage is flat: one contiguous array of slots, each holding everything an entry needs
/// (key, expiry, size, the `prev`/`next` links of the recency list as `Int32`, and the value),
/// so a lookup touches the slot's cache line instead of one line per field; a free list of
/// vacated slots; and an open-addressing index from key to slot (linear probing over a
/// power-of-two table of 8-byte buckets — the slot and 32 bits of the key's hash, so probes
/// and deletions read no other entry's slot — deletion by backward shift so no tombstones
/// accumulate). After the storage has grown to the peak number of objects, a lookup, insert
/// or eviction allocates nothing. The slot array grows by a quarter at a time (not by
/// doubling) and the index by doubling at three-quarters load, which bounds the memory per
/// resident object: with a 4-byte value a slot is 32 bytes, so an entry costs 32–40 bytes of
/// slots plus 10.7–21.3 bytes of index — at most 62 bytes (issue 6 asks for at most 64).
///
/// The coming evictions are prefetched a step per request (`prefetchVictims`).
///
/// Sizes are kept in 32 bits; the rare object of 4 GiB or more keeps its size in a side table.
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

    /// One entry, or a free slot (`prev == freeMark`).
    @frozen
    @usableFromInline
    internal struct Slot {
        @usableFromInline var key: UInt64
        @usableFromInline var expiresAt: Int64
        /// Towards the least recently used end; `freeMark` for a free slot.
        @usableFromInline var prev: Int32
        /// Towards the most recently used end; for free slots, the next free slot.
        @usableFromInline var next: Int32
        /// The size, or `UInt32.max` when it is in `largeSizes`.
        @usableFromInline var size: UInt32
        /// The value; a free slot keeps its last value until the slot is reused.
        @usableFromInline var value: Value

        @inlinable
        init(key: UInt64, expiresAt: Int64, prev: Int32, next: Int32, size: UInt32, value: Value) {
            self.key = key
            self.expiresAt = expiresAt
            self.prev = prev
            self.next = next
            self.size = size
            self.value = value
        }
    }

    /// The slot number that stands for "none" in links and in the index.
    @inlinable internal static var none: Int32 { -1 }
    /// `prev` of a free slot.
    @inlinable internal static var freeMark: Int32 { -2 }
    /// `size` of an entry whose size is in `largeSizes`.
    @inlinable internal static var largeSize: UInt32 { .max }

    @usableFromInline internal var slots: ContiguousArray<Slot>
    /// Sizes of 4 GiB − 1 bytes or more, by slot.
    @usableFromInline internal var largeSizes: [Int32: Int64]

    /// The least recently used live slot (evicted first), or `none`.
    @usableFromInline internal var lruSlot: Int32
    /// The most recently used live slot, or `none`.
    @usableFromInline internal var mruSlot: Int32
    /// The first free slot, or `none`.
    @usableFromInline internal var freeSlot: Int32

    /// `prefetchVictims`' place on the list: a slot up to `victimsAhead` places from the least
    /// recently used end, whose line has been prefetched, or `none`. A hint only: it may point
    /// at a slot that has since moved or been freed, which costs a useless prefetch, nothing else.
    @usableFromInline internal var aheadSlot: Int32
    /// About how many places `aheadSlot` is from the least recently used end: one more per step,
    /// one less per eviction; at zero the walk starts again from that end.
    @usableFromInline internal var aheadCount: Int32
    /// Counts `prefetchVictims`' calls past `walkMargin`, where the walk steps on every
    /// `walkPace`-th one.
    @usableFromInline internal var walkTick: UInt32 = 0

    /// The open-addressing index: bucket → the entry's slot in the low 32 bits and the top 32
    /// bits of its key's hash in the high ones (`emptyBucket` when empty). Its size is a power
    /// of two and at least 4/3 of `count`: probe runs stay a few buckets long, within a cache
    /// line or two. The hash bits let a probe pass other keys' buckets, and a deletion find
    /// each entry's home, without reading their slots: each such read is a cache miss on a
    /// large cache.
    @usableFromInline internal var buckets: ContiguousArray<UInt64>
    /// `64 − log2(buckets.count)`: the shift that turns a 64-bit hash into a bucket.
    @usableFromInline internal var bucketShift: UInt64

    // Counters behind read-only public properties (a `private(set)` setter could not be
    // used from the `@inlinable` verbs).
    @usableFromInline internal var liveCount: Int
    @usableFromInline internal var liveBytes: Int64
    @usableFromInline internal var evictionCount: Int
    @usableFromInline internal var peakBytes: Int64

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
        slots = []
        slots.reserveCapacity(expectedObjects)
        largeSizes = [:]
        lruSlot = Self.none
        mruSlot = Self.none
        freeSlot = Self.none
        aheadSlot = Self.none
        aheadCount = 0
        var bucketCount = 16
        while bucketCount * 3 < 4 * expectedObjects { bucketCount <<= 1 }
        buckets = ContiguousArray(repeating: Self.emptyBucket, count: bucketCount)
        bucketShift = UInt64(64 - bucketCount.trailingZeroBitCount)
        liveCount = 0
        liveBytes = 0
        evictionCount = 0
        peakBytes = 0
    }

    /// The number of entries, expired ones included.
    @inlinable public var count: Int { liveCount }
    /// The sum of the sizes of all entries, expired ones included.
    @inlinable public var usedBytes: Int64 { liveBytes }
    /// The most bytes held at once since the cache was created.
    @inlinable public var peakUsedBytes: Int64 { peakBytes }
    /// How many entries were evicted to make room (replacements and removals not counted).
    @inlinable public var evictions: Int { evictionCount }

    /// Bytes of storage the cache has allocated (slots and index; the side table of huge
    /// sizes is not counted): what "memory per resident object" divides.
    public var allocatedBytes: Int {
        slots.capacity * MemoryLayout<Slot>.stride + buckets.capacity * MemoryLayout<UInt64>.stride
    }

    /// The size of the entry in `slot`.
    @inlinable @inline(__always)
    internal func size(ofSlot s: Int) -> Int64 {
        let small = slots[s].size
        return small == Self.largeSize ? largeSizes[Int32(truncatingIfNeeded: s)]! : Int64(small)
    }
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
        if slots[s].expiresAt <= now.microseconds { return .expired(slots[s].value) }
        if slot != mruSlot { moveToMRU(slot) }
        return .hit(slots[s].value)
    }

    /// `lookup`, also giving the entry's size (0 for a miss): one probe where a caller needs both.
    /// Inlined: the event loop calls it for every request, and a call returned the enum and
    /// size through memory and saved and restored six registers.
    /// - Complexity: O(1) expected.
    @inlinable @inline(__always)
    public mutating func lookupWithSize(_ key: UInt64, at now: SimTime) -> (Lookup, Int64) {
        let slot = findSlot(key)
        guard slot != Self.none else { return (.miss, 0) }
        let s = Int(slot)
        let small = slots[s].size
        guard small != Self.largeSize else { return lookupLarge(slot, at: now) }
        if slots[s].expiresAt <= now.microseconds { return (.expired(slots[s].value), Int64(small)) }
        // The hit: promotion and the value read through one borrow of the slots.
        let value = withList { p, lru, mru in
            if slot != mru {
                Self.unlink(slot, in: p, lru: &lru, mru: &mru)
                Self.linkAsMRU(slot, in: p, lru: &lru, mru: &mru)
            }
            return p[s].value
        }
        return (.hit(value), Int64(small))
    }

    /// `lookupWithSize` of an entry whose size is in `largeSizes` (4 GiB or more): rare.
    @inlinable
    internal mutating func lookupLarge(_ slot: Int32, at now: SimTime) -> (Lookup, Int64) {
        let s = Int(slot)
        let size = size(ofSlot: s)
        if slots[s].expiresAt <= now.microseconds { return (.expired(slots[s].value), size) }
        if slot != mruSlot { moveToMRU(slot) }
        return (.hit(slots[s].value), size)
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
    /// - Complexity: O(1) expected, plus O(1) per eviction. Inlined: the event loop inserts
    ///   once per completed fetch, and the call passed and saved a dozen registers.
    @inlinable @inline(__always)
    @discardableResult
    public mutating func insert(_ key: UInt64, bytes: Int64, expiresAt: SimTime, value: Value) -> Bool {
        precondition(bytes >= 0, "an object's size must not be negative")
        var (bucket, slot) = probe(key)
        if bytes > capacityBytes {
            if slot != Self.none { removeSlot(slot, bucket: bucket) }
            return false
        }
        let small: UInt32 = bytes >= Int64(Self.largeSize) ? Self.largeSize : UInt32(truncatingIfNeeded: bytes)
        let stamp = expiresAt.microseconds
        if slot != Self.none {
            // Replace in place: take the old entry out of the list so eviction skips it;
            // its index bucket stays valid because the key does not change.
            unlink(slot)
            liveBytes -= size(ofSlot: Int(slot))
            if slots[Int(slot)].size == Self.largeSize { largeSizes[slot] = nil }
            evictUntilFree(bytes)
            let s = Int(slot)
            withList { p, lru, mru in
                p[s].size = small
                p[s].expiresAt = stamp
                p[s].value = value
                Self.linkAsMRU(slot, in: p, lru: &lru, mru: &mru)
            }
        } else {
            let evicted = evictUntilFree(bytes)
            if (count + 1) * 4 > buckets.count * 3 {
                growIndex()
                bucket = probe(key).bucket
            } else if evicted {
                // Backward-shift deletion may have moved entries into our empty bucket.
                bucket = probe(key).bucket
            }
            if freeSlot == Self.none { appendFreeSlot(value: value) }
            // The new entry takes the first free slot, written whole and linked in one borrow.
            slot = freeSlot
            let s = Int(slot)
            freeSlot = withList { p, lru, mru in
                let nextFree = p[s].next
                p[s] = Slot(key: key, expiresAt: stamp, prev: Self.none, next: Self.none, size: small, value: value)
                Self.linkAsMRU(slot, in: p, lru: &lru, mru: &mru)
                return nextFree
            }
            buckets[bucket] = Self.bucketEntry(slot: slot, hash: Self.hash(key))
            liveCount += 1
        }
        if small == Self.largeSize { largeSizes[slot] = bytes }
        liveBytes += bytes
        if liveBytes > peakBytes { peakBytes = liveBytes }
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
            let following = slots[s].next
            if try predicate(slots[s].key, slots[s].value) {
                removeSlot(slot, bucket: probe(slots[s].key).bucket)
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
        return slot == Self.none ? nil : slots[Int(slot)].value
    }

    /// The keys from least to most recently used (the next eviction first). For tests and
    /// narrated timelines; allocates.
    /// - Complexity: O(n).
    public func keysInLRUOrder() -> [UInt64] {
        var result: [UInt64] = []
        result.reserveCapacity(count)
        var slot = lruSlot
        while slot != Self.none {
            result.append(slots[Int(slot)].key)
            slot = slots[Int(slot)].next
        }
        return result
    }
}

// MARK: - Recency list

extension LRUCache {
    /// Runs `body` on the slots and the list's ends (least and most recently used), which it may
    /// change. The list's verbs write several slots; each does so through this one borrowed
    /// buffer, so that the array is checked for sole ownership once per verb rather than once
    /// per write (each check a call into the runtime: 3 % of a run's instructions).
    @inlinable
    internal mutating func withList<R>(_ body: (UnsafeMutableBufferPointer<Slot>, inout Int32, inout Int32) -> R) -> R {
        var lru = lruSlot, mru = mruSlot
        let result = slots.withUnsafeMutableBufferPointer { body($0, &lru, &mru) }
        lruSlot = lru
        mruSlot = mru
        return result
    }

    /// Takes a live slot out of the recency list (its links become stale).
    @inlinable
    internal mutating func unlink(_ slot: Int32) {
        withList { Self.unlink(slot, in: $0, lru: &$1, mru: &$2) }
    }

    /// Appends a slot that is not in the list at the most recently used end.
    @inlinable
    internal mutating func linkAsMRU(_ slot: Int32) {
        withList { Self.linkAsMRU(slot, in: $0, lru: &$1, mru: &$2) }
    }

    /// `unlink` then `linkAsMRU`: a hit.
    @inlinable
    internal mutating func moveToMRU(_ slot: Int32) {
        withList { p, lru, mru in
            Self.unlink(slot, in: p, lru: &lru, mru: &mru)
            Self.linkAsMRU(slot, in: p, lru: &lru, mru: &mru)
        }
    }

    /// Always inlined, as `linkAsMRU`: with the event loop's per-request body inlined into its
    /// batch loop, the compiler had left this a call on every hit (side by side 0.985× the time
    /// on the bench's 1-POP run, 0.981× on 8 POPs, once both are inlined).
    @inlinable @inline(__always)
    internal static func unlink(_ slot: Int32, in p: UnsafeMutableBufferPointer<Slot>, lru: inout Int32, mru: inout Int32) {
        let s = Int(slot)
        let before = p[s].prev, after = p[s].next
        if before == none { lru = after } else { p[Int(before)].next = after }
        if after == none { mru = before } else { p[Int(after)].prev = before }
    }

    @inlinable @inline(__always)
    internal static func linkAsMRU(_ slot: Int32, in p: UnsafeMutableBufferPointer<Slot>, lru: inout Int32, mru: inout Int32) {
        let s = Int(slot)
        p[s].prev = mru
        p[s].next = none
        if mru == none { lru = slot } else { p[Int(mru)].next = slot }
        mru = slot
    }

    /// Evicts least recently used entries until `bytes` more fit.
    /// - Returns: Whether anything was evicted.
    @inlinable @inline(__always)
    @discardableResult
    internal mutating func evictUntilFree(_ bytes: Int64) -> Bool {
        let limit = capacityBytes - bytes
        guard liveBytes > limit else { return false }
        evict(downTo: limit)
        return true
    }

    /// Evicts least recently used entries until at most `limit` bytes are used (fewer than now).
    @inlinable
    internal mutating func evict(downTo limit: Int64) {
        guard largeSizes.isEmpty else {
            // Some entry's size is in the side table: one `removeSlot` per victim (rare).
            while liveBytes > limit {
                let victim = lruSlot
                precondition(victim != Self.none, "LRUCache: usedBytes accounts for entries not in the list")
                removeSlot(victim, bucket: probe(slots[Int(victim)].key).bucket)
                evictionCount += 1
                aheadCount -= 1
            }
            return
        }
        // Every size is in its slot. The victims leave through one borrow of the slots and one
        // of the index, with the counters in locals: one sole-ownership check per array per
        // insert rather than several per victim. A victim's bucket is the one naming its slot,
        // found from its home without reading any other entry's slot.
        var used = liveBytes, live = liveCount, evicted = 0
        var lru = lruSlot, mru = mruSlot, free = freeSlot
        let shift = bucketShift
        slots.withUnsafeMutableBufferPointer { p in
            buckets.withUnsafeMutableBufferPointer { index in
                let mask = index.count - 1
                while used > limit {
                    let victim = lru
                    precondition(victim != Self.none, "LRUCache: usedBytes accounts for entries not in the list")
                    let v = Int(victim)
                    var bucket = Int(truncatingIfNeeded: Self.hash(p[v].key) &>> shift)
                    while Self.slot(inBucket: index[bucket]) != victim { bucket = (bucket + 1) & mask }
                    Self.deleteBucket(bucket, in: index, shift: shift)
                    used -= Int64(p[v].size)
                    live -= 1
                    // The victim is the least recently used: its successor becomes so.
                    let after = p[v].next
                    lru = after
                    if after == Self.none { mru = Self.none } else { p[Int(after)].prev = Self.none }
                    p[v].prev = Self.freeMark
                    p[v].next = free
                    free = victim
                    evicted += 1
                }
            }
        }
        liveBytes = used
        liveCount = live
        evictionCount += evicted
        aheadCount -= Int32(truncatingIfNeeded: evicted)
        lruSlot = lru
        mruSlot = mru
        freeSlot = free
    }

    /// Appends a new slot to the array and puts it on the free list (which is empty).
    @inlinable
    internal mutating func appendFreeSlot(value: Value) {
        precondition(slots.count < Int(Int32.max), "LRUCache: more entries than Int32 slot numbers")
        if slots.count == slots.capacity {
            // Grow by a quarter, not by doubling: a full cache's slot array is then at most
            // 25 % larger than its peak number of entries.
            slots.reserveCapacity(slots.count + Swift.max(16, slots.count / 4))
        }
        let slot = Int32(truncatingIfNeeded: slots.count)
        slots.append(Slot(key: 0, expiresAt: 0, prev: Self.freeMark, next: freeSlot, size: 0, value: value))
        freeSlot = slot
    }

    /// Removes a live entry: from the list (if linked), the index and the byte count, and
    /// puts its slot on the free list.
    @inlinable
    internal mutating func removeSlot(_ slot: Int32, bucket: Int) {
        deleteBucket(bucket)
        let s = Int(slot)
        liveBytes -= size(ofSlot: s)
        if slots[s].size == Self.largeSize { largeSizes[slot] = nil }
        liveCount -= 1
        let free = freeSlot
        withList { p, lru, mru in
            Self.unlink(slot, in: p, lru: &lru, mru: &mru)
            p[s].prev = Self.freeMark
            p[s].next = free
        }
        freeSlot = slot
    }
}

// MARK: - Index (open addressing, linear probing)

extension LRUCache {
    /// An empty bucket: the slot bits say `none`.
    @inlinable internal static var emptyBucket: UInt64 { .max }

    /// Fibonacci hashing: the product's top bits spread sequential ids and ids sharing low
    /// bits across the table.
    @inlinable
    internal static func hash(_ key: UInt64) -> UInt64 { key &* 0x9E37_79B9_7F4A_7C15 }

    /// A bucket's contents for `slot`, whose key hashes to `hash`.
    @inlinable
    internal static func bucketEntry(slot: Int32, hash: UInt64) -> UInt64 {
        (hash & 0xFFFF_FFFF_0000_0000) | UInt64(UInt32(bitPattern: slot))
    }

    /// The slot a bucket names, or `none`.
    @inlinable
    internal static func slot(inBucket entry: UInt64) -> Int32 { Int32(truncatingIfNeeded: entry) }

    /// The bucket where probing for `key` starts.
    @inlinable
    internal func homeBucket(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: Self.hash(key) &>> bucketShift)
    }

    /// The home bucket of the entry in a bucket, from its hash bits (the shift is at least 32:
    /// the index never has 2³² buckets).
    @inlinable
    internal func homeBucket(ofEntry entry: UInt64) -> Int {
        Int(truncatingIfNeeded: entry &>> bucketShift)
    }

    /// The slot holding `key`, or `none`.
    @inlinable @inline(__always)
    internal func findSlot(_ key: UInt64) -> Int32 {
        probe(key).slot
    }

    /// Probes for `key`: its bucket and slot when present, else the empty bucket where it
    /// would go and `none`. A slot is read only where the hash bits match.
    @inlinable @inline(__always)
    internal func probe(_ key: UInt64) -> (bucket: Int, slot: Int32) {
        let mask = buckets.count - 1
        let hash = Self.hash(key)
        let tag = hash &>> 32
        var bucket = Int(truncatingIfNeeded: hash &>> bucketShift)
        while true {
            let entry = buckets[bucket]
            let slot = Self.slot(inBucket: entry)
            if slot == Self.none { return (bucket, slot) }
            if entry &>> 32 == tag && slots[Int(slot)].key == key { return (bucket, slot) }
            bucket = (bucket + 1) & mask
        }
    }

    /// Brings what lookups of `keys` will read into the processor's cache — each key's home
    /// bucket and, when the bucket's hash bits match, the entry's slot and both its neighbours
    /// on the list (a hit relinks them) — and returns a value made of what it read (a present
    /// key's link towards the LRU end, an absent key's bucket), for the caller to keep.
    ///
    /// One lookup at a time waits for each of its cache misses in turn. Here the batch's
    /// misses overlap, in three passes: the buckets are prefetched, then read (by now mostly
    /// arrived) to prefetch the slots, then the slots read to prefetch their neighbours. A
    /// prefetch holds nothing up, where a load that misses stalls the loop once the
    /// processor's reorder window fills: with loads at each level (the former version) the
    /// bench's runs took 1–3 % longer. The passes are made of the three steps a caller can also
    /// take a few requests apart (`prefetchBucket(of:)`, `prefetchSlot(of:)`,
    /// `prefetchNeighbours(of:)`), which make no reference count operation: those are locked
    /// instructions, which order memory accesses.
    @inlinable
    public mutating func touch(_ keys: UnsafePointer<UInt64>, count: Int) -> UInt64 {
        var sum: UInt64 = 0
        for k in 0..<count { prefetchBucket(of: keys[k]) }
        for k in 0..<count { _ = prefetchSlot(of: keys[k]) }
        for k in 0..<count { sum &+= prefetchNeighbours(of: keys[k]) }
        return sum
    }

    /// The first step of bringing in what a lookup of `key` reads: its home bucket. Then, once
    /// that has arrived, `prefetchSlot(of:)`, then `prefetchNeighbours(of:)` (see `touch`).
    /// The three are `mutating` though they change nothing: called on a cache in place (through
    /// a pointer's `pointee`), a method that is not is handed a copy of the cache, its arrays
    /// retained and released, per call. They read the arrays by subscript and prefetch through
    /// non-mutating helpers: a buffer borrowed through a mutable `self` retains the array.
    @inlinable @inline(__always)
    public mutating func prefetchBucket(of key: UInt64) {
        prefetchBucket(Int(truncatingIfNeeded: Self.hash(key) &>> bucketShift))
    }

    /// Prefetches bucket `bucket`'s line; not `mutating`, as `prefetchSlot(_:)` is not.
    @inlinable @inline(__always)
    internal func prefetchBucket(_ bucket: Int) {
        buckets.withUnsafeBufferPointer { prefetch(UnsafeRawPointer($0.baseAddress! + bucket)) }
    }

    /// Reads `key`'s home bucket and prefetches the slot it names when its hash bits match.
    /// - Returns: the bucket read, for the caller to keep.
    @inlinable @inline(__always)
    public mutating func prefetchSlot(of key: UInt64) -> UInt64 {
        let hash = Self.hash(key)
        let entry = buckets[Int(truncatingIfNeeded: hash &>> bucketShift)]
        let slot = Self.slot(inBucket: entry)
        if slot != Self.none && entry &>> 32 == hash &>> 32 { prefetchSlot(slot) }
        return entry
    }

    /// Reads `key`'s home bucket and, when its hash bits match, the slot it names, and
    /// prefetches that slot's neighbours on the list (a hit relinks them).
    /// - Returns: what was read (the slot's link towards the LRU end, else the bucket).
    @inlinable @inline(__always)
    public mutating func prefetchNeighbours(of key: UInt64) -> UInt64 {
        let hash = Self.hash(key)
        let entry = buckets[Int(truncatingIfNeeded: hash &>> bucketShift)]
        let slot = Self.slot(inBucket: entry)
        guard slot != Self.none, entry &>> 32 == hash &>> 32 else { return entry }
        let prev = slots[Int(slot)].prev, next = slots[Int(slot)].next
        if prev >= 0 { prefetchSlot(prev) }
        if next >= 0 { prefetchSlot(next) }
        return UInt64(truncatingIfNeeded: prev)
    }

    /// How far ahead of the evictions `prefetchVictims` reads: several inserts' worth of
    /// victims, so that one large object's insert (a video evicts tens of images) does not
    /// outrun the walk. Measured on the bench's 8-POP run, paired rounds: 64 is 4.7 % faster
    /// than 16, and 256 4 % slower than 64.
    @inlinable internal static var victimsAhead: Int32 { 64 }
    /// Up to this many places ahead the walk steps on every call (it has just started, or
    /// evictions have caught up with it); further ahead, on every `walkPace`-th call.
    ///
    /// Why: each step reads the slot the step before prefetched, so a step per call gives that
    /// load one request's time to arrive, and `perf` found a fifth of `handle`'s samples (6 %
    /// of the bench's 1-POP run) waiting on it; with a step every third call past the margin,
    /// 7 %. The bench's runs evict about one victim every three requests (3.48M in 10M on one
    /// POP), so past the margin the walk about keeps pace, and below it, after a burst of
    /// evictions, it catches up a step per call. Measured with the two builds running side by
    /// side, one per core, 20 rounds: 0.975× the time on 1 POP. The walks of a unit of several
    /// POPs are not paced (`prefetchVictims(calledOnEveryRequest:)`).
    @inlinable internal static var walkMargin: Int32 { 16 }
    /// Past `walkMargin`, the walk steps on one call in this many.
    @inlinable internal static var walkPace: UInt32 { 3 }

    /// Prefetches what the coming evictions will read, one victim further per call (per
    /// `walkPace` calls past `walkMargin`, when `calledOnEveryRequest`): the next
    /// slot on the list from the least recently used end, and the index bucket of the slot
    /// prefetched a call ago (whose key is by now in the processor's cache).
    ///
    /// An eviction reads its victim's slot and then, from its key, the victim's index bucket:
    /// two dependent cache misses, since the least recently used entries are the ones least
    /// likely to be cached (`perf`: 14 % of the bench's 1-POP run, 23 % of its 8-POP run, most of
    /// it waiting for the index bucket). Walking the list one step per request, with prefetches
    /// that hold nothing up, lets both arrive while other requests run: 2–5 % off those runs'
    /// time in paired rounds, for ~14 instructions a request. Changes nothing a lookup, insert or
    /// eviction does.
    /// - Parameter calledOnEveryRequest: false when the walk is called on only some of the
    ///   thread's requests (it replays several POPs, each with its cache): it then steps on every
    ///   call up to `victimsAhead`. Such a cache evicts more per call (the bench's 8-POP run: 0.55
    ///   victims per call of a POP's walk, against 0.35 on one POP), in bursts of five victims per
    ///   insert on average, and with the one-POP pace the walk was behind for 15 % of them (5 %
    ///   on one POP), each then two dependent misses; stepping every call leaves 3 % behind:
    ///   0.964× the time on 8 POPs side by side (quartiles 0.939–0.993, 20 rounds). On one POP,
    ///   where the walk is called on every request, the paced walk stays the faster (above).
    @inlinable @inline(__always)
    public mutating func prefetchVictims(calledOnEveryRequest: Bool = true) {
        let cursor = aheadSlot
        if cursor == Self.none || aheadCount <= 0 {
            let lru = lruSlot
            guard lru != Self.none else { return }
            prefetchSlot(lru)
            aheadSlot = lru
            aheadCount = 1
            return
        }
        guard aheadCount < Self.victimsAhead else { return }
        if calledOnEveryRequest && aheadCount >= Self.walkMargin {
            walkTick &+= 1
            if walkTick % Self.walkPace != 0 { return }
        }
        let next = stepVictimWalk(from: cursor)
        if next == Self.freeMark || next == Self.none {
            // Freed since, or moved to the most recently used end by a hit (or the list is
            // shorter than the walk): start again from the least recently used end.
            aheadSlot = Self.none
        } else {
            aheadSlot = next
            aheadCount += 1
        }
    }

    /// Prefetches slot `slot`'s line. Not `mutating`, as are `stepVictimWalk` and `touch`: read
    /// through a mutable `self`, the arrays were retained and released around each buffer
    /// (`callgrind`: ~27 instructions a request).
    @inlinable @inline(__always)
    internal func prefetchSlot(_ slot: Int32) {
        slots.withUnsafeBufferPointer { prefetch(UnsafeRawPointer($0.baseAddress! + Int(slot))) }
    }

    /// One step of the victim walk from `cursor`: prefetches its key's index bucket and the
    /// next slot towards the most recently used end, and returns that slot (`freeMark` if
    /// `cursor` has been freed, `none` at the list's end).
    @inlinable @inline(__always)
    internal func stepVictimWalk(from cursor: Int32) -> Int32 {
        let shift = bucketShift
        return buckets.withUnsafeBufferPointer { buckets in
            slots.withUnsafeBufferPointer { p in
                let s = Int(cursor)
                guard p[s].prev != Self.freeMark else { return Self.freeMark }
                prefetch(UnsafeRawPointer(buckets.baseAddress! + Int(truncatingIfNeeded: Self.hash(p[s].key) &>> shift)))
                let n = p[s].next
                if n != Self.none { prefetch(UnsafeRawPointer(p.baseAddress! + Int(n))) }
                return n
            }
        }
    }

    /// Empties `bucket` and shifts later members of its probe run back, so that every key
    /// stays reachable from its home bucket without tombstones.
    @inlinable
    internal mutating func deleteBucket(_ bucket: Int) {
        let shift = bucketShift
        buckets.withUnsafeMutableBufferPointer { Self.deleteBucket(bucket, in: $0, shift: shift) }
    }

    /// `deleteBucket` on a borrowed index.
    @inlinable @inline(__always)
    internal static func deleteBucket(_ bucket: Int, in buckets: UnsafeMutableBufferPointer<UInt64>, shift: UInt64) {
        let mask = buckets.count - 1
        var hole = bucket
        var cursor = bucket
        while true {
            cursor = (cursor + 1) & mask
            let entry = buckets[cursor]
            if Self.slot(inBucket: entry) == Self.none { break }
            let home = Int(truncatingIfNeeded: entry &>> shift) // homeBucket(ofEntry:)
            // The entry may fill the hole if the hole lies between its home and its bucket.
            if (cursor &- home) & mask >= (cursor &- hole) & mask {
                buckets[hole] = entry
                hole = cursor
            }
        }
        buckets[hole] = Self.emptyBucket
    }

    /// Doubles the index and re-inserts every live entry.
    @inlinable
    internal mutating func growIndex() {
        let newCount = buckets.count * 2
        buckets = ContiguousArray(repeating: Self.emptyBucket, count: newCount)
        bucketShift -= 1
        let mask = newCount - 1
        var slot = lruSlot
        while slot != Self.none {
            let hash = Self.hash(slots[Int(slot)].key)
            var bucket = Int(truncatingIfNeeded: hash &>> bucketShift)
            while buckets[bucket] != Self.emptyBucket { bucket = (bucket + 1) & mask }
            buckets[bucket] = Self.bucketEntry(slot: slot, hash: hash)
            slot = slots[Int(slot)].next
        }
    }
}

extension LRUCache: Sendable where Value: Sendable {}
extension LRUCache.Lookup: Sendable where Value: Sendable {}
extension LRUCache.Lookup: Equatable where Value: Equatable {}
extension LRUCache.Slot: Sendable where Value: Sendable {}
