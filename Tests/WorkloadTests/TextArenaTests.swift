// The arena keeps the texts of interned names (URLs above all) as bytes in chunks that never
// move: a text must read back as written whatever was appended after it, across chunk
// boundaries, for texts longer than a chunk, and on another thread that was handed it.
import Dispatch
import Testing
@testable import Workload

@Suite("TextArena: texts appended as bytes, read back in place")
struct TextArenaTests {
    /// A text of `n` bytes that differs from its neighbours, seeded by `k`.
    static func text(_ k: Int, length n: Int) -> [UInt8] {
        (0..<n).map { UInt8(truncatingIfNeeded: 0x21 + ($0 &* 7 &+ k &* 13) % 94) }
    }

    @Test("texts of every length to 300 read back as written after thousands more are appended, across chunk boundaries")
    func acrossChunks() {
        let arena = TextArena()
        var written: [([UInt8], ArenaText)] = []
        for k in 0..<6_000 {
            let bytes = Self.text(k, length: k % 301)
            written.append((bytes, bytes.withUnsafeBytes { arena.append($0) }))
        }
        #expect(arena.count == written.count)
        for (k, (bytes, text)) in written.enumerated() {
            #expect(text.count == bytes.count, "text \(k)")
            #expect(Array(text.bytes) == bytes, "text \(k)")
        }
        // Chunks of 256 bytes doubling to 1 MiB: about 1 MiB of texts takes a few of them, and
        // room left at the end of each chunk is all that is lost.
        let payload = written.reduce(0) { $0 + $1.0.count + 4 }
        #expect(arena.reservedBytes >= payload && arena.reservedBytes < payload + (2 << 20))
    }

    @Test("a text that does not fit the current chunk starts a new one and stays contiguous")
    func fillsThenMoves() {
        let arena = TextArena()
        // The first chunk is 256 bytes: 4 + 200 fit, the next 4 + 100 do not.
        let a = Self.text(1, length: 200), b = Self.text(2, length: 100)
        let ta = a.withUnsafeBytes { arena.append($0) }
        let tb = b.withUnsafeBytes { arena.append($0) }
        #expect(arena.reservedBytes == 256 + 512)
        #expect(Array(ta.bytes) == a && Array(tb.bytes) == b)
        // The next small text goes after it in the new chunk.
        let tc = arena.append("abc")
        #expect(tc.start == tb.start + 100 + 4 && arena.reservedBytes == 256 + 512)
    }

    @Test("texts longer than a chunk get a chunk of their own; the current chunk keeps filling", arguments: [200_000, 3 << 20])
    func longerThanAChunk(_ length: Int) {
        let arena = TextArena()
        let small1 = arena.append("https://cdn.example.com/a")
        let long = Self.text(7, length: length)
        let tl = long.withUnsafeBytes { arena.append($0) }
        let small2 = arena.append("https://cdn.example.com/b")
        #expect(tl.count == length && Array(tl.bytes) == long)
        #expect(small1.string == "https://cdn.example.com/a" && small2.string == "https://cdn.example.com/b")
        // The small ones share the first chunk (256 bytes); the long one has exactly its size.
        #expect(small2.start == small1.start + small1.count + 4)
        #expect(arena.reservedBytes == 256 + 4 + length)
    }

    @Test("the empty text and non-ASCII UTF-8 read back, as bytes and as strings")
    func emptyAndUTF8() {
        let arena = TextArena()
        let empty = arena.append("")
        let e = arena.append("/café/ü?ß=1")
        #expect(empty.count == 0 && empty.string == "" && Array(empty.bytes) == [])
        #expect(e.string == "/café/ü?ß=1" && Array(e.bytes) == Array("/café/ü?ß=1".utf8))
    }

