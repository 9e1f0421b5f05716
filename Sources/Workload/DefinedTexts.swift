/// The texts a file has defined, known by their hashes and places in the file rather than their
/// bytes: for a reader whose caller needs only the ids the file gives its texts — a cache-only
/// replay of a `.pstrace` numbers objects by URL id — but that must still refuse a text defined
/// twice, as it would with an `Interner`.
///
/// A text costs a slot of a `TextIndex` (16–32 bytes) and 8 bytes for where the file holds it,
/// against its bytes, 12 more and the same slot in an `Interner`: the 100M-request day's 14.2M
/// URLs are about a gigabyte of text a replay never reads. A hash match is confirmed by reading
/// the earlier text back from the file (`sameAsEarlier`), so the answer is exact: different
/// texts share a slot's 32 hash bits about once in 4 × 10⁹ probes, and a file that defines a
/// text twice is refused at its second definition.
package struct DefinedTexts {
    /// A place in the file: the text's offset in the high 39 bits (512 GiB), its length in the
    /// low 25 (`PopsimTraceFormat.maxStringLength` is 2²⁴).
    package typealias Place = UInt64

    /// The largest file whose places fit a `Place`.
    package static let largestFile: Int64 = 1 << 39

    private var index = TextIndex()
    private var places: [Place] = []

    package init() {}

    /// Texts defined so far.
    package var count: Int { places.count }

    /// The place of a text of `length` bytes at `offset`.
    package static func place(offset: Int64, length: Int) -> Place {
        precondition(offset >= 0 && offset < largestFile && length >= 0 && length <= 1 << 24, "DefinedTexts: a place out of range")
        return UInt64(offset) << 25 | UInt64(length)
    }

    /// The offset and length a place stands for.
    package static func offsetAndLength(_ place: Place) -> (offset: Int64, length: Int) {
        (Int64(place >> 25), Int(place & (1 << 25 - 1)))
    }

    /// Adds `text`, found at `place`, as the next id — unless it was defined before: then the
    /// earlier definition's id, and nothing added.
    /// - Parameter sameAsEarlier: whether the text at an earlier place is `text` (asked only
    ///   when the hashes agree); it may read the file.
    package mutating func add(_ text: UnsafeRawBufferPointer, at place: Place,
                              sameAsEarlier: (Place) -> Bool) -> UInt32? {
        let h = TextIndex.hash(text)
        let earlier = places.withUnsafeBufferPointer { known in index.find(hash: h) { sameAsEarlier(known[$0]) } }
        if let earlier { return earlier }
        precondition(places.count < Int(UInt32.max), "DefinedTexts: more than 2^32 - 1 texts")
        index.insert(UInt32(places.count), hash: h)
        places.append(place)
        return nil
    }
}
