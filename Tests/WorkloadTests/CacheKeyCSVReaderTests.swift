import Foundation
import Testing
import TestSupport
@testable import Workload

/// Every request of `path` through the fast reader: (URL, size or nil).
private func readAll(_ path: String, batch: Int = 64) throws -> [(String, Int64?)] {
    let reader = try CacheKeyCSVReader(path: path)
    let objects = UnsafeMutablePointer<Int>.allocate(capacity: 64)
    let sizes = UnsafeMutablePointer<Int64>.allocate(capacity: 64)
    defer { objects.deallocate(); sizes.deallocate() }
    var out: [(String, Int64?)] = []
    var numbers: [String: Int] = [:]
    while true {
        let n = try reader.nextBatch(objects: objects, sizes: sizes, limit: batch)
        if n == 0 { break }
        for j in 0..<n {
            let url = reader.url(objects[j])
            // Numbers are dense, in order of first appearance, and stable.
            if let known = numbers[url] { #expect(known == objects[j]) } else {
                #expect(objects[j] == numbers.count)
                numbers[url] = objects[j]
            }
            out.append((url, sizes[j] < 0 ? nil : sizes[j]))
        }
    }
    return out
}

/// The same through the full reader.
private func readAllFull(_ path: String) throws -> [(String, Int64?)] {
    let reader = try TraceCSVReader(path: path)
    var out: [(String, Int64?)] = []
    while let r = try reader.next() { out.append((reader.urls.string(r.url), r.bytes)) }
    return out
}

@Suite("CacheKeyCSVReader")
struct CacheKeyCSVReaderTests {
    @Test("reads the url and bytes columns as the full reader does: quotes, CRLF, blank lines, a BOM, columns in any order")
    func agreesWithFullReader() throws {
        let dir = try makeTemporaryDirectory()
        let text = "\u{FEFF}bytes,t,pop,url,origin,kind\r\n" +
            "10,0,p,/a,,font\r\n" +
            "\r\n" +
            ",1,p,https://static.example.com/b?x=1,,img\n" +
            "7,2,p,\"/c,d\",https://www.example.com,font\n" +
            "   \n" +
            "0,3,p,/a,,font\n" +
            "123456789012,4,p,/a%20b,,font"
        let path = try writeFile(dir, "t.csv", text)
        let fast = try readAll(path)
        let full = try readAllFull(path)
        #expect(fast.map(\.0) == full.map(\.0))
        #expect(fast.map(\.1) == full.map(\.1))
        #expect(fast.map(\.0) == ["/a", "https://static.example.com/b?x=1", "/c,d", "/a", "/a%20b"])
    }

    @Test("long traces: batches end at buffer boundaries and at quoted lines without losing order (seed 3)")
    func longTrace() throws {
        let dir = try makeTemporaryDirectory()
        var rng = SplitMix64(seed: 3)
        var text = "t,pop,url,origin,kind,method,credentials,bytes\n"
        for i in 0..<120_000 {
            let o = rng.next() % 5_000
            let url = o % 97 == 0 ? "\"/q/o\(o),x\"" : "https://static.example-cdn.com/img/o\(o).jpg"
            text += "\(i),p,\(url),,img,GET,,\(o % 13 == 0 ? "" : String(o * 7))\n"
        }
        let path = try writeFile(dir, "t.csv", text)
        for batch in [1, 7, 64] {
            let fast = try readAll(path, batch: batch)
            let full = try readAllFull(path)
            #expect(fast.count == 120_000)
            #expect(fast.map(\.0) == full.map(\.0), "batch \(batch)")
            #expect(fast.map(\.1) == full.map(\.1), "batch \(batch)")
        }
    }

    @Test("bad lines are errors naming the line and column", arguments: [
        ("t,pop,url,origin,kind\n0,p,/a,,font\n1,p,/a,font\n", "t.csv:3: expected 5 fields (t,pop,url,origin,kind), found 4"),
        ("t,pop,url,origin,kind,bytes\n0,p,/a,,font,12x\n", "t.csv:2: column 'bytes': \"12x\" is not a whole number of bytes"),
        ("t,pop,url,origin,kind,bytes\n0,p,/a,,font,-1\n", "t.csv:2: column 'bytes': \"-1\" is negative"),
        ("t,pop,url,origin,kind\n0,p,/a,,font\n0,p,a.html,,font\n", "t.csv:3: column 'url': \"a.html\" is neither an absolute http(s) URL nor a path starting with '/'"),
        ("t,pop,url,origin,kind\n0,p,/a b,,font\n", "t.csv:2: column 'url': \"/a b\" contains a space at byte 3"),
        ("t,pop,url,origin,kind\n0,p,,,font\n", "t.csv:2: column 'url': empty"),
        ("t,pop,url,origin,kind\n0,p,\"/a,,font\n", "t.csv:2: column 'url': unterminated quote"),
        ("t,pop,origin,kind\n", "t.csv:1: column 'url': required column missing from the header"),
    ])
    func badLines(_ text: String, _ message: String) throws {
        let dir = try makeTemporaryDirectory()
        let path = try writeFile(dir, "t.csv", text)
        do {
            _ = try readAll(path)
            Issue.record("expected an error: \(message)")
        } catch {
            #expect("\(error)".hasSuffix(String(message.dropFirst(5))) || "\(error)".contains(message.dropFirst(5)), "\(error)")
            #expect("\(error)".hasPrefix(path + ":"), "\(error)")
        }
    }
}
