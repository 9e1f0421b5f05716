import Testing
import TestSupport
@testable import Simulation
@testable import Workload

/// The curve of `trace` from the profiler, one request at a time.
private func profile(_ trace: [(UInt64, Int64)], counting: Bool) -> MissRatioCurve {
    var p = StackDistanceProfiler(countingObjects: counting)
    for (id, size) in trace { p.access(id, size: size) }
    return p.curve
}

/// Brute force: one cache-only replay per size (all in one pass), the sizes as given.
private func simulate(_ trace: [(UInt64, Int64)], sizes: [Int64], counting: Bool) -> CacheOnlyResult {
    var r = CacheOnlyReplay(capacities: sizes, ignoreObjectSize: counting)
    for (id, size) in trace { r.access(id, size: size) }
    return r.result
}

@Suite("Miss-ratio curves")
struct MRCTests {
    @Test("counting objects, by hand: a b c a d b a — reuse distances 3, 4 and 3")
    func byHand() {
        // a b c a(distance 3: c b a) d b(distance 4: d a c b) a(distance 3: b d a).
        let c = profile([1, 2, 3, 1, 4, 2, 1].map { ($0, 9) }, counting: true)
        #expect(c.requests == 7 && c.reuses == 3)
        #expect(c.point(at: 2).misses == 7)
        #expect(c.point(at: 3).misses == 5)
        #expect(c.point(at: 4).misses == 4)
        #expect(c.point(at: 100).misses == 4 && c.point(at: 100).capacity == 100)
        #expect(c.allSteps().map(\.capacity) == [1, 3, 4])
    }

    @Test("counting objects: the curve equals a simulation at every size, seeds 11–14", arguments: [UInt64(11), 12, 13, 14])
    func countingExact(seed: UInt64) {
        // 100 000 requests: the profiler compacts its time slots several times.
        let trace = skewedTrace(seed: seed, count: 100_000, objects: 4_000, maxSize: 1)
        let curve = profile(trace, counting: true)
        let sizes = Array(stride(from: Int64(1), through: 4_100, by: 41))
        let sim = simulate(trace, sizes: sizes, counting: true)
        for (i, size) in sizes.enumerated() {
            let p = curve.point(at: size)
            #expect(p.capacity == size && p.exact)
            #expect(p.misses == sim.caches[i].misses, "seed \(seed), \(size) objects")
            #expect(p.missRatio == sim.missRatio(i) && p.byteMissRatio == sim.byteMissRatio(i))
        }
    }

    @Test("bytes: equal to a simulation from the largest object up, an upper bound below it, seeds 21–23",
          arguments: [UInt64(21), 22, 23])
    func bytesExactAboveLargest(seed: UInt64) {
        let trace = skewedTrace(seed: seed, count: 60_000, objects: 3_000, maxSize: 5_000)
        let curve = profile(trace, counting: false)
        #expect(curve.largestObject <= 5_000 && curve.sizeChanges == 0)
        // Sizes the curve is exact at, from below the largest object to past the working set.
        let targets: [Int64] = [1, 100, 2_047, 2_048, 3_000, 4_999, 5_000, 6_000, 20_000, 100_000, 1_000_000, 7_600_000, 20_000_000]
        let sizes = targets.map { curve.exactSize(atMost: $0) }
        let sim = simulate(trace, sizes: sizes, counting: false)
        for (i, size) in sizes.enumerated() {
            let p = curve.point(at: size)
            #expect(p.capacity == size)
            if size >= curve.largestObject {
                #expect(p.exact)
                #expect(p.misses == sim.caches[i].misses && p.missBytes == sim.caches[i].missBytes, "seed \(seed), \(size) bytes")
            } else {
                #expect(!p.exact)
                #expect(p.misses >= sim.caches[i].misses, "seed \(seed), \(size) bytes: the curve bounds the misses from above")
                #expect(p.missBytes >= sim.caches[i].missBytes, "seed \(seed), \(size) bytes")
            }
        }
    }

    @Test("bytes: LRU with oversize objects bypassing the cache is not a stack algorithm — a(1) b(10) a(1)")
    func notAStackAlgorithm() {
        let trace: [(UInt64, Int64)] = [(1, 1), (2, 10), (1, 1)]
        let sim = simulate(trace, sizes: [5, 10, 11], counting: false)
        #expect(sim.caches.map(\.misses) == [2, 3, 2], "5 bytes hit a, 10 bytes miss it, 11 bytes hit it again")
        let curve = profile(trace, counting: false)
        #expect([5, 10, 11].map { curve.point(at: $0).misses } == [3, 3, 2])
        #expect([5, 10, 11].map { curve.point(at: $0).exact } == [false, true, true])
    }

