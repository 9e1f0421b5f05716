import Foundation
import Testing
import HTTPModel
@testable import Workload

/// A source that yields records given by a test, with names interned on the way in.
final class ArraySource: TraceSource {
    let sourceName = "<test>"
    var pops = Interner()
    var urls = Interner()
    var origins = Interner()
    var methods = Interner()
    private var records: [TraceRecord] = []
    private var index = 0

    /// `(seconds, url)` requests at POP `p`, kind `other`, method GET, with `bytes` when given.
    init(_ requests: [(time: Int64, url: String, bytes: Int64?)]) {
        for (i, r) in requests.enumerated() {
            records.append(TraceRecord(time: r.time, pop: pops.intern("p"), url: urls.intern(r.url), origin: nil, kind: .other,
                                       method: methods.intern("GET"), credentials: nil, bytes: r.bytes, line: i + 1))
        }
    }

    /// Requests one a second at POP `p`, of 10 bytes, naming URLs by id (`requests`) among `names`,
    /// all interned before any request names them: the ids need not come in the order a reader
    /// would number them (`PopsimTraceWriter`'s map is then not the identity).
    init(urls names: [String], requests: [Int]) {
        for name in names { _ = urls.intern(name) }
        for (i, u) in requests.enumerated() {
            records.append(TraceRecord(time: Int64(i), pop: pops.intern("p"), url: UInt32(u), origin: nil, kind: .other,
                                       method: methods.intern("GET"), credentials: nil, bytes: 10, line: i + 1))
        }
    }

    func next() throws(TraceError) -> TraceRecord? {
        guard index < records.count else { return nil }
        index += 1
        return records[index - 1]
    }
}

/// oracleGeneral records as bytes, little-endian, 24 each.
func oracleGeneralBytes(_ records: [(time: UInt32, id: UInt64, size: UInt32, next: Int64)]) -> [UInt8] {
    var out: [UInt8] = []
    for r in records {
        withUnsafeBytes(of: r.time.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: r.id.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: r.size.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: r.next.littleEndian) { out.append(contentsOf: $0) }
    }
    return out
}

/// next_access_vtime by its definition, computed forwards (the writer works backwards): the
/// 1-based index of the next request to the same id, or -1.
func nextAccessForward(_ ids: [UInt64]) -> [Int64] {
    var next = [Int64](repeating: -1, count: ids.count)
    var last: [UInt64: Int] = [:]
    for (i, id) in ids.enumerated() {
        if let j = last[id] { next[j] = Int64(i + 1) }
        last[id] = i
    }
    return next
}

/// A small deterministic generator for test sequences (seed named in the test).
struct TestRNG {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func readAllBytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }

