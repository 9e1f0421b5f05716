#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Prefetch

// Intern at the edge: readers turn names into dense integer ids once, so the event loop
// compares and indexes integers and never hashes a String.

/// FNV-1a, 64-bit: a stable hash for anything that leaves the process (shard keys,
/// sampling, output order). Swift's `Hasher` is seeded per process and must not be used there.
/// - Complexity: O(n).
public func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
    fnv1a64(bytes, continuing: 0xcbf2_9ce4_8422_2325)
}

/// FNV-1a, 64-bit, of text that follows text whose hash is `h`: the hash of the two together,
/// so that a hash of pieces needs no string made of them.
public func fnv1a64(_ bytes: some Sequence<UInt8>, continuing h: UInt64) -> UInt64 {
    var h = h
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01b3
    }
    return h
}

/// FNV-1a, 64-bit, of a string's UTF-8 bytes.
public func fnv1a64(_ string: String) -> UInt64 {
    var s = string
    return s.withUTF8 { fnv1a64(UnsafeRawBufferPointer($0)) }
}

/// Whether two buffers hold the same bytes, eight at a time. In Swift rather than `memcmp`: the
/// buffers compared are short (names, URLs), and an opaque C call makes a caller that borrows
/// a `String`'s bytes retain it around the call — an atomic write to the string's header, which
/// the processor cannot overlap with other misses (the interner's lookup: 4 % of `run` on a CSV
/// trace, measured).
@inline(__always)
public func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    let n = a.count
    guard n == b.count else { return false }
    if n == 0 { return true }
    let p = a.baseAddress!, q = b.baseAddress!
    if n >= 8 {
        // Whole words, then the last eight bytes (overlapping the words before): no byte loop.
        var i = 0
        while i &+ 8 < n {
            if p.loadUnaligned(fromByteOffset: i, as: UInt64.self) != q.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i &+= 8
        }
        return p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) == q.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
    }
    if n >= 4 {
        return p.loadUnaligned(as: UInt32.self) == q.loadUnaligned(as: UInt32.self)
            && p.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self) == q.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
    }
    var i = 0
    while i < n {
        if p.load(fromByteOffset: i, as: UInt8.self) != q.load(fromByteOffset: i, as: UInt8.self) { return false }
        i &+= 1
    }
    return true
}

/// The bytes of `word` equal to the byte repeated in `pattern` (`repeatedByte`) get their high
/// bit set, the others none — exact, not a "maybe": the additions cannot carry from one byte
/// into the next. Eight bytes at a time for the scanners (CSV lines, URLs).
@inlinable @inline(__always)
public func matchingBytes(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
    let lowBits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    let x = word ^ pattern
    return ~(((x & lowBits) &+ lowBits) | x) & ~lowBits
}

/// `byte` in each of a word's eight bytes, the pattern `matchingBytes` looks for.
@inlinable @inline(__always)
public func repeatedByte(_ byte: UInt8) -> UInt64 { 0x0101_0101_0101_0101 &* UInt64(byte) }

/// The offset of the first control character — a byte below 0x20, or 0x7F, which no trace
/// text may hold — or nil. Every new string of a trace is checked, so whole words are passed
/// over eight bytes at a time: `(w − 0x20…) & ~w` sets the high bit of a byte below 0x20 (a
/// borrow may flag bytes after it as well, never one before, so the word's verdict is exact);
/// the word holding one is then searched byte by byte.
public func firstControlByte(_ bytes: UnsafeRawBufferPointer) -> Int? {
    let n = bytes.count
    var i = 0
    if let base = bytes.baseAddress {
        let spaces = repeatedByte(0x20), delete = repeatedByte(0x7F), highs = repeatedByte(0x80)
        while i &+ 8 <= n {
            let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            if ((w &- spaces) & ~w & highs) | matchingBytes(w, delete) != 0 { break }
            i &+= 8
        }
    }
    while i < n {
        let b = bytes[i]
        if b < 0x20 || b == 0x7F { return i }
        i &+= 1
    }
    return nil
}

/// The bytes as a `String` when they are valid UTF-8, else nil; ASCII (the common case in
/// traces) is checked eight bytes at a time and decoded without the generic validator.
@inline(__always)
public func validatedString(_ raw: UnsafeRawBufferPointer) -> String? {
    if isASCII(raw) { return String(decoding: raw, as: UTF8.self) }
    return String(validating: raw, as: UTF8.self)
}

