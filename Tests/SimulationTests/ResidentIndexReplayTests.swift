import Foundation
import Testing
import TestSupport
@testable import Simulation
@testable import Workload

/// Replays `requests` with `ResidentIndexReplay` (small tables and rings, so that they grow,
/// shift and compact) and with `CacheOnlyReplay`, checking the former's storage as it goes;
/// returns both results.
private func both(_ requests: [(UInt64, Int64)], capacities: [Int64], ignoreObjectSize: Bool = false, slotCount: Int = 4,
                  ringSize: Int = 16, firstPosition: Int = 0, checkEvery: Int = 1) -> (resident: CacheOnlyResult, rows: CacheOnlyResult) {
    var r = ResidentIndexReplay(capacities: capacities, ignoreObjectSize: ignoreObjectSize, slotCount: slotCount, ringSize: ringSize,
                                firstPosition: firstPosition)
    var rows = CacheOnlyReplay(capacities: capacities, ignoreObjectSize: ignoreObjectSize)
    for (i, (id, size)) in requests.enumerated() {
        r.access(id, size: size)
        rows.access(id, size: size)
        if i % checkEvery == 0 { #expect(r.invariantViolations() == [], "after request \(i + 1)") }
    }
    #expect(r.invariantViolations() == [])
    return (r.result, rows.result)
}

/// The same counts, but for the working set, which `ResidentIndexReplay` does not count.
private func expectSameCounts(_ a: CacheOnlyResult, _ b: CacheOnlyResult, _ comment: Comment? = nil,
                              sourceLocation: SourceLocation = #_sourceLocation) {
    var b = b
    b.workingSet = WorkingSet()
    #expect(a == b, comment, sourceLocation: sourceLocation)
}

// The rules are libCacheSim's LRU (`cache/cache.c` `cache_get_base`, `cache/eviction/LRU.c`),
// as `CacheOnlyReplayTests` states them; these cases are that suite's hand-computed ones.
@Suite("ResidentIndexReplay")
struct ResidentIndexReplayTests {
    @Test("counting objects, by hand: a b c a d b a with 2 and 3 objects")
    func countingByHand() {
        // 2 objects: 7 misses, 5 evictions; 3 objects: a, b, c, a hit, d (evicts b), b (evicts c), a hit.
        let (r, rows) = both([1, 2, 3, 1, 4, 2, 1].map { ($0, 10) }, capacities: [2, 3], ignoreObjectSize: true)
        #expect(r.requests == 7 && r.requestBytes == 7)
        #expect(r.caches[0].misses == 7 && r.caches[1].misses == 5)
        #expect(r.caches[0].evictions == 5 && r.caches[1].evictions == 2)
        #expect(r.caches[1].residentObjects == 3 && r.caches[1].residentBytes == 3)
        #expect(r.workingSet == WorkingSet(), "not counted here")
        expectSameCounts(r, rows)
    }

    @Test("bytes, by hand: eviction until the object fits, from the LRU end; a hit keeps the inserted size")
    func bytesByHand() {
        // Capacity 100: a40 b30 c20; a hit; d50 evicts b then c; b30 evicts a; a40 evicts d.
        let (r, rows) = both([(1, 40), (2, 30), (3, 20), (1, 40), (4, 50), (2, 30), (1, 40)], capacities: [100])
        #expect(r.caches[0].misses == 6 && r.caches[0].missBytes == 210 && r.caches[0].evictions == 4)
        #expect(r.caches[0].residentObjects == 2 && r.caches[0].residentBytes == 70)
        expectSameCounts(r, rows)
        // a10 cached; a90 hits and still counts 10 bytes; b80 fits beside it; a hits.
        let (kept, _) = both([(1, 10), (1, 90), (2, 80), (1, 90)], capacities: [100])
        #expect(kept.caches[0].misses == 2 && kept.caches[0].residentBytes == 90)
    }

    @Test("an object larger than the cache is a miss, is not inserted, and evicts nothing; one exactly as large fits")
    func oversize() {
        let (r, _) = both([(1, 60), (2, 150), (1, 60), (2, 150)], capacities: [100])
        #expect(r.caches[0].misses == 3 && r.caches[0].evictions == 0 && r.caches[0].residentBytes == 60)
        let (exact, _) = both([(1, 60), (2, 100), (2, 100)], capacities: [100])
        #expect(exact.caches[0].misses == 2 && exact.caches[0].evictions == 1)
    }

    @Test("size-0 requests are skipped and not counted, also when counting objects")
    func zeroSizes() {
        let (r, rows) = both([(1, 0), (1, 10), (2, 5), (1, 0), (2, 5)], capacities: [100])
        #expect(r.requests == 3 && r.zeroSizeSkipped == 2 && r.requestBytes == 20)
        expectSameCounts(r, rows)
        let (counted, _) = both([(1, 0), (1, 10)], capacities: [1], ignoreObjectSize: true)
        #expect(counted.requests == 1 && counted.zeroSizeSkipped == 1)
    }

    @Test("objects of 2^32 bytes and more keep their whole size")
    func largeObjects() {
        let gib: Int64 = 1 << 30
        let (r, rows) = both([(1, 5 * gib), (2, 4 * gib - 1), (1, 5 * gib), (3, 6 * gib), (1, 5 * gib)], capacities: [10 * gib])
        #expect(r.caches[0].misses == 4 && r.caches[0].evictions == 3)
        #expect(r.caches[0].residentObjects == 1 && r.caches[0].residentBytes == 5 * gib)
        expectSameCounts(r, rows)
    }

    @Test("seeded traces: several caches in one pass give CacheOnlyReplay's counts (seed 7: objects up to 8 GB)",
          arguments: [(UInt64(1), false), (2, false), (3, true), (4, true), (7, false)])
    func againstRowReplay(seed: UInt64, counting: Bool) {
        let (trace, capacities) = seededCase(seed: seed, counting: counting)
        let (r, rows) = both(trace, capacities: capacities, checkEvery: 97)
        expectSameCounts(r, rows, "seed \(seed)")
        #expect(r.caches.contains { $0.evictions > 100 }, "the trace evicts")
    }

    @Test("ring positions past 2^32: slots keep 32 bits of them", arguments: [(UInt64(1), false), (3, true)])
    func positionsWrap(seed: UInt64, counting: Bool) {
        let trace = skewedTrace(seed: seed, count: 20_000, objects: 3_000, maxSize: counting ? 1 : 500)
        let capacities: [Int64] = counting ? [10, 1_000] : [499, 50_000]
        let (r, rows) = both(trace, capacities: capacities, firstPosition: (1 << 32) - 7_000, checkEvery: 97)
        expectSameCounts(r, rows, "seed \(seed)")
    }

    @Test("the id that marks empty slots (2^64 − 1) is an object like any other, also while tables grow and as a large object")
    func emptyKeyID() {
        var trace = skewedTrace(seed: 8, count: 5_000, objects: 500, maxSize: 100)
        for i in stride(from: 0, to: trace.count, by: 7) { trace[i] = (UInt64.max, 42) }
        let (r, rows) = both(trace, capacities: [500, 5_000], checkEvery: 53)
        expectSameCounts(r, rows)
        let gib: Int64 = 1 << 30
        let (large, largeRows) = both([(.max, 5 * gib), (1, 5 * gib), (.max, 5 * gib), (2, 5 * gib), (1, gib)], capacities: [10 * gib])
        #expect(large.caches[0].misses == 4 && large.caches[0].evictions == 2)
        expectSameCounts(large, largeRows)
    }

    @Test("runs of colliding ids: deletion moves later slots back, and lookups still find every object")
    func collidingRuns() {
        // Ids that share a home slot in a table of 8 (the top 3 bits of id × golden), cycled
        // through a cache of 2 objects, so each eviction deletes from inside a run.
        var sameHome: [UInt64] = []
        var id: UInt64 = 1
        while sameHome.count < 6 {
            if (id &* ResidentIndexReplay.golden) >> 61 == 5 { sameHome.append(id) }
            id += 1
        }
        var trace: [(UInt64, Int64)] = []
        for round in 0..<50 { for (k, x) in sameHome.enumerated() where (k + round) % 3 != 0 { trace.append((x, 1)) } }
        let (r, rows) = both(trace, capacities: [1, 2, 3], ignoreObjectSize: true, slotCount: 8)
        expectSameCounts(r, rows)
    }

    @Test("the oracleGeneral path (batched, tables touched ahead) gives the counts of one request at a time, seeds 5 and 6",
          arguments: [UInt64(5), 6])
    func oracleGeneralPath(seed: UInt64) throws {
        let (trace, path) = try oracleGeneralCase(seed: seed)
        for counting in [false, true] {
            let capacities: [Int64] = counting ? [50, 4_000] : [10_000, 1_000_000, 100_000_000]
            for touchFrom in [4, 1 << 16] {
                var batched = ResidentIndexReplay(capacities: capacities, ignoreObjectSize: counting, slotCount: 4, ringSize: 64, touchFrom: touchFrom)
                try batched.replay(OracleGeneralReader(path: path))
                #expect(batched.invariantViolations() == [])
                var single = CacheOnlyReplay(capacities: capacities, ignoreObjectSize: counting)
                for (id, size) in trace { single.access(id, size: size) }
                expectSameCounts(batched.result, single.result, "seed \(seed), counting \(counting), touchFrom \(touchFrom)")
                #expect(batched.result.zeroSizeSkipped == 2 && batched.result.requests == 29_998)
            }
        }
    }
}
