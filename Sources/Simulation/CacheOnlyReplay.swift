#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Workload

// Cache-only replay: the trace against bare LRU caches, nothing else — for capacity work and
// for side-by-side checks with libCacheSim's `cachesim … lru SIZE`, whose semantics these are
// (libCacheSim `cache/cache.c` `cache_get_base`, `cache/eviction/LRU.c`, and the readers):
//
// - a request whose object is cached is a hit and moves it to the most recently used end; the
//   cached copy keeps the size it was inserted with (a later request with another size does not
//   change it);
// - a miss evicts from the least recently used end until the object fits (`used + size >
//   capacity` evicts), then inserts it; an object larger than the whole cache is a miss, is not
//   inserted, and evicts nothing;
// - requests of size 0 are skipped, not counted (libCacheSim's readers drop them before
//   anything else, also with --ignore-obj-size); with `ignoreObjectSize` every other request
//   has size 1, so capacities are object counts and the byte miss ratio equals the miss ratio;
// - every request counts: no warm-up (cachesim's default `--warmup-sec` is off);
// - miss ratio = misses / requests; byte miss ratio = bytes of missed requests / bytes requested,
//   each request counted with its own size.

/// A trace's working set: its distinct objects and the sum of their sizes.
///
/// As libCacheSim's `cal_working_set_size` counts it: each object with the size of its first
/// counted request (size-0 requests skipped; with `ignoreObjectSize`, bytes = objects). Unlike
/// libCacheSim, popsim never samples: libCacheSim estimates it from one id in 11 (101) for
/// files over 1 GiB (5 GiB), so fractions of the working set can differ there; give the bytes.
public struct WorkingSet: Sendable, Equatable {
    public var objects: Int
    public var bytes: Int64

    public init(objects: Int = 0, bytes: Int64 = 0) {
        self.objects = objects
        self.bytes = bytes
    }

    /// `fraction` of the bytes (or objects, counting objects), rounded towards zero as
    /// libCacheSim rounds a cache size of `0.01`: `(uint64_t)(wss * atof("0.01"))`.
    public func size(fraction: Double, countingObjects: Bool) -> Int64 {
        let whole = countingObjects ? Double(objects) : Double(bytes)
        let v = (whole * fraction).rounded(.towardZero)
        return v >= 9.2e18 ? Int64.max : Int64(v)
    }
}

/// What one cache of a cache-only replay did.
public struct CacheOnlyCacheStats: Sendable, Equatable {
    /// The cache's capacity: bytes, or objects when sizes are ignored.
    public var capacity: Int64
    public var misses: Int64 = 0
    /// The sizes of the missed requests, summed.
    public var missBytes: Int64 = 0
    /// Objects evicted to make room.
    public var evictions: Int64 = 0
    /// Objects in the cache at the end.
    public var residentObjects: Int = 0
    /// Bytes (objects, when sizes are ignored) in the cache at the end.
    public var residentBytes: Int64 = 0

    public init(capacity: Int64) { self.capacity = capacity }
}

/// What a cache-only replay counted: requests, skips, the working set, and per cache its misses.
/// Counts only; ratios are views (`missRatio(_:)`).
public struct CacheOnlyResult: Sendable, Equatable {
    /// Requests replayed (size-0 requests excluded).
    public var requests: Int64 = 0
    /// Their sizes summed (with `ignoreObjectSize`, equal to `requests`).
    public var requestBytes: Int64 = 0
    /// Requests of size 0, skipped as libCacheSim skips them.
    public var zeroSizeSkipped: Int64 = 0
    /// Requests without a size (CSV `bytes` empty) that were given the replay's `unknownSize`.
    public var withoutSize: Int64 = 0
    public var workingSet = WorkingSet()
    /// One entry per capacity, in the order given.
    public var caches: [CacheOnlyCacheStats] = []

    public init() {}

    /// Misses / requests of cache `i`, or 0 for an empty trace.
    public func missRatio(_ i: Int) -> Double {
        requests == 0 ? 0 : Double(caches[i].misses) / Double(requests)
    }

    /// Missed bytes / requested bytes of cache `i`, or 0 for an empty trace.
    public func byteMissRatio(_ i: Int) -> Double {
        requestBytes == 0 ? 0 : Double(caches[i].missBytes) / Double(requestBytes)
    }
}