/// Whether the bytes are valid UTF-8, without making a `String` of them when they are ASCII
/// (the common case in traces).
@inline(__always)
public func isValidUTF8(_ raw: UnsafeRawBufferPointer) -> Bool {
    isASCII(raw) || String(validating: raw, as: UTF8.self) != nil
}

/// Whether every byte is below 0x80, eight at a time.
@inline(__always)
public func isASCII(_ raw: UnsafeRawBufferPointer) -> Bool {
    let n = raw.count
    guard let base = raw.baseAddress, n > 0 else { return true }
    var high: UInt64 = 0
    if n >= 8 {
        // Whole words, then the last eight bytes (overlapping the words before): no byte loop.
        var i = 0
        while i &+ 8 < n {
            high |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i &+= 8
        }
        high |= base.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
    } else {
        var i = 0
        while i < n {
            high |= UInt64(base.load(fromByteOffset: i, as: UInt8.self))
            i &+= 1
        }
    }
    return high & 0x8080_8080_8080_8080 == 0
}

/// Whether every byte is printable ASCII, space included (0x20…0x7E): ASCII with no control
/// character, each checked eight bytes at a time. On such texts a byte is a `Character` and no
/// two texts are canonically equivalent, so `String`'s `==` and `hasPrefix` are comparisons of
/// bytes: what lets hot paths compare bytes yet answer as the `String` comparisons would.
public func isPrintableASCII(_ raw: UnsafeRawBufferPointer) -> Bool {
    isASCII(raw) && firstControlByte(raw) == nil
}

/// Whether every byte of the string's UTF-8 is printable ASCII (see the bytes' version).
public func isPrintableASCII(_ string: String) -> Bool {
    var s = string
    return s.withUTF8 { isPrintableASCII(UnsafeRawBufferPointer($0)) }
}

/// Dense ids (0, 1, 2, …) for distinct strings, in first-seen order.
///
/// The table is open addressing keyed by a hash of the UTF-8 bytes (eight at a time), so a
/// reader can look up a byte slice from a line without making a `String`; the bytes of a value
/// first seen are validated (UTF-8) and copied into the interner's `TextArena`, and no `String`
/// is made unless asked for (`string(_:)`). Ids are stable for the life of the interner and
/// depend only on the order of first appearance, never on the process or the hash.
///
/// A distinct string costs its bytes and 4 more in the arena, 8 bytes for where they are
/// (`ArenaText`), and 16–32 bytes of table: the table keeps no copy of the bytes and no hashes
/// (`TextIndex`). A trace of a million distinct URLs interns each once, and each new one is a
/// probe of a table of tens of megabytes: it lives in huge pages (`WordTable`).
///
/// Copies share the arena, which only grows: each copy's ids keep their texts whatever the
/// others add. Only one thread may add to an interner and its copies (the arena has one
/// appending thread); a `Catalog` keeps the arena of the URLs it takes (`arena`).
public struct Interner: Sendable {
    /// Where the texts are, by id.
    private var texts: [ArenaText] = []
    private var index = TextIndex()
    /// The texts' bytes. Holders of the interner's `ArenaText`s keep it alive.
    public let arena = TextArena()

    public init() {}

    /// The number of distinct strings.
    public var count: Int { texts.count }

    /// The strings in id order.
    public var allStrings: [String] { texts.map(\.string) }

    /// The id of `s`, adding it if new.
    public mutating func intern(_ s: String) -> UInt32 {
        var utf8 = s
        return utf8.withUTF8 { internValid(UnsafeRawBufferPointer($0)) }
    }

    /// The id of the UTF-8 text in `utf8`, adding it if new; nil when the bytes are not valid
    /// UTF-8. Validation happens only for new values.
    public mutating func intern(utf8: ArraySlice<UInt8>) -> UInt32? {
        utf8.withUnsafeBytes { intern(bytes: $0) }
    }

    /// The id of the UTF-8 text in `bytes`, adding it if new; nil when the bytes are not valid UTF-8.
    public mutating func intern(bytes raw: UnsafeRawBufferPointer) -> UInt32? {
        intern(bytes: raw, hash: Self.hash(raw))
    }

