import Workload

/// Replays an oracleGeneral trace against one LRU cache per capacity, keeping state only for
/// the objects the caches hold — for when the working set is not wanted from this pass.
///
/// `CacheOnlyReplay` keeps a row for every object the trace has named, which is what counts the
/// working set, but makes every request a random access into a table of all objects (21 MB for
/// 900k of them): at 1 % of the working set that access was a quarter of the run. Here each
/// cache indexes only what it holds, so a small cache's index stays in the processor's cache,
/// as libCacheSim's does; the working set, when asked for, comes from a pass of its own
/// (`CacheOnlyReplay.workingSet(of:ignoreObjectSize:)`). Each cache probes a table of its own,
/// so this is the replay for one cache: from two on, `CacheOnlyReplay`'s one row per object,
/// serving every cache, costs less (`popsim cachesim` chooses so).
///
/// The semantics are `CacheOnlyReplay`'s, to the request (libCacheSim's LRU; size-0 requests
/// skipped; a cached copy keeps its inserted size; an object larger than the cache is a miss and
/// evicts nothing); tests hold the two to the same counts.
///
/// Per cache: an open-addressing table of the cached objects (linear probing, Fibonacci
/// hashing, kept at most a quarter full; deletion shifts the rest of a run back, so there are
/// no tombstones), and the recency ring of `CacheOnlyReplay` — entries are table slots, a hit
/// blanks its old entry and appends a new one, eviction pops from the front and deletes the
/// victim from the table. A slot holds the id, the cached size code and the position of the
/// object's latest entry; when a slot moves (a deletion's shift, growth), its ring entry is
/// rewritten, so entries always name the slot their object is in. The victim's slot is the one
/// least likely to be in the processor's cache, so each eviction also reads the slot of an
/// entry further along the ring: a later victim's miss then overlaps this one's work.
///
/// Not copyable: it owns its storage.
/// - Complexity: O(number of capacities) per request, amortised.
public struct ResidentIndexReplay: ~Copyable {
    struct Slot {
        var key: UInt64
        /// The cached size (`sizeInSlot` for 2^32 − 1 bytes or more, kept in `largeSizes`).
        var code: UInt32
        /// The ring position of the object's latest entry, modulo 2^32.
        var position: UInt32
    }

    /// One cache: counters, the table of what it holds, and its ring.
    struct Cache: CacheOnlyCounters {
        var capacity: Int64
        var used: Int64 = 0
        var resident = 0
        var misses: Int64 = 0
        var missBytes: Int64 = 0
        var evictions: Int64 = 0
        /// `slotCount` slots (a power of two) and a spare one after them for the id `emptyKey`.
        var slots: UnsafeMutablePointer<Slot>
        var slotCount: Int
        /// 64 − log2(slotCount): the home slot is the top bits of `id × golden`.
        var shift: UInt64
        /// Whether the spare slot holds the id `emptyKey`.
        var spareCached = false
        /// Entries: slot + 1, 0 for a blank; oldest at `front`.
        var ring: UnsafeMutablePointer<UInt32>
        var ringSize: Int
        var front = 0
        var back = 0
        /// Sizes of 2^32 − 1 bytes or more, by id, of cached objects.
        var largeSizes: [UInt64: Int64] = [:]
        /// Where the victims' touches go, so that the compiler keeps them.
        var touched: UInt64 = 0
    }

    static let emptyKey = UInt64.max
    static let sizeInSlot: UInt32 = 0xFFFF_FFFF
    /// 2^64 / φ.
    static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// Requests per batch of the oracleGeneral path.
    static let batch = 256
    /// How far along the ring an eviction reads a later victim's slot (24 and 64 measured the
    /// same; none, 3–13 % slower).
    static let victimsAhead = 24

    /// Whether every request has size 1 (capacities are object counts).
    public let ignoresObjectSize: Bool
    let cacheCount: Int
    var caches: UnsafeMutablePointer<Cache>
    var counts = CacheOnlyResult()
    /// Where the batch's touches go, so that the compiler keeps them.
    private var touched: UInt64 = 0
    /// Tables of this many slots or more are touched a batch ahead.
    let touchFrom: Int

    /// Creates empty caches.
    /// - Parameters:
    ///   - capacities: one cache per capacity (bytes, or objects with `ignoreObjectSize`), each ≥ 0.
    ///   - ignoreObjectSize: count objects instead of bytes: every request has size 1.
    public init(capacities: [Int64], ignoreObjectSize: Bool = false) {
        self.init(capacities: capacities, ignoreObjectSize: ignoreObjectSize, slotCount: 1 << 12, ringSize: 1 << 12)
    }

