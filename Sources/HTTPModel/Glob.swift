/// `*`-wildcard matching as OSS applies it to AllowedOrigin and AllowedHeader entries.
enum Glob {
    /// Whether `text` matches `pattern`, where each `*` stands for any run of characters
    /// (the empty run included) and every other character stands for itself.
    ///
    /// OSS allows one `*` per entry; more are matched the same way rather than rejected here,
    /// because refusing them is ``OSSCORSConfiguration/validate()``'s job.
    ///
    /// - Parameter caseInsensitive: ASCII case folding, for header names.
    /// - Complexity: O(*m* + *n*) whatever the pattern: see `matches(_:_:caseInsensitive:work:)`.
    static func matches(_ text: String, pattern: String, caseInsensitive: Bool = false) -> Bool {
        var work = 0
        return matches(Array(text.utf8), Array(pattern.utf8), caseInsensitive: caseInsensitive, work: &work)
    }

    /// The matcher on bytes, counting its steps in `work` (byte comparisons and table entries),
    /// so a test can show the cost is linear on adversarial values.
    ///
    /// The pattern is cut at its stars into literal pieces. The first piece must start the text
    /// and the last end it; the pieces between are found left to right, each at its leftmost
    /// place after the one before (taking the leftmost place never loses a match, since a star
    /// can absorb anything). Each search is Knuth–Morris–Pratt, which never re-reads the text,
    /// so long runs of `*`, `a*a*a*…` against `aaaa…` and the like cost O(*m* + *n*), where the
    /// classic backtracking matcher costs O(*m* × *n*).
    static func matches(_ text: [UInt8], _ pattern: [UInt8], caseInsensitive: Bool, work: inout Int) -> Bool {
        let t = caseInsensitive ? text.map(\.asciiLowercased) : text
        let p = caseInsensitive ? pattern.map(\.asciiLowercased) : pattern
        let pieces = p.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false)
        work += p.count
        guard pieces.count > 1 else {
            work += min(t.count, p.count)
            return t == p
        }
        let first = pieces.first!, last = pieces.last!
        guard first.count + last.count <= t.count else { return false }
        work += first.count + last.count
        guard t.starts(with: first), t[(t.count - last.count)...].elementsEqual(last) else { return false }
        var from = first.count
        let end = t.count - last.count
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let at = firstIndex(of: piece, in: t, from: from, to: end, work: &work) else { return false }
            from = at + piece.count
        }
        return true
    }

    /// Where `needle` first occurs in `text[from..<to]` (Knuth–Morris–Pratt), or nil.
    /// - Complexity: O(`needle.count` + `to - from`).
    static func firstIndex(of needle: ArraySlice<UInt8>, in text: [UInt8], from: Int, to: Int, work: inout Int) -> Int? {
        let n = Array(needle)
        guard n.count <= to - from else { return nil }
        // border[i]: the length of the longest proper border of n[0...i].
        var border = [Int](repeating: 0, count: n.count)
        var k = 0
        for i in 1..<max(n.count, 1) {
            while k > 0 && n[i] != n[k] { k = border[k - 1]; work += 1 }
            if n[i] == n[k] { k += 1 }
            border[i] = k
            work += 1
        }
        var matched = 0
        for i in from..<to {
            while matched > 0 && text[i] != n[matched] { matched = border[matched - 1]; work += 1 }
            if text[i] == n[matched] { matched += 1 }
            work += 1
            if matched == n.count { return i + 1 - n.count }
        }
        return nil
    }
}
