// Elementary functions from correctly rounded IEEE-754 operations only, so that every random
// variate popsim draws has the same bits on every machine (libm's may differ in the last bit).

/// The natural logarithm, computed with plain IEEE-754 arithmetic.
///
/// The standard library has no `log` without Foundation or libm, and libm's `log` may
/// differ in the last bit between platforms, which would make "same seed ⇒ same output"
/// platform-dependent. Additions, multiplications and divisions are correctly rounded
/// everywhere (Swift does not contract them into FMAs), so this function gives the same
/// bits on every machine. Accuracy is within a few ulps, which is plenty for sampling.
///
/// Method: `x = m · 2^e` with `m` in `[√½, √2)`, then
/// `ln m = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + …)` with `s = (m − 1)/(m + 1)`, `|s| ≤ 0.172`,
/// where 12 terms bring the series error below 2⁻⁵³.
/// - Parameter x: A positive, finite number.
/// - Returns: `ln x`.
@inlinable
public func deterministicLog(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "deterministicLog needs a positive finite argument")
    var m = x.significand            // [1, 2), also for subnormals
    var e = Double(x.exponent)
    if m > 1.4142135623730951 {      // √2: centre the mantissa on 1 for a smaller s
        m *= 0.5
        e += 1
    }
    let s = (m - 1) / (m + 1)
    let s2 = s * s
    var series = 1.0 / 25.0
    series = 1.0 / 23.0 + s2 * series
    series = 1.0 / 21.0 + s2 * series
    series = 1.0 / 19.0 + s2 * series
    series = 1.0 / 17.0 + s2 * series
    series = 1.0 / 15.0 + s2 * series
    series = 1.0 / 13.0 + s2 * series
    series = 1.0 / 11.0 + s2 * series
    series = 1.0 / 9.0 + s2 * series
    series = 1.0 / 7.0 + s2 * series
    series = 1.0 / 5.0 + s2 * series
    series = 1.0 / 3.0 + s2 * series
    // ln 2 split into a high part exact in e·ln2Hi (|e| < 2^11) and a low correction.
    let ln2Hi = 6.93147180369123816490e-01
    let ln2Lo = 1.90821492927058770002e-10
    let lnM = 2 * s + 2 * s * s2 * series
    return e * ln2Hi + (lnM + e * ln2Lo)
}

/// `e^x`, computed with plain IEEE-754 arithmetic (see `deterministicLog`).
///
/// Method: `x = k·ln 2 + r` with `k` the nearest integer to `x / ln 2` and `|r| ≤ ½ ln 2`
/// (ln 2 split in two parts so `k·ln2Hi` is exact), `e^r` by its Taylor series to degree 13
/// (remainder below 2⁻⁵⁸), then scaled by `2^k` exactly. Within a few ulps of the true value.
/// - Parameter x: Any number; large arguments give `+∞` or `0`, NaN gives NaN.
/// - Returns: `e^x`.
@inlinable
public func deterministicExp(_ x: Double) -> Double {
    if x.isNaN { return x }
    if x > 709.782712893384 { return .infinity }
    if x < -745.1332191019412 { return 0 }
    let ln2Hi = 6.93147180369123816490e-01   // low 32 bits zero: k·ln2Hi is exact for |k| < 2^20
    let ln2Lo = 1.90821492927058770002e-10
    let k = (x * 1.4426950408889634).rounded(.toNearestOrEven)
    let r = (x - k * ln2Hi) - k * ln2Lo
    var p = 1.0 / 6_227_020_800            // 1/13!
    p = 1.0 / 479_001_600 + r * p          // 1/12!
    p = 1.0 / 39_916_800 + r * p
    p = 1.0 / 3_628_800 + r * p
    p = 1.0 / 362_880 + r * p
    p = 1.0 / 40_320 + r * p
    p = 1.0 / 5_040 + r * p
    p = 1.0 / 720 + r * p
    p = 1.0 / 120 + r * p
    p = 1.0 / 24 + r * p
    p = 1.0 / 6 + r * p
    p = 0.5 + r * p
    p = 1.0 + r * p
    p = 1.0 + r * p
    // Scale in two steps so that neither factor leaves the normal range (k is in [-1075, 1024]).
    let k1 = Int(k) / 2
    let k2 = Int(k) - k1
    return p * Double(sign: .plus, exponent: k1, significand: 1) * Double(sign: .plus, exponent: k2, significand: 1)
}

