import Foundation
import Testing
import HTTPModel
import TestSupport
@testable import Workload

@Suite("Importer: the CSV trace writer")
struct ImporterCSVWriterTests {
    /// A trace in the writer's canonical form: every column, t in shortest form, quoting only where needed.
    static let canonical = #"""
    t,pop,url,origin,kind,method,credentials,bytes
    0,hangzhou,https://static.example-cdn.com/fonts/a.woff2,https://www.example.com,font,GET,,48213
    0.000001,frankfurt,/fonts/a.woff2,,img,HEAD,include,
    0.5,hangzhou,"https://static.example-cdn.com/a,b.css?x=""y""",null,stylesheet-cors,GET,same-origin,0
    12,"pop, with comma",https://static.example-cdn.com/%E6%80%9D.woff2,https://shop.example.com:8443,fetch-credentials,OPTIONS,omit,9223372036854775807
    12.25,hangzhou,https://static.example-cdn.com/fonts/a.woff2,https://www.example.com,other,GET,,1
    86400.123456,frankfurt,/é,,video,GET,,

    """#

    @Test("CSV → reader → writer gives identical bytes")
    func roundTrip() throws {
        let dir = TemporaryDirectory()
        let input = dir.file("in.csv", Self.canonical)
        let reader = try TraceCSVReader(path: input)
        let writer = try TraceCSVWriter(path: dir.path + "/out.csv")
        while let r = try reader.next() { try writer.write(r, from: reader) }
        #expect(dir.listing() == ["in.csv", ".out.csv.tmp-\(ProcessInfo.processInfo.processIdentifier)"].sorted())
        try writer.commit()
        #expect(writer.recordsWritten == 6)
        let out = try String(contentsOfFile: dir.path + "/out.csv", encoding: .utf8)
        #expect(out == Self.canonical)
    }

    @Test("strings that need quoting and strings that do not, each written again and again, interleaved: the same bytes back (the writer quotes the first kind once and writes the second from the reader's texts)")
    func repeatedStrings() throws {
        let dir = TemporaryDirectory()
        var text = "t,pop,url,origin,kind,method,credentials,bytes\n"
        let urls = [#""/a,b.css?x=""y""""#, "/plain.woff2", #""/line""break""#, "/other.png"]
        let pops = [#""pop, one""#, "p2"]
        for i in 0..<200 {
            text += "\(i),\(pops[i % 2]),\(urls[(i * 7) % 4]),,font,GET,,\(i)\n"
        }
        let input = dir.file("in.csv", text)
        let reader = try TraceCSVReader(path: input)
        let writer = try TraceCSVWriter(path: dir.path + "/out.csv")
        while let r = try reader.next() { try writer.write(r, from: reader) }
        try writer.commit()
        #expect(try String(contentsOfFile: dir.path + "/out.csv", encoding: .utf8) == text)
    }

    @Test("a non-canonical trace reads back to the same records after writing")
    func recordsSurvive() throws {
        let dir = TemporaryDirectory()
        let input = dir.file("in.csv", "kind,url,t,origin,pop\r\nfont,/a.woff2,1.500000,HTTPS://A.com:443,p\r\nimg,/b.png,2,,q\r\n")
        let (first, records) = try TraceCSVTests.readAll(input)
        let writer = try TraceCSVWriter(path: dir.path + "/out.csv")
        for r in records { try writer.write(r, from: first) }
        try writer.commit()
        let (second, again) = try TraceCSVTests.readAll(dir.path + "/out.csv")
        #expect(again.map(\.time) == records.map(\.time))
        #expect(again.map { second.urls.string($0.url) } == ["/a.woff2", "/b.png"])
        #expect(again.map { $0.origin.map { second.origins.string($0) } } == ["https://a.com", nil])
        #expect(try String(contentsOfFile: dir.path + "/out.csv", encoding: .utf8)
            == "t,pop,url,origin,kind,method,credentials,bytes\n1.5,p,/a.woff2,https://a.com,font,GET,,\n2,q,/b.png,,img,GET,,\n")
    }

    @Test("records from two sources keep their own names")
    func twoSources() throws {
        let dir = TemporaryDirectory()
        let a = try TraceCSVReader(path: dir.file("a.csv", "t,pop,url,origin,kind\n0,p1,/x,,font\n2,p1,/z,,font\n"))
        let b = try TraceCSVReader(path: dir.file("b.csv", "t,pop,url,origin,kind\n1,p2,/y,https://o.com,img\n3,p2,/w,,img\n"))
        let writer = try TraceCSVWriter(path: dir.path + "/out.csv")
        // Back and forth: each source's names (its ids 0 and 1) are its own, new ones after a switch too.
        try writer.write(try #require(try a.next()), from: a)
        try writer.write(try #require(try b.next()), from: b)
        try writer.write(try #require(try a.next()), from: a)
        try writer.write(try #require(try b.next()), from: b)
        try writer.commit()
        #expect(try String(contentsOfFile: dir.path + "/out.csv", encoding: .utf8)
            == "t,pop,url,origin,kind,method,credentials,bytes\n0,p1,/x,,font,GET,,\n1,p2,/y,https://o.com,img,GET,,\n"
               + "2,p1,/z,,font,GET,,\n3,p2,/w,,img,GET,,\n")
    }

    @Test("a record earlier than the previous one is refused; abort leaves nothing")
    func order() throws {
        let dir = TemporaryDirectory()
        let reader = try TraceCSVReader(path: dir.file("a.csv", "t,pop,url,origin,kind\n5,p,/x,,font\n6,p,/x,,font\n"))
        let r1 = try #require(try reader.next()), r2 = try #require(try reader.next())
        let writer = try TraceCSVWriter(path: dir.path + "/out.csv")
        try writer.write(r2, from: reader)
        #expect(throws: FileWriteError.self) { try writer.write(r1, from: reader) }
        writer.abort()
        #expect(dir.listing() == ["a.csv"])
    }

    @Test("each shipped sample log, imported, written and read back as a trace: the same records", arguments: [
        (true, "nginx-combined.log", AccessLogFormat.nginxCombined, 20), (false, "nginx-combined.log", .nginxCombined, 20),
        (false, "alibaba-cdn.log", .alibabaCDN, 16), (false, "cloudfront.log", .cloudfront, 15),
    ])
    func importedLogRoundTrip(_ withSite: Bool, _ name: String, _ format: AccessLogFormat, _ count: Int) throws {
        let dir = TemporaryDirectory()
        let log = repoPath("scenarios/logs/" + name)
        let opts = options { if withSite { $0.site = site } }
        let rows = try readRows(try format.open(paths: [log], options: opts))
        #expect(rows.count == count)
        let again = try format.open(paths: [log], options: opts)
        let writer = try TraceCSVWriter(path: dir.path + "/trace.csv")
        while let r = try again.next() { try writer.write(r, from: again) }
        try writer.commit()
        let reader = try TraceCSVReader(path: dir.path + "/trace.csv")
        #expect(try readRows(reader) == rows)
    }
}
