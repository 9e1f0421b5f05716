// Durations and byte sizes as people write them in scenario files, parsed to exact integers.

/// Why a duration or size string was refused, with the forms that would have been accepted.
public struct QuantityError: Error, Equatable, Sendable, CustomStringConvertible {
    public let input: String
    /// `duration` or `byte size`.
    public let quantity: String
    public let reason: String

    public init(input: String, quantity: String, reason: String) {
        self.input = input
        self.quantity = quantity
        self.reason = reason
    }

    public var description: String { "\"\(input)\" is not a \(quantity): \(reason)" }
}

let durationForms = "a number and one of us, ms, s, m, h, d — e.g. 500us, 250ms, 1.5s, 10m, 1h, 1d"
let byteSizeForms = "a whole number of bytes, or a number and one of B, KB, MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (powers of 1024) — e.g. 4096, 512MB, 1.5GB, 1GiB"

/// Parses a duration such as `250ms`, `1.5s`, `10m`, `1h`, `1d` or `500us` into microseconds.
///
/// Exact: the decimal digits are read as integers, so `0.1s` is 100 000 µs with no floating
/// drift, and a value finer than one microsecond (`1.5us`) is refused rather than rounded.
/// Units are lower case (`m` is minutes; `µs` is accepted for `us`). Negative durations and
/// bare numbers are refused: every duration in a file says its unit.
/// - Throws: `QuantityError` naming the accepted forms.
public func parseDuration(_ text: String) throws(QuantityError) -> Int64 {
    func fail(_ reason: String) -> QuantityError { QuantityError(input: text, quantity: "duration", reason: reason) }
    let (number, unit) = splitNumberAndUnit(text)
    if number.isEmpty { throw fail(text.isEmpty ? "empty (expected \(durationForms))" : "does not start with a number (expected \(durationForms))") }
    let factor: Int64
    switch unit {
    case "us", "µs": factor = 1
    case "ms": factor = 1_000
    case "s": factor = 1_000_000
    case "m": factor = 60_000_000
    case "h": factor = 3_600_000_000
    case "d": factor = 86_400_000_000
    case "": throw fail("missing unit (expected \(durationForms))")
    default: throw fail("unknown unit \"\(unit)\" (expected \(durationForms))")
    }
    switch scaledDecimal(Array(number.utf8), times: factor) {
    case .success(let v) where v > maxTraceTime: throw fail("too large (at most 104249d, about 285 years)")
    case .success(let v): return v
    case .failure(.negative): throw fail("negative (expected \(durationForms))")
    case .failure(.syntax): throw fail("\"\(number)\" is not a decimal number (expected \(durationForms))")
    case .failure(.notWhole): throw fail("finer than a microsecond")
    case .failure(.overflow): throw fail("too large (at most 104249d, about 285 years)")
    }
}

/// Parses a size such as `2GB`, `512MB`, `1.5GB`, `1GiB`, `4096B` or `1024` into bytes.
///
/// `KB`/`MB`/`GB`/`TB` are powers of 1000 and `KiB`…`TiB` powers of 1024 (IEC 80000-13),
/// because capacities are quoted both ways and mixing them up is a 7 % error at GB scale.
/// Units are case-insensitive; a bare number is bytes. Exact like `parseDuration(_:)`: a
/// size that is not a whole number of bytes (`0.1KiB`) is refused.
/// - Throws: `QuantityError` naming the accepted forms.
public func parseByteSize(_ text: String) throws(QuantityError) -> Int64 {
    func fail(_ reason: String) -> QuantityError { QuantityError(input: text, quantity: "byte size", reason: reason) }
    let (number, unit) = splitNumberAndUnit(text)
    if number.isEmpty { throw fail(text.isEmpty ? "empty (expected \(byteSizeForms))" : "does not start with a number (expected \(byteSizeForms))") }
    let factor: Int64
    switch unit.lowercased() {
    case "", "b": factor = 1
    case "kb": factor = 1_000
    case "mb": factor = 1_000_000
    case "gb": factor = 1_000_000_000
    case "tb": factor = 1_000_000_000_000
    case "kib": factor = 1 << 10
    case "mib": factor = 1 << 20
    case "gib": factor = 1 << 30
    case "tib": factor = 1 << 40
    default: throw fail("unknown unit \"\(unit)\" (expected \(byteSizeForms))")
    }
    switch scaledDecimal(Array(number.utf8), times: factor) {
    case .success(let v): return v
    case .failure(.negative): throw fail("negative (expected \(byteSizeForms))")
    case .failure(.syntax): throw fail("\"\(number)\" is not a decimal number (expected \(byteSizeForms))")
    case .failure(.notWhole): throw fail("not a whole number of bytes")
    case .failure(.overflow): throw fail("too large")
    }
}

