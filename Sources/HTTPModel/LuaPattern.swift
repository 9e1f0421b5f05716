/// A Lua 5.1 pattern (Lua 5.1 reference manual §5.4.1), compiled once and matched without
/// backtracking.
///
/// popsim needs it because the Alibaba CDN's `%-` escape (seed: "replace `-` with `%-`") reads
/// like a Lua pattern escape, and under that reading an unescaped `-` is the lazy "zero or more"
/// quantifier (SEMANTICS.md §3.5). The boolean outcome is the same as Lua's `string.find`:
/// Lua's matcher backtracks through every repetition count of `*`, `-` and `?`, so whether a
/// match exists does not depend on greedy versus lazy order, and a set-of-states simulation
/// gives the same answer in O(pattern × subject) time instead of Lua's exponential worst case.
///
/// Supported: literals, `.`, `%a %c %d %l %p %s %u %w %x %z` and their upper-case complements,
/// `%` before a non-alphanumeric character, sets `[...]` and `[^...]` with ranges and classes,
/// the quantifiers `*` `+` `-` `?`, the anchors `^` (first character) and `$` (last character),
/// captures `(...)` and `()` (which do not change whether a pattern matches), `%bxy` and `%f[set]`.
/// Back-references `%1`–`%9` are refused with ``LuaPatternError/unsupported(_:)``. Matching is
/// over UTF-8 bytes and the C locale, as Lua's is.
///
/// Lua raises "malformed pattern" only when its matcher reaches the bad part; here the whole
/// pattern is checked when compiled. Whether a subject matches is unaffected: Lua cannot report
/// a match without reaching every part of the pattern, and a POP that hits a Lua error sends no
/// header either way. Checked against Lua 5.1.5 `string.find` on 20,000 random patterns.
public struct LuaPattern: Hashable, Sendable {
    /// The pattern as written.
    public let source: String
    let items: [Item]
    let anchoredAtStart: Bool
    let anchoredAtEnd: Bool

    /// Compiles `source`.
    /// - Throws: ``LuaPatternError`` where Lua 5.1 would raise "malformed pattern" (or for a
    ///   back-reference, which popsim does not emulate).
    public init(_ source: String) throws(LuaPatternError) {
        self.source = source
        let bytes = Array(source.utf8)
        // Lua 5.1 `str_find_aux`: a pattern with none of its SPECIALS is a plain substring, so
        // `)` or `]` alone is never an error.
        if !bytes.contains(where: { Self.specials.contains($0) }) {
            self.items = bytes.map { .single(ByteSet(single: $0), .one) }
            self.anchoredAtStart = false
            self.anchoredAtEnd = false
            return
        }
        var parser = Parser(bytes: bytes)
        let parsed = try parser.parse()
        self.items = parsed.items
        self.anchoredAtStart = parsed.anchoredAtStart
        self.anchoredAtEnd = parsed.anchoredAtEnd
    }

    /// Lua 5.1's `SPECIALS`: a pattern without any of these is searched for as plain text.
    static let specials: Set<UInt8> = Set("^$*+?.([%-".utf8)

    /// Whether the pattern matches `subject`.
    ///
    /// - Parameters:
    ///   - subject: The string searched, as UTF-8 bytes.
    ///   - anchored: When true, the whole subject must match (as `^pattern$` would); when false,
    ///     a match anywhere counts (`string.find(subject, pattern) ~= nil`), the pattern's own
    ///     `^` and `$` still anchoring it.
    /// - Complexity: O(*m* × *n*) for a pattern of *m* items and a subject of *n* bytes.
    public func matches(_ subject: String, anchored: Bool = false) -> Bool {
        matches(bytes: Array(subject.utf8), anchored: anchored)
    }

    func matches(bytes s: [UInt8], anchored: Bool) -> Bool {
        var work = 0
        return matches(bytes: s, anchored: anchored, work: &work)
    }

    /// The matcher, counting in `work` the (position, item) states it visits, so a test can
    /// show the cost stays within O(*m* × *n*) — linear in the subject for a given pattern —
    /// on the values that make Lua's own backtracking matcher exponential.
    func matches(bytes s: [UInt8], anchored: Bool, work: inout Int) -> Bool {
        let fromStart = anchored || anchoredAtStart
        let toEnd = anchored || anchoredAtEnd
        let m = items.count, n = s.count
        let balanceEnds = items.contains(where: \.isBalanced) ? BalanceTable(s, items) : nil
        var current = [Bool](repeating: false, count: m + 1)
        var next = current
        // States reached by `%b` jumps, keyed by the subject position they land on.
        var jumps: [Int: [Int]] = [:]
        for p in 0...n {
            if p == 0 || !fromStart { current[0] = true }
            if let landed = jumps.removeValue(forKey: p) { for i in landed { current[i] = true } }
            var any = false
            // Zero-width steps only go from item i to i + 1, so one pass in increasing i
            // closes the states at position p.
            work += m + 1
            for i in 0...m where current[i] {
                any = true
                if i == m {
                    if !toEnd || p == n { return true }
                    continue
                }
                switch items[i] {
                case let .single(set, quantifier):
                    let consumes = p < n && set.contains(s[p])
                    switch quantifier {
                    case .one:
                        if consumes { next[i + 1] = true }
                    case .optional:
                        current[i + 1] = true
                        if consumes { next[i + 1] = true }
                    case .repeated:
                        current[i + 1] = true
                        if consumes { next[i] = true }
                    }
                case let .frontier(set):
                    let previous: UInt8 = p == 0 ? 0 : s[p - 1]
                    let this: UInt8 = p < n ? s[p] : 0
                    if !set.contains(previous) && set.contains(this) { current[i + 1] = true }
                case let .balanced(open, _):
                    if p < n, s[p] == open, let end = balanceEnds?.end(from: p, item: i) {
                        jumps[end + 1, default: []].append(i + 1)
                    }
                }
            }
            if !any && jumps.isEmpty && fromStart { return false }
            swap(&current, &next)
            for i in next.indices { next[i] = false }
        }
        return false
    }
}