/// `ln(1 + x)`, accurate also when `x` is tiny (Goldberg's method: `ln(u)·x/(u − 1)` with
/// `u = 1 + x` corrects the rounding of `u`).
/// - Parameter x: A number ≥ −1; `−1` gives `−∞`.
@inlinable
public func deterministicLog1p(_ x: Double) -> Double {
    if x.isNaN || x == .infinity { return x }
    precondition(x >= -1, "deterministicLog1p needs an argument ≥ −1")
    let u = 1 + x
    if u == 0 { return -.infinity }
    if u == 1 { return x }
    if u.isInfinite { return deterministicLog(x) }
    return deterministicLog(u) * (x / (u - 1))
}

/// `e^x − 1`, accurate also when `x` is tiny (Kahan's method: `(u − 1)·x / ln u` with `u = e^x`).
@inlinable
public func deterministicExpm1(_ x: Double) -> Double {
    if x.isNaN { return x }
    let u = deterministicExp(x)
    if u == 1 { return x }
    if u == .infinity { return .infinity }
    let um1 = u - 1
    if um1 == -1 { return -1 }
    return um1 * x / deterministicLog(u)
}

/// `cos(2π·turns)`, computed with plain IEEE-754 arithmetic (see `deterministicLog`).
///
/// Taking the angle in turns keeps the reduction exact: the fraction of a turn is folded
/// into the first eighth by subtractions that Sterbenz's lemma makes exact, then Taylor
/// series of degree 16/17 (remainder below 2⁻⁶⁰ for angles up to π/4). Within a few ulps.
/// - Parameter turns: Any finite number.
public func deterministicCos(turns: Double) -> Double {
    precondition(turns.isFinite, "deterministicCos needs a finite argument")
    var f = turns - turns.rounded(.down)        // [0, 1)
    if f > 0.5 { f = 1 - f }                    // cos is even and 1-periodic in turns: [0, 0.5]
    var sign = 1.0
    if f > 0.25 { f = 0.5 - f; sign = -1 }      // cos(π − a) = −cos a: [0, 0.25]
    if f > 0.125 {                              // cos a = sin(π/2 − a): [0, 0.125]
        return sign * sinSmall(2 * Double.pi * (0.25 - f))
    }
    return sign * cosSmall(2 * Double.pi * f)
}

/// Taylor series of cos for |x| ≤ π/4.
@usableFromInline
func cosSmall(_ x: Double) -> Double {
    let x2 = x * x
    var p = 1.0 / 20_922_789_888_000        // 1/16!
    p = -1.0 / 87_178_291_200 + x2 * p      // −1/14!
    p = 1.0 / 479_001_600 + x2 * p
    p = -1.0 / 3_628_800 + x2 * p
    p = 1.0 / 40_320 + x2 * p
    p = -1.0 / 720 + x2 * p
    p = 1.0 / 24 + x2 * p
    p = -0.5 + x2 * p
    return 1 + x2 * p
}

/// Taylor series of sin for |x| ≤ π/4.
@usableFromInline
func sinSmall(_ x: Double) -> Double {
    let x2 = x * x
    var p = 1.0 / 355_687_428_096_000       // 1/17!
    p = -1.0 / 1_307_674_368_000 + x2 * p   // −1/15!
    p = 1.0 / 6_227_020_800 + x2 * p
    p = -1.0 / 39_916_800 + x2 * p
    p = 1.0 / 362_880 + x2 * p
    p = -1.0 / 5_040 + x2 * p
    p = 1.0 / 120 + x2 * p
    p = -1.0 / 6 + x2 * p
    return x + x * x2 * p
}
