import Testing
@testable import Workload

/// `ShortTextMemo` answers from a text's length and three words read from it: these tests hold
/// it to the bytes — a text that differs anywhere, or in length, is never taken for another.
@Suite("Short text memo")
struct ShortTextMemoTests {
    static func id(_ memo: ShortTextMemo, _ text: [UInt8]) -> UInt32? { text.withUnsafeBytes { memo.id($0) } }
    static func remember(_ memo: ShortTextMemo, _ text: [UInt8], _ id: UInt32) { text.withUnsafeBytes { memo.remember($0, id) } }

    @Test("every length up to 24: a remembered text is found; the same text with any one byte changed, or one byte shorter or longer, is not",
          arguments: 0...24)
    func exact(length: Int) {
        let text = (0..<length).map { UInt8(0x41 + $0) }
        let memo = ShortTextMemo()
        #expect(Self.id(memo, text) == nil, "empty memo")
        Self.remember(memo, text, 7)
        #expect(Self.id(memo, text) == 7)
        for at in 0..<length {
            var other = text
            other[at] ^= 0x20
            #expect(Self.id(memo, other) == nil, "byte \(at) changed")
            // Remembered too, it takes its own answer and leaves the first text's alone or
            // drops it (a place holds one text), never gives it the other's id.
            let both = ShortTextMemo()
            Self.remember(both, text, 1)
            Self.remember(both, other, 2)
            #expect(Self.id(both, other) == 2)
            #expect(Self.id(both, text) == 1 || Self.id(both, text) == nil)
        }
        if length > 0 { #expect(Self.id(memo, Array(text.dropLast())) == nil, "one byte shorter") }
        if length < 24 { #expect(Self.id(memo, text + [0x41 + UInt8(length)]) == nil, "one byte longer") }
        #expect(Self.id(memo, text + [0]) == nil && Self.id(memo, [0] + text) == nil, "a zero byte added is another text")
    }

    @Test("texts longer than 24 bytes are never remembered")
    func long() {
        let memo = ShortTextMemo()
        let text = Array("https://www.example.com:8443".utf8)
        #expect(text.count > ShortTextMemo.maxLength)
        Self.remember(memo, text, 3)
        #expect(Self.id(memo, text) == nil)
    }

    @Test("hundreds of texts in 64 places: each answer is the text's own id or none")
    func crowded() {
        let memo = ShortTextMemo()
        let texts = (0..<500).map { Array("p\($0 * 7919 % 10_007)-\(String(repeating: "x", count: $0 % 20))".utf8) }
        for (i, t) in texts.enumerated() { Self.remember(memo, t, UInt32(i)) }
        var found = 0
        for (i, t) in texts.enumerated() {
            if let id = Self.id(memo, t) {
                #expect(id == UInt32(i), "\(String(decoding: t, as: UTF8.self))")
                found += 1
            }
        }
        #expect(found > 0 && found <= 64)
        // The last one remembered (of at most 24 bytes) is always found.
        let last = texts.indices.last { texts[$0].count <= ShortTextMemo.maxLength }!
        #expect(last > 400 && Self.id(memo, texts[last]) == UInt32(last))
    }
}
