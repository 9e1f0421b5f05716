import Testing
@testable import HTTPModel

// Safe matching (issue 7): a Header Value or AllowedOrigin comes from a config file and an
// Origin from a trace; neither may make a POP's matcher slow. Each matcher counts its steps in a
// deterministic work counter, and these tests assert on the counts — never on wall time — for
// values built to hurt backtracking matchers: long runs of `*`, `%-`, dots and hyphens.

/// The work a matcher did on inputs of growing size `n`, and the bound it must stay under.
struct Growth {
    var sizes: [Int]
    var work: [Int]
    var bound: [Int]

    /// Linear: every count within its bound, and doubling `n` costs at most 2.2 times as much.
    func expectLinear(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for (i, n) in sizes.enumerated() {
            #expect(work[i] <= bound[i], "\(what): n = \(n): work \(work[i]) > bound \(bound[i])", sourceLocation: sourceLocation)
        }
        for i in 1..<sizes.count where sizes[i] == 2 * sizes[i - 1] {
            #expect(Double(work[i]) <= 2.2 * Double(work[i - 1]),
                    "\(what): n \(sizes[i - 1]) → \(sizes[i]): work \(work[i - 1]) → \(work[i]), more than linear", sourceLocation: sourceLocation)
        }
    }
}

let sizes = [1_000, 2_000, 4_000, 8_000, 16_000]

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
func repeated(_ s: String, _ n: Int) -> String { String(repeating: s, count: n) }

/// The classic two-pointer glob matcher that `Glob` replaced: O(m × n) in the worst case. The
/// reference the linear one must agree with.
func referenceGlob(_ t: [UInt8], _ p: [UInt8]) -> Bool {
    var ti = 0, pi = 0, lastStar: Int? = nil, resume = 0
    while ti < t.count {
        if pi < p.count, p[pi] == UInt8(ascii: "*") { lastStar = pi; resume = ti; pi += 1 }
        else if pi < p.count, p[pi] == t[ti] { pi += 1; ti += 1 }
        else if let s = lastStar { pi = s + 1; resume += 1; ti = resume }
        else { return false }
    }
    while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
    return pi == p.count
}

@Suite("Safe matching: linear work on adversarial values")
struct SafeMatchingTests {
    // MARK: OSS globs

    /// Adversarial glob families: (name, pattern for n, text for n).
    static let globCases: [(String, @Sendable (Int) -> String, @Sendable (Int) -> String)] = [
        ("a run of n stars then b, against n a's", { repeated("*", $0) + "b" }, { repeated("a", $0) }),
        ("a*a*a*…*b against n a's", { repeated("a*", $0 / 2) + "b" }, { repeated("a", $0) }),
        ("*aaaa…ab (a long piece) against n a's", { "*" + repeated("a", $0 / 2) + "b" }, { repeated("a", $0) }),
        ("https://*.*.*.… against a long dotted host", { "https://" + repeated("*.", $0 / 2) + "com" }, { "https://" + repeated("a.", $0 / 2) + "org" }),
        ("*-*-*-… against hyphens", { repeated("*-", $0 / 2) + "x" }, { repeated("-", $0) }),
    ]

    @Test("OSS glob: linear in pattern plus text", arguments: 0..<5)
    func glob(_ index: Int) {
        let (name, pattern, text) = Self.globCases[index]
        var growth = Growth(sizes: sizes, work: [], bound: [])
        for n in sizes {
            let p = bytes(pattern(n)), t = bytes(text(n))
            var work = 0
            let matched = Glob.matches(t, p, caseInsensitive: false, work: &work)
            if n <= 2_000 { #expect(matched == referenceGlob(t, p), "\(name), n = \(n)") }
            growth.work.append(work)
            growth.bound.append(4 * (p.count + t.count))
        }
        growth.expectLinear(name)
    }

    @Test("OSS glob agrees with the backtracking matcher it replaced (seed 7, 20,000 random cases)")
    func globAgrees() {
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let alphabet = bytes("ab*.-")
        for _ in 0..<20_000 {
            let p = (0..<next(9)).map { _ in alphabet[next(alphabet.count)] }
            let t = (0..<next(12)).map { _ in alphabet[next(2)] }
            var work = 0
            #expect(Glob.matches(t, p, caseInsensitive: false, work: &work) == referenceGlob(t, p),
                    "seed 7: pattern \(String(decoding: p, as: UTF8.self)) text \(String(decoding: t, as: UTF8.self))")
        }
        #expect(Glob.matches("Access-Control-X", pattern: "access-*-x", caseInsensitive: true))
        #expect(!Glob.matches("https://a.example.com", pattern: "https://*.example.org"))
    }

    // MARK: the documented CDN matcher

