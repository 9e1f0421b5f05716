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

    // The reader splits lines eight bytes at a time, finding commas, quotes and line ends in
    // the same word: these tests put each of them at every position of a word.

    /// Lines of every length from 13 to 37 bytes, each starting wherever the previous one
    /// ended, so that fields, quotes and line ends fall at every byte of a word; LF or CRLF,
    /// blank lines of 0–9 spaces between, some URLs quoted. `shift` blank lines after the
    /// header move everything by that many bytes.
    private static func wordBoundaryTrace(seed: UInt64, shift: Int) -> String {
        var rng = SplitMix64(seed: seed)
        var text = "t,pop,url,origin,kind,bytes\n" + String(repeating: "\n", count: shift)
        for i in 0..<400 {
            let digits = Int(rng.next() % 4) // the size: none, or 1–3 digits
            let size = digits == 0 ? "" : String(String(100 + rng.next() % 900).prefix(digits))
            let urlLength = 2 + Int(rng.next() % 17)
            var url = "/" + String(repeating: "x", count: urlLength - 1)
            if rng.next() % 11 == 0 { url = "\"" + url + ",y\"" }
            let end = rng.next() % 2 == 0 ? "\n" : "\r\n"
            text += "\(i),p,\(url),,font,\(size)\(end)"
            if rng.next() % 7 == 0 { text += String(repeating: " ", count: Int(rng.next() % 10)) + end }
        }
        return text
    }

    @Test("commas, quotes, CR and LF at every byte of a word, lines of 13–37 bytes: as the full reader reads them", arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func wordBoundaries(seed: UInt64) throws {
        let dir = try makeTemporaryDirectory()
        // The same lines moved by 0–7 bytes, so that each starts at every offset of a word too;
        // and without the last line end.
        for shift in 0..<8 {
            let text = Self.wordBoundaryTrace(seed: seed, shift: shift)
            for variant in [text, String(text.dropLast())] {
                let path = try writeFile(dir, "t.csv", variant)
                let full = try readAllFull(path)
                for batch in [1, 3, 64] {
                    let fast = try readAll(path, batch: batch)
                    #expect(fast.map(\.0) == full.map(\.0), "seed \(seed) shift \(shift) batch \(batch)")
                    #expect(fast.map(\.1) == full.map(\.1), "seed \(seed) shift \(shift) batch \(batch)")
                }
            }
        }
    }

    @Test("a line of 1–17 bytes at every offset of a word: blank lines are skipped, others are short of fields")
    func shortLines() throws {
        let dir = try makeTemporaryDirectory()
        for padding in 0..<8 {
            let header = "t,pop,url,origin,kind" + String(repeating: "\n", count: padding + 1)
            for length in 1...17 {
                for blank in [true, false] {
                    let body = blank ? String(repeating: " ", count: length) : "/" + String(repeating: "a", count: length - 1)
                    for end in ["", "\n", "\r\n"] { // the last line, with or without a line end
                        let path = try writeFile(dir, "t.csv", header + "0,p,/b,,font\n" + body + end)
                        if blank {
                            #expect(try readAll(path).map(\.0) == ["/b"], "length \(length) padding \(padding)")
                        } else {
                            #expect(throws: TraceError.self) { try readAll(path) }
                            do { _ = try readAll(path) } catch {
                                #expect("\(error)" == "\(path):\(padding + 3): expected 5 fields (t,pop,url,origin,kind), found 1", "length \(length) padding \(padding)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("a comma or a quote put at each byte of a line: an error on that line, or the full reader's requests")
    func insertedSeparators() throws {
        let dir = try makeTemporaryDirectory()
        let header = "t,pop,url,origin,kind,bytes\n"
        let line = "1,p,/abc/def.js,https://www.example.com,font,12345"
        for extra in [",", "\""] {
            for k in 0...line.utf8.count {
                let bad = String(line.prefix(k)) + extra + String(line.dropFirst(k))
                let path = try writeFile(dir, "t.csv", header + "0,p,/a,,font,1\r\n" + bad + "\r\n" + "2,p,/b,,font,2\n")
                let full = Result { try readAllFull(path) }
                let fast = Result { try readAll(path) }
                switch (fast, full) {
                case (.success(let a), .success(let b)):
                    #expect(a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1), "\(bad)")
                case (.failure(let error), _):
                    #expect("\(error)".hasPrefix("\(path):3:"), "\(bad): \(error)")
                case (.success, .failure(let error)):
                    // The fast reader checks fewer columns; a comma always makes a line wrong.
                    #expect(extra == "\"", "\(bad): only the full reader failed: \(error)")
                }
            }
        }
    }

    @Test("the URL hash depends on every byte, whatever the length (the last word overlaps the one before)")
    func hashUsesEveryByte() {
        for n in 1...40 {
            var bytes = (0..<n).map { UInt8(0x41 + $0 % 26) }
            let h = bytes.withUnsafeBufferPointer { CacheKeyCSVReader.hash($0.baseAddress!, n) }
            for k in 0..<n {
                bytes[k] ^= 0x20
                #expect(bytes.withUnsafeBufferPointer { CacheKeyCSVReader.hash($0.baseAddress!, n) } != h, "length \(n) byte \(k)")
                bytes[k] ^= 0x20
            }
        }
    }

    @Test("70,000 distinct URLs: the URL store grows (realloc) and the table rehashes, URLs intact")
    func manyDistinctURLs() throws {
        let dir = try makeTemporaryDirectory()
        var text = "t,pop,url,origin,kind,bytes\n"
        for i in 0..<70_000 { text += "\(i),p,https://static.example-cdn.com/img/object-\(i).jpg,,img,\(i)\n" }
        // Each URL again, in the same order: now found, not added.
        for i in 0..<70_000 { text += "\(70_000 + i),p,https://static.example-cdn.com/img/object-\(i).jpg,,img,\(i)\n" }
        let path = try writeFile(dir, "t.csv", text)
        let fast = try readAll(path)
        let full = try readAllFull(path)
        #expect(fast.count == 140_000)
        #expect(fast.map(\.0) == full.map(\.0))
        #expect(fast.map(\.1) == full.map(\.1))
    }

    @Test("a line longer than the 256 KiB block grows the buffer; the lines around it are read too")
    func lineLongerThanBlock() throws {
        let dir = try makeTemporaryDirectory()
        let long = "/" + String(repeating: "a", count: 600_000)
        var text = "t,pop,url,origin,kind,bytes\n"
        for i in 0..<5_000 { text += "\(i),p,/o\(i % 50),,img,\(i)\n" }
        text += "5000,p,\(long),,img,1\r\n5001,p,/o1,,img,2\n"
        let path = try writeFile(dir, "t.csv", text)
        let fast = try readAll(path)
        #expect(fast.count == 5_002)
        #expect(fast[5_000].0 == long && fast[5_000].1 == 1)
        #expect(fast.map(\.0) == (try readAllFull(path)).map(\.0))
    }

    @Test("a line longer than 64 MiB is an error naming its line")
    func lineTooLong() throws {
        let dir = try makeTemporaryDirectory()
        let text = "t,pop,url,origin,kind\n0,p,/a,,img\n1,p,/" + String(repeating: "a", count: 65 << 20) + ",,img\n"
        let path = try writeFile(dir, "t.csv", text)
        #expect(throws: TraceError.self) { try readAll(path) }
        do { _ = try readAll(path) } catch {
            #expect("\(error)".hasPrefix("\(path):3:") && "\(error)".contains("longer than 64 MiB"), "\(error)")
        }
    }

    @Test("bad lines are errors naming the line and column", arguments: [
        ("t,pop,url,origin,kind\n0,p,/a,,font\n1,p,/a,font\n", "t.csv:3: expected 5 fields (t,pop,url,origin,kind), found 4"),
        ("t,pop,url,origin,kind,bytes\n0,p,/a,,font,12x\n", "t.csv:2: column 'bytes': \"12x\" is not a whole number of bytes"),
        ("t,pop,url,origin,kind,bytes\n0,p,/a,,font,-1\n", "t.csv:2: column 'bytes': \"-1\" is negative"),
        ("t,pop,url,origin,kind\n0,p,/a,,font\n0,p,a.html,,font\n", "t.csv:3: column 'url': \"a.html\" is neither an absolute http(s) URL nor a path starting with '/'"),
        ("t,pop,url,origin,kind\n0,p,/a b,,font\n", "t.csv:2: column 'url': \"/a b\" contains a space at byte 3"),
        ("t,pop,url,origin,kind\n0,p,/abcdefghij\tk,,font\n", "t.csv:2: column 'url': \"/abcdefghij\\tk\" contains control character U+0009 at byte 12"),
        ("t,pop,url,origin,kind\n0,p,,,font\n", "t.csv:2: column 'url': empty"),
        ("t,pop,url,origin,kind\n0,p,\"/a,,font\n", "t.csv:2: column 'url': unterminated quote"),
        ("t,pop,origin,kind\n", "t.csv:1: column 'url': required column missing from the header"),
        // The header is the first line that is not blank, checked by TraceCSVReader's rules.
        ("\n  \nt,pop,url,origin,kind,kind\n", "t.csv:3: column 'kind': column appears twice in the header (fields 5 and 6)"),
        ("t,pop,url,origin,kind,size\n", "t.csv:1: column 'size': unknown column in the header"),
        ("", "t.csv: empty file (expected a header row such as t,pop,url,origin,kind)"),
        ("\n\n", "t.csv: empty file (expected a header row such as t,pop,url,origin,kind)"),
    ])
    func badLines(_ text: String, _ message: String) throws {
        try Self.expectError(text.data(using: .utf8)!, message)
    }

    /// A compressed CSV trace is named as such, with the way to read it (it was called a binary
    /// trace, with advice to rename it .oracleGeneral or .pstrace): both CSV readers.
    @Test("a zstd or gzip file given as a CSV trace: told to decompress it, or to give it through a pipe", arguments: [
        ([0x28, 0xB5, 0x2F, 0xFD, 0x24, 0x0A, 0x41], "t.csv: compressed with zstd; decompress it first (zstd -d FILE), or give it through a pipe, <(zstd -dc FILE) --format csv — popsim reads CSV traces uncompressed"),
        ([0x1F, 0x8B, 0x08, 0x00, 0x0A, 0x00], "t.csv: compressed with gzip; decompress it first (gzip -d FILE), or give it through a pipe, <(gzip -dc FILE) --format csv — popsim reads CSV traces uncompressed"),
    ] as [([UInt8], String)])
    func compressed(_ bytes: [UInt8], _ message: String) throws {
        try Self.expectError(Data(bytes), message)
        let dir = try makeTemporaryDirectory()
        let path = dir + "/t.csv"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try readAllFull(path)
            Issue.record("expected an error: \(message)")
        } catch { #expect("\(error)" == dir + "/" + message, "\(error)") }
    }

    /// Reading `bytes` as `t.csv` fails with `message` (the file's name and what follows it).
    private static func expectError(_ bytes: Data, _ message: String) throws {
        let dir = try makeTemporaryDirectory()
        let path = dir + "/t.csv"
        try bytes.write(to: URL(fileURLWithPath: path))
        do {
            _ = try readAll(path)
            Issue.record("expected an error: \(message)")
        } catch {
            #expect("\(error)".hasSuffix(String(message.dropFirst(5))) || "\(error)".contains(message.dropFirst(5)), "\(error)")
            #expect("\(error)".hasPrefix(path + ":"), "\(error)")
        }
    }
}