/// Why a Lua pattern does not compile; the cases follow Lua 5.1's error messages.
public enum LuaPatternError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformed(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed pattern (\(why))"
        case .unsupported(let what): return "unsupported in popsim's Lua pattern emulation: \(what)"
        }
    }
}

// MARK: - Compiled form

extension LuaPattern {
    enum Quantifier: Hashable, Sendable {
        /// Exactly once.
        case one
        /// `?`.
        case optional
        /// `*` or `-`: the same set of matches, only the order Lua tries them differs.
        case repeated
    }

    enum Item: Hashable, Sendable {
        case single(ByteSet, Quantifier)
        case frontier(ByteSet)
        case balanced(UInt8, UInt8)

        var isBalanced: Bool {
            if case .balanced = self { return true }
            return false
        }
    }

    /// A set of bytes, as a 256-bit map.
    struct ByteSet: Hashable, Sendable {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

        init() {}
        init(single c: UInt8) { insert(c) }
        static let all: ByteSet = { var s = ByteSet(); s.w0 = ~0; s.w1 = ~0; s.w2 = ~0; s.w3 = ~0; return s }()
        init(where predicate: (UInt8) -> Bool) {
            for c in 0...255 where predicate(UInt8(c)) { insert(UInt8(c)) }
        }

        func contains(_ c: UInt8) -> Bool {
            let bit = UInt64(1) << UInt64(c & 63)
            switch c >> 6 {
            case 0: return w0 & bit != 0
            case 1: return w1 & bit != 0
            case 2: return w2 & bit != 0
            default: return w3 & bit != 0
            }
        }

        mutating func insert(_ c: UInt8) {
            let bit = UInt64(1) << UInt64(c & 63)
            switch c >> 6 {
            case 0: w0 |= bit
            case 1: w1 |= bit
            case 2: w2 |= bit
            default: w3 |= bit
            }
        }
    }

    /// For each `%bxy` item, where the balanced run starting at a position ends (Lua's
    /// `matchbalance`), computed once per subject so repeated starts cost O(1).
    struct BalanceTable {
        private var ends: [Int: [Int?]] = [:]

        init(_ s: [UInt8], _ items: [Item]) {
            for (index, item) in items.enumerated() {
                guard case let .balanced(open, close) = item else { continue }
                var table = [Int?](repeating: nil, count: s.count)
                if open == close {
                    // Lua tests the closing byte first, so `%bxx` ends at the next `x`.
                    var nextClose: Int? = nil
                    for k in stride(from: s.count - 1, through: 0, by: -1) {
                        if s[k] == open { table[k] = nextClose; nextClose = k }
                    }
                } else {
                    var stack: [Int] = []
                    for k in s.indices {
                        if s[k] == close {
                            if let start = stack.popLast() { table[start] = k }
                        } else if s[k] == open {
                            stack.append(k)
                        }
                    }
                }
                ends[index] = table
            }
        }

        func end(from start: Int, item: Int) -> Int? { ends[item]?[start] ?? nil }
    }
}

// MARK: - Parser (Lua 5.1 lstrlib.c: classEnd, singlematch, matchbracketclass)

extension LuaPattern {
    struct Parser {
        let bytes: [UInt8]
        var p = 0

        static let escape: UInt8 = 0x25 // %

