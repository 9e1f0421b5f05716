import Workload

/// Maps a data interval onto a pixel interval, linearly; the pixel interval may run backwards
/// (a y axis grows upwards on screen while SVG's y grows downwards).
public struct LinearScale: Sendable, Equatable {
    public var domainLower: Double
    public var domainUpper: Double
    public var rangeStart: Double
    public var rangeEnd: Double

    /// A scale from `domain` to `range`; an empty domain (lower = upper) maps everything to the range's start.
    public init(domain: (Double, Double), range: (Double, Double)) {
        domainLower = domain.0
        domainUpper = domain.1
        rangeStart = range.0
        rangeEnd = range.1
    }

    /// The pixel position of `value`.
    public func callAsFunction(_ value: Double) -> Double {
        let span = domainUpper - domainLower
        guard span != 0 else { return rangeStart }
        return rangeStart + (value - domainLower) / span * (rangeEnd - rangeStart)
    }

    /// The data value at pixel position `position` (tests read charts back with it).
    public func invert(_ position: Double) -> Double {
        let span = rangeEnd - rangeStart
        guard span != 0 else { return domainLower }
        return domainLower + (position - rangeStart) / span * (domainUpper - domainLower)
    }
}

/// Round tick values for an axis, after Heckbert's "nice numbers" (Graphics Gems, 1990): steps
/// of 1, 2 or 5 times a power of ten, the axis extended outwards to whole steps.
public struct NiceTicks: Sendable, Equatable {
    /// The axis' lower end: a multiple of `step` at or below the data's minimum.
    public var lower: Double
    /// The axis' upper end: a multiple of `step` at or above the data's maximum.
    public var upper: Double
    /// The distance between ticks.
    public var step: Double
    /// Digits after the decimal point that show every tick exactly (0 for a step of 1 or more).
    public var decimals: Int

    /// Ticks covering `min…max` with about `count` of them (at least 2).
    ///
    /// An empty interval is widened first — to `0…1` when both ends are 0, otherwise by a tenth
    /// of the value either side — so a chart of all-zero rates still has an axis.
    public init(min: Double, max: Double, count: Int = 5) {
        var lo = Swift.min(min, max), hi = Swift.max(min, max)
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi - lo == 0 {
            if lo == 0 { hi = 1 } else { let pad = abs(lo) / 10; lo -= pad; hi += pad }
        }
        let range = Self.niceNumber(hi - lo, round: false)
        let step = Self.niceNumber(range / Double(Swift.max(count - 1, 1)), round: true)
        // Whole multiples of the step, computed from integers so that 0.1 × 3 prints as 0.3.
        let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        self.step = step
        self.lower = first * step
        self.upper = last * step
        var d = 0
        var s = step
        while s < 1 && d < 12 {
            s *= 10
            d += 1
            if abs(s - s.rounded()) < 1e-9 { break }
        }
        self.decimals = d
    }

    /// The tick values from `lower` to `upper`.
    public var values: [Double] {
        let first = (lower / step).rounded(), last = (upper / step).rounded()
        guard last >= first else { return [lower] }
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// A tick value as text with `decimals` digits.
    public func label(_ value: Double) -> String { Format.fixed(value, decimals) }

    /// 1, 2, 5 or 10 times a power of ten near `x`: the nearest when rounding, else the next above.
    static func niceNumber(_ x: Double, round: Bool) -> Double {
        guard x > 0 else { return 1 }
        let power = pow10(decade(x))
        let fraction = x / power
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * power
    }

    /// 10^n by repeated multiplication, so no libm differences between platforms.
    static func pow10(_ n: Int) -> Double {
        var r = 1.0
        if n >= 0 { for _ in 0..<n { r *= 10 } } else { for _ in 0..<(-n) { r /= 10 } }
        return r
    }

    /// ⌊log10(x)⌋ for x > 0, by counting decades.
    static func decade(_ x: Double) -> Int {
        var e = 0, v = x
        while v >= 10 { v /= 10; e += 1 }
        while v < 1 { v *= 10; e -= 1 }
        return e
    }
}

/// Round tick values for a log-scale axis, whose positions are log10 of the values: at powers of
/// ten when the data spans two decades or more (every second, fifth, tenth… one when there would
/// be more than `count`), else at 1, 2 and 5 × 10^k, else at 1 … 9 × 10^k; the axis is extended
/// outwards to the nearest ticks. A reader names "500MB, 1GB, 2GB" at a glance, where evenly
/// spaced log positions read "398.11MB, 501.19MB, 630.96MB" (a sweep of 0.5x…2x did).
public struct LogTicks: Sendable, Equatable {
    /// The tick values (not their logarithms), ascending.
    public var values: [Double]
    /// The axis' ends, as log10 positions: the outermost ticks'.
    public var lower: Double
    public var upper: Double

