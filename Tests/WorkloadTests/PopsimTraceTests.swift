import Foundation
import Testing
import HTTPModel
@testable import Workload

/// Builds popsim trace bytes by hand, as docs/trace-format.md describes them.
struct PSBytes {
    var bytes: [UInt8]

    init(version: UInt16 = 1, flags: UInt16 = 0) {
        bytes = Array("PSTRACE\0".utf8)
        bytes += [UInt8(version & 0xFF), UInt8(version >> 8), UInt8(flags & 0xFF), UInt8(flags >> 8)]
    }

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func define(_ table: UInt8, _ s: String) {
        bytes += [0x01, table]
        varint(UInt64(s.utf8.count))
        bytes += Array(s.utf8)
    }

    /// A request with every id present: time delta, pop, url, kind, method.
    mutating func request(delta: UInt64, pop: UInt64 = 0, url: UInt64, kind: UInt64 = 0, method: UInt64 = 0) {
        bytes.append(0x80 | 0x01 | 0x02 | 0x08 | 0x10)
        varint(delta)
        varint(pop)
        varint(url)
        varint(kind)
        varint(method)
    }

    mutating func end(_ count: UInt64) {
        bytes.append(0x00)
        varint(count)
    }

    /// Defines pop "p", url "/a", kind "font", method "GET" (each id 0).
    mutating func basics() {
        define(0, "p")
        define(1, "/a")
        define(4, "font")
        define(3, "GET")
    }
}

extension RequestColumns {
    /// Row `i` as a record (ids as they are in the columns), to compare with `next()`'s.
    func record(_ i: Int) -> TraceRecord {
        precondition(i >= 0 && i < count, "row \(i) of \(count)")
        return TraceRecord(time: time[i], pop: pop[i], url: url[i], origin: originPlus1[i] == 0 ? nil : originPlus1[i] - 1,
                           kind: ResourceKind(ordinal: kind[i]), method: method[i],
                           credentials: credentialsPlus1[i] == 0 ? nil : CredentialsMode(ordinal: credentialsPlus1[i] - 1),
                           bytes: bytes[i] < 0 ? nil : bytes[i], line: firstRecord + i)
    }
}

@Suite("popsim binary traces")
struct PopsimTraceTests {
    /// A canonical CSV trace exercising every field: quoting, origins, methods, credentials,
    /// sizes, equal and sub-second times, several POPs.
    static let canonicalCSV = """
    t,pop,url,origin,kind,method,credentials,bytes
    0,hangzhou,https://static.example-cdn.com/fonts/a.woff2,https://www.example.com,font,GET,,
    0,hangzhou,https://static.example-cdn.com/fonts/a.woff2,https://shop.example.com,font,GET,include,2048
    0.5,frankfurt,/fonts/a.woff2,https://www.example.com,font,GET,,9223372036854775807
    0.500001,frankfurt,"/a,b.css",null,stylesheet-cors,OPTIONS,same-origin,0
    12,hangzhou,"/q?x=""y""\",,img,HEAD,omit,
    4294.967296,hangzhou,/v/intro.mp4,,video,GET,,123456789
    4294.967296,hangzhou,/v/intro.mp4,https://www.example.com,video-cors,GET,,123456789

    """

    static func readAll(_ source: any TraceSource) throws -> [TraceRecord] {
        var out: [TraceRecord] = []
        while let r = try source.next() { out.append(r) }
        return out
    }

