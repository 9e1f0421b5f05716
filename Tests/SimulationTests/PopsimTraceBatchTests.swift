// `cachesim` and `mrc` read a `.pstrace` as batches of URL ids and sizes (`NumberedRequestBatches`)
// and keep their rows by id. A file may define its URLs long before their first request and
// request them in any order (docs/trace-format.md: ids are dense in order of *definition*), so
// the batched replay must give what the record-by-record one (ids hashed) gives, on such files
// too, with and without the read-ahead thread, and stop at a bad record with the same error.
import Foundation
import Testing
import TestSupport
@testable import Simulation
import Workload

/// A `.pstrace` of `count` requests over `objects` URLs, all defined before the first request
/// (so ids are requested out of order), sizes from `skewedTrace`; every 13th request carries no
/// size, every 101st has size 0, and `badRecord` (1-based) names an undefined URL id.
private func definedAheadTrace(seed: UInt64, count: Int, objects: Int, maxSize: Int64, badRecord: Int? = nil) throws -> String {
    var bytes = Array("PSTRACE\0".utf8) + [1, 0, 0, 0]
    func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    func define(_ table: UInt8, _ s: String) {
        bytes += [0x01, table]
        varint(UInt64(s.utf8.count))
        bytes += Array(s.utf8)
    }
    define(0, "p"); define(4, "font"); define(3, "GET")
    for o in 0..<objects { define(1, "/o\(o)") }
    // skewedTrace scatters its ids; number them by the object they stand for, then reverse, so
    // that popular URLs have high ids and the first requests name ids far past any seen yet.
    var number: [UInt64: Int] = [:]
    for (i, (id, size)) in skewedTrace(seed: seed, count: count, objects: objects, maxSize: maxSize).enumerated() {
        let n = number[id] ?? { let k = number.count; number[id] = k; return k }()
        let url = UInt64(objects - 1 - n % objects)
        let record = i + 1
        let sized = record % 13 != 0
        bytes.append(0x80 | 0x01 | (sized ? 0x40 : 0))
        varint(1)
        varint(record == badRecord ? UInt64(objects) : url)
        if sized { varint(record % 101 == 0 ? 0 : UInt64(size)) }
    }
    bytes.append(0x00)
    varint(UInt64(count))
    let path = try makeTemporaryDirectory() + "/t.pstrace"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite("popsim traces in batches")
struct PopsimTraceBatchTests {
    @Test("batches give every request's URL id and size (-1 for none) as next() gives them, in order")
    func sameRequests() throws {
        let path = try definedAheadTrace(seed: 21, count: 9_000, objects: 700, maxSize: 4_000)
        var records: [(Int, Int64)] = []
        let source = try PopsimTraceSource(path: path)
        while let r = try source.next() { records.append((Int(r.url), r.bytes ?? -1)) }
        for readAhead in [false, true] {
            var batched: [(Int, Int64)] = []
            try PopsimTraceSource(path: path).forEachBatch(readAhead: readAhead) { o, s, n in for j in 0..<n { batched.append((o[j], s[j])) } }
            #expect(batched.count == 9_000)
            let firstDifference = batched.indices.first { $0 >= records.count || batched[$0] != records[$0] }
            #expect(firstDifference == nil, "readAhead \(readAhead): request \(firstDifference.map { $0 + 1 } ?? 0) differs")
        }
        #expect(records.contains { $0.1 == -1 } && records.contains { $0.1 == 0 })
        #expect(records.first!.0 == 699, "the first request names the last id defined")
    }

    @Test("cache-only replays, working sets and miss-ratio curves by batch equal the record-by-record ones",
          arguments: [false, true])
    func sameResults(counting: Bool) throws {
        let path = try definedAheadTrace(seed: 22, count: 30_000, objects: 4_000, maxSize: 5_000)
        let capacities: [Int64] = counting ? [1, 150, 3_000, 5_000] : [4_000, 300_000, 3_000_000, 50_000_000]
        var byRecord = CacheOnlyReplay(capacities: capacities, ignoreObjectSize: counting)
        try byRecord.replay(try PopsimTraceSource(path: path) as any TraceSource)
        #expect(byRecord.result.requests > 29_000 && byRecord.result.withoutSize > 2_000 && byRecord.result.zeroSizeSkipped > 200)
        #expect(byRecord.result.caches.map(\.misses).allSatisfy { $0 > 0 })
        let wholeSet = try CacheOnlyReplay.workingSet(of: try PopsimTraceSource(path: path) as any TraceSource, ignoreObjectSize: counting)
        var curveByRecord = StackDistanceProfiler(countingObjects: counting, unknownSize: 1)
        try curveByRecord.replay(try PopsimTraceSource(path: path) as any TraceSource)
        for readAhead in [false, true] {
            var batched = CacheOnlyReplay(capacities: capacities, ignoreObjectSize: counting)
            try batched.replay(try PopsimTraceSource(path: path), readAhead: readAhead)
            #expect(batched.result == byRecord.result, "readAhead \(readAhead)")
            #expect(try CacheOnlyReplay.workingSet(of: try PopsimTraceSource(path: path), ignoreObjectSize: counting, readAhead: readAhead)
                    == wholeSet)
            var curve = StackDistanceProfiler(countingObjects: counting, unknownSize: 1)
            try curve.replay(try PopsimTraceSource(path: path), readAhead: readAhead)
            #expect(curve.curve == curveByRecord.curve)
        }
        #expect(wholeSet.objects == byRecord.result.workingSet.objects && wholeSet.objects > 3_000)
    }

    @Test("an undefined URL id ends a batched replay with the record-by-record error, naming the record (20,001 of 30,000)")
    func sameError() throws {
        let path = try definedAheadTrace(seed: 23, count: 30_000, objects: 2_000, maxSize: 100, badRecord: 20_001)
        func error(_ replay: (inout CacheOnlyReplay) throws -> Void) -> String {
            var r = CacheOnlyReplay(capacities: [10_000])
            do { try replay(&r) } catch { return "\(error)" }
            return "no error"
        }
        let byRecord = error { try $0.replay(try PopsimTraceSource(path: path) as any TraceSource) }
        #expect(byRecord.contains("t.pstrace") && byRecord.contains("record 20001") && byRecord.contains("unknown url id 2000"), "\(byRecord)")
        for readAhead in [false, true] {
            #expect(error { try $0.replay(try PopsimTraceSource(path: path), readAhead: readAhead) } == byRecord)
        }
    }
}
