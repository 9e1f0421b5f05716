import Testing
import HTTPModel
@testable import Workload

@Suite("CSV traces")
struct TraceCSVTests {
    /// Reads every record, stopping at the first error.
    static func readAll(_ path: String) throws(TraceError) -> (TraceCSVReader, [TraceRecord]) {
        let reader = try TraceCSVReader(path: path)
        var records: [TraceRecord] = []
        while let r = try reader.next() { records.append(r) }
        return (reader, records)
    }

    /// Every column, CRLF line ends, blank lines and quoted fields.
    static let goodText = """
    t,pop,url,origin,kind,method,credentials,bytes\r
    0,hangzhou,https://static.example-cdn.com/fonts/a.woff2,https://www.example.com,font,,,\r
    0.5,frankfurt,/fonts/a.woff2,HTTPS://WWW.EXAMPLE.COM:443,font,GET,include,1024\r
    0.5,hangzhou,https://static.example-cdn.com/img/x.png,,img,HEAD,,0\r
    \r
      \r
    12.000001,hangzhou,"/a,b.css",null,stylesheet-cors,OPTIONS,same-origin,\r
    12.000001,hangzhou,"/a,b.css",https://www.example.com,font,GET,omit,9223372036854775807
    """

    @Test("a good trace with every column, CRLF, blank lines and quoted fields")
    func goodTrace() throws {
        let dir = TemporaryDirectory()
        let (reader, records) = try Self.readAll(dir.file("good.csv", Self.goodText))
        #expect(records.count == 5)
        #expect(reader.recordsRead == 5)
        #expect(reader.columns == ["t", "pop", "url", "origin", "kind", "method", "credentials", "bytes"])
        #expect(records.map(\.time) == [0, 500_000, 500_000, 12_000_001, 12_000_001])
        #expect(records.map(\.line) == [2, 3, 4, 7, 8])
        #expect(records.map { reader.pops.string($0.pop) } == ["hangzhou", "frankfurt", "hangzhou", "hangzhou", "hangzhou"])
        #expect(reader.pops.count == 2)
        #expect(records.map { reader.urls.string($0.url) } == [
            "https://static.example-cdn.com/fonts/a.woff2", "/fonts/a.woff2",
            "https://static.example-cdn.com/img/x.png", "/a,b.css", "/a,b.css",
        ])
        // Two spellings of one origin share an id; the stored form is the serialisation.
        #expect(records.map { $0.origin.map { reader.origins.string($0) } } == [
            "https://www.example.com", "https://www.example.com", nil, "null", "https://www.example.com",
        ])
        #expect(reader.origins.allStrings == ["https://www.example.com", "null"])
        #expect(records.map(\.kind) == [.font, .font, .img, .stylesheetCORS, .font])
        #expect(records.map { reader.methods.string($0.method) } == ["GET", "GET", "HEAD", "OPTIONS", "GET"])
        #expect(reader.methods.allStrings == ["GET", "HEAD", "OPTIONS"])
        #expect(records.map(\.credentials) == [nil, .include, nil, .sameOrigin, .omit])
        #expect(records.map(\.bytes) == [nil, 1024, 0, nil, .max])
    }

    @Test("columns in any order; optional ones default")
    func minimalColumns() throws {
        let dir = TemporaryDirectory()
        let (reader, records) = try Self.readAll(dir.file("min.csv", "kind,origin,url,pop,t\nfont,https://a.com,/f.woff2,p1,3\n"))
        let r = try #require(records.first)
        #expect(records.count == 1)
        #expect(r == TraceRecord(time: 3_000_000, pop: 0, url: 0, origin: 0, kind: .font, method: 0,
                                 credentials: nil, bytes: nil, line: 2))
        #expect(reader.methods.string(r.method) == "GET")
    }

    @Test("a header-only file has no records; a UTF-8 byte order mark is skipped")
    func headerOnly() throws {
        let dir = TemporaryDirectory()
        let (reader, records) = try Self.readAll(dir.file("h.csv", [0xEF, 0xBB, 0xBF] + Array("t,pop,url,origin,kind".utf8)))
        #expect(records.isEmpty)
        #expect(reader.columns.first == "t")
    }

    @Test("after a bad line the reader goes on with the next one")
    func resumes() throws {
        let dir = TemporaryDirectory()
        let reader = try TraceCSVReader(path: dir.file("r.csv", "t,pop,url,origin,kind\n1,p,/a,,font\n2,p,/b,a.com,font\n2,p,/b,a.com,font\n3,p,/c,,img\n"))
        #expect(try reader.next()?.line == 2)
        for line in [3, 4] {
            #expect(throws: TraceError(file: reader.path, line: line, column: "origin",
                                       message: "\"a.com\" is not a serialised origin: no scheme (expected scheme://host)")) {
                try reader.next()
            }
        }
        let last = try #require(try reader.next())
        #expect((last.line, reader.urls.string(last.url)) == (5, "/c"))
        #expect(reader.urls.allStrings == ["/a", "/c"])
        #expect(try reader.next() == nil)
    }

    @Test("an error reads as file:line: column 'name': message")
    func description() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("x.csv", "t,pop,url,origin,kind\n1,p,/a,https://a.com/fonts,font\n")
        do {
            _ = try Self.readAll(path)
            Issue.record("accepted an origin with a path")
        } catch {
            #expect(error.description == "\(path):2: column 'origin': \"https://a.com/fonts\" is not a serialised origin: an origin has no path, query or fragment")
        }
        #expect(TraceError(file: "t.csv", line: 0, column: nil, message: "empty").description == "t.csv: empty")
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let name: String
        let body: [UInt8]
        let line: Int
        let column: String?
        let message: String
        var testDescription: String { name }
    }

    static let header = "t,pop,url,origin,kind\n"
    static func bad(_ name: String, _ body: String, _ line: Int, _ column: String?, _ message: String) -> Bad {
        Bad(name: name, body: Array(body.utf8), line: line, column: column, message: message)
    }
    static func bad(_ name: String, bytes: [UInt8], _ line: Int, _ column: String?, _ message: String) -> Bad {
        Bad(name: name, body: bytes, line: line, column: column, message: message)
    }
    static let h = header

    static let badTraces: [Bad] = [
        bad("empty file", "", 0, nil, "empty file (expected a header row such as t,pop,url,origin,kind)"),
        bad("blank lines only", "\n  \n", 0, nil, "empty file (expected a header row such as t,pop,url,origin,kind)"),
        bad("missing header column", "t,pop,url,origin\n0,p,/a,\n", 1, "kind",
            "required column missing from the header (missing: kind; required: t,pop,url,origin,kind)"),
        bad("no header row", "0,p,/a,,font\n", 1, "0",
            "unknown column in the header (known columns: t, pop, url, origin, kind, method, credentials, bytes)"),
        bad("unknown column", "t,pop,url,origin,kind,headers\n", 1, "headers",
            "unknown column in the header (known columns: t, pop, url, origin, kind, method, credentials, bytes)"),
        bad("column name with a space", "\nt, pop,url,origin,kind\n", 2, " pop",
            "unknown column in the header (known columns: t, pop, url, origin, kind, method, credentials, bytes)"),
        bad("duplicated column", "t,pop,url,origin,kind,t\n", 1, "t", "column appears twice in the header (fields 1 and 6)"),
        bad("unterminated quote in header", "t,\"pop,url\n", 1, nil, "header: unterminated quote at byte 3"),
        bad("too many fields", h + "0,p,/a,,font,x\n", 2, nil, "expected 5 fields (t,pop,url,origin,kind), found 6"),
        bad("too few fields", h + "0,p,/a,,font\n1,p,/a,font\n", 3, nil, "expected 5 fields (t,pop,url,origin,kind), found 4"),
        bad("bad t", h + "1.5s,p,/a,,font\n", 2, "t", "\"1.5s\" is not a time (expected decimal seconds such as 12, 12.5 or 0.000001)"),
        bad("exponent t", h + "1e3,p,/a,,font\n", 2, "t", "\"1e3\" is not a time (expected decimal seconds such as 12, 12.5 or 0.000001)"),
        bad("empty t", h + ",p,/a,,font\n", 2, "t", "empty (expected decimal seconds such as 12, 12.5 or 0.000001)"),
        bad("negative t", h + "-1,p,/a,,font\n", 2, "t", "\"-1\" is negative (times are seconds from the trace's start)"),
        bad("too-fine t", h + "0.0000015,p,/a,,font\n", 2, "t", "\"0.0000015\" is finer than a microsecond"),
        bad("time going backwards", h + "5,p,/a,,font\n\n4.5,p,/a,,font\n", 4, "t",
            "\"4.5\" is earlier than 5 on line 2 (a trace must be in time order)"),
        bad("bad origin", h + "0,p,/a,htp//a.com,font\n", 2, "origin",
            "\"htp//a.com\" is not a serialised origin: no scheme (expected scheme://host)"),
        bad("origin with path", h + "0,p,/a,https://a.com/page.html,font\n", 2, "origin",
            "\"https://a.com/page.html\" is not a serialised origin: an origin has no path, query or fragment"),
        bad("origin with trailing slash", h + "0,p,/a,https://a.com/,font\n", 2, "origin",
            "\"https://a.com/\" is not a serialised origin: trailing '/' (an origin has no path)"),
        bad("origin with bad port", h + "0,p,/a,https://a.com:99999,font\n", 2, "origin",
            "\"https://a.com:99999\" is not a serialised origin: invalid port"),
        bad("unknown kind", h + "0,p,/a,,woff\n", 2, "kind",
            "unknown kind \"woff\" (expected one of: \(ResourceKind.allCases.map(\.rawValue).joined(separator: ", ")))"),
        bad("bad credentials", "t,pop,url,origin,kind,credentials\n0,p,/a,,font,always\n", 2, "credentials",
            "\"always\" is not a credentials mode (expected omit, same-origin, include, or empty for the kind's default)"),
        bad("negative bytes", "bytes,t,pop,url,origin,kind\n-5,0,p,/a,,font\n", 2, "bytes",
            "\"-5\" is negative (expected a size in bytes, or empty)"),
        bad("fractional bytes", "t,pop,url,origin,kind,bytes\n0,p,/a,,font,1.5\n", 2, "bytes",
            "\"1.5\" is not a whole number of bytes (expected digits only, or empty)"),
        bad("bytes with a unit", "t,pop,url,origin,kind,bytes\n0,p,/a,,font,2KB\n", 2, "bytes",
            "\"2KB\" is not a whole number of bytes (expected digits only, or empty)"),
        bad("bad method", "t,pop,url,origin,kind,method\n0,p,/a,,font,GE(T\n", 2, "method",
            "\"GE(T\" is not an HTTP method (a token of letters, digits and !#$%&'*+-.^_`|~)"),
        bad("relative url without slash", h + "0,p,fonts/a.woff2,,font\n", 2, "url",
            "\"fonts/a.woff2\" is neither an absolute http(s) URL nor a path starting with '/'"),
        bad("ftp url", h + "0,p,ftp://a.com/x,,font\n", 2, "url",
            "\"ftp://a.com/x\" is neither an absolute http(s) URL nor a path starting with '/'"),
        bad("scheme-relative url", h + "0,p,//cdn.com/x,,font\n", 2, "url",
            "\"//cdn.com/x\" starts with '//' (write the scheme: https://host/path)"),
        bad("url without host", h + "0,p,https:///x,,font\n", 2, "url",
            "\"https:///x\" has an invalid scheme, host or port: empty host"),
        bad("url with a bad port after valid ones of another authority", h + "0,p,https://a.com/x,,font\n1,p,https://a.com?q,,font\n2,p,https://a.com:99999/y,,font\n", 4, "url",
            "\"https://a.com:99999/y\" has an invalid scheme, host or port: invalid port"),
        bad("url with a space", h + "0,p,/a b,,font\n", 2, "url", "\"/a b\" contains a space at byte 3 (write it as %20)"),
        bad("empty url", h + "0,p,,,font\n", 2, "url", "empty (expected an absolute http(s) URL or a path starting with '/')"),
        bad("empty pop", h + "0,,/a,,font\n", 2, "pop", "empty (every request needs a POP id)"),
        bad("unterminated quote", h + "0,p,\"/a,,font\n", 2, "url", "unterminated quote at byte 5 of the line"),
        bad("text after a closing quote", h + "0,\"p\"x,/a,,font\n", 2, "pop",
            "unexpected character after closing quote (expected ',' or end of line) at byte 6 of the line"),
        bad("non-UTF-8 bytes", bytes: Array(h.utf8) + [0x30, 0x2C, 0x70, 0xFF, 0x2C, 0x2F, 0x61, 0x2C, 0x2C, 0x66, 0x6F, 0x6E, 0x74], 2, "pop",
            "not valid UTF-8 (byte 0xFF at byte 2 of the field)"),
        bad("non-UTF-8 in url after good lines", bytes: Array((h + "0,p,/a,,font\n").utf8) + Array("1,p,/caf".utf8) + [0xE9] + Array(",,font\n".utf8), 3, "url",
            "not valid UTF-8 (byte 0xE9 at byte 5 of the field)"),
        bad("NUL byte", bytes: Array((h + "0,p,/a").utf8) + [0] + Array("b,,font\n".utf8), 2, "url",
            "\"/a\\u0000b\" contains control character U+0000 at byte 3"),
        bad("tab in origin", h + "0,p,/a,https://a.com\t,font\n", 2, "origin",
            "\"https://a.com\\t\" contains control character U+0009 at byte 14"),
    ]

    @Test("the part of a URL an origin is parsed from, for printable-ASCII URLs only", arguments: [
        ("https://a.com/x?y", "https://a.com"), ("https://a.com?q=/", "https://a.com"), ("http://a.com:8080#f", "http://a.com:8080"),
        ("https://a.com", "https://a.com"), ("HTTPS://A.com/", "HTTPS://A.com"), ("/path", nil), ("https:/a.com/x", nil),
        ("https://é.com/x", nil), ("https://a b/x", nil),
    ] as [(String, String?)])
    func printableAuthority(url: String, expected: String?) {
        let got = Array(url.utf8).withUnsafeBytes { LineState.printableAuthority($0).map { String(decoding: $0, as: UTF8.self) } }
        #expect(got == expected)
    }

    @Test("bad traces fail at the right line and column", arguments: badTraces)
    func badTrace(_ bad: Bad) {
        let dir = TemporaryDirectory()
        let path = dir.file("bad.csv", bad.body)
        #expect(throws: TraceError(file: path, line: bad.line, column: bad.column, message: bad.message)) {
            _ = try Self.readAll(path)
        }
    }

    @Test("a directory or a missing file is refused, naming it")
    func notAFile() {
        let dir = TemporaryDirectory()
        #expect(throws: TraceError(file: dir.path, line: 0, column: nil, message: "is a directory, not a file")) {
            try TraceCSVReader(path: dir.path)
        }
        #expect(throws: TraceError(file: dir.path + "/none.csv", line: 0, column: nil, message: "no such file or directory")) {
            try TraceCSVReader(path: dir.path + "/none.csv")
        }
    }

    @Test("URLs come back right across the reader's look-ahead batches: a thousand distinct, some quoted, CRLF and blank lines, url not the first column")
    func lookAhead() throws {
        let dir = TemporaryDirectory()
        var text = "kind,url,t,pop,origin\n"
        var expected: [String] = []
        for i in 0..<3_000 {
            let url = "https://cdn.example.com/o/\((i * 7919) % 1013)"
            let field = i % 17 == 0 ? "\"\(url)\"" : url
            text += "font,\(field),\(i),p,https://a.example.com" + (i % 5 == 0 ? "\r\n" : "\n")
            if i % 50 == 0 { text += "\n" }
            expected.append(url)
        }
        let (reader, records) = try Self.readAll(dir.file("ahead.csv", text))
        #expect(records.map { reader.urls.string($0.url) } == expected)
        #expect(reader.urls.count == 1013)
    }

    @Test("a large trace streams with few distinct values")
    func streaming() throws {
        let dir = TemporaryDirectory()
        var text = "t,pop,url,origin,kind,bytes\n"
        for i in 0..<20_000 {
            text += "\(i / 10).\(i % 10),pop\(i % 4),https://cdn.example.com/f/\(i % 50).woff2,https://site\(i % 3).example.com,font,\(i)\n"
        }
        let (reader, records) = try Self.readAll(dir.file("big.csv", text))
        #expect(records.count == 20_000)
        #expect((reader.pops.count, reader.urls.count, reader.origins.count) == (4, 50, 3))
        #expect(records.last?.time == 1_999_900_000)
        #expect(records.last?.bytes == 19_999)
    }

    // MARK: - In columns (`nextRequests`)

    /// Reads every record through `nextRequests` with batches of `capacity` rows, stopping at the
    /// first error, each row made a record again (its line: the batch's first plus its place).
    /// Also checks the batches' contract: after the first row, no row names a POP, origin or
    /// method the reader did not have before the call (`RequestColumnSource`).
    static func readAllInColumns(_ path: String, capacity: Int) throws(TraceError) -> (TraceCSVReader, [TraceRecord]) {
        let reader = try TraceCSVReader(path: path)
        let columns = RequestColumns(capacity: capacity)
        var records: [TraceRecord] = []
        while true {
            let before = (pops: reader.pops.count, origins: reader.origins.count, methods: reader.methods.count)
            let n = try reader.nextRequests(into: columns)
            if n == 0 { break }
            #expect(n == columns.count && n <= capacity)
            // Only the first row may have taken in a value (ids are dense, in first-seen order).
            #expect(reader.pops.count <= before.pops + 1 && reader.origins.count <= before.origins + 1
                    && reader.methods.count <= before.methods + 1)
            for i in 0..<n {
                if i > 0 {
                    #expect((Int(columns.pop[i]) < before.pops || columns.pop[i] == columns.pop[0])
                            && (Int(columns.originPlus1[i]) <= before.origins || columns.originPlus1[i] == columns.originPlus1[0])
                            && (Int(columns.method[i]) < before.methods || columns.method[i] == columns.method[0]),
                            "row \(i) of a batch names a POP, origin or method its first row did not bring")
                }
                #expect(Int(columns.urlsDefined[i]) > Int(columns.url[i]) && Int(columns.urlsDefined[i]) <= reader.urls.count)
                records.append(TraceRecord(time: columns.time[i], pop: columns.pop[i], url: columns.url[i],
                                           origin: columns.originPlus1[i] == 0 ? nil : columns.originPlus1[i] - 1,
                                           kind: ResourceKind.allCases[Int(columns.kind[i])], method: columns.method[i],
                                           credentials: columns.credentialsPlus1[i] == 0 ? nil : CredentialsMode.allCases[Int(columns.credentialsPlus1[i]) - 1],
                                           bytes: columns.bytes[i] < 0 ? nil : columns.bytes[i], line: columns.firstRecord + i))
            }
        }
        return (reader, records)
    }

    /// The records (or the error) of `path`, by `next()` and in columns of several sizes: the same.
    static func expectSameInColumns(_ path: String, _ what: String) {
        let byRecord = Result { () throws(TraceError) in try readAll(path) }
        for capacity in [1, 2, 3, 7, 256] {
            let inColumns = Result { () throws(TraceError) in try readAllInColumns(path, capacity: capacity) }
            switch (byRecord, inColumns) {
            case let (.success(a), .success(b)):
                #expect(a.1 == b.1, "\(what), batches of \(capacity)")
                #expect(a.0.urls.allStrings == b.0.urls.allStrings && a.0.pops.allStrings == b.0.pops.allStrings
                        && a.0.origins.allStrings == b.0.origins.allStrings && a.0.methods.allStrings == b.0.methods.allStrings,
                        "\(what), batches of \(capacity): interners")
                #expect(b.0.recordsRead == a.0.recordsRead)
            case let (.failure(a), .failure(b)):
                #expect(a == b, "\(what), batches of \(capacity)")
            default:
                Issue.record("\(what), batches of \(capacity): \(byRecord) by record, \(inColumns) in columns")
            }
        }
    }

    @Test("in columns, the records next() gives: every column, CRLF, blank lines, quotes; new POPs, origins and methods mid-batch; look-ahead batches")
    func inColumns() {
        let dir = TemporaryDirectory()
        Self.expectSameInColumns(dir.file("good.csv", Self.goodText), "the good trace")
        var mixed = "url,t,pop,origin,kind,method,bytes\n"
        for i in 0..<2_000 {
            let url = "https://cdn.example.com/o/\((i * 7919) % 613)"
            mixed += (i % 17 == 0 ? "\"\(url)\"" : url) + ",\(i / 4).\(i % 4 * 25),p\(i % (1 + i / 300)),"
                + "https://s\(i % (1 + i / 500)).example.com,font,\(["GET", "HEAD", "PUT"][i % (1 + min(2, i / 700))]),\(i % 3 == 0 ? "" : "\(i)")"
                + (i % 5 == 0 ? "\r\n" : "\n")
            if i % 50 == 0 { mixed += "\n" }
        }
        Self.expectSameInColumns(dir.file("mixed.csv", mixed), "new values throughout")
        // Past the line reader's 1 MiB buffer, several times: the look-ahead's lines and the
        // buffer's refills interleave (a line split ahead is never taken from a refilled buffer).
        var long = "t,pop,url,origin,kind,bytes\n"
        for i in 0..<30_000 {
            let pad = String(repeating: "x", count: i % 97)
            long += "\(i),p\(i % 3),https://cdn.example.com/\(pad)/o\((i * 7919) % 2_003),https://a.example.com,font,\(i)" + (i % 13 == 0 ? "\r\n" : "\n")
            if i % 1_000 == 999 { long += "\n" }
        }
        #expect(long.utf8.count > 3 << 20)
        Self.expectSameInColumns(dir.file("long.csv", long), "across buffer refills")
    }

    @Test("in columns, a bad trace fails at the same line and column, after the good rows", arguments: badTraces)
    func badInColumns(_ bad: Bad) {
        let dir = TemporaryDirectory()
        let good = (0..<9).map { "0,p,/g\($0),,font\n" }.joined()
        // The bad line after good rows: in the middle of a batch (a header error stays one).
        let body = bad.line >= 2 && bad.body.starts(with: Array(Self.header.utf8))
            ? Array(Self.header.utf8) + Array(good.utf8) + bad.body.dropFirst(Self.header.utf8.count) : bad.body
        Self.expectSameInColumns(dir.file("bad.csv", body), bad.name)
    }

    @Test("a line split eight bytes at a time: each field's range, the count, and a quote anywhere sent to the full splitter",
          arguments: [
            ("", [""]), (",", ["", ""]), ("a", ["a"]), ("abcdefg,", ["abcdefg", ""]), ("abcdefgh", ["abcdefgh"]),
            ("abcdefgh,", ["abcdefgh", ""]), (",,,,,,,,,", Array(repeating: "", count: 10)),
            ("0.5,p1,https://static.example-cdn.com/f1.woff2,https://www.example.com,font,GET,,100",
             ["0.5", "p1", "https://static.example-cdn.com/f1.woff2", "https://www.example.com", "font", "GET", "", "100"]),
          ])
    func splitPlain(line: String, fields: [String]) {
        let bytes = Array(line.utf8)
        for room in [fields.count, max(0, fields.count - 2), fields.count + 3] {
            var ranges = Array(repeating: -1 ..< -1, count: room)
            let found = bytes.withUnsafeBytes { raw in ranges.withUnsafeMutableBufferPointer { LineState.splitPlain(raw, into: $0) } }
            #expect(found == fields.count, "\(line), room for \(room)")
            let shown = min(room, fields.count)
            #expect(ranges.prefix(shown).map { String(decoding: bytes[$0], as: UTF8.self) } == Array(fields.prefix(shown)), "\(line)")
            #expect(ranges.dropFirst(shown).allSatisfy { $0 == -1 ..< -1 }, "no range written past the fields")
        }
        // A quote at every place, in a word and in the tail: never split here.
        for at in 0...bytes.count {
            var quoted = bytes
            quoted.insert(UInt8(ascii: "\""), at: at)
            var ranges = Array(repeating: 0..<0, count: 8)
            #expect(quoted.withUnsafeBytes { raw in ranges.withUnsafeMutableBufferPointer { LineState.splitPlain(raw, into: $0) } } == -1)
        }
    }

    @Test("sizes and times in their common forms and past them: digits up to 18 read directly, more by the general parser; decimals scaled")
    func numbers() throws {
        let dir = TemporaryDirectory()
        let text = String(Self.header.dropLast()) + ",bytes\n" + """
        0.000001,p,/a,,font,007
        0.5,p,/a,,font,123456789012345678
        1.000001,p,/a,,font,1234567890123456789
        12.12345,p,/a,,font,0
        12.123456,p,/a,,font,9223372036854775807
        99,p,/a,,font,

        """
        let (_, records) = try Self.readAll(dir.file("numbers.csv", text))
        #expect(records.map(\.time) == [1, 500_000, 1_000_001, 12_123_450, 12_123_456, 99_000_000])
        #expect(records.map(\.bytes) == [7, 123_456_789_012_345_678, 1_234_567_890_123_456_789, 0, .max, nil])
        for (field, message) in [("12.5", "\"12.5\" is not a whole number of bytes (expected digits only, or empty)"),
                                 ("-1", "\"-1\" is negative (expected a size in bytes, or empty)"),
                                 ("9223372036854775808", "\"9223372036854775808\" is too large"),
                                 ("1e3", "\"1e3\" is not a whole number of bytes (expected digits only, or empty)")] {
            let path = dir.file("bad-bytes.csv", String(Self.header.dropLast()) + ",bytes\n0,p,/a,,font,\(field)\n")
            #expect(throws: TraceError(file: path, line: 2, column: "bytes", message: message)) { _ = try Self.readAll(path) }
        }
    }
}
