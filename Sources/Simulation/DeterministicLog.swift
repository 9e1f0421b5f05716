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
internal func deterministicLog(_ x: Double) -> Double {
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