    @Test("an interner's ids read back their texts by id, as bytes, strings and in place; ArenaBytes keeps the arena alive")
    func internerByID() throws {
        var bytes: ArenaBytes? = nil
        weak var gone: TextArena?
        do {
            var i = Interner()
            let texts = (0..<3_000).map { "https://cdn.example.com/o\($0).js" } + ["", "é"]
            for (k, t) in texts.enumerated() { #expect(i.intern(t) == UInt32(k)) }
            for (k, t) in texts.enumerated() {
                #expect(i.string(UInt32(k)) == t)
                #expect(Array(i.utf8(UInt32(k))) == Array(t.utf8))
                #expect(i.text(UInt32(k)).string == t)
                #expect(i.id(of: t) == UInt32(k))
            }
            #expect(i.arena.count == texts.count, "each distinct text is in the arena once")
            _ = i.intern("https://cdn.example.com/o7.js")
            #expect(i.arena.count == texts.count)
            bytes = i.utf8(42)
            gone = i.arena
        }
        #expect(gone != nil, "the bytes handed out keep the arena")
        #expect(bytes?.string == "https://cdn.example.com/o42.js")
        #expect(try #require(bytes).withContiguousStorageIfAvailable { Array($0) } == Array("https://cdn.example.com/o42.js".utf8))
        bytes = nil
        #expect(gone == nil, "and nothing else does")
    }

    @Test("copies of an interner share the arena and keep their own ids")
    func copiesShare() {
        var a = Interner()
        _ = a.intern("x")
        var b = a
        #expect(a.arena === b.arena)
        #expect(b.intern("y") == 1 && a.intern("z") == 1)
        #expect(a.string(1) == "z" && b.string(1) == "y" && a.count == 2 && b.count == 2)
    }

    @Test("isASCII and isPrintableASCII agree with byte-by-byte tests at every length to 40 and position")
    func scans() {
        for length in 0...40 {
            for position in -1..<length {
                for bad: UInt8 in [0x00, 0x1F, 0x20, 0x7E, 0x7F, 0x80, 0xC3, 0xFF] {
                    var b = (0..<length).map { UInt8(0x61 + $0 % 26) }
                    if position >= 0 { b[position] = bad }
                    b.withUnsafeBytes { raw in
                        #expect(isASCII(raw) == b.allSatisfy { $0 < 0x80 }, "length \(length), 0x\(String(bad, radix: 16)) at \(position)")
                        #expect(isPrintableASCII(raw) == b.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "length \(length), 0x\(String(bad, radix: 16)) at \(position)")
                    }
                }
            }
        }
    }

    @Test("FNV-1a continued over pieces is FNV-1a of the whole")
    func fnvContinues() {
        let whole = Array("https://cdn.example.com/a/b.js".utf8)
        for cut in 0...whole.count {
            #expect(fnv1a64(whole[cut...], continuing: fnv1a64(whole[..<cut])) == fnv1a64(whole), "cut at \(cut)")
        }
    }

    /// The run's pattern: the reading thread appends and hands each text on through a queue
    /// (here a semaphore per slot); the reading side finds the bytes as written.
    @Test("a thread handed texts through a semaphore reads them while the arena grows")
    func handedToAnotherThread() async {
        /// Written by the appending side before the semaphore is signalled, read after it is waited on.
        final class Slots: @unchecked Sendable {
            let count = 20_000
            let texts: UnsafeMutablePointer<ArenaText>
            let ready = DispatchSemaphore(value: 0)
            init() { texts = .allocate(capacity: count) }
            deinit { texts.deallocate() }
        }
        let arena = TextArena(), slots = Slots()
        let n = slots.count
        let reader = Task.detached { () -> Int in
            var wrong = 0
            for k in 0..<n {
                slots.ready.wait()
                if Array(slots.texts[k].bytes) != Array("https://cdn.example.com/t/\(k)".utf8) { wrong += 1 }
            }
            return wrong
        }
        for k in 0..<n {
            (slots.texts + k).initialize(to: arena.append("https://cdn.example.com/t/\(k)"))
            slots.ready.signal()
        }
        #expect(await reader.value == 0)
    }
}