    @Test("CSV ⇒ popsim ⇒ CSV gives back the same bytes, and both readers yield the same requests")
    func roundTripCSV() throws {
        let dir = TemporaryDirectory()
        let csv = dir.file("a.csv", Self.canonicalCSV)
        let ours = dir.path + "/a.pstrace", back = dir.path + "/b.csv"
        #expect(try copyTrace(from: try TraceCSVReader(path: csv), to: try PopsimTraceWriter(path: ours)) == 7)
        #expect(try copyTrace(from: try PopsimTraceSource(path: ours), to: try TraceCSVWriter(path: back)) == 7)
        #expect(String(decoding: readAllBytes(back), as: UTF8.self) == Self.canonicalCSV)

        let a = try TraceCSVReader(path: csv), b = try PopsimTraceSource(path: ours)
        let (ra, rb) = (try Self.readAll(a), try Self.readAll(b))
        #expect(ra.map(\.time) == rb.map(\.time))
        #expect(ra.map { a.urls.string($0.url) } == rb.map { b.urls.string($0.url) })
        #expect(ra.map { a.pops.string($0.pop) } == rb.map { b.pops.string($0.pop) })
        #expect(ra.map { $0.origin.map(a.origins.string) } == rb.map { $0.origin.map(b.origins.string) })
        #expect(ra.map { a.methods.string($0.method) } == rb.map { b.methods.string($0.method) })
        #expect(ra.map(\.kind) == rb.map(\.kind))
        #expect(ra.map(\.credentials) == rb.map(\.credentials))
        #expect(ra.map(\.bytes) == rb.map(\.bytes))
        #expect(rb.map(\.line) == Array(1...7))
        // Each string once, even in a trace this small where most strings are new.
        #expect(readAllBytes(ours).count < readAllBytes(csv).count)
    }