    /// As the public initialiser, with the tables' and rings' first sizes (powers of two), the
    /// rings' first position, and the table size from which the oracleGeneral path touches home
    /// slots a batch ahead (by default 1 MiB of slots, which no longer sit in the nearer caches):
    /// tests make tables and rings small, so that they grow, shift and compact within a short
    /// trace, start positions just short of 2^32, so that the slots' 32-bit positions wrap, and
    /// touch every table.
    init(capacities: [Int64], ignoreObjectSize: Bool, slotCount: Int, ringSize: Int, firstPosition: Int = 0, touchFrom: Int = 1 << 16) {
        precondition(!capacities.isEmpty, "ResidentIndexReplay needs at least one capacity")
        precondition(capacities.allSatisfy { $0 >= 0 }, "capacities must not be negative")
        precondition(slotCount >= 4 && slotCount & (slotCount - 1) == 0, "slotCount must be a power of two, at least 4")
        precondition(ringSize > 0 && ringSize & (ringSize - 1) == 0, "ringSize must be a power of two")
        ignoresObjectSize = ignoreObjectSize
        self.touchFrom = touchFrom
        cacheCount = capacities.count
        caches = .allocate(capacity: capacities.count)
        for (i, capacity) in capacities.enumerated() {
            (caches + i).initialize(to: Cache(capacity: capacity, slots: Self.emptySlots(slotCount), slotCount: slotCount,
                                              shift: UInt64(64 - slotCount.trailingZeroBitCount),
                                              ring: .allocate(capacity: ringSize), ringSize: ringSize,
                                              front: firstPosition, back: firstPosition))
        }
        counts.caches = capacities.map { CacheOnlyCacheStats(capacity: $0) }
    }

    deinit {
        for i in 0..<cacheCount {
            caches[i].slots.deallocate()
            caches[i].ring.deallocate()
        }
        caches.deinitialize(count: cacheCount)
        caches.deallocate()
    }