/// Replays requests against one LRU cache per capacity, all in one pass over the trace.
///
/// State is flat. An open-addressing table of 8-byte slots (a 32-bit fingerprint of the id and
/// the object's dense index) turns each object id into a dense index once per request. Per
/// object there is one row: its id, then per cache its cached size (0: not cached) and where its
/// entry sits in that cache's recency ring. Per cache, recency is an append-only ring of entries
/// (the object and its size), the oldest at the front — the "queue of accesses" form of LRU: a
/// hit blanks the object's entry where it sits and appends a new one; eviction pops entries
/// from the front, skips the blanks, and evicts the first real one — the object whose latest
/// access is the oldest, which is the LRU object. So LRU order is exact without a linked list:
/// a hit touches its own row and the ring, and an eviction reads the ring in order and only
/// writes to the victim's row (a store, which the processor does not wait for). When blanks
/// fill half the ring it is compacted, so it holds at most about four entries per cached object,
/// and a small cache's ring stays in the processor's cache.
///
/// The oracleGeneral path reads requests in batches of 64 and, before running a batch through
/// the caches, touches each id's slot and then the row it names. Those reads do not depend on
/// each other, so the processor overlaps their cache misses, which is where the time goes; the
/// batch then runs one request at a time, as a replay must. Large tables ask for transparent
/// huge pages, so that random accesses also hit the TLB.
///
/// Memory: 8–16 bytes of table plus 8 + 8 × caches bytes of row per distinct object, and
/// 8–32 bytes of ring per cached object — it grows with the objects, not with the trace.
///
/// ```swift
/// var replay = CacheOnlyReplay(capacities: [1 << 30, 10 << 30])
/// try replay.replay(OracleGeneralReader(path: "day.oracleGeneral"))
/// print(replay.result.missRatio(0))
/// ```
/// Not copyable: it owns its storage.
/// - Complexity: O(number of capacities) per request, amortised.
public struct CacheOnlyReplay: ~Copyable {
    /// One cache: capacity, counters and its ring of accesses.
    struct CacheState {
        var capacity: Int64
        var used: Int64 = 0
        var resident = 0
        var misses: Int64 = 0
        var missBytes: Int64 = 0
        var evictions: Int64 = 0
        /// Entries `size << 32 | (object + 1)`, 0 for a blank; oldest at `front`. Positions count
        /// up forever and are taken modulo the ring's power-of-two size. The size is the row's
        /// 32-bit code (`sizeInRow` for a size kept in `largeSizes`).
        var ring: UnsafeMutablePointer<UInt64>
        var ringSize: Int
        var front = 0
        var back = 0
    }

    // Per cache at `row + 8 + 8 × cache`: the cached size (UInt32; 0 when not cached; `sizeInRow`
    // for 2^32 − 1 bytes or more, whose size is in `largeSizes`), and the position of the
    // object's entry in the ring modulo 2^32 (UInt32; meaningful only while cached: a ring holds
    // at most 2^32 entries, so the position is unambiguous). 16-byte rows with one cache, four to
    // a cache line.
    static let sizeOffset = 0, positionOffset = 4
    static let sizeInRow: UInt32 = 0xFFFF_FFFF
    /// 2^64 / φ: Fibonacci hashing spreads ids by the top bits of `id × golden`.
    static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// Whether every request has size 1 (capacities are object counts).
    public let ignoresObjectSize: Bool
    /// The size given to requests that carry none.
    public let unknownSize: Int64

    let cacheCount: Int
    var caches: UnsafeMutablePointer<CacheState>
    /// Row of object `o` at `rows + o × rowStride`: its id (UInt64), then per cache size and position.
    var rows: UnsafeMutableRawPointer
    let rowStride: Int
    var rowCapacity: Int
    var objectCount = 0
    /// Fingerprint (high 32 bits) and dense index + 1 (low 32 bits); 0 is an empty slot.
    var slots: UnsafeMutablePointer<UInt64>
    var slotCount: Int
    var slotShift: UInt64
    private var counts = CacheOnlyResult()
    /// Where the batch's touches go, so that the compiler keeps them.
    private var touched: Int64 = 0
    /// Sizes of 2^32 − 1 bytes or more of cached objects, by `object × caches + cache`.
    var largeSizes: [Int: Int64] = [:]
    /// Whether objects are numbered by the reader (a CSV replay) rather than found by id.
    var numbersObjects = false
    /// In a CSV replay, the objects that have had a counted request (rows may be ahead of them).
    private var countedObjects = 0