        mutating func parse() throws(LuaPatternError) -> (items: [Item], anchoredAtStart: Bool, anchoredAtEnd: Bool) {
            var items: [Item] = []
            var anchoredAtStart = false, anchoredAtEnd = false
            var openCaptures = 0
            if bytes.first == UInt8(ascii: "^") { anchoredAtStart = true; p = 1 }
            while p < bytes.count {
                let c = bytes[p]
                switch c {
                case UInt8(ascii: "("):
                    openCaptures += 1
                    p += 1
                    continue
                case UInt8(ascii: ")"):
                    openCaptures -= 1
                    if openCaptures < 0 { throw .malformed("invalid pattern capture") }
                    p += 1
                    continue
                case UInt8(ascii: "$") where p == bytes.count - 1:
                    anchoredAtEnd = true
                    p += 1
                    continue
                case Self.escape where p + 1 < bytes.count && bytes[p + 1] == UInt8(ascii: "b"):
                    guard p + 3 < bytes.count else { throw .malformed("missing arguments to '%b'") }
                    items.append(.balanced(bytes[p + 2], bytes[p + 3]))
                    p += 4
                    continue
                case Self.escape where p + 1 < bytes.count && bytes[p + 1] == UInt8(ascii: "f"):
                    p += 2
                    guard p < bytes.count, bytes[p] == UInt8(ascii: "[") else {
                        throw .malformed("missing '[' after '%f' in pattern")
                    }
                    items.append(.frontier(try singleClass()))
                    continue
                case Self.escape where p + 1 < bytes.count && (0x30...0x39).contains(bytes[p + 1]):
                    throw .unsupported("back-reference %\(Character(Unicode.Scalar(bytes[p + 1])))")
                default:
                    break
                }
                let set = try singleClass()
                var quantifier = Quantifier.one
                if p < bytes.count {
                    switch bytes[p] {
                    case UInt8(ascii: "?"): quantifier = .optional; p += 1
                    case UInt8(ascii: "*"), UInt8(ascii: "-"): quantifier = .repeated; p += 1
                    case UInt8(ascii: "+"):
                        // `x+` is `x` then `x*`.
                        items.append(.single(set, .one))
                        quantifier = .repeated
                        p += 1
                    default: break
                    }
                }
                items.append(.single(set, quantifier))
            }
            if openCaptures != 0 { throw .malformed("unfinished capture") }
            return (items, anchoredAtStart, anchoredAtEnd)
        }

        /// Reads one single-character class at `p` (`.`, `%x`, `[set]` or a literal) and moves past it.
        mutating func singleClass() throws(LuaPatternError) -> ByteSet {
            let c = bytes[p]
            switch c {
            case UInt8(ascii: "."):
                p += 1
                return ByteSet.all
            case Self.escape:
                guard p + 1 < bytes.count else { throw .malformed("ends with '%'") }
                let cl = bytes[p + 1]
                p += 2
                return ByteSet { Self.matchClass($0, cl) }
            case UInt8(ascii: "["):
                let start = p
                p += 1
                if p < bytes.count, bytes[p] == UInt8(ascii: "^") { p += 1 }
                // Lua's do-while: the first byte of the set is taken as is, so `[]]` holds `]`.
                repeat {
                    guard p < bytes.count else { throw .malformed("missing ']'") }
                    let b = bytes[p]
                    p += 1
                    if b == Self.escape {
                        guard p < bytes.count else { throw .malformed("missing ']'") }
                        p += 1
                    }
                } while p >= bytes.count || bytes[p] != UInt8(ascii: "]")
                let end = p // the closing `]`
                p += 1
                let body = bytes[start..<end]
                return ByteSet { Self.matchBracketClass($0, body) }
            default:
                p += 1
                return ByteSet(single: c)
            }
        }

        /// Lua 5.1 `matchbracketclass`: `set` runs from the `[` up to (not including) the `]`.
        static func matchBracketClass(_ c: UInt8, _ set: ArraySlice<UInt8>) -> Bool {
            var i = set.startIndex
            let end = set.endIndex
            var positive = true
            if set[i + 1] == UInt8(ascii: "^") { positive = false; i += 1 }
            i += 1
            while i < end {
                if set[i] == escape {
                    i += 1
                    if matchClass(c, set[i]) { return positive }
                } else if i + 2 < end, set[i + 1] == UInt8(ascii: "-") {
                    if set[i] <= c && c <= set[i + 2] { return positive }
                    i += 2
                } else if set[i] == c {
                    return positive
                }
                i += 1
            }
            return !positive
        }

        /// Lua 5.1 `match_class` in the C locale.
        static func matchClass(_ c: UInt8, _ cl: UInt8) -> Bool {
            let lower = cl.asciiLowercased
            let result: Bool
            switch lower {
            case UInt8(ascii: "a"): result = c.isASCIIAlphaByte
            case UInt8(ascii: "c"): result = c < 0x20 || c == 0x7F
            case UInt8(ascii: "d"): result = (0x30...0x39).contains(c)
            case UInt8(ascii: "l"): result = (0x61...0x7A).contains(c)
            case UInt8(ascii: "p"): result = (0x21...0x7E).contains(c) && !c.isASCIIAlphaByte && !(0x30...0x39).contains(c)
            case UInt8(ascii: "s"): result = c == 0x20 || (0x09...0x0D).contains(c)
            case UInt8(ascii: "u"): result = (0x41...0x5A).contains(c)
            case UInt8(ascii: "w"): result = c.isASCIIAlphaByte || (0x30...0x39).contains(c)
            case UInt8(ascii: "x"): result = (0x30...0x39).contains(c) || (0x41...0x46).contains(c) || (0x61...0x66).contains(c)
            case UInt8(ascii: "z"): result = c == 0
            default: return cl == c
            }
            return cl == lower ? result : !result
        }
    }
}