    /// `intern(bytes:)` for bytes whose `Interner.hash` is known already (a reader that hashed
    /// them to look ahead): the same id, without hashing them again.
    mutating func intern(bytes raw: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32? {
        assert(h == Self.hash(raw), "Interner.intern(bytes:hash:): the hash is not the bytes'")
        if let id = find(raw, hash: h) { return id }
        guard isValidUTF8(raw) else { return nil }
        return insert(raw, hash: h)
    }

    /// Adds a text under the next id without entering it in the table: lookups by text will not
    /// find it. For a reader whose file defines each text once and that checks so itself
    /// (`RepeatedDefinitions`, a `.pstrace`'s URLs), where entering each new text in a table of
    /// millions was a cache miss and the table's growth (5 % of a `.pstrace` run, `perf`); the
    /// text has its id and its bytes (`text(_:)`, `string(_:)`) as any other. Not to be mixed
    /// with `intern` on the same interner, whose lookups would miss these texts.
    /// - Returns: the id, or nil when the bytes are not valid UTF-8 (nothing is added).
    public mutating func appendUnindexed(_ raw: UnsafeRawBufferPointer) -> UInt32? {
        guard isValidUTF8(raw) else { return nil }
        precondition(texts.count < Int(UInt32.max), "Interner: more than 2^32 - 1 distinct strings")
        let id = UInt32(texts.count)
        texts.append(arena.append(raw))
        return id
    }

    /// Adds `raw`, which the caller has found not interned (`id(bytes:)`) and valid UTF-8,
    /// and returns its id: `intern(bytes:)` without a second lookup.
    mutating func add(new raw: UnsafeRawBufferPointer) -> UInt32 {
        insert(raw, hash: Self.hash(raw))
    }

    /// The id of the bytes in `bytes` if they have been interned, without adding them.
    public func id(bytes raw: UnsafeRawBufferPointer) -> UInt32? {
        find(raw, hash: Self.hash(raw))
    }

    /// `id(bytes:)` for bytes whose `Interner.hash` is known already (a reader that hashed them
    /// to look ahead): the same answer, without hashing them again.
    func id(bytes raw: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32? {
        assert(h == Self.hash(raw), "Interner.id(bytes:hash:): the hash is not the bytes'")
        return find(raw, hash: h)
    }

    /// Reads what lookups of the strings with these hashes (`Interner.hash`) will read first —
    /// each home slot, then the text it names, if any — for nothing but to bring them into the
    /// processor's cache: in loops of their own the misses overlap, where lookups one line at a
    /// time wait for each in turn. (A slot may name another string: harmless.) Overwrites
    /// `hashes` with the home slots' words (`idInTouchedSlot` reads them); returns a value of
    /// what it read, for the caller to keep.
    func touch(hashes: UnsafeMutablePointer<UInt64>, count: Int) -> UInt64 {
        index.homeSlots(hashes, count: count)
        var sink: UInt64 = 0
        texts.withUnsafeBufferPointer { all in
            for k in 0..<count {
                guard let id = Self.idInTouchedSlot(hashes[k]) else { continue }
                // The length, in the bytes before the text: on the line of its first bytes. A
                // URL's text often runs into the next line, which the comparison reads last
                // (its last eight bytes): that line is prefetched (perf, a CSV run: a third of
                // the lookups' time was that read).
                let text = all[id]
                prefetch(UnsafeRawPointer(text.start) + 56)
                sink &+= UInt64(text.count)
            }
        }
        return sink
    }

    /// The id a home slot that `touch` read names, nil for an empty one: nearly always the id
    /// of the string touched, which a caller may read ahead for by it (a hint: it may be
    /// another string's).
    @inline(__always)
    static func idInTouchedSlot(_ word: UInt64) -> Int? {
        word == 0 ? nil : Int(truncatingIfNeeded: word & 0xFFFF_FFFF) - 1
    }

    /// The table's hash: eight bytes at a time, multiply and fold, then a final mix. Internal to
    /// the table (ids do not depend on it), so it need not be the stable FNV-1a.
    @inline(__always)
    static func hash(_ raw: UnsafeRawBufferPointer) -> UInt64 { TextIndex.hash(raw) }

    /// The id of `s` if it has been interned.
    public func id(of s: String) -> UInt32? {
        var s = s
        return s.withUTF8 { id(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The id of the bytes in `utf8` if they have been interned, without adding them.
    public func id(utf8: ArraySlice<UInt8>) -> UInt32? {
        utf8.withUnsafeBytes { id(bytes: $0) }
    }

    /// The string with id `id` (made each time); the id must come from this interner.
    public func string(_ id: UInt32) -> String { texts[Int(id)].string }

    /// The UTF-8 bytes of id `id`.
    public func utf8(_ id: UInt32) -> ArenaBytes { ArenaBytes(texts[Int(id)], in: arena) }

    /// Where the bytes of id `id` are in `arena`, for a holder that keeps the arena.
    public func text(_ id: UInt32) -> ArenaText { texts[Int(id)] }

    private mutating func internValid(_ raw: UnsafeRawBufferPointer) -> UInt32 {
        let h = Self.hash(raw)
        if let id = find(raw, hash: h) { return id }
        return insert(raw, hash: h)
    }

    @inline(__always)
    private func find(_ raw: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32? {
        texts.withUnsafeBufferPointer { all in index.find(raw, hash: h) { all[$0].rawBytes } }
    }

    private mutating func insert(_ raw: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32 {
        precondition(texts.count < Int(UInt32.max), "Interner: more than 2^32 - 1 distinct strings")
        let id = UInt32(texts.count)
        texts.append(arena.append(raw))
        index.insert(id, hash: h)
        return id
    }
}

/// Ids by text for texts kept elsewhere (an `Interner`'s arena, a `Catalog`'s URLs): open
/// addressing keyed by a hash of the bytes, each slot the id + 1 in its low 32 bits (0: empty)
/// and the hash's top 32 bits in the high ones, which also choose the home slot. A probe passes
/// other texts' slots without reading their bytes (each such read is a cache miss once the
/// table is large), and growing re-places slots from their own words, without rehashing a text.
package struct TextIndex: Sendable {
    private var slots = WordTable(count: 16, repeating: 0)
    /// The number of ids entered.
    package private(set) var count = 0

    package init() {}

    /// The index's hash: eight bytes at a time, multiply and fold, then a final mix. Internal to
    /// the table (ids do not depend on it), so it need not be the stable FNV-1a.
    @inline(__always)
    package static func hash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        let n = raw.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        var i = 0
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h &>> 29
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            if n >= 8 {
                // The last eight bytes, overlapping the words before (the length is in the seed).
                tail = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            } else {
                var shift: UInt64 = 0
                while i < n {
                    tail |= UInt64(raw[i]) &<< shift
                    shift += 8
                    i += 1
                }
            }
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        }
        h ^= h &>> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        return h ^ (h &>> 33)
    }

    /// The id of the text `raw` (whose hash is `h`), if entered; `text(id)` gives an entered
    /// id's bytes, read only for slots whose stored hash bits match.
    @inline(__always)
    package func find(_ raw: UnsafeRawBufferPointer, hash h: UInt64, text: (Int) -> UnsafeRawBufferPointer) -> UInt32? {
        find(hash: h) { sameBytes(text($0), raw) }
    }

    /// The first entered id whose hash bits match `h` and for which `isMatch` says yes, or nil:
    /// `isMatch` is asked only about ids whose slots carry the hash's top 32 bits, so a caller
    /// that keeps its texts elsewhere is rarely asked.
    @inline(__always)
    package func find(hash h: UInt64, where isMatch: (Int) -> Bool) -> UInt32? {
        let mask = slots.count - 1
        let tag = h & 0xFFFF_FFFF_0000_0000
        var i = Self.home(tag, mask: mask)
        while true {
            let slot = slots[i]
            if slot == 0 { return nil }
            if slot & 0xFFFF_FFFF_0000_0000 == tag {
                let id = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                if isMatch(id) { return UInt32(id) }
            }
            i = (i + 1) & mask
        }
    }

    /// Enters `id` for a text whose hash is `h` and which is not entered yet.
    package mutating func insert(_ id: UInt32, hash h: UInt64) {
        count += 1
        if count * 2 > slots.count { grow() }
        place((h & 0xFFFF_FFFF_0000_0000) | UInt64(id + 1))
    }

    /// Replaces each of the hashes with the word of its home slot (0: empty), reading the slots
    /// in one loop so that their misses overlap (`Interner.touch`).
    func homeSlots(_ hashes: UnsafeMutablePointer<UInt64>, count: Int) {
        let mask = slots.count - 1
        for k in 0..<count { hashes[k] = slots[Self.home(hashes[k] & 0xFFFF_FFFF_0000_0000, mask: mask)] }
    }

    /// The slot a hash starts its probe at, from the bits a slot keeps.
    @inline(__always)
    private static func home(_ tagged: UInt64, mask: Int) -> Int { Int(truncatingIfNeeded: tagged &>> 32) & mask }

    /// Puts a slot's word at the first empty slot from its home.
    private mutating func place(_ word: UInt64) {
        let mask = slots.count - 1
        var i = Self.home(word, mask: mask)
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = word
    }

    /// Doubles the table, re-placing every slot from its own word.
    private mutating func grow() {
        let old = slots
        slots = WordTable(count: old.count * 2, repeating: 0)
        old.withUnsafeBufferPointer { words in
            for word in words where word != 0 { place(word) }
        }
    }
}