    /// Creates empty caches.
    /// - Parameters:
    ///   - capacities: one cache per capacity (bytes, or objects with `ignoreObjectSize`), each ≥ 0.
    ///   - ignoreObjectSize: count objects instead of bytes: every request has size 1.
    ///   - unknownSize: the size of a request without one (CSV `bytes` empty); 1 by default, as
    ///     `popsim trace convert` writes such requests to oracleGeneral.
    ///   - expectedObjects: distinct objects to make room for up front (an upper bound costs
    ///     address space, not memory: rows become resident as they are used).
    public init(capacities: [Int64], ignoreObjectSize: Bool = false, unknownSize: Int64 = 1, expectedObjects: Int = 1 << 16) {
        self.init(capacities: capacities, ignoreObjectSize: ignoreObjectSize, unknownSize: unknownSize, expectedObjects: expectedObjects,
                  ringSize: 1 << 16)
    }

    /// As the public initialiser, with the rings' first size (a power of two): tests make it
    /// small so that rings grow and compact within a short trace.
    init(capacities: [Int64], ignoreObjectSize: Bool, unknownSize: Int64, expectedObjects: Int, ringSize: Int) {
        precondition(ringSize > 0 && ringSize & (ringSize - 1) == 0, "ringSize must be a power of two")
        precondition(!capacities.isEmpty, "CacheOnlyReplay needs at least one capacity")
        precondition(capacities.allSatisfy { $0 >= 0 }, "capacities must not be negative")
        precondition(unknownSize >= 0, "unknownSize must not be negative")
        ignoresObjectSize = ignoreObjectSize
        self.unknownSize = unknownSize
        cacheCount = capacities.count
        caches = .allocate(capacity: capacities.count)
        for (i, c) in capacities.enumerated() {
            let ring = UnsafeMutablePointer<UInt64>.allocate(capacity: ringSize)
            (caches + i).initialize(to: CacheState(capacity: c, ring: ring, ringSize: ringSize))
        }
        rowStride = 8 + 8 * capacities.count
        // Address space only; but keep one reservation within 1 GiB, beyond which rows grow.
        rowCapacity = max(16, min(expectedObjects, (1 << 30) / rowStride))
        rows = allocateLarge(rowCapacity * rowStride)
        var n = 16
        while n < 2 * min(expectedObjects, 1 << 20) { n <<= 1 }
        slotCount = n
        slotShift = UInt64(64 - n.trailingZeroBitCount)
        slots = allocateLarge(n * 8).bindMemory(to: UInt64.self, capacity: n)
        slots.initialize(repeating: 0, count: n)
        counts.caches = capacities.map { CacheOnlyCacheStats(capacity: $0) }
    }

    deinit {
        for i in 0..<cacheCount { caches[i].ring.deallocate() }
        caches.deallocate()
        free(rows)
        free(slots)
    }

    /// The counts so far.
    public var result: CacheOnlyResult {
        var r = counts
        r.workingSet.objects = numbersObjects ? countedObjects : objectCount
        for i in 0..<cacheCount {
            let c = caches[i]
            r.caches[i].misses = c.misses
            r.caches[i].missBytes = c.missBytes
            r.caches[i].evictions = c.evictions
            r.caches[i].residentObjects = c.resident
            r.caches[i].residentBytes = c.used
        }
        return r
    }

    /// Bytes of the replay's own tables (id table, rows in use, rings), for reports on memory.
    public var storageBytes: Int {
        var ring = 0
        for i in 0..<cacheCount { ring += caches[i].ringSize * 8 }
        return slotCount * 8 + objectCount * rowStride + ring
    }

    /// Replays one request.
    /// - Parameters:
    ///   - id: the object.
    ///   - size: its size in bytes; 0 skips the request; nil gives it `unknownSize`.
    public mutating func access(_ id: UInt64, size: Int64?) {
        var s: Int64
        if let size { s = size } else { s = unknownSize; counts.withoutSize += 1 }
        precondition(s >= 0, "a request's size must not be negative")
        if s == 0 { counts.zeroSizeSkipped += 1; return }
        if ignoresObjectSize { s = 1 }
        counts.requests &+= 1
        let object = resolve(id, s)
        process(object, s)
    }

