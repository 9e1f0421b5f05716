/// The texts a trace defines, checked for one defined twice once the whole file is read, not
/// one definition at a time.
///
/// A `.pstrace` file defines each URL once (docs/trace-format.md), and a reader must refuse one
/// that does not: the catalog takes two ids to be two texts. Checked as they come, each new URL
/// was an insert into a table of every URL so far — a cache miss in a table of millions, and the
/// table's growth: 22 % of `cachesim` on the bench's 1-POP `.pstrace` and 4 % of `run` (`perf`),
/// for files that popsim's own writer never gets wrong. Here a definition costs its hash,
/// appended in order (8 bytes, no table, and as much scratch at the end); at the end `sharedHashes` groups the hashes by their
/// top bits in three sequential passes, and `firstRepeat` compares the texts of equal hashes. The
/// answer is exact — texts are compared, not hashes — and it is the repeat a check one at a time
/// would have found first: the earliest definition of a text defined before.
///
/// The cost of finding it at the end: a file that repeats a URL is refused after its last record
/// rather than at that record — by a reader that gives no result before its end, the same exit
/// and the same message; an error met on the way (a truncated file) is then the one given.
package struct RepeatedDefinitions: Sendable {
    /// Per definition, in order (the id it was given): its text's `TextIndex.hash`.
    private var hashes: [UInt64] = []
    /// Where each is — the file offset of its define record, and the request number a repeat's
    /// error names (the requests before it, plus 1) — when kept: a reader that can read its
    /// file again finds them there for the rare file that has a repeat, and keeps 8 bytes a
    /// definition instead of 24 (14.2M URLs on a 100M-request day: 114 MB, not 341).
    private var locations: [(record: Int64, line: Int)]?

    /// - Parameter keepingLocations: whether `location(of:)` is to answer (a file read once, a pipe).
    package init(keepingLocations: Bool) {
        locations = keepingLocations ? [] : nil
    }

    /// Definitions noted so far.
    package var count: Int { hashes.count }

    /// Whether `location(of:)` answers.
    package var keepsLocations: Bool { locations != nil }

    /// Notes the next definition: its text's hash (`TextIndex.hash`), the file offset of its
    /// record, and the request number its error would name (kept only when `keepsLocations`).
    @inline(__always)
    package mutating func note(hash: UInt64, record: Int64, line: Int) {
        hashes.append(hash)
        locations?.append((record, line))
    }

    /// The file offset of definition `id`'s record, and the request number its error names;
    /// nil unless `keepsLocations`.
    package func location(of id: Int) -> (record: Int64, line: Int)? { locations?[id] }

    /// The hashes two or more definitions have: empty when every text is new — the answer
    /// nearly always, and the end of the check; else a repeat or (about once in 2^64 / n²) two
    /// texts with one hash, for `firstRepeat` to tell apart.
    ///
    /// Without `keepsLocations` no `firstRepeat` follows (a reader that finds a shared hash reads
    /// its file again, keeping them), so the hashes are grouped in place — 8 bytes a definition
    /// of scratch at the end, not 16 — and `firstRepeat` may not be asked.
    package mutating func sharedHashes() -> Set<UInt64> {
        if keepsLocations { return Self.repeatedValues(hashes) }
        hashesGrouped = true
        return Self.repeatedValues(grouping: &hashes)
    }

    /// Whether `sharedHashes` has grouped the hashes in place, out of their order.
    private var hashesGrouped = false

    /// The first definition, in order, whose text an earlier one had: its id and that earlier
    /// one's; nil when every text is new.
    /// - Parameters:
    ///   - shared: `sharedHashes()`.
    ///   - text: definition `id`'s bytes; asked once for each definition whose hash is shared,
    ///     never for the others (texts are compared, so the answer never rests on a hash).
    package func firstRepeat<E: Error>(among shared: Set<UInt64>,
                                       text: (_ id: Int) throws(E) -> [UInt8]) throws(E) -> (earlier: Int, later: Int)? {
        precondition(!hashesGrouped, "RepeatedDefinitions.firstRepeat: the hashes were grouped in place")
        if shared.isEmpty { return nil }
        // In order, each against the texts before it: the first found has the smallest later id,
        // and its earlier id is the text's first. Keyed by the bytes in a Dictionary (Swift's
        // seeded hash), so that many texts with one `TextIndex.hash` — a file crafted so — cost
        // a read each, where comparing them in pairs read the file for every pair (1,300 such
        // URLs: 3.4M reads, 2 s; QA pass, stop 33).
        var first: [[UInt8]: Int] = [:]
        for (id, h) in hashes.enumerated() where shared.contains(h) {
            let bytes = try text(id)
            if let earlier = first[bytes] { return (earlier, id) }
            first[bytes] = id
        }
        return nil
    }

    /// The values that occur more than once. Equal values share their top 22 bits, so the
    /// values are grouped by those — two passes of a least-significant-digit radix sort, 11 bits
    /// each, their counts taken in one pass before — and compared within each group: a few
    /// values each (1M random values make 4M groups), sorted first when a group is large (a file
    /// that repeats one text many times). Three sequential passes, where a sort on all 64 bits
    /// took six (1.5 % of the bench's 1-POP run, `perf`).
    static func repeatedValues(_ values: [UInt64]) -> Set<UInt64> {
        var copy = values
        return repeatedValues(grouping: &copy)
    }

    /// `repeatedValues`, leaving `values` grouped by their top 22 bits (out of their order).
    static func repeatedValues(grouping values: inout [UInt64]) -> Set<UInt64> {
        let n = values.count
        guard n > 1 else { return [] }
        let buckets = 1 << 11, mask = UInt64(buckets - 1)
        @inline(__always) func low(_ v: UInt64) -> Int { Int(truncatingIfNeeded: (v &>> 42) & mask) }
        @inline(__always) func high(_ v: UInt64) -> Int { Int(truncatingIfNeeded: v &>> 53) }
        var counts = [Int](repeating: 0, count: 2 * buckets)
        var middle = [UInt64](repeating: 0, count: n)
        values.withUnsafeMutableBufferPointer { io in
            counts.withUnsafeMutableBufferPointer { c in
                for v in io { c[low(v)] &+= 1; c[buckets &+ high(v)] &+= 1 }
                var sumLow = 0, sumHigh = 0
                for k in 0..<buckets {
                    let l = c[k], h = c[buckets &+ k]
                    c[k] = sumLow; c[buckets &+ k] = sumHigh
                    sumLow &+= l; sumHigh &+= h
                }
                middle.withUnsafeMutableBufferPointer { m in
                    for v in io { let d = low(v); m[c[d]] = v; c[d] &+= 1 }
                    for v in m { let d = buckets &+ high(v); io[c[d]] = v; c[d] &+= 1 }
                }
            }
        }
        let grouped = values
        var shared = Set<UInt64>()
        var start = 0
        while start < n {
            let top = grouped[start] &>> 42
            var end = start &+ 1
            while end < n && grouped[end] &>> 42 == top { end &+= 1 }
            if end &- start > 16 {
                let group = grouped[start..<end].sorted()
                for i in 1..<group.count where group[i] == group[i &- 1] { shared.insert(group[i]) }
            } else {
                for i in start..<end { for k in start..<i where grouped[k] == grouped[i] { shared.insert(grouped[i]) } }
            }
            start = end
        }
        return shared
    }
}
