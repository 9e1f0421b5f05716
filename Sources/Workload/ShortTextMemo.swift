/// The ids of short texts seen lately, found by their bytes without hashing them: a memo in
/// front of an `Interner` for a column of few distinct short values (a trace's POPs, page
/// origins, kinds, methods).
///
/// A CSV line looks up four such fields; each `Interner.id(bytes:)` hashes the bytes, probes
/// its table and compares the text it finds — a tenth of a CSV run's reading thread (`perf`).
/// Here a text of at most 24 bytes is its length and three words read from it (overlapping
/// when it is shorter), which name it exactly; they choose one of 64 places, and a lookup is
/// three compares. A place holds the last text remembered there: a miss only costs the
/// interner's lookup, and the memo never answers for a text it was not told.
///
/// A reference, allocated once per reader; one thread at a time.
final class ShortTextMemo {
    /// The longest text the memo holds.
    static let maxLength = 24
    private static let places = 64

    private struct Entry {
        /// The text's length, or -1 for an empty place.
        var length: Int
        var words: (UInt64, UInt64, UInt64)
        var id: UInt32
    }

    private let entries: UnsafeMutablePointer<Entry>

    init() {
        entries = .allocate(capacity: Self.places)
        entries.initialize(repeating: Entry(length: -1, words: (0, 0, 0), id: 0), count: Self.places)
    }

    deinit { entries.deallocate() }

    /// Three words that, with the length, are the bytes of a text of at most 24 bytes (read
    /// within its bytes only: the last word overlaps the ones before when the text is shorter).
    @inline(__always)
    private static func words(_ raw: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64) {
        let n = raw.count
        guard let base = raw.baseAddress, n > 0 else { return (0, 0, 0) }
        if n >= 8 {
            let first = base.loadUnaligned(as: UInt64.self)
            let middle = n > 16 ? base.loadUnaligned(fromByteOffset: 8, as: UInt64.self) : 0
            return (first, middle, base.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self))
        }
        if n >= 4 {
            return (UInt64(base.loadUnaligned(as: UInt32.self)), 0, UInt64(base.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)))
        }
        var word: UInt64 = 0
        for i in 0..<n { word |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) &<< (8 &* UInt64(i)) }
        return (word, 0, 0)
    }

    @inline(__always)
    private static func place(_ n: Int, _ w: (UInt64, UInt64, UInt64)) -> Int {
        let mixed = (w.0 ^ w.1 &* 0x9E37_79B9_7F4A_7C15 ^ w.2 &* 0xC2B2_AE3D_27D4_EB4F ^ UInt64(truncatingIfNeeded: n)) &* 0xFF51_AFD7_ED55_8CCD
        return Int(truncatingIfNeeded: mixed &>> 58)
    }

    /// The id remembered for these bytes, or nil.
    @inline(__always)
    func id(_ raw: UnsafeRawBufferPointer) -> UInt32? {
        let n = raw.count
        guard n <= Self.maxLength else { return nil }
        let w = Self.words(raw)
        let e = entries[Self.place(n, w)]
        return e.length == n && e.words.0 == w.0 && e.words.1 == w.1 && e.words.2 == w.2 ? e.id : nil
    }

    /// The id remembered for these bytes, else `lookUp`'s answer, then remembered.
    @inline(__always)
    func id(_ raw: UnsafeRawBufferPointer, else lookUp: (UnsafeRawBufferPointer) -> UInt32?) -> UInt32? {
        if let id = id(raw) { return id }
        guard let id = lookUp(raw) else { return nil }
        remember(raw, id)
        return id
    }

    /// Remembers `id` for these bytes (nothing when they are longer than `maxLength`).
    @inline(__always)
    func remember(_ raw: UnsafeRawBufferPointer, _ id: UInt32) {
        let n = raw.count
        guard n <= Self.maxLength else { return }
        let w = Self.words(raw)
        entries[Self.place(n, w)] = Entry(length: n, words: w, id: id)
    }
}
