import Foundation
import Testing
import TestSupport
@testable import Simulation
@testable import Workload

/// Replays `requests` (object id, size; nil size = unknown) against one cache per capacity,
/// one request at a time, checking the storage after each.
private func replay(_ requests: [(UInt64, Int64?)], capacities: [Int64], ignoreObjectSize: Bool = false,
                    ringSize: Int = 1 << 16, firstPosition: Int = 0, checkEvery: Int = 1) -> CacheOnlyResult {
    var r = CacheOnlyReplay(capacities: capacities, ignoreObjectSize: ignoreObjectSize, unknownSize: 1, expectedObjects: 16, ringSize: ringSize,
                            firstPosition: firstPosition)
    for (i, (id, size)) in requests.enumerated() {
        r.access(id, size: size)
        if i % checkEvery == 0 { #expect(r.invariantViolations() == [], "after request \(i + 1)") }
    }
    #expect(r.invariantViolations() == [])
    return r.result
}

/// The reference: popsim's event-loop cache, driven with libCacheSim's LRU rules (a hit only
/// promotes; a miss inserts when the object fits the whole cache). Misses and missed bytes.
private func referenceMisses(_ requests: [(UInt64, Int64)], capacity: Int64) -> (misses: Int64, bytes: Int64) {
    var cache = LRUCache<Int64>(capacityBytes: capacity)
    var misses: Int64 = 0, bytes: Int64 = 0
    let forever = SimTime.seconds(1_000_000)
    for (id, size) in requests where size > 0 {
        if case .hit = cache.lookup(id, at: .zero) { continue }
        misses += 1
        bytes += size
        if size <= capacity { cache.insert(id, bytes: size, expiresAt: forever, value: size) }
    }
    return (misses, bytes)
}

/// A seeded trace: `count` requests over `objects` ids drawn with a skew (the square of a
/// uniform picks low ids more often), each object with a fixed size in `1...maxSize`.
func skewedTrace(seed: UInt64, count: Int, objects: Int, maxSize: Int64) -> [(UInt64, Int64)] {
    var rng = SplitMix64(seed: seed)
    var sizes: [UInt64: Int64] = [:]
    var out: [(UInt64, Int64)] = []
    for _ in 0..<count {
        let u = rng.nextUnitDouble()
        let id = UInt64(u * u * Double(objects)) &* 0x9E37_79B9 &+ 7 // scattered ids
        let size = sizes[id] ?? Int64(rng.next() % UInt64(maxSize)) + 1
        sizes[id] = size
        out.append((id, size))
    }
    return out
}

/// A seeded trace of 20,000 requests over 3,000 objects and capacities from 1 to past the
/// working set: sizes up to 500 bytes, 8 GB for seed 7 (objects past 2^32 bytes), or 1 when
/// counting objects.
func seededCase(seed: UInt64, counting: Bool) -> (trace: [(UInt64, Int64)], capacities: [Int64]) {
    let huge = seed == 7
    let trace = skewedTrace(seed: seed, count: 20_000, objects: 3_000, maxSize: counting ? 1 : huge ? 8_000_000_000 : 500)
    let capacities: [Int64] = counting ? [1, 10, 100, 1_000, 2_999, 5_000]
        : huge ? [4_294_967_295, 10_000_000_000, 1_000_000_000_000, 20_000_000_000_000]
        : [1, 250, 499, 500, 5_000, 50_000, 400_000, 2_000_000]
    return (trace, capacities)
}

/// A seeded trace of 30,000 requests over 5,000 objects, two of them (the 18th and the last) of
/// size 0, written as an oracleGeneral file.
func oracleGeneralCase(seed: UInt64) throws -> (trace: [(UInt64, Int64)], path: String) {
    var trace = skewedTrace(seed: seed, count: 30_000, objects: 5_000, maxSize: 2_000)
    trace[17].1 = 0
    trace[29_999].1 = 0
    return (trace, try oracleGeneralFile(trace.map { ($0.0, UInt32($0.1)) }))
}

/// Writes oracleGeneral records (time 0, the given ids and sizes) to a temporary file.
func oracleGeneralFile(_ requests: [(UInt64, UInt32)]) throws -> String {
    var bytes: [UInt8] = []
    for (id, size) in requests {
        withUnsafeBytes(of: UInt32(0).littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: id.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: size.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: Int64(-1).littleEndian) { bytes.append(contentsOf: $0) }
    }
    let path = try makeTemporaryDirectory("cache-only") + "/t.oracleGeneral"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite("CacheOnlyReplay")
struct CacheOnlyReplayTests {
    @Test("counting objects, by hand: a b c a d b a with 2 and 3 objects")
    func countingByHand() {
        // a b c a d b a, size 1 each.
        // 2 objects: a, b, c (evicts a), a (evicts b), d (evicts c), b (evicts a), a (evicts d): 7 misses.
        // 3 objects: a, b, c, a hit, d (evicts b), b (evicts c), a hit: 5 misses.
        let ids: [UInt64] = [1, 2, 3, 1, 4, 2, 1]
        let r = replay(ids.map { ($0, 10) }, capacities: [2, 3], ignoreObjectSize: true)
        #expect(r.requests == 7 && r.requestBytes == 7)
        #expect(r.caches[0].misses == 7 && r.caches[1].misses == 5)
        #expect(r.caches[0].evictions == 5 && r.caches[1].evictions == 2)
        #expect(r.caches[1].residentObjects == 3 && r.caches[1].residentBytes == 3)
        #expect(r.missRatio(1) == 5.0 / 7 && r.byteMissRatio(1) == 5.0 / 7)
        #expect(r.workingSet == WorkingSet(objects: 4, bytes: 4))
    }

    @Test("bytes, by hand: eviction until the object fits, from the LRU end")
    func bytesByHand() {
        // Capacity 100. a40 b30 c20 (90 used); a hit (order b c a); d50: evict b (60 left),
        // evict c (40 left) → 90; b30: evict a (50 left) → 80; a40: evict d (30 left) → 70.
        let r = replay([(1, 40), (2, 30), (3, 20), (1, 40), (4, 50), (2, 30), (1, 40)], capacities: [100])
        #expect(r.caches[0].misses == 6)
        #expect(r.caches[0].missBytes == 40 + 30 + 20 + 50 + 30 + 40)
        #expect(r.requestBytes == 250)
        #expect(r.caches[0].evictions == 4)
        #expect(r.caches[0].residentObjects == 2 && r.caches[0].residentBytes == 70)
        #expect(r.byteMissRatio(0) == 210.0 / 250)
    }

    @Test("an object larger than the cache is a miss, is not inserted, and evicts nothing")
    func oversize() {
        // Capacity 100: a60 cached; b150 misses without touching a; a hits.
        let r = replay([(1, 60), (2, 150), (1, 60), (2, 150)], capacities: [100])
        #expect(r.caches[0].misses == 3)
        #expect(r.caches[0].evictions == 0)
        #expect(r.caches[0].residentObjects == 1 && r.caches[0].residentBytes == 60)
        // An object exactly as large as the cache fits (libCacheSim refuses only size > capacity).
        let exact = replay([(1, 60), (2, 100), (2, 100)], capacities: [100])
        #expect(exact.caches[0].misses == 2 && exact.caches[0].evictions == 1)
    }

    @Test("size-0 requests are skipped and not counted; a request without a size weighs unknownSize")
    func zeroAndUnknownSizes() {
        let r = replay([(1, 0), (1, 10), (2, nil), (1, 0), (2, 5)], capacities: [100])
        #expect(r.requests == 3 && r.zeroSizeSkipped == 2 && r.withoutSize == 1)
        #expect(r.requestBytes == 10 + 1 + 5)
        #expect(r.caches[0].misses == 2, "2 was cached with size 1 when its size was unknown")
        #expect(r.workingSet == WorkingSet(objects: 2, bytes: 11))
        // libCacheSim skips size 0 before --ignore-obj-size makes every size 1.
        let counted = replay([(1, 0), (1, 10)], capacities: [1], ignoreObjectSize: true)
        #expect(counted.requests == 1 && counted.zeroSizeSkipped == 1)
    }

    @Test("objects of 2^32 bytes and more keep their whole size")
    func largeObjects() {
        let gib: Int64 = 1 << 30
        // 10 GiB: a 5 GiB, b 4 GiB − 1 byte, a hit; c 6 GiB evicts b (least recent), then a; a evicts c.
        let r = replay([(1, 5 * gib), (2, 4 * gib - 1), (1, 5 * gib), (3, 6 * gib), (1, 5 * gib)], capacities: [10 * gib])
        #expect(r.caches[0].misses == 4 && r.caches[0].evictions == 3)
        #expect(r.caches[0].residentObjects == 1 && r.caches[0].residentBytes == 5 * gib)
    }

    @Test("a hit keeps the size the object was inserted with")
    func hitKeepsInsertedSize() {
        // Capacity 100: a10 cached; a90 is a hit and a still counts 10 bytes; b80 then fits
        // beside it (10 + 80), so a's third request hits.
        let r = replay([(1, 10), (1, 90), (2, 80), (1, 90)], capacities: [100])
        #expect(r.caches[0].misses == 2)
        #expect(r.caches[0].residentBytes == 90)
        #expect(r.requestBytes == 270 && r.caches[0].missBytes == 90)
    }

    @Test("seeded traces: several caches in one pass equal the reference LRU one by one (seed 7: objects up to 8 GB)",
          arguments: [(UInt64(1), false), (2, false), (3, true), (4, true), (7, false)])
    func againstReference(seed: UInt64, counting: Bool) {
        let (trace, capacities) = seededCase(seed: seed, counting: counting)
        // Small rings, checked every 97 requests: they grow and compact many times here.
        let r = replay(trace.map { ($0.0, $0.1) }, capacities: capacities, ringSize: 16, checkEvery: 97)
        for (i, c) in capacities.enumerated() {
            let expected = referenceMisses(trace, capacity: c)
            #expect(r.caches[i].misses == expected.misses, "seed \(seed), capacity \(c)")
            #expect(r.caches[i].missBytes == expected.bytes, "seed \(seed), capacity \(c)")
        }
    }

    @Test("ring positions past 2^32: rows keep 32 bits of them, and a replay whose positions wrap equals the reference LRU",
          arguments: [(UInt64(1), false), (3, true)])
    func positionsWrap(seed: UInt64, counting: Bool) {
        let trace = skewedTrace(seed: seed, count: 20_000, objects: 3_000, maxSize: counting ? 1 : 500)
        let capacities: [Int64] = counting ? [10, 1_000] : [499, 50_000]
        let r = replay(trace.map { ($0.0, $0.1) }, capacities: capacities, ringSize: 16, firstPosition: (1 << 32) - 7_000, checkEvery: 97)
        for (i, c) in capacities.enumerated() {
            #expect(r.caches[i].misses == referenceMisses(trace, capacity: c).misses, "seed \(seed), capacity \(c)")
        }
    }

    @Test("an evicted row is left as it was; one whose old position comes round into the ring's window (2^32 entries later) is not cached, since the entry there names another row")
    func staleRowIsNotCached() {
        // Capacity 2 objects: a b c evicts a.
        var r = CacheOnlyReplay(capacities: [2], ignoreObjectSize: true, unknownSize: 1, expectedObjects: 16, ringSize: 16)
        for id: UInt64 in [1, 2, 3] { r.access(id, size: 1) }
        let rowOf = { (id: UInt64) in r.occupiedRows().first { (r.rows + $0 * r.rowStride).load(as: UInt64.self) == id }! }
        let a = rowOf(1), c = rowOf(3)
        let partA = r.rows + a * r.rowStride + 8, partC = r.rows + c * r.rowStride + 8
        #expect(partA.load(fromByteOffset: CacheOnlyReplay.sizeOffset, as: UInt32.self) == 1, "eviction does not write to the row")
        #expect(r.cachedCode(r.caches, partA, UInt64(a)) == 0)
        #expect(r.cachedCode(r.caches, partC, UInt64(c)) == 1)
        // As if 2^32 entries had passed: a's position now names c's entry, inside the window.
        partA.storeBytes(of: partC.load(fromByteOffset: CacheOnlyReplay.positionOffset, as: UInt32.self),
                         toByteOffset: CacheOnlyReplay.positionOffset, as: UInt32.self)
        #expect(r.cachedCode(r.caches, partA, UInt64(a)) == 0)
        #expect(r.invariantViolations() == [])
        r.access(1, size: 1)
        #expect(r.result.caches[0].misses == 4)
        #expect(r.invariantViolations() == [])
    }

    @Test("the id that marks empty rows (2^64 − 1) is an object like any other, also while the table grows")
    func emptyKeyID() {
        var trace = skewedTrace(seed: 8, count: 5_000, objects: 500, maxSize: 100)
        for i in stride(from: 0, to: trace.count, by: 7) { trace[i] = (UInt64.max, 42) }
        let capacities: [Int64] = [500, 5_000]
        let r = replay(trace.map { ($0.0, $0.1) }, capacities: capacities, ringSize: 16, checkEvery: 53)
        for (i, c) in capacities.enumerated() {
            #expect(r.caches[i].misses == referenceMisses(trace, capacity: c).misses, "capacity \(c)")
        }
        #expect(r.workingSet.objects == Set(trace.map(\.0)).count)
    }

    @Test("the oracleGeneral path (batched) gives the counts of one request at a time, seeds 5 and 6", arguments: [UInt64(5), 6])
    func oracleGeneralPath(seed: UInt64) throws {
        let (trace, path) = try oracleGeneralCase(seed: seed)
        for counting in [false, true] {
            let capacities: [Int64] = counting ? [50, 4_000] : [10_000, 1_000_000, 100_000_000]
            var batched = CacheOnlyReplay(capacities: capacities, ignoreObjectSize: counting, unknownSize: 1, expectedObjects: 16, ringSize: 64)
            try batched.replay(OracleGeneralReader(path: path))
            #expect(batched.invariantViolations() == [])
            var single = CacheOnlyReplay(capacities: capacities, ignoreObjectSize: counting)
            for (id, size) in trace { single.access(id, size: size) }
            #expect(batched.result == single.result, "seed \(seed), counting \(counting)")
            #expect(batched.result.zeroSizeSkipped == 2 && batched.result.requests == 29_998)
        }
    }

    @Test("the working set counts each object once, with the size of its first counted request")
    func workingSet() throws {
        let path = try oracleGeneralFile([(7, 0), (7, 30), (8, 5), (7, 99), (9, 1)])
        #expect(try CacheOnlyReplay.workingSet(of: OracleGeneralReader(path: path), ignoreObjectSize: false) == WorkingSet(objects: 3, bytes: 36))
        #expect(try CacheOnlyReplay.workingSet(of: OracleGeneralReader(path: path), ignoreObjectSize: true) == WorkingSet(objects: 3, bytes: 3))
        // As libCacheSim rounds 0.01 of the working set: towards zero.
        #expect(WorkingSet(objects: 3, bytes: 36).size(fraction: 0.1, countingObjects: false) == 3)
        #expect(WorkingSet(objects: 898_179, bytes: 0).size(fraction: 0.01, countingObjects: true) == 8_981)
    }

    @Test("the working set counts each object once at its first size above 0, and stops at 2^63 − 1 bytes rather than wrap to a negative cache")
    func workingSetCounter() {
        var c = DenseWorkingSetCounter(ignoreObjectSize: false)
        for (object, size) in [(2, 100), (0, 0), (2, 50), (5, 7), (0, 30)] as [(Int, Int64)] { c.add(object, size: size) }
        #expect(c.workingSet == WorkingSet(objects: 3, bytes: 137), "object 0 at 30 (its size-0 request skipped), 2 at 100, 5 at 7")
        var huge = DenseWorkingSetCounter(ignoreObjectSize: false)
        huge.add(0, size: .max - 1)
        huge.add(1, size: 5)
        #expect(huge.workingSet == WorkingSet(objects: 2, bytes: .max))
        #expect(huge.workingSet.size(fraction: 0.5, countingObjects: false) > 0)
        var objects = DenseWorkingSetCounter(ignoreObjectSize: true)
        objects.add(7, size: 1_000)
        objects.add(7, size: 2_000)
        #expect(objects.workingSet == WorkingSet(objects: 1, bytes: 1))
    }
}