    /// `count` empty slots and the spare one.
    private static func emptySlots(_ count: Int) -> UnsafeMutablePointer<Slot> {
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: count + 1)
        slots.initialize(repeating: Slot(key: emptyKey, code: 0, position: 0), count: count + 1)
        return slots
    }

    /// The counts so far; the working set is not counted here (zero).
    public var result: CacheOnlyResult { counts.with(caches) }

    /// Replays one request; a size of 0 skips it.
    public mutating func access(_ id: UInt64, size: Int64) {
        precondition(size >= 0, "a request's size must not be negative")
        if size == 0 { counts.zeroSizeSkipped += 1; return }
        let s: Int64 = ignoresObjectSize ? 1 : size
        counts.requests &+= 1
        counts.requestBytes &+= s
        for c in 0..<cacheCount { serve(caches + c, id, s) }
    }

    /// Replays every record of an oracleGeneral trace.
    /// - Throws: `TraceError` from the reader (a read error or a truncated last record).
    public mutating func replay(_ reader: OracleGeneralReader) throws(TraceError) {
        // Two batches: while batch k runs through the caches, the home slots of batch k + 1 (in
        // tables too large for the nearer caches) are on their way into the processor's cache.
        let batch = Self.batch
        let ids = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * batch)
        let sizes = UnsafeMutablePointer<Int64>.allocate(capacity: 2 * batch)
        defer { ids.deallocate(); sizes.deallocate() }
        var n = try read(reader, ids, sizes)
        var k = 0
        while n > 0 {
            let b = (k & 1) &* batch, b1 = batch &- b
            let following = n == batch ? try read(reader, ids + b1, sizes + b1) : 0
            for j in b..<(b &+ n) {
                let id = ids[j], size = sizes[j]
                for c in 0..<cacheCount { serve(caches + c, id, size) }
            }
            n = following
            k &+= 1
        }
    }

    /// Reads up to `batch` requests (size-0 ones skipped and counted), and touches their home
    /// slots in the tables of `touchFrom` slots or more. - Returns: how many were read; fewer
    /// than `batch` only at the end of the trace.
    @inline(__always)
    private mutating func read(_ reader: OracleGeneralReader, _ ids: UnsafeMutablePointer<UInt64>,
                               _ sizes: UnsafeMutablePointer<Int64>) throws(TraceError) -> Int {
        let ignore = ignoresObjectSize
        var n = 0
        var bytes: Int64 = 0
        while n < Self.batch, let r = try reader.next() {
            if r.size == 0 { counts.zeroSizeSkipped &+= 1; continue }
            let size: Int64 = ignore ? 1 : Int64(r.size)
            ids[n] = r.id
            sizes[n] = size
            bytes &+= size
            n &+= 1
        }
        counts.requests &+= Int64(n)
        counts.requestBytes &+= bytes
        var sink: UInt64 = 0
        for c in 0..<cacheCount where caches[c].slotCount >= touchFrom {
            let slots = caches[c].slots, shift = caches[c].shift
            for j in 0..<n { sink &+= slots[Int(truncatingIfNeeded: (ids[j] &* Self.golden) &>> shift)].key }
        }
        touched &+= sink
        return n
    }

    /// One request in one cache, with libCacheSim's LRU semantics (`cache_get_base`).
    @inline(__always)
    private func serve(_ cache: UnsafeMutablePointer<Cache>, _ id: UInt64, _ size: Int64) {
        let slots = cache.pointee.slots
        var i: Int
        if id == Self.emptyKey {
            i = cache.pointee.slotCount
            if cache.pointee.spareCached { return hit(cache, i) }
        } else {
            let mask = cache.pointee.slotCount &- 1
            i = Int(truncatingIfNeeded: (id &* Self.golden) &>> cache.pointee.shift)
            while true {
                let key = slots[i].key
                if key == id { return hit(cache, i) }
                if key == Self.emptyKey { break }
                i = (i &+ 1) & mask
            }
        }
        cache.pointee.misses &+= 1
        cache.pointee.missBytes &+= size
        let capacity = cache.pointee.capacity
        guard size <= capacity else { return } // larger than the cache: not inserted, nothing evicted
        if cache.pointee.used + size > capacity {
            evict(cache, toFit: size)
            // The deletions may have moved slots into the empty one the probe found, or freed
            // one nearer home: find the place again.
            if id != Self.emptyKey { i = emptySlot(cache, id) }
        }
        var code = UInt32(truncatingIfNeeded: size)
        if size >= Int64(Self.sizeInSlot) {
            code = Self.sizeInSlot
            recordLargeSize(cache, id, size)
        }
        if id == Self.emptyKey {
            cache.pointee.spareCached = true
        } else {
            cache.pointee.slots[i].key = id
        }
        cache.pointee.slots[i].code = code
        cache.pointee.used &+= size
        cache.pointee.resident &+= 1
        push(cache, i)
        if cache.pointee.resident &* 4 > cache.pointee.slotCount { grow(cache) }
    }

    /// A hit: the object becomes the most recent, unless it already is.
    @inline(__always)
    private func hit(_ cache: UnsafeMutablePointer<Cache>, _ i: Int) {
        let position = cache.pointee.slots[i].position
        if position != UInt32(truncatingIfNeeded: cache.pointee.back &- 1) {
            cache.pointee.ring[Int(position) & (cache.pointee.ringSize &- 1)] = 0
            push(cache, i)
        }
    }

    /// The first empty slot on `id`'s probe path.
    @inline(__always)
    private func emptySlot(_ cache: UnsafeMutablePointer<Cache>, _ id: UInt64) -> Int {
        let slots = cache.pointee.slots, mask = cache.pointee.slotCount &- 1
        var i = Int(truncatingIfNeeded: (id &* Self.golden) &>> cache.pointee.shift)
        while slots[i].key != Self.emptyKey { i = (i &+ 1) & mask }
        return i
    }

    /// Evicts from the least recently used end until `size` more fits.
    private func evict(_ cache: UnsafeMutablePointer<Cache>, toFit size: Int64) {
        let capacity = cache.pointee.capacity
        var used = cache.pointee.used
        var front = cache.pointee.front
        var evicted = 0
        var sink: UInt64 = 0
        repeat {
            // The slot of an entry a little further on, a later victim's, read now so that its
            // miss overlaps this eviction's work. (A blank or the spare slot's entry reads some
            // slot in the table; a victim whose slot moves by then moved within the lines the
            // shift brought into the processor's cache.)
            let later = cache.pointee.ring[(front &+ Self.victimsAhead) & (cache.pointee.ringSize &- 1)]
            sink &+= UInt64(cache.pointee.slots[(Int(later) &- 1) & (cache.pointee.slotCount &- 1)].code)
            let e = cache.pointee.ring[front & (cache.pointee.ringSize &- 1)]
            front &+= 1
            if e == 0 { continue }
            let victim = Int(truncatingIfNeeded: e) &- 1
            let code = cache.pointee.slots[victim].code
            used -= code == Self.sizeInSlot ? takeLargeSize(cache, victim) : Int64(code)
            evicted &+= 1
            remove(cache, victim)
        } while used + size > capacity
        cache.pointee.used = used
        cache.pointee.front = front
        cache.pointee.touched &+= sink
        cache.pointee.resident -= evicted
        cache.pointee.evictions &+= Int64(evicted)
    }

    /// Deletes `slot` from the table: later slots of its run that may sit nearer their home move
    /// back into the hole it leaves (their ring entries follow), until an empty slot.
    @inline(__always)
    private func remove(_ cache: UnsafeMutablePointer<Cache>, _ slot: Int) {
        if slot == cache.pointee.slotCount { cache.pointee.spareCached = false; return }
        let slots = cache.pointee.slots, mask = cache.pointee.slotCount &- 1, shift = cache.pointee.shift
        let ring = cache.pointee.ring, ringMask = cache.pointee.ringSize &- 1
        var hole = slot, j = slot
        while true {
            j = (j &+ 1) & mask
            let key = slots[j].key
            if key == Self.emptyKey { break }
            let home = Int(truncatingIfNeeded: (key &* Self.golden) &>> shift)
            // Slot j may move back to the hole unless its home lies after the hole, up to j.
            if (j &- home) & mask >= (j &- hole) & mask {
                slots[hole] = slots[j]
                ring[Int(slots[hole].position) & ringMask] = UInt32(truncatingIfNeeded: hole &+ 1)
                hole = j
            }
        }
        slots[hole].key = Self.emptyKey
    }

    /// Appends slot `i`'s entry to the ring and records its position, making room when full.
    @inline(__always)
    private func push(_ cache: UnsafeMutablePointer<Cache>, _ i: Int) {
        if cache.pointee.back &- cache.pointee.front == cache.pointee.ringSize { makeRoom(cache) }
        let back = cache.pointee.back
        cache.pointee.ring[back & (cache.pointee.ringSize &- 1)] = UInt32(truncatingIfNeeded: i &+ 1)
        cache.pointee.slots[i].position = UInt32(truncatingIfNeeded: back)
        cache.pointee.back = back &+ 1
    }

    /// A full ring: drops its blanks when they are at least half of it (telling the moved
    /// entries' slots), else doubles it. Either way it is then at most half full.
    @inline(never)
    private func makeRoom(_ cache: UnsafeMutablePointer<Cache>) {
        let old = cache.pointee.ring, oldMask = cache.pointee.ringSize - 1
        let front = cache.pointee.front, back = cache.pointee.back
        if back - front >= 2 * cache.pointee.resident {
            var n = front
            for p in front..<back {
                let e = old[p & oldMask]
                guard e != 0 else { continue }
                old[n & oldMask] = e
                cache.pointee.slots[Int(e) - 1].position = UInt32(truncatingIfNeeded: n)
                n += 1
            }
            cache.pointee.back = n
        } else {
            cache.pointee.ring = doubledRing(old, size: cache.pointee.ringSize, front: front, back: back)
            cache.pointee.ringSize *= 2
        }
    }

    /// Doubles a cache's table; every object moves to its place in the new one and its ring
    /// entry follows. Ring positions do not change.
    @inline(never)
    private func grow(_ cache: UnsafeMutablePointer<Cache>) {
        let old = cache.pointee.slots, oldCount = cache.pointee.slotCount
        let count = oldCount * 2, shift = cache.pointee.shift - 1, mask = count - 1
        let slots = Self.emptySlots(count)
        let ring = cache.pointee.ring, ringMask = cache.pointee.ringSize - 1
        for s in 0..<oldCount where old[s].key != Self.emptyKey {
            var i = Int(truncatingIfNeeded: (old[s].key &* Self.golden) &>> shift)
            while slots[i].key != Self.emptyKey { i = (i + 1) & mask }
            slots[i] = old[s]
            ring[Int(old[s].position) & ringMask] = UInt32(truncatingIfNeeded: i + 1)
        }
        if cache.pointee.spareCached {
            slots[count] = old[oldCount]
            ring[Int(old[oldCount].position) & ringMask] = UInt32(truncatingIfNeeded: count + 1)
        }
        old.deallocate()
        cache.pointee.slots = slots
        cache.pointee.slotCount = count
        cache.pointee.shift = shift
    }

    // Objects of 4 GiB and more are rare: their sizes live in a dictionary, out of line, so that
    // `serve` stays small enough to be inlined into the replay loop.
    @inline(never)
    private func recordLargeSize(_ cache: UnsafeMutablePointer<Cache>, _ id: UInt64, _ size: Int64) {
        cache.pointee.largeSizes[id] = size
    }

    @inline(never)
    private func takeLargeSize(_ cache: UnsafeMutablePointer<Cache>, _ slot: Int) -> Int64 {
        // The spare slot's key stays `emptyKey`, which is its object's id.
        cache.pointee.largeSizes.removeValue(forKey: cache.pointee.slots[slot].key)!
    }
}