    /// Ticks covering the log10 positions `min…max` with at most about `count` of them.
    ///
    /// A single value gets the 1-2-5 ticks either side of it (and itself, when it is one), as
    /// `NiceTicks` widens an empty interval.
    public init(min: Double, max: Double, count: Int = 8) {
        var lo = Swift.min(min, max), hi = Swift.max(min, max)
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        // Doubles span 10^±308: positions beyond are no value's.
        lo = Swift.min(Swift.max(lo, -300), 300)
        hi = Swift.min(Swift.max(hi, -300), 300)
        let most = Swift.max(count, 3)
        let decades = Self.ticks([1], lo: lo, hi: hi), halves = Self.ticks([1, 2, 5], lo: lo, hi: hi)
        func inside(_ ticks: [Double]) -> Int { ticks.filter { Self.position($0) >= lo - Self.slack && Self.position($0) <= hi + Self.slack }.count }
        let chosen: [Double]
        if lo == hi {
            chosen = halves
        } else if inside(decades) >= 3 || halves.count > most {
            chosen = decades.count > most ? Self.everyNthDecade(from: decades.first!, to: decades.last!, most: most) : decades
        } else if halves.count >= 3 {
            chosen = halves
        } else {
            // The data within one 1-2-5 step (2…5 × 10^k, say): at most six ticks.
            chosen = Self.ticks([1, 2, 3, 4, 5, 6, 7, 8, 9], lo: lo, hi: hi)
        }
        values = chosen
        lower = Self.position(chosen.first!)
        upper = Self.position(chosen.last!)
    }

    /// Powers of ten covering `first…last` (themselves powers of ten), at most `most` of them:
    /// every n-th, n = 1, 2, 5, 10, 20…, on exponents that are multiples of n, so that the ends
    /// stay round (10^0, 10^5, 10^10, not 10^3, 10^8).
    static func everyNthDecade(from first: Double, to last: Double, most: Int) -> [Double] {
        let a = NiceTicks.decade(first), b = NiceTicks.decade(last)
        func ends(_ n: Int) -> (Int, Int) { (Int((Double(a) / Double(n)).rounded(.down)) * n, Int((Double(b) / Double(n)).rounded(.up)) * n) }
        var n = 1, i = 0
        while true {
            let (low, high) = ends(n)
            if (high - low) / n + 1 <= most { return stride(from: low, through: high, by: n).map { NiceTicks.pow10($0) } }
            i += 1
            n = [1, 2, 5][i % 3] * Int(NiceTicks.pow10(i / 3))
        }
    }

    /// The log10 position of a value, computed as the charts compute their points' (deterministic
    /// on every platform), so that a point at exactly 10GB sits on the 10GB tick.
    public static func position(_ value: Double) -> Double { deterministicLog(value) / deterministicLog(10) }

    /// Positions are compared with a little slack: log10(2e10) computed is not exactly 10.30103….
    static let slack = 1e-9

    /// The values m × 10^k (m from `mantissas`) from the largest at or below `lo` to the smallest at
    /// or above `hi`; for a single value, from the one below it to the one above it.
    static func ticks(_ mantissas: [Double], lo: Double, hi: Double) -> [Double] {
        var all: [Double] = []
        for k in (Int(lo.rounded(.down)) - 1)...(Int(hi.rounded(.up)) + 1) {
            for m in mantissas { all.append(m * NiceTicks.pow10(k)) }
        }
        let positions = all.map(position)
        var first = positions.lastIndex { $0 <= lo + slack } ?? 0
        var last = positions.firstIndex { $0 >= hi - slack } ?? all.count - 1
        if lo == hi {
            if abs(positions[first] - lo) <= slack { first = Swift.max(0, first - 1) }
            if abs(positions[last] - hi) <= slack { last = Swift.min(all.count - 1, last + 1) }
        }
        return Array(all[first...last])
    }
}