    /// Replays every record of an oracleGeneral trace: the fast path, with no strings at all.
    /// - Throws: `TraceError` from the reader (a read error or a truncated last record).
    public mutating func replay(_ reader: OracleGeneralReader) throws(TraceError) {
        // A three-stage pipeline over batches: while batch k runs through the caches, the rows
        // of batch k + 1 and the slots of batch k + 2 are being fetched.
        let batch = Self.batch
        let ids = UnsafeMutablePointer<UInt64>.allocate(capacity: 3 * batch)
        let sizes = UnsafeMutablePointer<Int64>.allocate(capacity: 3 * batch)
        let homes = UnsafeMutablePointer<Int>.allocate(capacity: 3 * batch)
        defer { ids.deallocate(); sizes.deallocate(); homes.deallocate() }
        var counts = (0, 0, 0)
        var sink: Int64 = 0
        func count(_ b: Int) -> Int { b == 0 ? counts.0 : b == 1 ? counts.1 : counts.2 }
        counts.0 = try read(reader, ids, sizes, homes, &sink)
        counts.1 = counts.0 == batch ? try read(reader, ids + batch, sizes + batch, homes + batch, &sink) : 0
        touchRows(ids, homes, counts.0, &sink)
        var k = 0
        while true {
            let b = k % 3, b1 = (k + 1) % 3, b2 = (k + 2) % 3
            let n = count(b)
            if n == 0 { break }
            let more = count(b1) == batch ? try read(reader, ids + b2 * batch, sizes + b2 * batch, homes + b2 * batch, &sink) : 0
            switch b2 { case 0: counts.0 = more; case 1: counts.1 = more; default: counts.2 = more }
            touchRows(ids + b1 * batch, homes + b1 * batch, count(b1), &sink)
            for j in 0..<n {
                let size = sizes[b * batch + j]
                process(resolve(ids[b * batch + j], size), size)
            }
            k &+= 1
        }
        touched &+= sink
    }

    /// Requests per batch of the oracleGeneral path.
    private static let batch = 64

    /// Reads up to `batch` requests (size-0 ones skipped and counted) and touches each id's home
    /// slot. - Returns: how many were read; fewer than `batch` only at the end of the trace.
    @inline(__always)
    private mutating func read(_ reader: OracleGeneralReader, _ ids: UnsafeMutablePointer<UInt64>, _ sizes: UnsafeMutablePointer<Int64>,
                               _ homes: UnsafeMutablePointer<Int>, _ sink: inout Int64) throws(TraceError) -> Int {
        let ignore = ignoresObjectSize
        var n = 0
        while n < Self.batch, let r = try reader.next() {
            if r.size == 0 { counts.zeroSizeSkipped &+= 1; continue }
            ids[n] = r.id
            sizes[n] = ignore ? 1 : Int64(r.size)
            n &+= 1
        }
        counts.requests &+= Int64(n)
        for j in 0..<n {
            let home = Int(truncatingIfNeeded: (ids[j] &* Self.golden) &>> slotShift)
            homes[j] = home
            sink &+= Int64(bitPattern: slots[home])
        }
        return n
    }

