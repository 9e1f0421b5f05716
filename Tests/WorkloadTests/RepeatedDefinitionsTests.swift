import Foundation
import Testing
@testable import Workload

/// A `.pstrace` read for its URL ids only (`PopsimTraceSource(keepingURLTexts: false)`, what
/// `cachesim` and `mrc` use) must accept and refuse exactly the files a reader that keeps the
/// texts does (docs/trace-format.md: a string is defined once, valid UTF-8, no control
/// character), and number their requests the same.
@Suite("URL definitions checked without keeping the texts")
struct DefinedTextsTests {
    static func texts(_ strings: [String]) -> [[UInt8]] { strings.map { Array($0.utf8) } }

    @Test("new texts get the next id; a text defined again gives the first id and adds nothing")
    func idsAndRepeats() {
        var defined = DefinedTexts()
        let words = Self.texts((0..<10_000).map { "/objects/\($0).bin" })
        var asked = 0
        for (i, w) in words.enumerated() {
            let place = DefinedTexts.place(offset: Int64(i) * 100, length: w.count)
            let earlier = w.withUnsafeBytes { raw in
                defined.add(raw, at: place) { _ in asked += 1; return true }
            }
            #expect(earlier == nil)
        }
        #expect(defined.count == 10_000)
        // Distinct texts met no other text's 32 hash bits on the way: the file was never read.
        #expect(asked == 0)
        for i in [0, 1, 4_999, 9_999] {
            var askedAbout: [DefinedTexts.Place] = []
            let earlier = words[i].withUnsafeBytes { raw in
                defined.add(raw, at: DefinedTexts.place(offset: 5_000_000, length: words[i].count)) { askedAbout.append($0); return true }
            }
            #expect(earlier == UInt32(i))
            #expect(askedAbout == [DefinedTexts.place(offset: Int64(i) * 100, length: words[i].count)])
        }
        #expect(defined.count == 10_000)
    }

    @Test("a hash match the file does not confirm is a new text (as two texts with one hash would be)")
    func unconfirmedMatch() {
        var defined = DefinedTexts()
        let a = Array("/a".utf8)
        _ = a.withUnsafeBytes { defined.add($0, at: DefinedTexts.place(offset: 20, length: 2)) { _ in true } }
        let again = a.withUnsafeBytes { defined.add($0, at: DefinedTexts.place(offset: 40, length: 2)) { _ in false } }
        #expect(again == nil)
        #expect(defined.count == 2)
    }

    @Test("places keep offsets up to 512 GiB and lengths up to the format's longest string")
    func places() {
        for (offset, length) in [(Int64(0), 0), (12, 1), (DefinedTexts.largestFile - 1, 1 << 24), (1 << 35, 12_345)] {
            let (o, l) = DefinedTexts.offsetAndLength(DefinedTexts.place(offset: offset, length: length))
            #expect(o == offset && l == length)
        }
    }

    // MARK: - The reader

    /// A trace of `urls` URLs of varied lengths (each defined before its first request), then
    /// requests for them in a scrambled order with sizes, then `extra` define records.
    static func trace(urls: Int, extra: [String] = []) -> [UInt8] {
        var e = PSBytes()
        e.define(0, "p")
        e.define(4, "font")
        e.define(3, "GET")
        for u in 0..<urls {
            e.define(1, "https://static.example-cdn.com/" + String(repeating: "d/", count: u % 7) + "f\(u).woff2")
            e.request(delta: 1, url: UInt64(u))
        }
        for k in 0..<urls {
            e.request(delta: 1, url: UInt64((k * 7_919) % urls))
        }
        for text in extra { e.define(1, text) }
        e.end(UInt64(2 * urls))
        return e.bytes
    }

    static func batches(_ path: String, keepingURLTexts: Bool) throws -> (ids: [Int], sizes: [Int64], texts: Int) {
        let source = try PopsimTraceSource(path: path, blockSize: 4096, keepingURLTexts: keepingURLTexts)
        var ids: [Int] = [], sizes: [Int64] = []
        let objects = UnsafeMutablePointer<Int>.allocate(capacity: 64), bytes = UnsafeMutablePointer<Int64>.allocate(capacity: 64)
        defer { objects.deallocate(); bytes.deallocate() }
        while true {
            let n = try source.nextBatch(objects: objects, sizes: bytes, limit: 64)
            if n == 0 { break }
            ids += (0..<n).map { objects[$0] }
            sizes += (0..<n).map { bytes[$0] }
        }
        return (ids, sizes, source.urls.count)
    }

    static func error(_ bytes: [UInt8], keepingURLTexts: Bool) throws -> String {
        let dir = TemporaryDirectory()
        let path = dir.file("bad.pstrace", bytes)
        return try #require(throws: TraceError.self) {
            let source = try PopsimTraceSource(path: path, blockSize: 4096, keepingURLTexts: keepingURLTexts)
            while try source.next() != nil {}
        }.message
    }

    @Test("the same ids and sizes with and without the texts, over many read blocks; no texts kept")
    func sameBatches() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("t.pstrace", Self.trace(urls: 3_000))
        let kept = try Self.batches(path, keepingURLTexts: true)
        let checked = try Self.batches(path, keepingURLTexts: false)
        #expect(kept.ids.count == 6_000)
        #expect(checked.ids == kept.ids)
        #expect(checked.sizes == kept.sizes)
        #expect(kept.texts == 3_000)
        #expect(checked.texts == 0)
    }

    @Test("a URL defined again — long after, read back from an earlier block — is refused as when texts are kept")
    func repeatedURL() throws {
        // URL 5 again, 3,000 definitions and many 4 KiB blocks after the first: the reader must
        // read the first definition back from the file to be sure.
        let first5 = "https://static.example-cdn.com/" + String(repeating: "d/", count: 5) + "f5.woff2"
        let bytes = Self.trace(urls: 3_000, extra: ["/new", first5])
        let kept = try Self.error(bytes, keepingURLTexts: true)
        #expect(kept.hasSuffix("url \"\(first5)\" is defined twice (it is already id 5)"))
        #expect(try Self.error(bytes, keepingURLTexts: false) == kept)
        // A text that only starts like an earlier one is new.
        let dir = TemporaryDirectory()
        let prefix = String(first5.dropLast())
        var e = PSBytes()
        e.define(1, first5)
        e.define(1, prefix)
        e.define(1, "")
        e.end(0)
        let source = try PopsimTraceSource(path: dir.file("p.pstrace", e.bytes), keepingURLTexts: false)
        #expect(try source.next() == nil)
        var twiceEmpty = PSBytes()
        twiceEmpty.define(1, "")
        twiceEmpty.define(1, "")
        #expect(try Self.error(twiceEmpty.bytes, keepingURLTexts: false) == "record 1 (byte offset 15): url \"\" is defined twice (it is already id 0)")
    }

    @Test("a URL that is not UTF-8, or holds a control character, is refused with the same message")
    func invalidURL() throws {
        var notUTF8 = PSBytes()
        notUTF8.define(1, "/ok")
        notUTF8.bytes += [0x01, 1, 3, 0x2F, 0xC3, 0x28]
        notUTF8.end(0)
        let kept = try Self.error(notUTF8.bytes, keepingURLTexts: true)
        #expect(kept == "record 1 (byte offset 18): url string is not valid UTF-8")
        #expect(try Self.error(notUTF8.bytes, keepingURLTexts: false) == kept)
        var control = PSBytes()
        control.define(1, "/a\u{7F}")
        #expect(try Self.error(control.bytes, keepingURLTexts: false) == (try Self.error(control.bytes, keepingURLTexts: true)))
    }
}
