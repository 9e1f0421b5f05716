import Testing
@testable import Workload

@Suite("Interner and FNV-1a")
struct InternerTests {
    @Test("ids are dense, in first-seen order, and stable")
    func dense() {
        var i = Interner()
        #expect(i.intern("hangzhou") == 0)
        #expect(i.intern("frankfurt") == 1)
        #expect(i.intern("hangzhou") == 0)
        #expect(i.intern("") == 2)
        #expect(i.count == 3)
        #expect(i.string(1) == "frankfurt")
        #expect(i.allStrings == ["hangzhou", "frankfurt", ""])
        #expect(i.id(of: "frankfurt") == 1)
        #expect(i.id(of: "paris") == nil)
        #expect(i.count == 3)
    }

    @Test("appendUnindexed gives the ids intern(bytes:) gives and keeps the bytes, but lookups by text do not find it; invalid UTF-8 adds nothing")
    func unindexed() {
        var a = Interner(), b = Interner()
        func url(_ n: Int) -> [UInt8] { Array("https://static.example-cdn.com/o\(n).jpg".utf8) }
        for n in 0..<3_000 {
            let x = url(n).withUnsafeBytes { a.intern(bytes: $0) }
            let y = url(n).withUnsafeBytes { b.appendUnindexed($0) }
            #expect(x == UInt32(n) && y == UInt32(n))
            #expect(b.text(UInt32(n)).string == String(decoding: url(n), as: UTF8.self))
        }
        #expect(a.allStrings == b.allStrings && b.count == 3_000)
        #expect(url(7).withUnsafeBytes { b.id(bytes: $0) } == nil, "not in the table")
        #expect(url(7).withUnsafeBytes { a.id(bytes: $0) } == 7)
        // A repeat is added again under a new id: the caller checks (`RepeatedDefinitions`).
        #expect(url(7).withUnsafeBytes { b.appendUnindexed($0) } == 3_000)
        #expect([0x68, 0xC3, 0x28].withUnsafeBytes { b.appendUnindexed($0) } == nil && b.count == 3_001, "invalid UTF-8 adds nothing")
    }

    @Test("byte slices find known strings without adding; new ones are validated")
    func bytes() {
        var i = Interner()
        _ = i.intern("é")
        let line = Array("x,é,y".utf8)
        let slice = line[2..<4]
        #expect(i.id(utf8: slice) == 0)
        #expect(i.intern(utf8: slice) == 0)
        #expect(i.intern(utf8: line[0..<1]) == 1)
        #expect(i.string(1) == "x")
        #expect(Array(i.utf8(0)) == Array("é".utf8))
        #expect(i.intern(utf8: [0x61, 0xFF][...]) == nil)
        #expect(i.intern(utf8: [0xC3][...]) == nil)
        #expect(i.count == 2)
        #expect(i.intern(utf8: ArraySlice<UInt8>()) == 2)
        #expect(i.string(2) == "")
    }

