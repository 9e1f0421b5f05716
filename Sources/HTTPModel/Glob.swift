/// `*`-wildcard matching as OSS applies it to AllowedOrigin and AllowedHeader entries.
enum Glob {
    /// Whether `text` matches `pattern`, where each `*` stands for any run of characters
    /// (the empty run included) and every other character stands for itself.
    ///
    /// OSS allows one `*` per entry; more are matched the same way rather than rejected here,
    /// because refusing them is ``OSSCORSConfiguration/validate()``'s job.
    ///
    /// - Parameter caseInsensitive: ASCII case folding, for header names.
    /// - Complexity: O(*m* × *n*) worst case; no exponential backtracking (the classic
    ///   two-pointer algorithm only ever resumes from the last `*`).
    static func matches(_ text: String, pattern: String, caseInsensitive: Bool = false) -> Bool {
        func fold(_ b: UInt8) -> UInt8 { caseInsensitive && b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
        let t = Array(text.utf8), p = Array(pattern.utf8)
        let star = UInt8(ascii: "*")
        var ti = 0, pi = 0
        var lastStar: Int? = nil, resume = 0
        while ti < t.count {
            if pi < p.count, p[pi] == star {
                lastStar = pi
                resume = ti
                pi += 1
            } else if pi < p.count, fold(p[pi]) == fold(t[ti]) {
                pi += 1
                ti += 1
            } else if let s = lastStar {
                pi = s + 1
                resume += 1
                ti = resume
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == star { pi += 1 }
        return pi == p.count
    }
}
