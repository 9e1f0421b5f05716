import Testing
@testable import Simulation

/// The accounting rules every run is checked against (`Simulation.invariantViolations`), each
/// broken on purpose: a violation is described, never let through as a result.
@Suite("Run invariants")
struct InvariantTests {
    /// A sound result: 10 requests at one POP, 6 hits and 4 misses, 3 of 8 CORS checks failing.
    static func sound() -> VariantResult {
        var t = Tally()
        t.requests = 10; t.hits = 6; t.misses = 4; t.originFetches = 4; t.corsChecked = 8; t.corsFailures = 3
        var r = VariantResult(name: "v", popCount: 1)
        r.total = t
        r.perPOP = [t]
        return r
    }

    static func violations(_ r: VariantResult, requests: Int = 10, parent: Bool = false,
                           cache: [(used: Int64, capacity: Int64)] = [(100, 1000)]) -> [String] {
        Simulation.invariantViolations(r, requests: requests, hasParentTier: parent, cacheBytes: cache)
    }

    @Test("a sound result has none")
    func sound() { #expect(Self.violations(Self.sound()).isEmpty) }

    @Test("each broken rule is named", arguments: [
        "outcomes for", "≠ requests", "CORS failures for", "origin fetches for", "per-POP tallies", "cache holds",
    ])
    func broken(_ rule: String) {
        var r = Self.sound()
        var requests = 10
        var cache: [(used: Int64, capacity: Int64)] = [(100, 1000)]
        switch rule {
        case "outcomes for": requests = 11
        case "≠ requests": r.total.hits += 1; r.perPOP[0].hits += 1
        case "CORS failures for": r.total.corsFailures = 9; r.perPOP[0].corsFailures = 9
        case "origin fetches for": r.total.originFetches = 5; r.perPOP[0].originFetches = 5
        case "per-POP tallies": r.perPOP[0].corsChecked = 7
        default: cache = [(1001, 1000)]
        }
        let found = Self.violations(r, requests: requests, cache: cache)
        #expect(found.contains { $0.contains(rule) }, "\(found)")
    }

    @Test("with a parent tier a miss may be served by the parent, not the origin")
    func parentTier() {
        var r = Self.sound()
        r.total.originFetches = 2
        r.perPOP[0].originFetches = 2
        #expect(Self.violations(r, parent: true).isEmpty)
        #expect(Self.violations(r, parent: false).contains { $0.contains("without a parent tier") })
    }
}

/// Cache-Control values from a scenario's origin headers: what a shared cache makes of them, and
/// none of them may trap (two did: a bare `=` directive, and max-age near Int64.max times 10^6).
@Suite("Cache-Control lifetimes")
struct CacheControlTests {
    @Test("lifetimes, with RFC 9111's 2^31-second ceiling", arguments: [
        ("max-age=60", Int64(60_000_000)), ("s-maxage=5, max-age=60", 5_000_000), ("no-store", 0), ("private, max-age=60", 0),
        ("max-age=-5", 0), ("max-age=9223372036854775807", (1 << 31) * 1_000_000),
        ("max-age=99999999999999999999999", (1 << 31) * 1_000_000), ("max-age=60, =", 60_000_000), ("=", nil), (",,,", nil),
        ("max-age=\"60\"", 60_000_000), ("max-age=abc", nil),
    ] as [(String, Int64?)])
    func lifetime(_ value: String, _ expected: Int64?) {
        #expect(TTLPolicy.ttl(cacheControl: value) == expected, "Cache-Control: \(value)")
    }

    /// The rules of one cell, as `record` keeps them (each request: requests + 1 and one of
    /// hits, collapsed, misses; expired and bypass also misses; failures only in a cell with a
    /// reason, all of its requests): what `popsim merge` checks of a part's cells.
    @Test("a cell's tally: sound ones pass; each rule broken is named", arguments: [
        (["requests": 3, "hits": 1, "misses": 2, "expired": 1, "bypass": 1, "originFetches": 2, "corsChecked": 2], false, nil),
        (["requests": 2, "misses": 2, "corsChecked": 2, "corsFailures": 2, "originFetches": 1, "preflights": 2], true, nil),
        (["requests": 3, "hits": 1, "misses": 1], false, "hits 1 + misses 1 + collapsed 0 ≠ requests 3"),
        (["requests": 1, "misses": 1, "expired": 1, "bypass": 1], false, "expired 1 + bypass 1 > misses 1"),
        (["requests": 1, "hits": 1, "corsChecked": 2], false, "2 CORS-checked of 1 requests"),
        (["requests": 1, "hits": 1, "corsChecked": 1, "corsFailures": 1], false, "in a cell without a failure reason"),
        (["requests": 2, "hits": 2, "corsChecked": 2, "corsFailures": 1], true, "in a cell of failures"),
        (["requests": 1, "hits": 1, "originFetches": 1], false, "1 origin fetches for 0 misses"),
        (["requests": 1, "hits": 1, "preflights": 2], false, "2 preflights of 1 requests"),
        (["requests": 1, "hits": 1, "bytesServed": 5, "bytesFromCache": 6], false, "6 bytes from cache of 5 served"),
        (["requests": 0, "hits": -1, "misses": 1], false, "a negative count"),
    ] as [([String: Int], Bool, String?)])
    func cellRules(_ fields: [String: Int], _ failed: Bool, _ problem: String?) {
        var t = Tally()
        for (name, n) in fields {
            switch name {
            case "requests": t.requests = n
            case "hits": t.hits = n
            case "misses": t.misses = n
            case "collapsed": t.collapsed = n
            case "expired": t.expired = n
            case "bypass": t.bypass = n
            case "originFetches": t.originFetches = n
            case "corsChecked": t.corsChecked = n
            case "corsFailures": t.corsFailures = n
            case "preflights": t.preflights = n
            case "bytesServed": t.bytesServed = Int64(n)
            case "bytesFromCache": t.bytesFromCache = Int64(n)
            default: Issue.record("unknown field \(name)")
            }
        }
        let found = Simulation.cellViolation(t, failed: failed)
        if let problem { #expect(found?.contains(problem) == true, "\(String(describing: found))") } else { #expect(found == nil, "\(found!)") }
    }
}
