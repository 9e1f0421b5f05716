// Read-ahead splits a CSV trace on a second thread; the batches must reach the replay in file
// order and unchanged, and a bad line must end the replay with the same error as without it.
import Foundation
import Testing
import TestSupport
@testable import Simulation
import Workload

/// A CSV trace of `count` requests over `objects` URLs (skewed), with a quoted URL every 997
/// lines and empty sizes every 1,009 (sizes from `skewedTrace`).
private func csvTrace(seed: UInt64, count: Int, objects: Int, badLine: Int? = nil) throws -> String {
    var text = "t,pop,url,origin,kind,bytes\n"
    for (i, (id, size)) in skewedTrace(seed: seed, count: count, objects: objects, maxSize: 5_000).enumerated() {
        let line = i + 2
        let url = i % 997 == 0 ? "\"/o\(id),q\"" : "/o\(id)"
        let bytes = line == badLine ? "12x" : i % 1_009 == 0 ? "" : "\(size)"
        text += "\(i),p,\(url),,font,\(bytes)\n"
    }
    return try writeFile(try makeTemporaryDirectory(), "t.csv", text)
}

@Suite("CSV read-ahead")
struct CSVReadAheadTests {
    @Test("batches arrive in order and unchanged: the same objects and sizes as one thread (70,000 requests: the ring wraps)")
    func sameBatches() throws {
        let path = try csvTrace(seed: 11, count: 70_000, objects: 9_000)
        var one: [(Int, Int64)] = [], two: [(Int, Int64)] = []
        try CacheKeyCSVReader(path: path).forEachBatch(readAhead: false) { o, s, n in for j in 0..<n { one.append((o[j], s[j])) } }
        try CacheKeyCSVReader(path: path).forEachBatch(readAhead: true) { o, s, n in for j in 0..<n { two.append((o[j], s[j])) } }
        #expect(one.count == 70_000)
        #expect(one.elementsEqual(two, by: ==))
    }

    @Test("cache-only replays and miss-ratio curves are the same with and without read-ahead", arguments: [false, true])
    func sameResults(counting: Bool) throws {
        let path = try csvTrace(seed: 12, count: 40_000, objects: 6_000)
        let capacities: [Int64] = counting ? [100, 2_000] : [50_000, 2_000_000]
        var a = CacheOnlyReplay(capacities: capacities, ignoreObjectSize: counting)
        var b = CacheOnlyReplay(capacities: capacities, ignoreObjectSize: counting)
        try a.replay(CacheKeyCSVReader(path: path), readAhead: false)
        try b.replay(CacheKeyCSVReader(path: path), readAhead: true)
        #expect(a.result == b.result)
        #expect(a.result.requests == 40_000 && a.result.withoutSize == 40)
        #expect(try CacheOnlyReplay.workingSet(of: CacheKeyCSVReader(path: path), ignoreObjectSize: counting, readAhead: true)
                == CacheOnlyReplay.workingSet(of: CacheKeyCSVReader(path: path), ignoreObjectSize: counting, readAhead: false))
        var p = StackDistanceProfiler(countingObjects: counting, unknownSize: 1)
        var q = StackDistanceProfiler(countingObjects: counting, unknownSize: 1)
        try p.replay(CacheKeyCSVReader(path: path), readAhead: false)
        try q.replay(CacheKeyCSVReader(path: path), readAhead: true)
        #expect(p.curve == q.curve)
    }

    @Test("a bad line ends the replay with the error one thread gives, naming file, line and column (line 30,001 of 50,001)")
    func sameError() throws {
        let path = try csvTrace(seed: 13, count: 50_000, objects: 5_000, badLine: 30_001)
        func error(readAhead: Bool) -> String {
            var r = CacheOnlyReplay(capacities: [1_000_000])
            do { try r.replay(CacheKeyCSVReader(path: path), readAhead: readAhead) } catch { return "\(error)" }
            return "no error"
        }
        let one = error(readAhead: false)
        #expect(one.contains("t.csv:30001") && one.contains("bytes") && one.contains("12x"), "\(one)")
        #expect(error(readAhead: true) == one)
    }
}
