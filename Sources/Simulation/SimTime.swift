/// A point in simulated time, counted in whole microseconds since the start of a run.
///
/// Time is an integer so that adding thousands of small delays never drifts, and so that
/// two runs with the same scenario and seed order their events identically on every
/// platform. Durations are plain `Int64` microsecond counts: `now + 250_000` is 250 ms later.
@frozen
public struct SimTime: Comparable, Hashable, Sendable {
    /// Microseconds since the start of the run; negative values are allowed (before start).
    public var microseconds: Int64

    /// Creates a time from a microsecond count.
    @inlinable
    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    /// The start of a run.
    public static let zero = SimTime(microseconds: 0)

    /// A time a whole number of seconds after the start.
    ///
    /// Takes `Int` rather than `Int64` so that `.seconds(12)` picks this overload
    /// instead of being ambiguous with the `Double` one.
    @inlinable
    public static func seconds(_ seconds: Int) -> SimTime {
        SimTime(microseconds: Int64(seconds) * 1_000_000)
    }

    /// A time a decimal number of seconds after the start, rounded to the nearest
    /// microsecond (ties away from zero), as trace files write it (`t` = `12.25`).
    ///
    /// Rounds by hand: `Double.rounded` calls libm, which a module importing neither
    /// Foundation nor Glibc does not link on Linux.
    @inlinable
    public static func seconds(_ seconds: Double) -> SimTime {
        let scaled = seconds * 1_000_000
        precondition(scaled.isFinite && scaled.magnitude < 0x1p63, "\(seconds) s is outside SimTime's range")
        var whole = Int64(scaled)                 // truncates towards zero
        let fraction = scaled - Double(whole)     // exact: whole is scaled's integer part
        if fraction >= 0.5 { whole += 1 } else if fraction <= -0.5 { whole -= 1 }
        return SimTime(microseconds: whole)
    }

    /// A time a whole number of milliseconds after the start.
    @inlinable
    public static func milliseconds(_ milliseconds: Int64) -> SimTime {
        SimTime(microseconds: milliseconds * 1_000)
    }

    @inlinable
    public static func < (lhs: SimTime, rhs: SimTime) -> Bool {
        lhs.microseconds < rhs.microseconds
    }

    /// The time `microseconds` later.
    @inlinable
    public static func + (lhs: SimTime, microseconds: Int64) -> SimTime {
        SimTime(microseconds: lhs.microseconds + microseconds)
    }

    /// The time `microseconds` earlier.
    @inlinable
    public static func - (lhs: SimTime, microseconds: Int64) -> SimTime {
        SimTime(microseconds: lhs.microseconds - microseconds)
    }

    /// The duration from `rhs` to `lhs`, in microseconds.
    @inlinable
    public static func - (lhs: SimTime, rhs: SimTime) -> Int64 {
        lhs.microseconds - rhs.microseconds
    }

    /// Moves the time `microseconds` later.
    @inlinable
    public static func += (lhs: inout SimTime, microseconds: Int64) {
        lhs.microseconds += microseconds
    }

    /// Seconds with exactly three decimals and an `s` suffix: `"12.000s"`, `"0.500s"`,
    /// `"-1.250s"`.
    ///
    /// Rounds to the nearest millisecond, ties away from zero (`500µs` ⇒ `"0.001s"`).
    /// Built from integers, not `Double` formatting, so the text is the same on every
    /// platform and reports compare byte for byte. Not for hot paths: it builds a `String`.
    public var formattedSeconds: String {
        // Work in the non-positive range so that Int64.min needs no special case.
        let negative = microseconds < 0
        let magnitude = negative ? microseconds : -microseconds
        let (quotient, remainder) = magnitude.quotientAndRemainder(dividingBy: 1_000)
        let milliseconds = remainder <= -500 ? quotient - 1 : quotient
        let (wholeSeconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1_000)
        let digits = String(fraction.magnitude)
        var text = negative && milliseconds != 0 ? "-" : ""
        text += String(wholeSeconds.magnitude)
        text += "."
        text += String(repeating: "0", count: 3 - digits.count)
        text += digits
        text += "s"
        return text
    }
}

extension SimTime: CustomStringConvertible {
    /// The same text as `formattedSeconds`.
    public var description: String { formattedSeconds }
}
