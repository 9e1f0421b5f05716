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

/// What a cache-only replay's cache counts as it goes, read into `CacheOnlyCacheStats` at the end.
protocol CacheOnlyCounters {
    var misses: Int64 { get }
    var missBytes: Int64 { get }
    var evictions: Int64 { get }
    var resident: Int { get }
    var used: Int64 { get }
}

extension CacheOnlyResult {
    /// These counts with each cache's from `caches` (one per entry of `self.caches`).
    func with(_ caches: UnsafeMutablePointer<some CacheOnlyCounters>) -> CacheOnlyResult {
        var r = self
        for i in r.caches.indices {
            let c = caches[i]
            r.caches[i].misses = c.misses
            r.caches[i].missBytes = c.missBytes
            r.caches[i].evictions = c.evictions
            r.caches[i].residentObjects = c.resident
            r.caches[i].residentBytes = c.used
        }
        return r
    }
}

/// A recency ring of `size` entries (a power of two) moved into one twice as large, where each
/// position in `front..<back` keeps its entry (modulo the new size); the old ring is freed.
func doubledRing<Entry>(_ old: UnsafeMutablePointer<Entry>, size: Int, front: Int, back: Int) -> UnsafeMutablePointer<Entry> {
    let grown = UnsafeMutablePointer<Entry>.allocate(capacity: size * 2)
    for p in front..<back { (grown + (p & (size * 2 - 1))).initialize(to: old[p & (size - 1)]) }
    old.deallocate()
    return grown
}