    /// Touches the row of each id of a batch whose slot is found by fingerprint (a prefetch: a
    /// slot filled or moved since only makes the touch useless, never wrong).
    @inline(__always)
    private func touchRows(_ ids: UnsafeMutablePointer<UInt64>, _ homes: UnsafeMutablePointer<Int>, _ n: Int, _ sink: inout Int64) {
        let mask = slotCount &- 1
        for j in 0..<n {
            let fingerprint = ((ids[j] &* Self.golden) &>> 8) & 0xFFFF_FFFF
            var i = homes[j] & mask
            while true {
                let slot = slots[i]
                if slot == 0 { break }
                if slot &>> 32 == fingerprint {
                    sink &+= (rows + (Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) &- 1) &* rowStride).load(fromByteOffset: 8, as: Int64.self)
                    break
                }
                i = (i &+ 1) & mask
            }
        }
    }

    /// Replays a CSV trace through its fast reader (the url and bytes columns only): URLs come
    /// numbered densely in order of first appearance, so rows are indexed by them directly and
    /// the replay's own id table is not used. Only on a fresh replay.
    /// - Throws: the reader's `TraceError`.
    public mutating func replay(_ csv: CacheKeyCSVReader) throws(TraceError) {
        precondition(objectCount == 0 && !numbersObjects, "a CSV replay starts on a fresh CacheOnlyReplay")
        numbersObjects = true
        let batch = 64
        let objects = UnsafeMutablePointer<Int>.allocate(capacity: batch)
        let sizes = UnsafeMutablePointer<Int64>.allocate(capacity: batch)
        defer { objects.deallocate(); sizes.deallocate() }
        var sink: Int64 = 0
        while true {
            let n = try csv.nextBatch(objects: objects, sizes: sizes, limit: batch)
            if n == 0 { break }
            for j in 0..<n where objects[j] < objectCount {
                sink &+= (rows + objects[j] &* rowStride).load(fromByteOffset: 8, as: Int64.self)
            }
            for j in 0..<n {
                var size = sizes[j]
                if size < 0 { size = unknownSize; counts.withoutSize &+= 1 }
                if size == 0 { counts.zeroSizeSkipped &+= 1; continue }
                if ignoresObjectSize { size = 1 }
                counts.requests &+= 1
                counts.requestBytes &+= size
                let object = objects[j]
                // The reader numbers every URL, also one whose requests so far were skipped (size 0):
                // rows for such objects wait, marked, for their first counted request.
                while object >= objectCount { addRow(Self.uncounted, 0) }
                let row = rows + object &* rowStride
                if row.load(as: UInt64.self) == Self.uncounted {
                    row.storeBytes(of: UInt64(object), as: UInt64.self)
                    countedObjects &+= 1
                    counts.workingSet.bytes &+= size
                }
                process(object, size)
            }
        }
        touched &+= sink
    }

    /// Replays every record of a trace source; the cache key is the record's URL (its interned
    /// id), and POP, origin, kind and method are not used. A record without `bytes` has size
    /// `unknownSize`.
    /// - Throws: the source's `TraceError`.
    public mutating func replay(_ source: any TraceSource) throws(TraceError) {
        while let r = try source.next() {
            access(UInt64(r.url), size: r.bytes)
        }
    }

    /// The dense index of `id`, adding it (with a fresh row) when new; counts the request's bytes
    /// and, for a new object, its working-set bytes.
    @inline(__always)
    private mutating func resolve(_ id: UInt64, _ size: Int64) -> Int {
        counts.requestBytes &+= size
        let h = id &* Self.golden
        let fingerprint = (h &>> 8) & 0xFFFF_FFFF
        let mask = slotCount &- 1
        var i = Int(truncatingIfNeeded: h &>> slotShift)
        while true {
            let slot = slots[i]
            if slot == 0 { break }
            if slot &>> 32 == fingerprint {
                let o = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) &- 1
                if (rows + o &* rowStride).load(as: UInt64.self) == id { return o }
            }
            i = (i &+ 1) & mask
        }
        precondition(!numbersObjects, "CacheOnlyReplay: ids after a CSV replay")
        let o = addRow(id, size)
        slots[i] = fingerprint &<< 32 | UInt64(o &+ 1)
        if objectCount &* 2 > slotCount { growSlots() }
        return o
    }

    /// The id of a CSV replay's row whose object has had no counted request yet.
    private static let uncounted = UInt64.max

    /// A new object's row, not cached anywhere; counts its working-set bytes.
    @inline(__always)
    @discardableResult
    private mutating func addRow(_ id: UInt64, _ size: Int64) -> Int {
        let o = objectCount
        precondition(o < Int(Int32.max), "CacheOnlyReplay: more than 2^31 - 1 objects")
        if o == rowCapacity { growRows() }
        let row = rows + o &* rowStride
        row.storeBytes(of: id, as: UInt64.self)
        for c in 0..<cacheCount {
            (row + (8 &+ 8 &* c)).storeBytes(of: 0, as: UInt64.self)
        }
        objectCount = o &+ 1
        counts.workingSet.bytes &+= size
        return o
    }

    /// One request of an object that has a row, in every cache.
    @inline(__always)
    private mutating func process(_ object: Int, _ size: Int64) {
        let row = rows + object &* rowStride
        for c in 0..<cacheCount {
            serve(c, row + (8 &+ 8 &* c), UInt64(truncatingIfNeeded: object), size)
        }
    }

    /// One request in cache `c`, with libCacheSim's LRU semantics (`cache_get_base`).
    /// - Parameter part: the object's part of its row for this cache.
    @inline(__always)
    private mutating func serve(_ c: Int, _ part: UnsafeMutableRawPointer, _ object: UInt64, _ size: Int64) {
        let cache = caches + c
        let cached = part.load(fromByteOffset: Self.sizeOffset, as: UInt32.self)
        if cached != 0 {
            // Hit: the object becomes the most recent (unless it already is); its cached size
            // stays what it was at insertion.
            let position = part.load(fromByteOffset: Self.positionOffset, as: UInt32.self)
            if position != UInt32(truncatingIfNeeded: cache.pointee.back &- 1) {
                cache.pointee.ring[Int(position) & (cache.pointee.ringSize &- 1)] = 0
                push(cache, part, UInt64(cached) &<< 32 | (object &+ 1))
            }
            return
        }
        cache.pointee.misses &+= 1
        cache.pointee.missBytes &+= size
        let capacity = cache.pointee.capacity
        guard size <= capacity else { return } // larger than the cache: not inserted, nothing evicted
        var used = cache.pointee.used
        if used + size > capacity {
            let ring = cache.pointee.ring, mask = cache.pointee.ringSize &- 1
            var front = cache.pointee.front
            var evicted = 0
            repeat {
                let e = ring[front & mask]
                front &+= 1
                if e == 0 { continue }
                let victim = Int(truncatingIfNeeded: e & 0xFFFF_FFFF) &- 1
                let code = UInt32(truncatingIfNeeded: e &>> 32)
                used -= code == Self.sizeInRow ? takeLargeSize(victim, c) : Int64(code)
                (rows + (victim &* rowStride &+ 8 &+ 8 &* c)).storeBytes(of: 0, toByteOffset: Self.sizeOffset, as: UInt32.self)
                evicted &+= 1
            } while used + size > capacity
            cache.pointee.front = front
            cache.pointee.resident -= evicted
            cache.pointee.evictions &+= Int64(evicted)
        }
        var code = UInt32(truncatingIfNeeded: size)
        if size >= Int64(Self.sizeInRow) {
            code = Self.sizeInRow
            recordLargeSize(Int(truncatingIfNeeded: object), c, size)
        }
        part.storeBytes(of: code, toByteOffset: Self.sizeOffset, as: UInt32.self)
        cache.pointee.used = used + size
        cache.pointee.resident += 1
        push(cache, part, UInt64(code) &<< 32 | (object &+ 1))
    }

    // Objects of 4 GiB and more are rare: their sizes live in a dictionary, out of line, so that
    // `serve` stays small enough to be inlined into the replay loops.
    @inline(never)
    private mutating func recordLargeSize(_ object: Int, _ c: Int, _ size: Int64) {
        largeSizes[object * cacheCount + c] = size
    }

    @inline(never)
    private mutating func takeLargeSize(_ object: Int, _ c: Int) -> Int64 {
        largeSizes.removeValue(forKey: object * cacheCount + c)!
    }

    /// Appends an entry to a cache's ring and records its position in the object's row,
    /// compacting or growing the ring when full.
    @inline(__always)
    private mutating func push(_ cache: UnsafeMutablePointer<CacheState>, _ row: UnsafeMutableRawPointer, _ entry: UInt64) {
        if cache.pointee.back &- cache.pointee.front == cache.pointee.ringSize { makeRoom(cache) }
        let back = cache.pointee.back
        cache.pointee.ring[back & (cache.pointee.ringSize &- 1)] = entry
        row.storeBytes(of: UInt32(truncatingIfNeeded: back), toByteOffset: Self.positionOffset, as: UInt32.self)
        cache.pointee.back = back &+ 1
    }

    /// A full ring: drops its blanks when they are at least half of it (moving the other entries,
    /// and telling their rows), else doubles it (entries keep their positions). Either way the
    /// ring is then at most half full.
    private mutating func makeRoom(_ cache: UnsafeMutablePointer<CacheState>) {
        let c = cache - caches
        let old = cache.pointee.ring, oldSize = cache.pointee.ringSize, oldMask = oldSize - 1
        let front = cache.pointee.front, back = cache.pointee.back
        if back - front >= 2 * cache.pointee.resident {
            var n = front
            for p in front..<back {
                let e = old[p & oldMask]
                guard e != 0 else { continue }
                old[n & oldMask] = e
                (rows + ((Int(e & 0xFFFF_FFFF) - 1) * rowStride + 8 + 8 * c)).storeBytes(of: UInt32(truncatingIfNeeded: n), toByteOffset: Self.positionOffset, as: UInt32.self)
                n += 1
            }
            cache.pointee.back = n
        } else {
            let size = oldSize * 2
            let ring = UnsafeMutablePointer<UInt64>.allocate(capacity: size)
            for p in front..<back { ring[p & (size - 1)] = old[p & oldMask] }
            old.deallocate()
            cache.pointee.ring = ring
            cache.pointee.ringSize = size
        }
    }

    private mutating func growRows() {
        let grown = rowCapacity * 2
        let p = allocateLarge(grown * rowStride)
        p.copyMemory(from: rows, byteCount: objectCount * rowStride)
        free(rows)
        rows = p
        rowCapacity = grown
    }

    private mutating func growSlots() {
        let old = slots, oldCount = slotCount
        slotCount *= 2
        slotShift -= 1
        slots = allocateLarge(slotCount * 8).bindMemory(to: UInt64.self, capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        let mask = slotCount - 1
        for j in 0..<oldCount where old[j] != 0 {
            let o = Int(old[j] & 0xFFFF_FFFF) - 1
            let id = (rows + o * rowStride).load(as: UInt64.self)
            var i = Int(truncatingIfNeeded: (id &* Self.golden) &>> slotShift)
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = old[j]
        }
        free(old)
    }
}