/// Parses a share of a trace's working set — `0.01ws`, `1%` or `1%ws` — into the fraction
/// libCacheSim reads from a cache size of `0.01` (`atof`); nil when `text` does not end in `ws`
/// or `%` (case-insensitive), so is not written as one.
///
/// A percentage is the fraction written out: its decimal point moves two places left in the
/// text (`2.5%` is read as `0.025`), not divided by 100 once parsed — `0.7 / 100` is a bit
/// below `0.007`, and 0.7 % of 1,000 bytes would round down to 6 bytes, where `0.007ws` gives 7.
/// So `P%` and `P%ws` are the same cache as `(P/100)ws`, to the byte. A share above the whole
/// (`2ws`, `200%`) is a cache larger than the working set, accepted as libCacheSim accepts it.
/// - Throws: `QuantityError` when the number before `ws` or `%` is not a positive decimal.
public func parseWorkingSetShare(_ text: String) throws(QuantityError) -> Double? {
    let lowered = text.lowercased()
    let percent = lowered.hasSuffix("%") || lowered.hasSuffix("%ws")
    guard percent || lowered.hasSuffix("ws") else { return nil }
    let suffix = lowered.hasSuffix("%") ? 1 : lowered.hasSuffix("%ws") ? 3 : 2
    let number = String(text.dropLast(suffix))
    let fraction = isPlainDecimal(number) ? Double(percent ? hundredth(of: number) : number) : nil
    guard let fraction, fraction.isFinite, fraction > 0 else {
        throw QuantityError(input: text, quantity: "share of the working set", reason: percent
            ? "a percentage of the working set is a positive number before '%' (10%, 0.5%)"
            : "a fraction of the working set is a positive number before 'ws' (0.01ws)")
    }
    return fraction
}

/// Whether `text` is ASCII digits with at most one decimal point among them (`12`, `0.5`, `.5`, `5.`).
private func isPlainDecimal(_ text: String) -> Bool {
    text.contains { $0.isASCII && $0.isNumber } && text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
        && text.filter { $0 == "." }.count <= 1
}

/// A plain decimal divided by 100 in its text: `2.5` → `0.025`, `150` → `1.50`.
private func hundredth(of decimal: String) -> String {
    let dot = decimal.firstIndex(of: ".") ?? decimal.endIndex
    let whole = String(repeating: "0", count: max(0, 3 - decimal[..<dot].count)) + decimal[..<dot]
    let after = dot < decimal.endIndex ? decimal[decimal.index(after: dot)...] : ""
    return whole.dropLast(2) + "." + whole.suffix(2) + after
}