    @Test("an object that changes size is counted, and the curve no longer claims exactness")
    func sizeChanges() {
        let curve = profile([(1, 10), (1, 20), (2, 5), (1, 20)], counting: false)
        #expect(curve.sizeChanges == 1)
        #expect(!curve.point(at: 1_000).exact)
    }

    @Test("size-0 requests are skipped and requests without a size weigh unknownSize, as in the replay")
    func skips() {
        var p = StackDistanceProfiler(countingObjects: false, unknownSize: 7)
        p.access(1, size: 0)
        p.access(1, size: nil)
        p.access(1, size: 7)
        let c = p.curve
        #expect(c.requests == 2 && c.zeroSizeSkipped == 1 && c.withoutSize == 1 && c.requestBytes == 14)
        #expect(c.point(at: 7).misses == 1)
    }

    @Test("byte distances: buckets are exact below 2048 and at most 1/1024 wide above; edges round-trip")
    func buckets() {
        for v: Int64 in [1, 2, 1_000, 2_047] { #expect(DistanceBuckets.upperEdge(DistanceBuckets.bucket(v)) == v) }
        var rng = SplitMix64(seed: 31)
        for _ in 0..<10_000 {
            let v = Int64(rng.next() >> UInt64(2 + rng.next() % 61)) + 1
            let b = DistanceBuckets.bucket(v)
            let hi = DistanceBuckets.upperEdge(b), lo = DistanceBuckets.upperEdge(b - 1) + 1
            #expect(lo <= v && v <= hi, "\(v) in bucket \(b) = \(lo)...\(hi)")
            #expect(Double(hi - lo + 1) <= Double(lo) / 1024 + 1)
            #expect(DistanceBuckets.bucket(hi + 1) == b + 1)
        }
    }

    @Test("bytes: a cache as large as the working set is answered at the working set itself, where only first requests miss, seeds 21–23",
          arguments: [UInt64(21), 22, 23])
    func workingSetIsExact(seed: UInt64) throws {
        let trace = skewedTrace(seed: seed, count: 60_000, objects: 3_000, maxSize: 5_000)
        // Brute force: the first request of each object, and its bytes.
        var firstSize: [UInt64: Int64] = [:]
        for (id, size) in trace where firstSize[id] == nil { firstSize[id] = size }
        let workingSet = firstSize.values.reduce(0, +)
        let curve = profile(trace, counting: false)
        #expect(curve.workingSet.bytes == workingSet && curve.sizeChanges == 0)
        let p = curve.point(at: workingSet)
        #expect(p.capacity == workingSet, "seed \(seed): answered at \(p.capacity), not at the working set \(workingSet)")
        #expect(p.exact)
        #expect(p.misses == Int64(firstSize.count) && p.missBytes == workingSet)
        #expect(p.missRatio == Double(firstSize.count) / Double(trace.count))
        let sim = simulate(trace, sizes: [workingSet, 2 * workingSet], counting: false)
        #expect(p.misses == sim.caches[0].misses && p.missBytes == sim.caches[0].missBytes)
        #expect(curve.point(at: 2 * workingSet).capacity == 2 * workingSet && curve.point(at: 2 * workingSet).misses == sim.caches[1].misses)
        // The steps end at the working set; the last step, where the last reuse starts to hit, is
        // never past it.
        let steps = curve.allSteps()
        #expect(steps.last == p, "seed \(seed): allSteps ends at the working set")
        let lastStep = try #require(steps.first { $0.misses == Int64(firstSize.count) })
        #expect(lastStep.capacity <= workingSet)
        #expect(curve.point(at: lastStep.capacity - 1).misses > lastStep.misses)
    }

    /// Small objects and, every 500th request, one of 5 objects of 10–50 MB: the largest object
    /// is a hundred thousand times the smallest, and 1 % of the working set.
    private func traceWithLargeObjects() -> [(UInt64, Int64)] {
        var trace: [(UInt64, Int64)] = []
        for (i, request) in skewedTrace(seed: 41, count: 40_000, objects: 2_000, maxSize: 300).enumerated() {
            trace.append(request)
            if i % 500 == 0 { trace.append((UInt64(1 + i / 500 % 5), Int64(10_000_000 * (1 + i / 500 % 5)))) }
        }
        return trace
    }

    @Test("points in bytes: none below the largest object — the first is the smallest exact size from it, the last the working set")
    func pointsFromTheLargestObject() {
        let curve = profile(traceWithLargeObjects(), counting: false)
        #expect(curve.largestObject == 50_000_000 && curve.sizeChanges == 0)
        let points = curve.points(count: 500)
        #expect(points.filter { $0.capacity < curve.largestObject }.count == 0, "rows below the largest object only bound the miss ratio")
        #expect(points.allSatisfy { $0.exact })
        #expect(points.first!.capacity >= curve.largestObject && curve.point(at: points.first!.capacity - 1).capacity < curve.largestObject,
                "the first point is the smallest exact size from the largest object up")
        #expect(points.last!.capacity == curve.workingSet.bytes)
        #expect(points.count > 450, "duplicates dropped: \(points.count) of 500")
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.capacity < $1.capacity && $0.misses >= $1.misses })
        // allSteps still begins at the smallest object, below the largest.
        #expect(curve.allSteps().first!.capacity == curve.smallestObject)
    }

    @Test("points counting objects: from 1 to the working set, every one exact")
    func pointsCountingObjects() {
        let curve = profile(traceWithLargeObjects(), counting: true)
        let points = curve.points(count: 100)
        #expect(points.first!.capacity == 1 && points.last!.capacity == Int64(curve.workingSet.objects))
        #expect(points.allSatisfy { $0.exact })
        #expect(points.last!.misses == Int64(curve.workingSet.objects))
    }

    @Test("points: increasing exact sizes up to the working set; steps strictly decreasing, then the working set")
    func points() {
        let trace = skewedTrace(seed: 41, count: 20_000, objects: 2_000, maxSize: 300)
        let curve = profile(trace, counting: false)
        let points = curve.points(count: 100)
        #expect(points.count > 50)
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.capacity < $1.capacity && $0.misses >= $1.misses })
        #expect(points.last!.capacity == curve.workingSet.bytes)
        #expect(curve.point(at: 2 * curve.workingSet.bytes).misses == Int64(curve.workingSet.objects),
                "a cache as large as the working set misses only first requests")
        // Each step misses fewer; the working set, past the last step, misses as many as it.
        let steps = curve.allSteps()
        #expect(zip(steps.dropLast(), steps.dropLast().dropFirst()).allSatisfy { $0.capacity < $1.capacity && $0.misses > $1.misses })
        let (lastStep, whole) = (steps[steps.count - 2], steps[steps.count - 1])
        #expect(whole.capacity == curve.workingSet.bytes && lastStep.capacity < whole.capacity && lastStep.misses == whole.misses)
    }

    @Test("allSteps ends at the working set, exact as points(count:) ends, and as a simulation there gives, in bytes and objects; not twice when the last step is there",
          arguments: [false, true])
    func allStepsEndAtTheWorkingSet(counting: Bool) {
        // a 10, b 20, a, b, c 300: a and b are reused at a distance of 30 bytes (2 objects), c
        // never: the last step is 30 (2), the working set 330 bytes (3 objects).
        let trace: [(UInt64, Int64)] = [(1, 10), (2, 20), (1, 10), (2, 20), (3, 300)]
        let curve = profile(trace, counting: counting)
        let whole: Int64 = counting ? 3 : 330
        let steps = curve.allSteps()
        #expect(steps.map(\.capacity) == (counting ? [1, 2, 3] : [10, 30, 330]))
        #expect(steps.last == curve.points(count: 10).last)
        let sim = simulate(trace, sizes: [whole], counting: counting)
        #expect(steps.last!.misses == sim.caches[0].misses && steps.last!.missBytes == sim.caches[0].missBytes && steps.last!.exact)
        #expect(steps.last!.misses == 3 && steps.last!.missBytes == (counting ? 3 : 330))
        // a b a: the last step (a's distance, 30 bytes or 2 objects) is the working set: one row.
        #expect(profile([(1, 10), (2, 20), (1, 10)], counting: counting).allSteps().map(\.capacity) == (counting ? [1, 2] : [10, 30]))
    }
}