    /// Adversarial Header Values for the documented matcher: (name, value for n, origin for n).
    static let valueCases: [(String, @Sendable (Int) -> String, @Sendable (Int) -> String)] = [
        ("a run of %- escapes", { "https://a" + repeated("%-", $0 / 2) + "b.example.com" }, { _ in "https://a-b.example.com" }),
        ("a wildcard over a long dotted domain", { "https://*." + repeated("a.", $0 / 2) + "com" },
         { "https://x." + repeated("a.", $0 / 2) + "com" }),
        ("a run of stars", { repeated("*", $0) }, { _ in "https://www.example.com" }),
        ("a list of n/24 wildcard domains against a long origin", { n in (0..<(n / 24)).map { "https://*.e\($0).com" }.joined(separator: ",") },
         { "https://" + repeated("x", $0) + ".e0.org" }),
        ("a list of hyphenated origins", { n in (0..<(n / 24)).map { "https://a%-b%-\($0).com" }.joined(separator: ",") },
         { _ in "https://a-b-99999.com" }),
        ("dots and hyphens", { "https://*." + repeated(".-", $0 / 2) }, { "https://a." + repeated(".-", $0 / 2) }),
    ]

    @Test("documented matcher (wildcard domains, %-, lists): linear in value plus origin", arguments: 0..<6)
    func documented(_ index: Int) {
        let (name, value, origin) = Self.valueCases[index]
        var growth = Growth(sizes: sizes, work: [], bound: [])
        for n in sizes {
            let v = value(n), o = origin(n)
            var work = 0
            _ = CDNOriginValidation.decide(value: v, requestOrigin: o, matcher: .documentedExact, work: &work)
            growth.work.append(work)
            growth.bound.append(6 * (v.utf8.count + o.utf8.count))
        }
        growth.expectLinear(name)
    }

    @Test("the documented matcher still decides as documented")
    func documentedDecisions() {
        #expect(CDNOriginValidation.documentedMatch(entry: "http://*.aliyundoc.com", origin: "http://demo.aliyundoc.com"))
        #expect(!CDNOriginValidation.documentedMatch(entry: "http://*.aliyundoc.com", origin: "http://a.b.aliyundoc.com"))
        #expect(!CDNOriginValidation.documentedMatch(entry: "http://*.aliyundoc.com", origin: "http://aliyundoc.com"))
        #expect(!CDNOriginValidation.documentedMatch(entry: "http://*.aliyundoc.com", origin: "https://demo.aliyundoc.com"))
        #expect(CDNOriginValidation.documentedMatch(entry: "https://*.example.com:8443", origin: "https://a.example.com:8443"))
        #expect(!CDNOriginValidation.documentedMatch(entry: "https://*.example.com", origin: "https://a.example.com:8443"))
        #expect(CDNOriginValidation.documentedMatch(entry: "https://a%-b.example.com", origin: "https://a-b.example.com"))
        #expect(CDNOriginValidation.documentedMatch(entry: "*", origin: "https://x.com"))
        #expect(!CDNOriginValidation.documentedMatch(entry: "**", origin: "https://x.com"))
    }

    // MARK: Lua patterns

    /// Patterns that make Lua's backtracking matcher exponential or quadratic.
    static let luaCases: [(String, String)] = [
        ("a-a-a-…b (lazy runs, no match)", repeated("a-", 12) + "b"),
        (".-.-.-… (all states live)", repeated(".-", 12) + "$"),
        ("%-%-%- escapes", "https://a" + repeated("%-", 12) + "b"),
        ("(a*)*-like runs of .*", repeated(".*", 12) + "x"),
    ]

    @Test("Lua patterns: linear in the subject for a given pattern, within m × n states", arguments: 0..<4)
    func luaSubject(_ index: Int) throws {
        let (name, source) = Self.luaCases[index]
        let pattern = try LuaPattern(source)
        var growth = Growth(sizes: sizes, work: [], bound: [])
        for n in sizes {
            let subject = bytes(repeated("a", n))
            for anchored in [true, false] {
                var work = 0
                _ = pattern.matches(bytes: subject, anchored: anchored, work: &work)
                if anchored { growth.work.append(work) } else { growth.work[growth.work.count - 1] += work }
            }
            growth.bound.append(2 * (pattern.items.count + 1) * (n + 1) + 2)
        }
        growth.expectLinear(name)
    }

    @Test("Lua patterns: linear in the pattern for a given subject (a Header Value of n %- escapes)")
    func luaPattern() throws {
        var growth = Growth(sizes: sizes, work: [], bound: [])
        let origin = "https://a-b.example.com"
        for n in sizes {
            let value = "https://a" + repeated("%-", n / 2) + "b.example.com"
            var work = 0
            _ = CDNOriginValidation.decide(value: value, requestOrigin: origin, matcher: .luaPattern(anchored: true), work: &work)
            growth.work.append(work)
            growth.bound.append(3 * (value.utf8.count + 2) * (origin.utf8.count + 2))
        }
        growth.expectLinear("lua matcher, growing value")
    }
}
