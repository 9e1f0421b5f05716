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

    @Test("FNV-1a 64 matches the published test vectors", arguments: [
        ("", UInt64(0xcbf2_9ce4_8422_2325)), ("a", 0xaf63_dc4c_8601_ec8c), ("foobar", 0x8594_4171_f739_67e8),
    ])
    func fnv(_ text: String, _ hash: UInt64) {
        #expect(fnv1a64(text) == hash)
        #expect(fnv1a64(Array(text.utf8)) == hash)
    }
}