/// Replays requests against one LRU cache per capacity, all in one pass over the trace.
///
/// State is flat. Each object has one row: its id, then per cache its cached size (0: not
/// cached) and where its entry sits in that cache's recency ring — 16 bytes with one cache, four
/// rows to a cache line. The rows *are* the id table: open addressing with linear probing,
/// keyed by the id (Fibonacci hashing), at most three-quarters full, so finding an object and
/// reaching its state is one access, where a separate index would be two. (A CSV replay, whose
/// reader numbers the URLs itself, keeps its rows in that order instead.)
///
/// Per cache, recency is an append-only ring of entries (the row and the cached size), the
/// oldest at the front — the "queue of accesses" form of LRU: a hit blanks the object's entry
/// where it sits and appends a new one; eviction pops entries from the front, skips the blanks,
/// and evicts the first real one — the object whose latest access is the oldest, which is the
/// LRU object. So LRU order is exact without a linked list: a hit touches its own row and the
/// ring, and an eviction reads the ring in order and does not touch the victim's row at all (a
/// row is cached while the ring entry its position names is its own: `cachedCode`). When
/// blanks fill half the ring it is compacted, so it holds at most about four entries per
/// cached object, and a small cache's ring stays in the processor's cache.
///
/// The oracleGeneral path reads requests in batches of 64 and touches each id's home row one
/// batch before the batch runs through the caches: those reads do not depend on each other, so
/// the processor overlaps their cache misses, which is where the time goes; the batch then runs
/// one request at a time, as a replay must. The table asks for transparent huge pages, so that
/// random accesses also hit the TLB.
///
/// Memory: (8 + 8 × caches) bytes per row, 1.25 to 2.5 rows per distinct object, and 8–32 bytes
/// of ring per cached object — it grows with the objects, not with the trace.
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
    struct CacheState: CacheOnlyCounters {
        var capacity: Int64
        var used: Int64 = 0
        var resident = 0
        var misses: Int64 = 0
        var missBytes: Int64 = 0
        var evictions: Int64 = 0
        /// Entries `size << 32 | (row + 1)`, 0 for a blank; oldest at `front`. Positions count
        /// up forever and are taken modulo the ring's power-of-two size. The size is the row's
        /// 32-bit code (`sizeInRow` for a size kept in `largeSizes`).
        var ring: UnsafeMutablePointer<UInt64>
        var ringSize: Int
        var front = 0
        var back = 0
    }

    // Per cache at `row + 8 + 8 × cache`: the size the object was last inserted with (UInt32; 0
    // when never; `sizeInRow` for 2^32 − 1 bytes or more, whose size is in `largeSizes` while
    // cached), and the position of that insertion's (or latest hit's) entry in the ring modulo
    // 2^32 (UInt32). Whether the object is still cached is for `cachedCode` to say: evictions
    // do not write to rows.
    static let sizeOffset = 0, positionOffset = 4
    static let sizeInRow: UInt32 = 0xFFFF_FFFF
    /// 2^64 / φ: Fibonacci hashing spreads ids by the top bits of `id × golden`.
    static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// The key of an empty row. The id it equals, if a trace has it, lives in the spare row
    /// after the table.
    static let emptyKey = UInt64.max

    /// Whether every request has size 1 (capacities are object counts).
    public let ignoresObjectSize: Bool
    /// The size given to requests that carry none.
    public let unknownSize: Int64

    let cacheCount: Int
    var caches: UnsafeMutablePointer<CacheState>
    /// Row r at `rows + r × rowStride`: the object's id (UInt64), then per cache size and position.
    /// Keyed: `slotCount` rows of open addressing plus a spare one for the id `emptyKey`.
    /// Numbered (a CSV replay): rows 0..<objectCount in the reader's order.
    var rows: UnsafeMutableRawPointer
    let rowStride: Int
    var rowCapacity: Int
    var slotCount: Int
    /// Distinct objects seen (with a counted request).
    var objectCount = 0
    var counts = CacheOnlyResult()
    /// Where the batch's touches go, so that the compiler keeps them.
    private var touched: Int64 = 0
    /// Sizes of 2^32 − 1 bytes or more of cached objects, by `row × caches + cache`.
    var largeSizes: [Int: Int64] = [:]
    /// Whether rows are numbered by the reader (a CSV replay) rather than keyed by id.
    var numbersObjects = false
    /// Whether the spare row holds the id `emptyKey`.
    var spareUsed = false
    /// In a numbered replay, the rows numbered so far (some may wait for a counted request).
    var rowsInUse = 0

    /// Creates empty caches.
    /// - Parameters:
    ///   - capacities: one cache per capacity (bytes, or objects with `ignoreObjectSize`), each ≥ 0.
    ///   - ignoreObjectSize: count objects instead of bytes: every request has size 1.
    ///   - unknownSize: the size of a request without one (CSV `bytes` empty); 1 by default, as
    ///     `popsim trace convert` writes such requests to oracleGeneral.
    ///   - expectedObjects: distinct objects to make room for up front.
    public init(capacities: [Int64], ignoreObjectSize: Bool = false, unknownSize: Int64 = 1, expectedObjects: Int = 1 << 16) {
        self.init(capacities: capacities, ignoreObjectSize: ignoreObjectSize, unknownSize: unknownSize, expectedObjects: expectedObjects,
                  ringSize: 1 << 16)
    }

    /// As the public initialiser, with the rings' first size (a power of two) and first position:
    /// tests make the ring small, so that it grows and compacts within a short trace, and start
    /// it just short of 2^32, so that the rows' 32-bit positions wrap.
    init(capacities: [Int64], ignoreObjectSize: Bool, unknownSize: Int64, expectedObjects: Int, ringSize: Int, firstPosition: Int = 0) {
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
            (caches + i).initialize(to: CacheState(capacity: c, ring: ring, ringSize: ringSize, front: firstPosition, back: firstPosition))
        }
        rowStride = 8 + 8 * capacities.count
        slotCount = max(16, min(expectedObjects, 1 << 24) * 5 / 4 + 1)
        rowCapacity = slotCount + 1
        rows = allocateLarge(rowCapacity * rowStride)
        Self.clear(rows, count: rowCapacity, stride: rowStride)
        counts.caches = capacities.map { CacheOnlyCacheStats(capacity: $0) }
    }

    deinit {
        for i in 0..<cacheCount { caches[i].ring.deallocate() }
        caches.deallocate()
        free(rows)
    }

    /// Marks `count` rows empty.
    private static func clear(_ rows: UnsafeMutableRawPointer, count: Int, stride: Int) {
        for r in 0..<count {
            (rows + r * stride).storeBytes(of: emptyKey, as: UInt64.self)
            for c in 0..<(stride - 8) / 8 { (rows + r * stride + 8 + 8 * c).storeBytes(of: 0, as: UInt64.self) }
        }
    }

    /// The counts so far.
    public var result: CacheOnlyResult {
        var r = counts.with(caches)
        r.workingSet.objects = objectCount
        return r
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
        process(resolve(id, s), s)
    }

    /// Replays every record of an oracleGeneral trace: the fast path, with no strings at all.
    /// - Throws: `TraceError` from the reader (a read error or a truncated last record).
    public mutating func replay(_ reader: OracleGeneralReader) throws(TraceError) {
        // Two batches: while batch k runs through the caches, the rows of batch k + 1 are on
        // their way into the processor's cache.
        let batch = Self.batch
        let ids = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * batch)
        let sizes = UnsafeMutablePointer<Int64>.allocate(capacity: 2 * batch)
        defer { ids.deallocate(); sizes.deallocate() }
        var sink: Int64 = 0
        var n = try read(reader, ids, sizes, &sink)
        var k = 0
        while n > 0 {
            let b = k & 1, b1 = b ^ 1
            let following = n == batch ? try read(reader, ids + b1 * batch, sizes + b1 * batch, &sink) : 0
            for j in 0..<n {
                let size = sizes[b * batch + j]
                process(resolve(ids[b * batch + j], size), size)
            }
            n = following
            k &+= 1
        }
        touched &+= sink
    }

    /// Requests per batch of the oracleGeneral path.
    private static let batch = 256

    /// Reads up to `batch` requests (size-0 ones skipped and counted) and touches each id's home
    /// row. - Returns: how many were read; fewer than `batch` only at the end of the trace.
    @inline(__always)
    private mutating func read(_ reader: OracleGeneralReader, _ ids: UnsafeMutablePointer<UInt64>, _ sizes: UnsafeMutablePointer<Int64>,
                               _ sink: inout Int64) throws(TraceError) -> Int {
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
            let home = home(ids[j])
            sink &+= (rows + home &* rowStride).load(fromByteOffset: 8, as: Int64.self)
        }
        return n
    }

    /// Replays a trace whose reader numbers its objects (a CSV trace through its fast reader,
    /// the url and bytes columns only; a `.pstrace`'s URL ids): rows are kept by number, so no
    /// id is hashed here. Only on a fresh replay.
    /// - Throws: the reader's `TraceError`.
    /// With `readAhead`, the file is read and numbered on a second thread (the results are the same).
    public mutating func replay(_ reader: some NumberedRequestBatches, readAhead: Bool = false) throws(TraceError) {
        startNumbered()
        try reader.forEachBatch(readAhead: readAhead) { objects, sizes, n in replayNumbered(objects, sizes, n) }
    }

    /// Starts a replay whose objects the reader numbers (a CSV replay).
    mutating func startNumbered() {
        precondition(objectCount == 0 && !numbersObjects, "a CSV replay starts on a fresh CacheOnlyReplay")
        numbersObjects = true
    }

    /// Replays requests of numbered objects (sizes -1 for none), in order.
    mutating func replayNumbered(_ objects: UnsafePointer<Int>, _ sizes: UnsafePointer<Int64>, _ n: Int) {
        var sink: Int64 = 0
        for j in 0..<n where objects[j] < rowsInUse {
            sink &+= (rows + objects[j] &* rowStride).load(fromByteOffset: 8, as: Int64.self)
        }
        touched &+= sink
        for j in 0..<n {
            var size = sizes[j]
            if size < 0 { size = unknownSize; counts.withoutSize &+= 1 }
            if size == 0 { counts.zeroSizeSkipped &+= 1; continue }
            if ignoresObjectSize { size = 1 }
            counts.requests &+= 1
            counts.requestBytes &+= size
            let object = objects[j]
            // The reader numbers every URL, also one whose requests so far were skipped (size 0):
            // rows wait, empty, for their object's first counted request.
            if object >= rowsInUse {
                while object >= rowCapacity { growNumberedRows(rowsInUse) }
                rowsInUse = object &+ 1
            }
            let row = rows + object &* rowStride
            if row.load(as: UInt64.self) == Self.emptyKey {
                row.storeBytes(of: UInt64(object), as: UInt64.self)
                objectCount &+= 1
                counts.workingSet.bytes &+= size
            }
            process(object, size)
        }
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

    /// The row of `id`, filling an empty one when new; counts the request's bytes and, for a
    /// new object, its working-set bytes.
    @inline(__always)
    private mutating func resolve(_ id: UInt64, _ size: Int64) -> Int {
        precondition(!numbersObjects, "CacheOnlyReplay: ids after a CSV replay")
        counts.requestBytes &+= size
        if id == Self.emptyKey { return spareRow(size) }
        var i = home(id)
        while true {
            let key = (rows + i &* rowStride).load(as: UInt64.self)
            if key == id { return i }
            if key == Self.emptyKey { break }
            i &+= 1
            if i == slotCount { i = 0 }
        }
        (rows + i &* rowStride).storeBytes(of: id, as: UInt64.self)
        objectCount &+= 1
        counts.workingSet.bytes &+= size
        if objectCount &* 5 > slotCount &* 4 { return growSlots(finding: id) }
        return i
    }

    /// Where probing for `id` starts: the high half of `(id × golden) × slotCount`, which maps
    /// the well-mixed product onto any table size (Lemire's "fastrange"), so the table can be
    /// sized to what is expected rather than to a power of two.
    @inline(__always)
    func home(_ id: UInt64) -> Int {
        Int(truncatingIfNeeded: (id &* Self.golden).multipliedFullWidth(by: UInt64(truncatingIfNeeded: slotCount)).high)
    }

    /// The spare row, for the one id that equals `emptyKey`.
    @inline(never)
    private mutating func spareRow(_ size: Int64) -> Int {
        if !spareUsed {
            spareUsed = true
            objectCount += 1
            counts.workingSet.bytes &+= size
        }
        return slotCount
    }

    /// One request of an object that has a row, in every cache.
    @inline(__always)
    private mutating func process(_ row: Int, _ size: Int64) {
        let r = rows + row &* rowStride
        for c in 0..<cacheCount {
            serve(c, r + (8 &+ 8 &* c), UInt64(truncatingIfNeeded: row), size)
        }
    }

    /// One request in cache `c`, with libCacheSim's LRU semantics (`cache_get_base`).
    /// - Parameter part: the object's part of its row for this cache.
    @inline(__always)
    private mutating func serve(_ c: Int, _ part: UnsafeMutableRawPointer, _ object: UInt64, _ size: Int64) {
        let cache = caches + c
        let cached = cachedCode(cache, part, object)
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

    /// The size code of the object whose part of its row for `cache` is `part`, or 0 when it is
    /// not cached. An eviction leaves the victim's row as it was — writing to it would be a
    /// cache miss per eviction, the LRU object's row being the one least likely to be in the
    /// processor's cache — so a row is cached when its position lies between the ring's front
    /// and back and the entry there is its own. (An evicted row's position is behind the front;
    /// after 2^32 entries it may come round into the window again, where the entry check tells
    /// it apart: a window is at most a ring long, so a position in it names one entry.)
    @inline(__always)
    func cachedCode(_ cache: UnsafeMutablePointer<CacheState>, _ part: UnsafeMutableRawPointer, _ object: UInt64) -> UInt32 {
        let code = part.load(fromByteOffset: Self.sizeOffset, as: UInt32.self)
        if code == 0 { return 0 }
        let position = part.load(fromByteOffset: Self.positionOffset, as: UInt32.self)
        let front = cache.pointee.front
        guard position &- UInt32(truncatingIfNeeded: front) < UInt32(truncatingIfNeeded: cache.pointee.back &- front) else { return 0 }
        let e = cache.pointee.ring[Int(position) & (cache.pointee.ringSize &- 1)]
        return UInt32(truncatingIfNeeded: e) == UInt32(truncatingIfNeeded: object &+ 1) ? code : 0
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
            cache.pointee.ring = doubledRing(old, size: oldSize, front: front, back: back)
            cache.pointee.ringSize = oldSize * 2
        }
    }

    /// Doubles a numbered (CSV) replay's rows; rows keep their numbers.
    private mutating func growNumberedRows(_ inUse: Int) {
        let grown = rowCapacity * 2
        let p = allocateLarge(grown * rowStride)
        p.copyMemory(from: rows, byteCount: inUse * rowStride)
        Self.clear(p + inUse * rowStride, count: grown - inUse, stride: rowStride)
        free(rows)
        rows = p
        rowCapacity = grown
    }

    /// Doubles the keyed table: moves every row to its place in the new one, then renames the
    /// rows in the rings' entries and in `largeSizes`. Ring positions do not change.
    /// - Returns: the new row of `id`.
    @inline(never)
    private mutating func growSlots(finding id: UInt64) -> Int {
        let old = rows, oldSlots = slotCount, stride = rowStride
        slotCount *= 2
        rowCapacity = slotCount + 1
        rows = allocateLarge(rowCapacity * stride)
        Self.clear(rows, count: rowCapacity, stride: stride)
        // Each old row, once copied, keeps its new number where its first cache part was, so
        // the renaming below needs no table of its own (the old rows are freed right after).
        @inline(__always) func movedTo(_ r: Int) -> Int { (old + r * stride + 8).load(as: Int.self) }
        var found = -1
        for r in 0..<oldSlots {
            let key = (old + r * stride).load(as: UInt64.self)
            guard key != Self.emptyKey else { continue }
            var i = home(key)
            while (rows + i * stride).load(as: UInt64.self) != Self.emptyKey { i = i + 1 == slotCount ? 0 : i + 1 }
            (rows + i * stride).copyMemory(from: old + r * stride, byteCount: stride)
            (old + r * stride + 8).storeBytes(of: i, as: Int.self)
            if key == id { found = i }
        }
        (rows + slotCount * stride).copyMemory(from: old + oldSlots * stride, byteCount: stride) // the spare row
        (old + oldSlots * stride + 8).storeBytes(of: slotCount, as: Int.self)
        for c in 0..<cacheCount {
            let cache = caches[c]
            let ringMask = cache.ringSize - 1
            for p in cache.front..<cache.back {
                let e = cache.ring[p & ringMask]
                guard e != 0 else { continue }
                cache.ring[p & ringMask] = e & ~0xFFFF_FFFF | UInt64(movedTo(Int(e & 0xFFFF_FFFF) - 1) + 1)
            }
        }
        if !largeSizes.isEmpty {
            var renamed: [Int: Int64] = [:]
            for (key, size) in largeSizes { renamed[movedTo(key / cacheCount) * cacheCount + key % cacheCount] = size }
            largeSizes = renamed
        }
        free(old)
        precondition(found >= 0, "CacheOnlyReplay: a row lost while the table grew")
        return found
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
        var counter = DenseWorkingSetCounter(ignoreObjectSize: ignoreObjectSize)
        while let r = try source.next() { counter.add(Int(r.url), size: r.bytes ?? unknownSize) }
        return counter.workingSet
    }
}