@Suite("oracleGeneral traces")
struct OracleGeneralTests {
    @Test("the raw reader decodes the 24-byte little-endian layout of oracleGeneralBin.h")
    func rawLayout() throws {
        let dir = TemporaryDirectory()
        // One record by hand: time 0x01020304, id 0x1122334455667788, size 0x0A0B0C0D, next -1.
        let bytes: [UInt8] = [0x04, 0x03, 0x02, 0x01, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
                              0x0D, 0x0C, 0x0B, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(bytes == oracleGeneralBytes([(0x0102_0304, 0x1122_3344_5566_7788, 0x0A0B_0C0D, -1)]))
        let reader = try OracleGeneralReader(path: dir.file("one.oracleGeneral", bytes))
        #expect(reader.recordCount == 1)
        let r = try #require(try reader.next())
        #expect(r.time == 0x0102_0304 && r.id == 0x1122_3344_5566_7788 && r.size == 0x0A0B_0C0D && r.nextAccess == -1)
        #expect(try reader.next() == nil)
        #expect(reader.recordsRead == 1)
    }

    @Test("records across block boundaries come back in order (block of 5 records, 23 records)")
    func blocks() throws {
        let dir = TemporaryDirectory()
        let records: [(time: UInt32, id: UInt64, size: UInt32, next: Int64)] = (0..<23).map { (i: Int) in
            (time: UInt32(i / 3), id: UInt64(i % 7), size: UInt32(100 + i), next: Int64(i))
        }
        let reader = try OracleGeneralReader(path: dir.file("t.bin", oracleGeneralBytes(records)), blockSize: 5 * 24 + 7)
        var got: [OracleGeneralReader.Record] = []
        var peeked = 0
        while true {
            // What is buffered ahead is exactly the records still to come, never past the block.
            #expect(reader.recordsBuffered <= 5)
            for k in 0..<reader.recordsBuffered {
                #expect(reader.id(ahead: k) == records[got.count + k].id)
                peeked += 1
            }
            guard let r = try reader.next() else { break }
            got.append(r)
        }
        #expect(peeked > 23)
        #expect(got.count == 23)
        #expect(got.map { $0.size } == records.map { $0.size })
        #expect(got.map { $0.id } == records.map { $0.id })
        #expect(got.map { $0.nextAccess } == records.map { $0.next })
    }

    @Test("the source numbers objects right across its look-ahead batches (1,000 records, 64 a batch)")
    func sourceAcrossBatches() throws {
        let dir = TemporaryDirectory()
        let ids: [UInt64] = (0..<1_000).map { UInt64(($0 * 7919) % 257) &* 0x9E37_79B9 }
        let path = dir.file("t.oracleGeneral", oracleGeneralBytes(ids.enumerated().map { (UInt32($0.offset / 10), $0.element, 10, -1) }))
        let source = try OracleGeneralSource(path: path)
        var urls: [String] = []
        while let r = try source.next() { urls.append(source.urls.string(r.url)) }
        #expect(urls == ids.map { "/obj/\($0)" })
        #expect(source.urls.count == Set(ids).count)
    }

    @Test("the source turns ids into /obj/<id> URLs at POP default, kind other, seconds into µs")
    func source() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("t.oracleGeneral", oracleGeneralBytes([(5, 42, 1000, 3), (6, 7, 0, -1), (6, 42, 1000, -1)]))
        let source = try OracleGeneralSource(path: path)
        var records: [TraceRecord] = []
        while let r = try source.next() { records.append(r) }
        #expect(records.map(\.time) == [5_000_000, 6_000_000, 6_000_000])
        #expect(records.map { source.urls.string($0.url) } == ["/obj/42", "/obj/7", "/obj/42"])
        #expect(source.urls.count == 2)
        #expect(records.map { source.pops.string($0.pop) } == ["default", "default", "default"])
        #expect(records.allSatisfy { $0.kind == .other && $0.origin == nil && $0.credentials == nil })
        #expect(records.map { source.methods.string($0.method) } == ["GET", "GET", "GET"])
        // Size-0 requests are kept (libCacheSim's reader skips them by default).
        #expect(records.map(\.bytes) == [1000, 0, 1000])
        #expect(records.map(\.line) == [1, 2, 3])
    }