extension CacheOnlyReplay {
    /// The working set of an oracleGeneral trace, read once: for capacities given as fractions of
    /// it, which must be known before the replay starts.
    public static func workingSet(of reader: OracleGeneralReader, ignoreObjectSize: Bool) throws(TraceError) -> WorkingSet {
        var index = DenseObjectIndex()
        var ws = WorkingSet()
        while let r = try reader.next() {
            if r.size == 0 { continue }
            if index.index(of: r.id).isNew { ws.bytes &+= ignoreObjectSize ? 1 : Int64(r.size) }
        }
        ws.objects = index.count
        return ws
    }

    /// The working set of a trace source, read once; see `workingSet(of:ignoreObjectSize:)`.
    public static func workingSet(of source: any TraceSource, ignoreObjectSize: Bool, unknownSize: Int64 = 1) throws(TraceError) -> WorkingSet {
        var seen: [Bool] = []
        var ws = WorkingSet()
        while let r = try source.next() {
            let size = r.bytes ?? unknownSize
            if size == 0 { continue }
            let u = Int(r.url)
            if u >= seen.count { seen.append(contentsOf: repeatElement(false, count: max(u + 1 - seen.count, seen.count))) }
            if !seen[u] {
                seen[u] = true
                ws.objects += 1
                ws.bytes &+= ignoreObjectSize ? 1 : size
            }
        }
        return ws
    }
}

extension CacheOnlyReplay {
    /// The working set of a CSV trace, read once through its fast reader.
    public static func workingSet(of csv: CacheKeyCSVReader, ignoreObjectSize: Bool, unknownSize: Int64 = 1) throws(TraceError) -> WorkingSet {
        let objects = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        let sizes = UnsafeMutablePointer<Int64>.allocate(capacity: 64)
        defer { objects.deallocate(); sizes.deallocate() }
        var seen: [Bool] = []
        var ws = WorkingSet()
        while true {
            let n = try csv.nextBatch(objects: objects, sizes: sizes, limit: 64)
            if n == 0 { break }
            for j in 0..<n {
                let size = sizes[j] < 0 ? unknownSize : sizes[j]
                if size == 0 { continue }
                let o = objects[j]
                if o >= seen.count { seen.append(contentsOf: repeatElement(false, count: max(o + 1 - seen.count, seen.count))) }
                if !seen[o] {
                    seen[o] = true
                    ws.objects += 1
                    ws.bytes &+= ignoreObjectSize ? 1 : size
                }
            }
        }
        return ws
    }
}