extension CacheOnlyReplay {
    /// The working set of a trace whose reader numbers its objects, read once.
    public static func workingSet(of reader: some NumberedRequestBatches, ignoreObjectSize: Bool, unknownSize: Int64 = 1,
                                  readAhead: Bool = false) throws(TraceError) -> WorkingSet {
        var counter = DenseWorkingSetCounter(ignoreObjectSize: ignoreObjectSize)
        try reader.forEachBatch(readAhead: readAhead) { objects, sizes, n in
            for j in 0..<n { counter.add(objects[j], size: sizes[j] < 0 ? unknownSize : sizes[j]) }
        }
        return counter.workingSet
    }
}

/// The working set of requests whose objects are numbered densely (URL ids): each object
/// counts once, with the size of its first counted request; size-0 requests are skipped, as
/// the replay skips them. The bytes stop at 2^63 − 1 rather than wrap (a trace's sizes are its
/// own): a share of the working set is then never a negative cache. `cachesim`'s passes and a
/// sweep's (`ScenarioRun.workingSet(of:)`) count with it.
public struct DenseWorkingSetCounter: Sendable {
    public let ignoreObjectSize: Bool
    public private(set) var workingSet = WorkingSet()
    private var seen: [Bool] = []

    public init(ignoreObjectSize: Bool) { self.ignoreObjectSize = ignoreObjectSize }

    public mutating func add(_ object: Int, size: Int64) {
        if size == 0 { return }
        if object >= seen.count { seen.append(contentsOf: repeatElement(false, count: max(object + 1 - seen.count, seen.count))) }
        if !seen[object] {
            seen[object] = true
            workingSet.objects += 1
            let (sum, overflow) = workingSet.bytes.addingReportingOverflow(ignoreObjectSize ? 1 : size)
            workingSet.bytes = overflow ? .max : sum
        }
    }
}
