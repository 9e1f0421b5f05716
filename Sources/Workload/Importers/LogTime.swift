// Access-log timestamps, parsed from bytes to microseconds since the Unix epoch (UTC), exactly.

/// Parses a Common Log Format time such as `10/Oct/2000:13:55:36 -0700` (nginx `$time_local`,
/// Alibaba Cloud CDN offline logs; the day may have one digit: `9/Jun/2015:01:58:09 +0800`).
/// The offset is applied, so the result is UTC.
/// - Returns: microseconds since 1970-01-01T00:00:00Z, or nil when the text is not such a time.
func parseCLFTime(_ text: ArraySlice<UInt8>) -> Int64? {
    var s = ByteScanner(text)
    guard let day = s.number(minDigits: 1, maxDigits: 2), s.skip(UInt8(ascii: "/")),
          let month = s.monthName(), s.skip(UInt8(ascii: "/")),
          let year = s.number(minDigits: 4, maxDigits: 4), s.skip(UInt8(ascii: ":")),
          let hour = s.number(minDigits: 2, maxDigits: 2), s.skip(UInt8(ascii: ":")),
          let minute = s.number(minDigits: 2, maxDigits: 2), s.skip(UInt8(ascii: ":")),
          let second = s.number(minDigits: 2, maxDigits: 2)
    else { return nil }
    let fraction = s.fraction()
    guard let fraction else { return nil }
    guard s.skip(UInt8(ascii: " ")), let offset = s.offset(colon: false), s.atEnd else { return nil }
    return civilMicroseconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                             micros: fraction, offsetSeconds: offset)
}

/// Parses an ISO 8601 time as nginx writes `$time_iso8601` (`2015-06-09T01:58:09+08:00`), also
/// with `Z` or fractional seconds.
func parseISO8601Time(_ text: ArraySlice<UInt8>) -> Int64? {
    var s = ByteScanner(text)
    guard let (year, month, day) = s.isoDate(), s.skip(UInt8(ascii: "T")) || s.skip(UInt8(ascii: " ")),
          let (hour, minute, second, micros) = s.isoTime()
    else { return nil }
    let offset: Int64
    if s.skip(UInt8(ascii: "Z")) { offset = 0 } else {
        guard let o = s.offset(colon: true) else { return nil }
        offset = o
    }
    guard s.atEnd else { return nil }
    return civilMicroseconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                             micros: micros, offsetSeconds: offset)
}

/// Parses a W3C extended log `date` and `time` pair (`2019-12-04`, `21:02:31`), which are UTC.
func parseW3CTime(date: ArraySlice<UInt8>, time: ArraySlice<UInt8>) -> Int64? {
    var d = ByteScanner(date), t = ByteScanner(time)
    guard let (year, month, day) = d.isoDate(), d.atEnd, let (hour, minute, second, micros) = t.isoTime(), t.atEnd
    else { return nil }
    return civilMicroseconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                             micros: micros, offsetSeconds: 0)
}

/// Parses seconds since the epoch with an optional fraction (nginx `$msec`: `1433786289.123`).
func parseEpochSeconds(_ text: ArraySlice<UInt8>) -> Int64? {
    if case .success(let v) = scaledDecimal(text, times: 1_000_000) { return v }
    return nil
}

/// Microseconds since the epoch of a civil date and time at a UTC offset, or nil when a field
/// is out of range (month 13, 31 June, hour 24). Second 60 (a leap second) is accepted.
func civilMicroseconds(year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64,
                       micros: Int64, offsetSeconds: Int64) -> Int64? {
    guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
          (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
    else { return nil }
    let days = daysFromCivil(year: year, month: month, day: day)
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetSeconds
    return seconds * 1_000_000 + micros
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

private func daysInMonth(year: Int64, month: Int64) -> Int64 {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

/// A cursor over bytes for the small fixed grammars of timestamps.
private struct ByteScanner {
    var bytes: ArraySlice<UInt8>
    var i: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        i = bytes.startIndex
    }

    var atEnd: Bool { i == bytes.endIndex }

    mutating func skip(_ c: UInt8) -> Bool {
        guard i < bytes.endIndex, bytes[i] == c else { return false }
        i += 1
        return true
    }

    mutating func number(minDigits: Int, maxDigits: Int) -> Int64? {
        var v: Int64 = 0
        var n = 0
        while n < maxDigits, i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            v = v * 10 + Int64(bytes[i] - 0x30)
            i += 1
            n += 1
        }
        return n >= minDigits ? v : nil
    }

    /// `.123` ⇒ 123 000 µs; nothing ⇒ 0; more than six digits must be zeros past the sixth.
    mutating func fraction() -> Int64? {
        guard skip(UInt8(ascii: ".")) else { return 0 }
        var v: Int64 = 0
        var n = 0
        while i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            if n < 6 { v = v * 10 + Int64(bytes[i] - 0x30) } else if bytes[i] != 0x30 { return nil }
            i += 1
            n += 1
        }
        if n == 0 { return nil }
        for _ in n..<max(n, 6) { v *= 10 }
        return v
    }

    /// `+0800`, `-0700` (or `+08:00` with `colon`) as seconds east of UTC.
    mutating func offset(colon: Bool) -> Int64? {
        guard i < bytes.endIndex else { return nil }
        let sign: Int64
        switch bytes[i] {
        case UInt8(ascii: "+"): sign = 1
        case UInt8(ascii: "-"): sign = -1
        default: return nil
        }
        i += 1
        guard let h = number(minDigits: 2, maxDigits: 2) else { return nil }
        if colon { guard skip(UInt8(ascii: ":")) else { return nil } }
        guard let m = number(minDigits: 2, maxDigits: 2), h <= 23, m <= 59 else { return nil }
        return sign * (h * 3_600 + m * 60)
    }

    mutating func monthName() -> Int64? {
        guard bytes.endIndex - i >= 3 else { return nil }
        let a = bytes[i] | 0x20, b = bytes[i + 1] | 0x20, c = bytes[i + 2] | 0x20
        let names: [(UInt8, UInt8, UInt8)] = [
            (0x6A, 0x61, 0x6E), (0x66, 0x65, 0x62), (0x6D, 0x61, 0x72), (0x61, 0x70, 0x72), (0x6D, 0x61, 0x79), (0x6A, 0x75, 0x6E),
            (0x6A, 0x75, 0x6C), (0x61, 0x75, 0x67), (0x73, 0x65, 0x70), (0x6F, 0x63, 0x74), (0x6E, 0x6F, 0x76), (0x64, 0x65, 0x63),
        ]
        for (k, n) in names.enumerated() where n == (a, b, c) {
            i += 3
            return Int64(k + 1)
        }
        return nil
    }

    mutating func isoDate() -> (Int64, Int64, Int64)? {
        guard let y = number(minDigits: 4, maxDigits: 4), skip(UInt8(ascii: "-")),
              let m = number(minDigits: 2, maxDigits: 2), skip(UInt8(ascii: "-")),
              let d = number(minDigits: 2, maxDigits: 2)
        else { return nil }
        return (y, m, d)
    }

    mutating func isoTime() -> (Int64, Int64, Int64, Int64)? {
        guard let h = number(minDigits: 2, maxDigits: 2), skip(UInt8(ascii: ":")),
              let m = number(minDigits: 2, maxDigits: 2), skip(UInt8(ascii: ":")),
              let s = number(minDigits: 2, maxDigits: 2), let f = fraction()
        else { return nil }
        return (h, m, s, f)
    }
}