    /// Every length to 40, every position, every byte value: the word-at-a-time pass must not
    /// miss a control character nor stop at another byte (borrows cross byte boundaries).
    @Test("firstControlByte agrees with a byte-by-byte search at every length, position and byte value")
    func firstControlByteEverywhere() {
        func naive(_ b: [UInt8]) -> Int? { b.firstIndex { $0 < 0x20 || $0 == 0x7F } }
        let fillers: [UInt8] = [0x20, 0x21, 0x41, 0x7E, 0x80, 0xC3, 0xFF]
        for length in 0...40 {
            for filler in fillers {
                let plain = [UInt8](repeating: filler, count: length)
                plain.withUnsafeBytes { #expect(firstControlByte($0) == nil, "length \(length), filler \(filler)") }
                for position in 0..<length {
                    for value in UInt8.min...UInt8.max where value < 0x22 || value > 0x7C && value < 0x82 || value == 0xFF {
                        var b = plain
                        b[position] = value
                        if position + 1 < length { b[position + 1] = 0x00 } // a second one after it
                        b.withUnsafeBytes { #expect(firstControlByte($0) == naive(b), "length \(length), byte \(value) at \(position)") }
                    }
                }
            }
        }
    }

    @Test("sameBytes: equal buffers of every length to 40 match; one byte changed anywhere, or one byte more, does not")
    func sameBytesEveryLengthAndPosition() {
        for n in 0...40 {
            let a = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 1) }
            a.withUnsafeBytes { pa in
                var b = a
                b.withUnsafeBytes { #expect(sameBytes(pa, $0)) }
                for k in 0..<n {
                    b[k] ^= 0x80
                    b.withUnsafeBytes { #expect(!sameBytes(pa, $0), "length \(n), byte \(k)") }
                    b[k] ^= 0x80
                }
                (a + [0]).withUnsafeBytes { #expect(!sameBytes(pa, $0)) }
            }
        }
    }

    @Test("Interner.hash reads every byte: at every length to 40, changing any one byte changes the hash (the tail past the last whole word included)")
    func hashReadsEveryByte() {
        for n in 0...40 {
            var a = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 41 &+ 7) }
            let h = a.withUnsafeBytes { Interner.hash($0) }
            for k in 0..<n {
                a[k] ^= 0x01
                #expect(a.withUnsafeBytes { Interner.hash($0) } != h, "length \(n), byte \(k)")
                a[k] ^= 0x01
            }
            #expect((a + [0]).withUnsafeBytes { Interner.hash($0) } != h, "length \(n) and one zero byte more")
        }
    }

    @Test("touch reads the slots and strings of known and unknown hashes and changes nothing: ids, count and lookups stay as they were")
    func touchChangesNothing() {
        var i = Interner()
        let texts = (0..<3_000).map { "https://cdn.example.com/t/\($0)" }
        for t in texts { _ = i.intern(t) }
        let probes = (texts + ["/absent", "", "https://cdn.example.com/t/3000"]).map { t in
            Array(t.utf8).withUnsafeBytes { Interner.hash($0) }
        }
        let hashes = UnsafeMutablePointer<UInt64>.allocate(capacity: probes.count)
        defer { hashes.deallocate() }
        hashes.initialize(from: probes, count: probes.count)
        let copy = i
        // Every known string's home slot holds some string, so the sum of what was read is not 0.
        #expect(i.touch(hashes: hashes, count: probes.count) != 0)
        #expect(i.count == texts.count)
        for (k, t) in texts.enumerated() where k % 37 == 0 { #expect(i.id(of: t) == UInt32(k)) }
        #expect(i.id(of: "/absent") == nil)
        #expect(i.intern("/new") == UInt32(texts.count) && copy.count == texts.count)
    }

    @Test("many strings survive rehashing", arguments: [1, 9, 1000, 50_000])
    func many(_ n: Int) {
        var i = Interner()
        for k in 0..<n { #expect(i.intern("https://cdn.example.com/obj/\(k)") == UInt32(k)) }
        for k in stride(from: 0, to: n, by: max(1, n / 97)) {
            #expect(i.id(utf8: Array("https://cdn.example.com/obj/\(k)".utf8)[...]) == UInt32(k))
            #expect(i.string(UInt32(k)) == "https://cdn.example.com/obj/\(k)")
        }
        #expect(i.count == n)
    }

    @Test("a table past 2 MiB (huge pages) and one of 16 words keep what is written; a copy keeps its words when the original is written (copy on write)",
          arguments: [16, 400_000])
    func wordTable(_ count: Int) {
        var table = WordTable(count: count, repeating: 5)
        #expect(table.count == count)
        #expect(table[0] == 5 && table[count - 1] == 5)
        for i in stride(from: 0, to: count, by: 7) { table[i] = UInt64(i) &* 0x9E37_79B9 }
        let copy = table
        table[0] = 1
        table[count - 1] = 2
        #expect(copy[0] == 0 && copy[count - 1] == (count % 7 == 1 ? UInt64(count - 1) &* 0x9E37_79B9 : 5))
        #expect(table[0] == 1 && table[count - 1] == 2)
        let sum = copy.withUnsafeBufferPointer { $0.reduce(0, &+) }
        var expected: UInt64 = 0
        for i in 0..<count { expected &+= i % 7 == 0 ? UInt64(i) &* 0x9E37_79B9 : 5 }
        #expect(sum == expected)
    }

    @Test("thousands of similar strings and the empty string keep their ids and bytes as the table grows from its slots alone")
    func sameHome() {
        var i = Interner()
        // Enough strings that the table grows several times and probe runs form.
        let texts = (0..<5_000).map { "/p\($0 % 97)/\($0)" } + ["", "a", "aa"]
        for (k, t) in texts.enumerated() { #expect(i.intern(t) == UInt32(k)) }
        for (k, t) in texts.enumerated() {
            #expect(i.id(of: t) == UInt32(k))
            #expect(Array(i.utf8(UInt32(k))) == Array(t.utf8))
        }
        #expect(i.id(of: "/p1/1 ") == nil && i.id(of: "/p1/") == nil)
    }

    @Test("ExitReclaims: off, a kept object is freed when its last owner lets go; on, it stays until the process exits")
    func exitReclaims() {
        final class Table {}
        let reclaims = ExitReclaims()
        weak var gone: Table?
        do { let t = Table(); gone = t; reclaims.keep(t) }
        #expect(gone == nil && reclaims.count == 0)
        reclaims.turnOn()
        weak var kept: Table?
        do { let t = Table(); kept = t; reclaims.keep([t]) }
        #expect(kept != nil && reclaims.count == 1)
    }

    @Test("FNV-1a 64 matches the published test vectors", arguments: [
        ("", UInt64(0xcbf2_9ce4_8422_2325)), ("a", 0xaf63_dc4c_8601_ec8c), ("foobar", 0x8594_4171_f739_67e8),
    ])
    func fnv(_ text: String, _ hash: UInt64) {
        #expect(fnv1a64(text) == hash)
        #expect(fnv1a64(Array(text.utf8)) == hash)
    }

    @Test("matchingBytes marks exactly the bytes equal to the one sought — the CSV splitter and the cache-key reader rely on it — every value against every other")
    func matchingBytesExact() {
        for sought in UInt8.min...UInt8.max {
            for other in UInt8.min...UInt8.max {
                // The sought byte at places 0, 3 and 7, the other byte everywhere else.
                var word: UInt64 = 0
                for k in 0..<8 { word |= UInt64([0, 3, 7].contains(k) ? sought : other) << (8 * k) }
                let expected: UInt64 = sought == other ? 0x8080_8080_8080_8080 : 0x8000_0000_8000_0080
                #expect(matchingBytes(word, repeatedByte(sought)) == expected)
                if matchingBytes(word, repeatedByte(sought)) != expected { return }
            }
        }
    }
}
