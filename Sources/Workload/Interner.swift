#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Intern at the edge: readers turn names into dense integer ids once, so the event loop
// compares and indexes integers and never hashes a String.

/// FNV-1a, 64-bit: a stable hash for anything that leaves the process (shard keys,
/// sampling, output order). Swift's `Hasher` is seeded per process and must not be used there.
/// - Complexity: O(n).
public func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
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
    var i = 0
    var high: UInt64 = 0
    while i + 8 <= raw.count {
        high |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        i += 8
    }
    while i < raw.count {
        high |= UInt64(raw[i])
        i += 1
    }
    if high & 0x8080_8080_8080_8080 == 0 { return String(decoding: raw, as: UTF8.self) }
    return String(validating: raw, as: UTF8.self)
}

/// Dense ids (0, 1, 2, …) for distinct strings, in first-seen order.
///
/// The table is open addressing keyed by a hash of the UTF-8 bytes (eight at a time), so a
/// reader can look up a byte slice from a line without first making a `String`; the `String` is
/// made once, when a value is first seen. Ids are stable for the life of the interner and depend
/// only on the order of first appearance, never on the process or the hash.
///
/// A distinct string costs its `String` and 16–32 bytes of table: the table keeps no copy of
/// the bytes and no hashes (a match is checked against the `String`, the home slot comes from
/// the hash bits a slot keeps, so growing re-places slots without rehashing a string). A trace
/// of a million distinct URLs interns each once, and each new one is a probe of a table of
/// tens of megabytes: it lives in huge pages (`WordTable`).
public struct Interner: Sendable {
    private var strings: [String] = []
    /// Open addressing: id + 1 in the low 32 bits (0: empty) and the hash's top 32 bits in the
    /// high ones, which also choose the home slot; a probe passes other strings' slots without
    /// reading their text (each such read is a cache miss once the table is large).
    private var slots = WordTable(count: 16, repeating: 0)

    public init() {}

    /// The number of distinct strings.
    public var count: Int { strings.count }

    /// The strings in id order.
    public var allStrings: [String] { strings }

    /// The id of `s`, adding it if new.
    public mutating func intern(_ s: String) -> UInt32 {
        var utf8 = s
        return utf8.withUTF8 { internValid(UnsafeRawBufferPointer($0), knownString: s) }
    }

    /// The id of the UTF-8 text in `utf8`, adding it if new; nil when the bytes are not valid
    /// UTF-8. Validation and the `String` happen only for new values.
    public mutating func intern(utf8: ArraySlice<UInt8>) -> UInt32? {
        utf8.withUnsafeBytes { intern(bytes: $0) }
    }

    /// The id of the UTF-8 text in `bytes`, adding it if new; nil when the bytes are not valid UTF-8.
    public mutating func intern(bytes raw: UnsafeRawBufferPointer) -> UInt32? {
        let h = Self.hash(raw)
        if let id = find(raw, hash: h) { return id }
        guard let s = validatedString(raw) else { return nil }
        return insert(hash: h, string: s)
    }

    /// The id of the bytes in `bytes` if they have been interned, without adding them.
    public func id(bytes raw: UnsafeRawBufferPointer) -> UInt32? {
        find(raw, hash: Self.hash(raw))
    }

    /// Reads what lookups of the strings with these hashes (`Interner.hash`) will read first —
    /// each home slot, then the string it names, if any — for nothing but to bring them into the
    /// processor's cache: in loops of their own the misses overlap, where lookups one line at a
    /// time wait for each in turn. (A slot may name another string: harmless.) Overwrites
    /// `hashes`; returns a value of what it read, for the caller to keep.
    func touch(hashes: UnsafeMutablePointer<UInt64>, count: Int) -> UInt64 {
        let mask = slots.count - 1
        for k in 0..<count { hashes[k] = slots[Self.home(hashes[k] & 0xFFFF_FFFF_0000_0000, mask: mask)] }
        var sink: UInt64 = 0
        strings.withUnsafeBufferPointer { all in
            for k in 0..<count where hashes[k] != 0 {
                let id = Int(truncatingIfNeeded: hashes[k] & 0xFFFF_FFFF) - 1
                sink &+= UInt64(all[id].utf8.withContiguousStorageIfAvailable { ($0.first ?? 0) &+ ($0.last ?? 0) } ?? 0)
            }
        }
        return sink
    }

    /// The table's hash: eight bytes at a time, multiply and fold, then a final mix. Internal to
    /// the table (ids do not depend on it), so it need not be the stable FNV-1a.
    @inline(__always)
    static func hash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
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

    /// The id of `s` if it has been interned.
    public func id(of s: String) -> UInt32? {
        var s = s
        return s.withUTF8 { id(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The id of the bytes in `utf8` if they have been interned, without adding them.
    public func id(utf8: ArraySlice<UInt8>) -> UInt32? {
        utf8.withUnsafeBytes { id(bytes: $0) }
    }

    /// The string with id `id`; the id must come from this interner.
    public func string(_ id: UInt32) -> String { strings[Int(id)] }

    /// The UTF-8 bytes of id `id`.
    public func utf8(_ id: UInt32) -> String.UTF8View { strings[Int(id)].utf8 }

    private mutating func internValid(_ raw: UnsafeRawBufferPointer, knownString: String) -> UInt32 {
        let h = Self.hash(raw)
        if let id = find(raw, hash: h) { return id }
        return insert(hash: h, string: knownString)
    }

    /// The slot a hash starts its probe at, from the bits a slot keeps.
    @inline(__always)
    private static func home(_ tagged: UInt64, mask: Int) -> Int { Int(truncatingIfNeeded: tagged &>> 32) & mask }

    private func find(_ raw: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32? {
        let mask = slots.count - 1
        let tag = h & 0xFFFF_FFFF_0000_0000
        var i = Self.home(tag, mask: mask)
        while true {
            let slot = slots[i]
            if slot == 0 { return nil }
            if slot & 0xFFFF_FFFF_0000_0000 == tag {
                let id = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                // Borrowed in place (a copy would retain it); native strings are contiguous.
                let same = strings.withUnsafeBufferPointer { all in
                    all[id].utf8.withContiguousStorageIfAvailable { sameBytes(UnsafeRawBufferPointer($0), raw) }
                }
                if same ?? Self.same(strings[id], raw) { return UInt32(id) }
            }
            i = (i + 1) & mask
        }
    }

    /// Whether `s` is exactly the bytes `raw`.
    @inline(__always)
    private static func same(_ s: String, _ raw: UnsafeRawBufferPointer) -> Bool {
        var s = s
        return s.withUTF8 { stored in sameBytes(UnsafeRawBufferPointer(stored), raw) }
    }

    private mutating func insert(hash h: UInt64, string: String) -> UInt32 {
        precondition(strings.count < Int(UInt32.max), "Interner: more than 2^32 - 1 distinct strings")
        let id = strings.count
        strings.append(string)
        if strings.count * 2 > slots.count { grow() }
        place((h & 0xFFFF_FFFF_0000_0000) | UInt64(id + 1))
        return UInt32(id)
    }

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