    @Test("in columns, a trace gives the records next() gives, whatever the columns' size and the read blocks")
    func columnsEqualRecords() throws {
        let dir = TemporaryDirectory()
        // Every field, defines between requests, and enough requests to cross read blocks.
        var csv = Self.canonicalCSV
        for i in 0..<3_000 {
            let origin = ["", "https://www.example.com", "https://a\(i % 7).example.com"][i % 3]
            let credentials = ["", "omit", "include", "same-origin"][i % 4]
            csv += "\(4300 + i),p\(i % 3),/u/\(i % 500)?q=\(i % 11),\(origin),\(i % 5 == 0 ? "img-cors" : "font"),"
                + "\(i % 9 == 0 ? "HEAD" : "GET"),\(credentials),\(i % 6 == 0 ? "" : String(i * 37))\n"
        }
        let ours = dir.path + "/a.pstrace"
        #expect(try copyTrace(from: try TraceCSVReader(path: dir.file("a.csv", csv)), to: try PopsimTraceWriter(path: ours)) == 3_007)
        // Record by record, and what the reader had defined when it gave each record.
        var expected: [TraceRecord] = []
        var tables: [[Int]] = [], urlsDefined: [UInt32] = []
        let byRecord = try PopsimTraceSource(path: ours, blockSize: 4096)
        while let r = try byRecord.next() {
            expected.append(r)
            tables.append([byRecord.pops.count, byRecord.origins.count, byRecord.methods.count])
            urlsDefined.append(UInt32(byRecord.urls.count))
        }
        #expect(Set(expected.map(\.credentials)).count == 4 && expected.contains { $0.bytes == nil } && expected.contains { $0.origin == nil })
        for capacity in [1, 3, 256, 5_000] {
            let source = try PopsimTraceSource(path: ours, blockSize: 4096)
            let columns = RequestColumns(capacity: capacity)
            var rows: [TraceRecord] = []
            var short = 0
            while try source.nextRequests(into: columns) > 0 {
                #expect(columns.firstRecord == rows.count + 1)
                // Every row of a batch saw the POPs, origins and methods the reader has after it;
                // a batch is short only before a new one of those (or at the end).
                let now = [source.pops.count, source.origins.count, source.methods.count]
                #expect((rows.count..<rows.count + columns.count).allSatisfy { tables[$0] == now }, "capacity \(capacity), row \(rows.count + 1)")
                #expect((0..<columns.count).map { columns.urlsDefined[$0] } == Array(urlsDefined[rows.count..<rows.count + columns.count]))
                if columns.count < capacity {
                    short += 1
                    let next = rows.count + columns.count
                    #expect(next == expected.count || tables[next] != now, "capacity \(capacity): a short batch before row \(next + 1)")
                }
                rows += (0..<columns.count).map(columns.record)
            }
            if capacity == 5_000 { #expect(short > 10, "the trace defines origins and POPs as it goes") }
            #expect(try source.nextRequests(into: columns) == 0, "the end stays the end")
            let firstDifference = rows.indices.first { $0 >= expected.count || rows[$0] != expected[$0] }
            #expect(rows.count == expected.count && firstDifference == nil, "capacity \(capacity): row \(firstDifference ?? -1)")
        }
    }

    @Test("a CSV in any spelling comes back in canonical form, then stays put")
    func canonicalForm() throws {
        let dir = TemporaryDirectory()
        let messy = dir.file("m.csv", "kind,origin,url,pop,t\r\nfont,HTTPS://WWW.Example.com:443,/a,p,1.500000\r\n\r\nimg,,/b,p,2\r\n")
        let a = dir.path + "/a.pstrace", b = dir.path + "/b.csv", c = dir.path + "/c.pstrace", d = dir.path + "/d.csv"
        try copyTrace(from: try TraceCSVReader(path: messy), to: try PopsimTraceWriter(path: a))
        try copyTrace(from: try PopsimTraceSource(path: a), to: try TraceCSVWriter(path: b))
        #expect(String(decoding: readAllBytes(b), as: UTF8.self) == """
        t,pop,url,origin,kind,method,credentials,bytes
        1.5,p,/a,https://www.example.com,font,GET,,
        2,p,/b,,img,GET,,

        """)
        try copyTrace(from: try TraceCSVReader(path: b), to: try PopsimTraceWriter(path: c))
        try copyTrace(from: try PopsimTraceSource(path: c), to: try TraceCSVWriter(path: d))
        #expect(readAllBytes(a) == readAllBytes(c))
        #expect(readAllBytes(b) == readAllBytes(d))
    }

    @Test("the writer's bytes for a tiny trace are exactly the documented layout")
    func layout() throws {
        let dir = TemporaryDirectory()
        let csv = dir.file("t.csv", "t,pop,url,origin,kind,bytes\n1,p,/a,https://a.com,font,300\n1,p,/a,,font,\n")
        let path = dir.path + "/t.pstrace"
        try copyTrace(from: try TraceCSVReader(path: csv), to: try PopsimTraceWriter(path: path))
        var e = PSBytes()
        e.define(0, "p")
        e.define(1, "/a")
        e.define(2, "https://a.com")
        e.define(3, "GET")
        e.define(4, "font")
        // tag: request | time | origin | bytes (pop, kind and method are id 0, as "previous" starts)
        e.bytes.append(0x80 | 0x01 | 0x04 | 0x40)
        e.varint(1_000_000)
        e.varint(0) // url
        e.varint(0) // origin
        e.varint(300) // bytes: 0xAC 0x02
        e.bytes.append(0x80) // same time, pop, kind, method; no origin; url 0
        e.varint(0)
        e.end(2)
        #expect(readAllBytes(path) == e.bytes)
    }

    /// Every length of varint from 1 to 10 bytes (LEB128, docs/trace-format.md), at every
    /// position across buffer refills and up to the file's end, reads back as written.
    @Test("varints of every length read back exactly, wherever they fall in the buffer")
    func varintLengths() throws {
        var values: [UInt64] = [0, 1, 0x7F, 0x80, 300, UInt64(Int64.max)]
        for k in 1...9 where 7 * k < 63 {
            values += [(1 << UInt64(7 * k)) - 1, 1 << UInt64(7 * k), (1 << UInt64(7 * k)) + 0x55]
        }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 { values.append(rng.next() >> (rng.next() % 64) & UInt64(Int64.max)) }
        var e = PSBytes()
        e.basics()
        var expected: [(time: Int64, bytes: Int64)] = []
        var time: Int64 = 0
        // Several rounds, each shifted by one byte (a varint-long time step), so that every value
        // meets every alignment and, with a 4 KiB buffer, the refill boundary.
        for round in 0..<9 {
            for v in values {
                let delta: UInt64 = round == 0 ? 0 : 1 << UInt64(7 * (round - 1)) // 0, then 1 to 8 bytes long
                e.bytes.append(0x80 | 0x01 | 0x40) // request: time delta, url, bytes
                e.varint(delta)
                e.varint(0)
                e.varint(v)
                time += Int64(delta)
                expected.append((time, Int64(v)))
            }
        }
        e.end(UInt64(expected.count))
        let dir = TemporaryDirectory()
        let source = try PopsimTraceSource(path: dir.file("t.pstrace", e.bytes), blockSize: 4096)
        let got = try Self.readAll(source)
        #expect(got.count == expected.count)
        for (i, (r, x)) in zip(got, expected).enumerated() where r.time != x.time || r.bytes != x.bytes {
            Issue.record("record \(i + 1): time \(r.time) bytes \(String(describing: r.bytes)), expected \(x.time) and \(x.bytes)")
            break
        }
    }

    @Test("a time record moves the clock forwards; deltas count from it")
    func timeRecord() throws {
        let dir = TemporaryDirectory()
        var e = PSBytes()
        e.basics()
        e.bytes.append(0x02)
        e.varint(5_000_000)
        e.request(delta: 0, url: 0)
        e.request(delta: 7, url: 0)
        e.end(2)
        let source = try PopsimTraceSource(path: dir.file("t.pstrace", e.bytes))
        #expect(try Self.readAll(source).map(\.time) == [5_000_000, 5_000_007])
    }

    // MARK: malformed files

    /// The error reading `bytes` gives, record by record; read in columns of two and of 256, the
    /// file must give the same requests first and then the same error.
    static func error(_ bytes: [UInt8], readRecords: Bool = true) throws -> TraceError {
        let dir = TemporaryDirectory()
        let path = dir.file("bad.pstrace", bytes)
        var records: [TraceRecord] = []
        let error = try #require(throws: TraceError.self) {
            let source = try PopsimTraceSource(path: path)
            if readRecords { while let r = try source.next() { records.append(r) } }
        }
        if readRecords {
            for capacity in [2, 256] {
                var rows: [TraceRecord] = []
                let again = try #require(throws: TraceError.self) {
                    let source = try PopsimTraceSource(path: path)
                    let columns = RequestColumns(capacity: capacity)
                    while try source.nextRequests(into: columns) > 0 { rows += (0..<columns.count).map(columns.record) }
                }
                #expect(again == error, "in columns of \(capacity): \(again)")
                #expect(rows == records, "in columns of \(capacity), the requests before the error")
            }
        }
        return error
    }

    @Test("wrong magic")
    func wrongMagic() throws {
        let e = try Self.error(Array("t,pop,url,origin,kind\n".utf8))
        #expect(e.line == 0)
        #expect(e.message == "not a popsim binary trace (wrong magic 74 2C 70 6F 70 2C 75 72; expected 50 53 54 52 41 43 45 00, \"PSTRACE\\0\")")
        let empty = try Self.error([])
        #expect(empty.message.hasPrefix("not a popsim binary trace (empty file;"))
    }

    @Test("unsupported version and required flags; optional hint flags are ignored")
    func versionAndFlags() throws {
        var v2 = PSBytes(version: 2)
        v2.end(0)
        #expect(try Self.error(v2.bytes).message == "unsupported version 2 (this popsim reads version 1; a newer popsim wrote it)")
        var flagged = PSBytes(flags: 0x0001)
        flagged.end(0)
        #expect(try Self.error(flagged.bytes).message == "unsupported required feature flags 0x01 (this popsim knows none)")
        var hinted = PSBytes(flags: 0x0100)
        hinted.end(0)
        let dir = TemporaryDirectory()
        let source = try PopsimTraceSource(path: dir.file("h.pstrace", hinted.bytes))
        #expect(try source.next() == nil)
        #expect(source.flags == 0x0100)
        #expect(try Self.error(Array(PSBytes().bytes.prefix(10))).message == "truncated header: the file ends at byte offset 10 (the header is 12 bytes)")
    }

    @Test("a truncated record names the record and byte offset")
    func truncatedRecord() throws {
        var e = PSBytes()
        e.basics()
        e.request(delta: 1, url: 0)
        #expect(e.bytes.count == 12 + 22 + 6) // header, four defines, one request
        e.request(delta: 300, url: 0) // at byte offset 40; its delta takes 2 bytes
        e.end(2)
        let cut = Array(e.bytes.prefix(43)) // the second request's tag and its delta, nothing more
        let error = try Self.error(cut)
        #expect(error.line == 2)
        #expect(error.message == "record 2 (byte offset 40): truncated: the file ends 3 byte(s) into the record, at byte offset 43")
    }

    @Test("every cut of a valid file is an error naming a record, never a crash or a silent end")
    func everyCut() throws {
        let dir = TemporaryDirectory()
        let csv = dir.file("a.csv", Self.canonicalCSV)
        let full = dir.path + "/full.pstrace"
        try copyTrace(from: try TraceCSVReader(path: csv), to: try PopsimTraceWriter(path: full))
        let bytes = readAllBytes(full)
        for length in 12..<bytes.count {
            let error = try Self.error(Array(bytes.prefix(length)))
            #expect(error.line >= 1 && error.message.hasPrefix("record \(error.line) (byte offset "), "cut at \(length): \(error)")
        }
    }

    @Test("an unknown string id, a repeated definition, an unknown tag, bad trailer")
    func badRecords() throws {
        var unknown = PSBytes()
        unknown.basics()
        unknown.request(delta: 0, url: 3)
        unknown.end(1)
        let e1 = try Self.error(unknown.bytes)
        #expect(e1.line == 1)
        #expect(e1.message == "record 1 (byte offset 34): unknown url id 3 (1 defined so far)")

        var twice = PSBytes()
        twice.basics()
        twice.define(1, "/a")
        twice.end(0)
        #expect(try Self.error(twice.bytes).message == "record 1 (byte offset 34): url \"/a\" is defined twice (it is already id 0)")
        // Checked at the end record (`RepeatedDefinitions`): a file that ends before it is
        // truncated, whatever it repeated.
        var cut = PSBytes()
        cut.basics()
        cut.define(1, "/a")
        #expect(try Self.error(cut.bytes).message.contains("the file ends without an end record"))

        // Among requests: every request is given, then the error naming the second definition
        // — with requests after it too; an error met on the way (an unknown id after the repeat)
        // is given instead, since the repeat is found at the end.
        for after in ["requests", "unknown id", "nothing"] {
            var late = PSBytes()
            late.basics()
            late.define(1, "/b")
            for k in 0..<5 { late.request(delta: 1, url: UInt64(k % 2)) }
            late.define(1, "/c")
            late.define(1, "/b")
            if after != "nothing" {
                late.request(delta: 1, url: 3)
                late.request(delta: 1, url: 2)
            }
            if after == "unknown id" { late.request(delta: 1, url: 9) }
            late.end(after == "requests" ? 7 : after == "nothing" ? 5 : 8)
            let e = try Self.error(late.bytes)
            if after == "unknown id" {
                #expect(e.line == 8)
                #expect(e.message.hasSuffix("unknown url id 9 (4 defined so far)"), "\(e.message)")
                continue
            }
            #expect(e.line == 6, "\(after)")
            #expect(e.message == "record 6 (byte offset 74): url \"/b\" is defined twice (it is already id 1)", "\(after)")
        }

        // Past the first eight bytes: the scan passes over whole words before it looks at bytes.
        var control = PSBytes()
        control.define(1, "/abcdefgh\u{1}")
        #expect(try Self.error(control.bytes).message == "record 1 (byte offset 12): url string contains control character U+0001 at byte 10")

        var badKind = PSBytes()
        badKind.define(4, "fnot")
        #expect(try Self.error(badKind.bytes).message.hasPrefix("record 1 (byte offset 12): unknown kind \"fnot\""))

        var tag = PSBytes()
        tag.bytes.append(0x7F)
        #expect(try Self.error(tag.bytes).message == "record 1 (byte offset 12): unknown record tag 0x7F")

        var count = PSBytes()
        count.basics()
        count.request(delta: 0, url: 0)
        count.end(5)
        #expect(try Self.error(count.bytes).message == "record 2 (byte offset 40): the end record counts 5 requests but the file holds 1")

        var trailing = PSBytes()
        trailing.end(0)
        trailing.bytes += [0, 0]
        #expect(try Self.error(trailing.bytes).message == "record 1 (byte offset 12): 2 byte(s) after the end record")

        var noEnd = PSBytes()
        noEnd.basics()
        noEnd.request(delta: 0, url: 0)
        #expect(try Self.error(noEnd.bytes).message == "record 2 (byte offset 40): the file ends without an end record (truncated?)")
    }

    @Test("time going backwards is an error naming the record")
    func timeBackwards() throws {
        var e = PSBytes()
        e.basics()
        e.request(delta: 10, url: 0)
        e.bytes.append(0x02)
        e.varint(9)
        e.end(1)
        let error = try Self.error(e.bytes)
        #expect(error.line == 2)
        #expect(error.message == "record 2 (byte offset 40): time record sets 9 µs, earlier than 10 µs of record 1 (time going backwards)")
        #expect(error.description.hasSuffix("bad.pstrace:2: record 2 (byte offset 40): time record sets 9 µs, earlier than 10 µs of record 1 (time going backwards)"))
    }

    @Test("a long string is read across buffer refills")
    func longStrings() throws {
        let dir = TemporaryDirectory()
        let long = "/" + String(repeating: "x", count: 10_000)
        var e = PSBytes()
        e.define(0, "p")
        e.define(4, "font")
        e.define(3, "GET")
        for i in 0..<20 {
            e.define(1, long + "\(i)")
            e.request(delta: 1, url: UInt64(i))
        }
        e.end(20)
        let source = try PopsimTraceSource(path: dir.file("l.pstrace", e.bytes), blockSize: 4096)
        let records = try Self.readAll(source)
        #expect(records.count == 20)
        #expect(source.urls.string(records[19].url) == long + "19")
    }

    // MARK: formats

    @Test("formats are guessed from names, then from the popsim magic, else CSV")
    func guessing() throws {
        let dir = TemporaryDirectory()
        #expect(TraceFormat.byExtension("a/b.csv") == .csv)
        #expect(TraceFormat.byExtension("b.PSTRACE") == .popsim)
        #expect(TraceFormat.byExtension("cluster52.oracleGeneral") == .oracleGeneral)
        #expect(TraceFormat.byExtension("cluster52.oracleGeneral.sample10") == .oracleGeneral)
        #expect(TraceFormat.byExtension("w.oracleGeneral.bin.zst") == .oracleGeneral)
        #expect(TraceFormat.byExtension("t.bin") == .oracleGeneral)
        #expect(TraceFormat.byExtension("trace") == nil)
        var ours = PSBytes()
        ours.end(0)
        #expect(TraceFormat.guess(fromPath: dir.file("trace", ours.bytes)) == .popsim)
        #expect(TraceFormat.guess(fromPath: dir.file("other", "t,pop\n")) == .csv)
        #expect(TraceFormat.guess(fromPath: dir.path + "/missing") == .csv)
    }

    @Test("a missing CSV column is an error naming the line, and the conversion leaves nothing behind")
    func csvMissingColumn() throws {
        let dir = TemporaryDirectory()
        let csv = dir.file("bad.csv", "t,pop,url,origin,kind\n0,p,/a,,font\n1,p,/a,font\n")
        let out = dir.path + "/out.pstrace"
        #expect(throws: TraceCopyError.read(TraceError(file: csv, line: 3, column: nil, message: "expected 5 fields (t,pop,url,origin,kind), found 4"))) {
            try copyTrace(from: try TraceCSVReader(path: csv), to: try PopsimTraceWriter(path: out))
        }
        #expect(dir.listing() == ["bad.csv"])
    }
}

/// The count a progress line takes from a `.pstrace` without reading it: its end record's.
@Test("requestCount reads the end record's count from the file's tail; nil for a damaged tail")
func popsimTraceRequestCount() throws {
    let dir = TemporaryDirectory()
    for count in [0, 1, 5, 127, 128, 300, 16_384, 2_100_000] {
        var e = PSBytes()
        e.basics()
        // Requests of url 0 (its id is 0: a one-byte varint), then the end record with the count.
        for _ in 0..<min(count, 3) { e.request(delta: 1, url: 0) }
        e.end(UInt64(count))
        let path = dir.path + "/t\(count).pstrace"
        try Data(e.bytes).write(to: URL(fileURLWithPath: path))
        #expect(PopsimTraceFormat.requestCount(path: path) == count, "count \(count)")
    }
    // A file cut inside its end record, one whose tail is no end record, and no file at all.
    // (A file cut just after a request ending in a 0 byte does look like one: only reading it
    // tells, and reading reports it; the count serves a progress line only.)
    var cut = PSBytes()
    cut.basics()
    cut.request(delta: 1, url: 0)
    cut.end(300)
    cut.bytes.removeLast()  // 300 is 0xAC 0x02: what is left ends in a continuation byte
    let cutPath = dir.path + "/cut.pstrace"
    try Data(cut.bytes).write(to: URL(fileURLWithPath: cutPath))
    #expect(PopsimTraceFormat.requestCount(path: cutPath) == nil)
    var noEnd = PSBytes()
    noEnd.basics()
    noEnd.request(delta: 1, url: 0)
    noEnd.define(1, "/abc")  // ends in "bc": no varint after a 0x00 tag
    let noEndPath = dir.path + "/noend.pstrace"
    try Data(noEnd.bytes).write(to: URL(fileURLWithPath: noEndPath))
    #expect(PopsimTraceFormat.requestCount(path: noEndPath) == nil)
    #expect(PopsimTraceFormat.requestCount(path: dir.path + "/missing.pstrace") == nil)
    // A real file: what the writer ends with.
    let csv = dir.file("w.csv", "t,pop,url,origin,kind\n0,p,/a,,font\n1,p,/b,,font\n2,p,/a,,font\n")
    let written = dir.path + "/w.pstrace"
    try copyTrace(from: try TraceCSVReader(path: csv), to: try PopsimTraceWriter(path: written))
    #expect(PopsimTraceFormat.requestCount(path: written) == 3)
}

/// `PopsimTraceWriter` skips its URL map while a source's URL ids come in the order the file
/// defines them (every reader popsim has); a source that names them in another order, at the
/// first record or after many in order, must give the same URLs back, and an id the source
/// does not have must be refused either way.
@Test("the .pstrace writer's URLs in and out of the source's order", arguments: [
    [0, 1, 0, 2, 1, 3],                 // in order throughout: no map
    [2, 0, 1, 3, 2],                    // out of order at the first record
    [0, 1, 2, 1, 0, 4, 3, 2, 4, 1],     // in order for three records, then out
])
func writerURLOrder(_ requests: [Int]) throws {
    let names = ["/a", "/b", "/c", "/d", "/e"]
    let dir = TemporaryDirectory()
    let path = dir.path + "/t.pstrace"
    try copyTrace(from: ArraySource(urls: names, requests: requests), to: try PopsimTraceWriter(path: path))
    let back = try PopsimTraceSource(path: path)
    var urls: [String] = []
    while let r = try back.next() { urls.append(back.urls.string(r.url)) }
    #expect(urls == requests.map { names[$0] })
    // The file defines each URL once, before the first record that names it.
    #expect(back.urls.count == Set(requests).count)
}

@Test("the .pstrace writer refuses a URL id its source does not have, in order or not")
func writerUnknownURL() throws {
    let dir = TemporaryDirectory()
    for (requests, bad) in [([0, 1, 2], 3), ([0, 1, 5], 3)] {
        let path = dir.path + "/t\(bad)\(requests.last!).pstrace"
        let writer = try PopsimTraceWriter(path: path)
        let source = ArraySource(urls: ["/a", "/b"], requests: requests)
        #expect(throws: FileWriteError(path: path, message: "record \(bad): url id \(requests.last!) is not in the source's table")) {
            while let r = try source.next() { try writer.write(r, from: source) }
        }
        writer.abort()
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
