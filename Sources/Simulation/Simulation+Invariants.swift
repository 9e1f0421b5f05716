// What every run must hold, checked at the end of every run (cheap: a few comparisons per
// variant and POP). A violation is a bug in popsim; see `InternalError`.

extension Simulation {
    /// Every way a variant's results break the accounting rules, described; empty when sound.
    ///
    /// - every request has exactly one outcome: the variant's requests equal the run's;
    /// - hits + misses + collapsed = requests;
    /// - CORS failures ≤ CORS-checked requests;
    /// - origin fetches ≤ misses (= misses without a parent tier);
    /// - the per-POP tallies add up to the total;
    /// - no POP's cache holds more bytes than its capacity.
    /// - Parameter cacheBytes: each POP's bytes in use and capacity at the end of the run.
    public static func invariantViolations(_ r: VariantResult, requests: Int, hasParentTier: Bool,
                                           cacheBytes: [(used: Int64, capacity: Int64)]) -> [String] {
        var problems: [String] = []
        let t = r.total
        if t.requests != requests { problems.append("\(r.name): \(t.requests) outcomes for \(requests) requests") }
        if t.hits + t.misses + t.collapsed != t.requests {
            problems.append("\(r.name): hits \(t.hits) + misses \(t.misses) + collapsed \(t.collapsed) ≠ requests \(t.requests)")
        }
        if t.corsFailures > t.corsChecked {
            problems.append("\(r.name): \(t.corsFailures) CORS failures for \(t.corsChecked) CORS-checked requests")
        }
        if t.originFetches > t.misses { problems.append("\(r.name): \(t.originFetches) origin fetches for \(t.misses) misses") }
        if !hasParentTier && t.originFetches != t.misses {
            problems.append("\(r.name): \(t.originFetches) origin fetches ≠ \(t.misses) misses without a parent tier")
        }
        var sum = Tally()
        for p in r.perPOP { sum.add(p) }
        if sum != t { problems.append("\(r.name): the per-POP tallies do not add up to the total") }
        for (pop, c) in cacheBytes.enumerated() where c.used > c.capacity || c.used < 0 {
            problems.append("\(r.name): POP \(pop)'s cache holds \(c.used) bytes, capacity \(c.capacity)")
        }
        return problems
    }

    /// How one cell's tally breaks the rules every request's record keeps, or nil when it keeps
    /// them: each request is one hit, miss or collapse; an expired or bypassing request is a miss;
    /// a failure is a CORS-checked request, and a cell holds only failures (`failed`: its reason
    /// is set) or none; an origin fetch is made for a miss; bytes from cache are bytes served.
    /// What `popsim merge` checks of a part's cells, which it cannot otherwise tell from a run's.
    public static func cellViolation(_ t: Tally, failed: Bool) -> String? {
        if t.hits < 0 || t.misses < 0 || t.collapsed < 0 || t.expired < 0 || t.bypass < 0 || t.originFetches < 0
            || t.originBytes < 0 || t.bytesServed < 0 || t.bytesFromCache < 0 || t.preflights < 0 || t.corsChecked < 0 || t.corsFailures < 0 {
            return "a negative count"
        }
        if t.hits + t.misses + t.collapsed != t.requests {
            return "hits \(t.hits) + misses \(t.misses) + collapsed \(t.collapsed) ≠ requests \(t.requests)"
        }
        if t.expired + t.bypass > t.misses { return "expired \(t.expired) + bypass \(t.bypass) > misses \(t.misses)" }
        if t.corsChecked > t.requests { return "\(t.corsChecked) CORS-checked of \(t.requests) requests" }
        if t.corsFailures != (failed ? t.requests : 0) || t.corsFailures > t.corsChecked {
            return "\(t.corsFailures) CORS failures of \(t.requests) requests (\(t.corsChecked) CORS-checked) in a cell "
                + (failed ? "of failures" : "without a failure reason")
        }
        if t.originFetches > t.misses { return "\(t.originFetches) origin fetches for \(t.misses) misses" }
        if t.preflights > t.requests { return "\(t.preflights) preflights of \(t.requests) requests" }
        if t.bytesFromCache > t.bytesServed { return "\(t.bytesFromCache) bytes from cache of \(t.bytesServed) served" }
        return nil
    }

    /// Stops the program with an internal error (exit 70) when `r` breaks an invariant.
    static func checkInvariants(_ r: VariantResult, requests: Int, hasParentTier: Bool,
                                cacheBytes: [(used: Int64, capacity: Int64)]) {
        let problems = invariantViolations(r, requests: requests, hasParentTier: hasParentTier, cacheBytes: cacheBytes)
        if !problems.isEmpty { InternalError.fail("invariant violated: " + problems.joined(separator: "; ")) }
    }
}