    @Test("a mapping names the URL template, POP and kind, with per-object overrides from a CSV file")
    func mapping() throws {
        let dir = TemporaryDirectory()
        let map = dir.file("objects.csv", "id,kind,pop,url\n7,font,frankfurt,\n9,,,https://static.example-cdn.com/special.mp4\n")
        var mapping = OracleGeneralMapping(urlTemplate: "https://static.example-cdn.com/o/{id}.bin", pop: "hangzhou", kind: .img)
        mapping.objects = try OracleGeneralMapping.loadObjects(path: map)
        #expect(mapping.objects[7] == .init(url: nil, pop: "frankfurt", kind: .font))
        let source = try OracleGeneralSource(path: dir.file("t.bin", oracleGeneralBytes([(0, 1, 1, -1), (0, 7, 1, -1), (0, 9, 1, -1)])), mapping: mapping)
        var records: [TraceRecord] = []
        while let r = try source.next() { records.append(r) }
        #expect(records.map { source.urls.string($0.url) } == [
            "https://static.example-cdn.com/o/1.bin", "https://static.example-cdn.com/o/7.bin", "https://static.example-cdn.com/special.mp4",
        ])
        #expect(records.map { source.pops.string($0.pop) } == ["hangzhou", "frankfurt", "hangzhou"])
        #expect(records.map(\.kind) == [.img, .font, .img])
        // The template works backwards for the writer; only its canonical spelling.
        #expect(mapping.objectID(inURL: Array("https://static.example-cdn.com/o/18446744073709551615.bin".utf8)) == .max)
        #expect(mapping.objectID(inURL: Array("https://static.example-cdn.com/o/07.bin".utf8)) == nil)
        #expect(mapping.objectID(inURL: Array("https://static.example-cdn.com/o/.bin".utf8)) == nil)
        #expect(mapping.objectID(inURL: Array("https://static.example-cdn.com/o/18446744073709551616.bin".utf8)) == nil)
        #expect(OracleGeneralMapping(urlTemplate: "/obj/").templateProblem != nil)
        #expect(OracleGeneralMapping(urlTemplate: "obj/{id}").templateProblem != nil)
        #expect(throws: TraceError(file: map, line: 3, column: "id", message: "object 1 is mapped twice")) {
            _ = try OracleGeneralMapping.loadObjects(path: dir.file("objects.csv", "id,pop\n1,a\n1,b\n"))
        }
    }

    @Test("with per-object URL overrides, oracleGeneral ⇒ popsim ⇒ oracleGeneral keeps the mapped ids")
    func roundTripWithMap() throws {
        let dir = TemporaryDirectory()
        var mapping = OracleGeneralMapping(urlTemplate: "https://static.example-cdn.com/o/{id}")
        mapping.objects = try OracleGeneralMapping.loadObjects(path: dir.file("m.csv", "id,url\n9,/special.mp4\n12,https://static.example-cdn.com/o/77\n"))
        let original = oracleGeneralBytes([(0, 9, 5, 3), (1, 12, 6, -1), (2, 9, 5, -1), (3, 4, 1, -1)])
        let a = dir.file("a.oracleGeneral", original)
        let b = dir.path + "/b.pstrace", c = dir.path + "/c.oracleGeneral"
        let options = TraceReadOptions(objects: mapping)
        try copyTrace(from: try openTraceSource(path: a, format: .oracleGeneral, options: options), to: try makeTraceWriter(path: b, format: .popsim))
        let writer = try OracleGeneralWriter(path: c, mapping: mapping)
        try copyTrace(from: try openTraceSource(path: b, format: .popsim), to: writer)
        #expect(writer.hashedURLs == 0)
        #expect(readAllBytes(c) == original)
    }

    @Test("next_access_vtime of a hand-made sequence: A B A C B A ⇒ 3 5 6 -1 -1 -1")
    func nextAccessByHand() throws {
        let dir = TemporaryDirectory()
        let source = ArraySource(["/obj/1", "/obj/2", "/obj/1", "/obj/3", "/obj/2", "/obj/1"].enumerated().map { (Int64($0) * 1_000_000, $1, 10) })
        let path = dir.path + "/out.oracleGeneral"
        let writer = try OracleGeneralWriter(path: path)
        #expect(try copyTrace(from: source, to: writer) == 6)
        #expect(readAllBytes(path) == oracleGeneralBytes([(0, 1, 10, 3), (1, 2, 10, 5), (2, 1, 10, 6), (3, 3, 10, -1), (4, 2, 10, -1), (5, 1, 10, -1)]))
        #expect(dir.listing() == ["out.oracleGeneral"])
    }

    @Test("next_access_vtime matches the forward definition over 100,000 requests (seed 20260601; crosses the writer's 1 MiB blocks)")
    func nextAccessAtScale() throws {
        let dir = TemporaryDirectory()
        var rng = TestRNG(state: 20_260_601)
        // Skewed popularity: low ids are frequent, many ids appear once.
        let ids: [UInt64] = (0..<100_000).map { _ in
            let r = rng.next()
            return r % 4 == 0 ? r >> 2 : (r >> 2) % 1000
        }
        let source = ArraySource(ids.enumerated().map { (Int64($0 / 100) * 1_000_000, "/obj/\($1)", Int64($1 % 5000)) })
        let path = dir.path + "/big.oracleGeneral"
        let writer = try OracleGeneralWriter(path: path)
        try copyTrace(from: source, to: writer)
        #expect(writer.hashedURLs == 0)
        let expected = nextAccessForward(ids)
        let reader = try OracleGeneralReader(path: path)
        var i = 0
        var mismatches = 0
        while let r = try reader.next() {
            if r.id != ids[i] || r.nextAccess != expected[i] || r.time != UInt32(i / 100) { mismatches += 1 }
            i += 1
        }
        #expect(i == ids.count)
        #expect(mismatches == 0)
    }

    @Test("the writer keeps whole seconds, hashes URLs the template did not make, and writes unknown sizes as 1")
    func writerFields() throws {
        let dir = TemporaryDirectory()
        let source = ArraySource([(1_999_999, "/fonts/a.woff2", nil), (2_000_000, "/obj/5", 7)])
        let path = dir.path + "/w.bin"
        let writer = try OracleGeneralWriter(path: path)
        try copyTrace(from: source, to: writer)
        #expect(writer.recordsWithoutSize == 1)
        #expect(writer.hashedURLs == 1)
        #expect(readAllBytes(path) == oracleGeneralBytes([(1, fnv1a64("/fonts/a.woff2"), 1, -1), (2, 5, 7, -1)]))
    }

    @Test("a size or time that does not fit 32 bits is an error naming the record; nothing is left behind")
    func writerLimits() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/w.bin"
        let big = ArraySource([(0, "/obj/1", 1), (0, "/obj/2", Int64(UInt32.max) + 1)])
        #expect(throws: TraceCopyError.write(FileWriteError(path: path, message: "record 2: size 4294967296 bytes does not fit oracleGeneral's 32-bit obj_size"))) {
            try copyTrace(from: big, to: try OracleGeneralWriter(path: path))
        }
        let late = ArraySource([((Int64(UInt32.max) + 1) * 1_000_000, "/obj/1", 1)])
        #expect(throws: TraceCopyError.write(FileWriteError(path: path, message: "record 1: time 4294967296000000 µs does not fit oracleGeneral's 32-bit seconds"))) {
            try copyTrace(from: late, to: try OracleGeneralWriter(path: path))
        }
        #expect(dir.listing() == [])
    }

    @Test("oracleGeneral ⇒ popsim ⇒ oracleGeneral gives back the same bytes, next_access_vtime included (seed 7)")
    func roundTripThroughPopsim() throws {
        let dir = TemporaryDirectory()
        var rng = TestRNG(state: 7)
        var time: UInt32 = 1_600_000_000
        var ids: [UInt64] = []
        var records: [(time: UInt32, id: UInt64, size: UInt32, next: Int64)] = []
        for _ in 0..<5000 {
            time += UInt32(rng.next() % 3)
            let id = rng.next() % 300 == 0 ? rng.next() : rng.next() % 300
            ids.append(id)
            records.append((time, id, UInt32(truncatingIfNeeded: id % 100_000), 0))
        }
        let next = nextAccessForward(ids)
        for i in records.indices { records[i].next = next[i] }
        let original = oracleGeneralBytes(records)
        let a = dir.file("a.oracleGeneral", original)
        let b = dir.path + "/b.pstrace", c = dir.path + "/c.oracleGeneral"
        try copyTrace(from: try openTraceSource(path: a, format: .oracleGeneral), to: try makeTraceWriter(path: b, format: .popsim))
        try copyTrace(from: try openTraceSource(path: b, format: .popsim), to: try makeTraceWriter(path: c, format: .oracleGeneral))
        #expect(readAllBytes(c) == original)
    }

    @Test("a file that is not a whole number of records names the truncated record and its byte offset")
    func truncated() throws {
        let dir = TemporaryDirectory()
        let bytes = oracleGeneralBytes([(0, 1, 1, -1), (0, 2, 1, -1), (0, 3, 1, -1)])
        let path = dir.file("cut.oracleGeneral", Array(bytes.dropLast(10)))
        #expect(throws: TraceError(file: path, line: 3, column: nil,
                                   message: "record 3 is truncated: the file ends 14 byte(s) into it, at byte offset 48 (oracleGeneral records are 24 bytes; the file has 62 bytes)")) {
            _ = try OracleGeneralSource(path: path)
        }
    }

    @Test("compressed, text and popsim files are refused with what they are")
    func notOracleGeneral() throws {
        let dir = TemporaryDirectory()
        let zst = dir.file("t.oracleGeneral.zst", [0x28, 0xB5, 0x2F, 0xFD] + [UInt8](repeating: 0, count: 20))
        #expect(throws: TraceError(file: zst, line: 0, column: nil,
                                   message: "compressed with zstd; decompress it first (zstd -d FILE), or give it through a pipe, <(zstd -dc FILE) — popsim reads oracleGeneral uncompressed")) {
            _ = try OracleGeneralReader(path: zst)
        }
        let csv = dir.file("t.bin", "t,pop,url,origin,kind\n0,p,/a,,font\n")
        let error = try #require(throws: TraceError.self) { _ = try OracleGeneralReader(path: csv) }
        #expect(error.message.hasPrefix("starts with text (\"t,pop,url,origin,kind\"): not an oracleGeneral binary trace"))
        let ours = dir.file("t.pstrace", PopsimTraceFormat.magic + [1, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 12))
        #expect(throws: TraceError(file: ours, line: 0, column: nil, message: "a popsim binary trace (magic PSTRACE), not oracleGeneral; read it with format popsim")) {
            _ = try OracleGeneralReader(path: ours)
        }
    }

    @Test("time going backwards is an error naming the record")
    func timeBackwards() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("t.oracleGeneral", oracleGeneralBytes([(10, 1, 1, -1), (12, 2, 1, -1), (11, 3, 1, -1)]))
        let source = try OracleGeneralSource(path: path)
        _ = try source.next()
        _ = try source.next()
        #expect(throws: TraceError(file: path, line: 3, column: nil,
                                   message: "record 3: time 11 s is earlier than 12 s in record 2 (a trace must be in time order)")) {
            _ = try source.next()
        }
    }

    @Test("an empty file is an empty trace")
    func empty() throws {
        let dir = TemporaryDirectory()
        let reader = try OracleGeneralReader(path: dir.file("e.bin", [UInt8]()))
        #expect(reader.recordCount == 0)
        #expect(try reader.next() == nil)
    }
}
