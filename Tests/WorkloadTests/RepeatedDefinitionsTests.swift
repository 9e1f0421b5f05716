import Foundation
import Testing
@testable import Workload

/// A `.pstrace` read for its URL ids only (`PopsimTraceSource(keepingURLTexts: false)`, what
/// `cachesim` and `mrc` use) must accept and refuse exactly the files a reader that keeps the
/// texts does (docs/trace-format.md: a string is defined once, valid UTF-8, no control
/// character), and number their requests the same.
@Suite("URL definitions, checked for a repeat at the end of the file")
struct RepeatedDefinitionsTests {
    static func texts(_ strings: [String]) -> [[UInt8]] { strings.map { Array($0.utf8) } }

    /// `texts` noted in order, each at record offset 10 × id and request id + 1.
    static func noted(_ texts: [[UInt8]], keepingLocations: Bool = true) -> RepeatedDefinitions {
        var defined = RepeatedDefinitions(keepingLocations: keepingLocations)
        for (i, t) in texts.enumerated() {
            t.withUnsafeBytes { defined.note(hash: TextIndex.hash($0), record: Int64(i) * 10, line: i + 1) }
        }
        return defined
    }

    @Test("distinct texts: no repeat, and no text is ever compared")
    func distinct() {
        let words = Self.texts((0..<10_000).map { "/objects/\($0).bin" })
        var defined = Self.noted(words)
        #expect(defined.count == 10_000)
        var asked = 0
        #expect(defined.sharedHashes().isEmpty)
        #expect(defined.firstRepeat(among: defined.sharedHashes()) { _ in asked += 1; return [] } == nil)
        #expect(asked == 0)
        for n in 0...2 { var few = Self.noted(Array(words.prefix(n))); #expect(few.sharedHashes().isEmpty) }
        // Where each is, kept only when asked.
        #expect(defined.location(of: 9_999)! == (record: 99_990, line: 10_000))
        var unkept = Self.noted(words, keepingLocations: false)
        #expect(unkept.location(of: 9_999) == nil)
        #expect(unkept.sharedHashes().isEmpty, "grouped in place, the same answer")
    }

    @Test("the repeat found is the first a check at each definition would find: the earliest second definition, with its text's first id")
    func firstRepeat() {
        // /c is defined at 2 and again at 7; /a at 0, 5 and 9: the first repeat in order is /a at 5.
        let words = Self.texts(["/a", "/b", "/c", "/d", "/e", "/a", "/f", "/c", "/g", "/a"])
        var defined = Self.noted(words)
        let found = defined.firstRepeat(among: defined.sharedHashes()) { words[$0] }
        #expect(found?.earlier == 0 && found?.later == 5, "\(String(describing: found))")
        #expect(defined.location(of: 5)! == (record: 50, line: 6))
        var asked: [Int] = []
        _ = defined.firstRepeat(among: defined.sharedHashes()) { asked.append($0); return words[$0] }
        // Only the definitions whose hash is shared (/a's and /c's) are read, in order, up to the repeat.
        #expect(asked == [0, 2, 5])
        // Two at the very end.
        let last = Self.texts((0..<1_000).map { "/o\($0)" } + ["/o999"])
        var lastNoted = Self.noted(last)
        let lastFound = lastNoted.firstRepeat(among: lastNoted.sharedHashes()) { last[$0] }
        #expect(lastFound?.earlier == 999 && lastFound?.later == 1_000)
    }

    @Test("equal hashes whose texts differ are no repeat (a 64-bit collision): the texts decide")
    func collision() {
        var defined = RepeatedDefinitions(keepingLocations: true)
        for i in 0..<4 { defined.note(hash: 42, record: Int64(i), line: 1) }
        let texts = Self.texts(["x", "y", "z", "y"])
        var asked: [Int] = []
        #expect(defined.sharedHashes() == [42])
        let found = defined.firstRepeat(among: [42]) { asked.append($0); return texts[$0] }
        #expect(found?.earlier == 1 && found?.later == 3)
        #expect(asked == [0, 1, 2, 3], "each text read once, in order")
        // Many texts with one hash (a crafted file): each is read once, not once per pair.
        var many = RepeatedDefinitions(keepingLocations: true)
        for i in 0..<20_000 { many.note(hash: 9, record: Int64(i), line: 1) }
        var reads = 0
        #expect(many.firstRepeat(among: many.sharedHashes()) { reads += 1; return Array("/u\($0)".utf8) } == nil)
        #expect(reads == 20_000)
        var none = RepeatedDefinitions(keepingLocations: true)
        for i in 0..<3 { none.note(hash: 7, record: Int64(i), line: 1) }
        #expect(none.firstRepeat(among: none.sharedHashes()) { Array("/\($0)".utf8) } == nil)
    }

    @Test("the radix sort finds exactly the values that occur more than once, against a count by dictionary")
    func repeatedValues() {
        var rng = SplitMix64(seed: 6)
        for n in [0, 1, 2, 3, 100, 5_000, 70_000, 70_001] {
            // All but a few distinct (even n), or few distinct values, all small: one group of
            // every value (odd n; 70,001 values sort their group); the extremes, and values that
            // differ only in their top bits, among them.
            var values = (0..<n).map { i in n % 2 == 0 ? rng.next() : rng.next() % UInt64(max(1, n / 3)) }
            if n >= 100 { values += [0, 0, .max, .max, 1 << 63, 1 << 62, (1 << 63) | 1] }
            var counts: [UInt64: Int] = [:]
            for v in values { counts[v, default: 0] += 1 }
            let expected = Set(counts.filter { $0.value > 1 }.keys)
            #expect(RepeatedDefinitions.repeatedValues(values) == expected, "n = \(n)")
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
        // The second definition's length written in 5 bytes (a varint may take up to 10, and the
        // reader takes them): read back with only 4 of them, the repeat went unseen (QA pass, stop 33).
        var long = PSBytes()
        long.define(1, "/a")
        long.define(1, "/b")
        long.bytes += [0x01, 1, 0x82, 0x80, 0x80, 0x80, 0x00] + Array("/b".utf8)
        long.end(0)
        for keeping in [false, true] {
            #expect(try Self.error(long.bytes, keepingURLTexts: keeping).hasSuffix("url \"/b\" is defined twice (it is already id 1)"))
        }
        var twiceEmpty = PSBytes()
        twiceEmpty.define(1, "")
        twiceEmpty.define(1, "")
        twiceEmpty.end(0)
        #expect(try Self.error(twiceEmpty.bytes, keepingURLTexts: false) == "record 1 (byte offset 15): url \"\" is defined twice (it is already id 0)")
    }

    @Test("through a pipe, read once, the reader keeps where each URL is defined and names a repeat as from the file")
    func repeatedURLThroughPipe() throws {
        let first5 = "https://static.example-cdn.com/" + String(repeating: "d/", count: 5) + "f5.woff2"
        let bytes = Self.trace(urls: 3_000, extra: ["/new", first5])
        let fromFile = try Self.error(bytes, keepingURLTexts: false)
        let dir = TemporaryDirectory()
        let fifo = dir.path + "/t.pstrace"
        #expect(mkfifo(fifo, 0o600) == 0)
        // The writer opens the FIFO on a thread of its own: opening blocks until the reader has.
        let writer = Thread {
            guard let handle = FileHandle(forWritingAtPath: fifo) else { return }
            handle.write(Data(bytes))
            try? handle.close()
        }
        writer.start()
        let piped = try #require(throws: TraceError.self) {
            let source = try PopsimTraceSource(path: fifo, blockSize: 4096, keepingURLTexts: false)
            while try source.next() != nil {}
        }.message
        #expect(piped == fromFile)
        #expect(piped.hasSuffix("url \"\(first5)\" is defined twice (it is already id 5)"))
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
