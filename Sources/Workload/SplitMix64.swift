/// A small, fast, seedable random number generator: SplitMix64.
///
/// Every random draw in a run comes from a generator the run owns and seeds, so that the
/// same scenario and seed give byte-identical outputs. SplitMix64 is the generator of
/// Steele, Lea and Flood, "Fast Splittable Pseudorandom Number Generators" (OOPSLA 2014),
/// in the form of Vigna's reference `splitmix64.c` (https://prng.di.unimi.it/splitmix64.c):
/// a Weyl sequence with step 0x9E3779B97F4A7C15 passed through a 64-bit mixer. It has one
/// word of state, passes BigCrush, and is what xoshiro's authors use to seed their
/// generators. Copying the struct forks the stream (both copies continue identically).
@frozen
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline
    internal var state: UInt64

    /// Creates a generator whose first output is the reference generator's first output
    /// for the same seed.
    @inlinable
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// A uniform double in `[0, 1)` from the top 53 bits of one output.
    ///
    /// Spelled out (instead of `Double.random(in:using:)`) because the standard library
    /// does not promise how many draws or which bits its method uses; this does.
    @inlinable
    public mutating func nextUnitDouble() -> Double {
        Double(next() &>> 11) * 0x1.0p-53
    }

    /// An exponentially distributed double with the given mean, by inversion:
    /// `-mean · ln(1 − u)`, one draw per call.
    ///
    /// Used for Poisson arrivals and service times. The logarithm is our own
    /// (`deterministicLog`) so that the values do not depend on the platform's libm.
    /// - Parameter mean: The distribution's mean (1/λ); must be finite and non-negative.
    /// - Returns: A value in `[0, +∞)`; finite, since `1 − u` is never zero.
    @inlinable
    public mutating func nextExponential(mean: Double) -> Double {
        let u = nextUnitDouble()
        return -mean * deterministicLog(1 - u)
    }
}