/// Splits `1.5GB` into `1.5` and `GB` at the first character that cannot be part of a number.
private func splitNumberAndUnit(_ text: String) -> (Substring, Substring) {
    let end = text.firstIndex { !($0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+")) } ?? text.endIndex
    return (text[..<end], text[end...])
}

/// Microseconds as seconds with three decimals (`12.000s`), or six when not whole milliseconds
/// (`0.000500s`): exact, and the same on every platform.
public func formatDuration(_ microseconds: Int64) -> String {
    let neg = microseconds < 0
    let m = microseconds.magnitude
    let seconds = m / 1_000_000
    let frac = m % 1_000_000
    let fracText: String
    if frac % 1_000 == 0 {
        fracText = zeroPadded(frac / 1_000, width: 3)
    } else {
        fracText = zeroPadded(frac, width: 6)
    }
    return (neg ? "-" : "") + "\(seconds).\(fracText)s"
}

/// A byte count in the largest decimal unit it reaches, with at most two decimals
/// (`999B`, `1.5KB`, `2GB`, `1.23TB`); halves round up. For people, not for parsing back.
/// With `fixedDecimals`, always two and a space before the unit (`999 B`, `1.50 KB`, `2.00 GB`):
/// the form of tables and summaries, whose numbers line up. One rounding for both, so that
/// 999,999 bytes is 1MB or 1.00 MB, never 1000 KB.
public func formatBytes(_ bytes: Int64, fixedDecimals: Bool = false) -> String {
    let units: [(String, UInt64)] = [("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000)]
    let neg = bytes < 0
    let n = bytes.magnitude
    let sign = neg ? "-" : ""
    let space = fixedDecimals ? " " : ""
    for (k, (name, size)) in units.enumerated() where n >= size {
        var hundredths = (n / size) * 100 + ((n % size) * 100 + size / 2) / size
        var unit = name
        // 999 999 bytes rounds to 1000.00KB: say 1MB instead.
        if hundredths >= 100_000, k > 0 { hundredths /= 1000; unit = units[k - 1].0 }
        let whole = hundredths / 100
        let frac = hundredths % 100
        if fixedDecimals { return "\(sign)\(whole).\(zeroPadded(frac, width: 2))\(space)\(unit)" }
        if frac == 0 { return "\(sign)\(whole)\(unit)" }
        if frac % 10 == 0 { return "\(sign)\(whole).\(frac / 10)\(unit)" }
        return "\(sign)\(whole).\(zeroPadded(frac, width: 2))\(unit)"
    }
    return "\(sign)\(n)\(space)B"
}

func zeroPadded(_ v: some BinaryInteger, width: Int) -> String {
    let s = String(v)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

// MARK: exact decimals

/// Why `scaledDecimal` refused its input.
enum DecimalFailure: Error, Equatable {
    /// Not `digits` or `digits.digits`.
    case syntax
    /// Starts with `-` (and is otherwise a number).
    case negative
    /// The scaled value has a fractional part.
    case notWhole
    /// The scaled value does not fit in `Int64`.
    case overflow
}

/// `text × factor` for a non-negative decimal such as `12`, `12.5` or `0.000001`, exactly.
///
/// The integer and fractional digits are read as integers, so there is no floating-point
/// drift; the result must be whole (`0.0000015 × 10^6` fails with `.notWhole`).
/// Trailing fractional zeros are insignificant (`1.5000000` is `1.5`).
func scaledDecimal(_ text: some BidirectionalCollection<UInt8>, times factor: Int64) -> Result<Int64, DecimalFailure> {
    var bytes = text[...]
    var negative = false
    if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
    let dot = bytes.firstIndex(of: UInt8(ascii: "."))
    let intPart = bytes[..<(dot ?? bytes.endIndex)]
    var fracPart = dot.map { bytes[bytes.index(after: $0)...] } ?? bytes[bytes.endIndex...]
    func allDigits(_ s: some Collection<UInt8>) -> Bool { s.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    guard !intPart.isEmpty, allDigits(intPart), dot == nil || (!fracPart.isEmpty && allDigits(fracPart)) else {
        return .failure(.syntax)
    }
    if negative { return .failure(.negative) }
    while fracPart.last == UInt8(ascii: "0") { fracPart = fracPart.dropLast() }

    var whole: Int64 = 0
    for c in intPart {
        let (m, o1) = whole.multipliedReportingOverflow(by: 10)
        let (s, o2) = m.addingReportingOverflow(Int64(c - 0x30))
        if o1 || o2 { return .failure(.overflow) }
        whole = s
    }
    let (scaledWhole, o) = whole.multipliedReportingOverflow(by: factor)
    if o { return .failure(.overflow) }
    if fracPart.isEmpty { return .success(scaledWhole) }
    // fraction × factor / 10^k must be whole: cancel the common factor of factor and 10^k
    // first so that nothing overflows for fractions up to 18 digits.
    let k = fracPart.count
    guard k <= 18 else { return .failure(.notWhole) }
    var frac: Int64 = 0
    for c in fracPart { frac = frac * 10 + Int64(c - 0x30) }
    var power: Int64 = 1
    for _ in 0..<k { power *= 10 }
    let g = gcd(factor, power)
    let (f, p) = (factor / g, power / g)
    guard frac % p == 0 else { return .failure(.notWhole) }
    let (fracScaled, o3) = (frac / p).multipliedReportingOverflow(by: f)
    let (total, o4) = scaledWhole.addingReportingOverflow(fracScaled)
    if o3 || o4 { return .failure(.overflow) }
    return .success(total)
}

private func gcd(_ a: Int64, _ b: Int64) -> Int64 {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x
}
