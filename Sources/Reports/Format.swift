import Workload

/// Number formatting that never depends on locale or platform, so outputs are byte-identical everywhere.
public enum Format {
    /// `value` with exactly `decimals` digits after the point, rounded half away from zero.
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * Double(scale)).rounded(.toNearestOrAwayFromZero)
        let n = Int64(scaled)
        let sign = value < 0 && n != 0 ? "-" : ""
        let whole = n / scale, frac = n % scale
        if decimals == 0 { return sign + String(whole) }
        let f = String(frac)
        return sign + String(whole) + "." + String(repeating: "0", count: decimals - f.count) + f
    }

    /// A ratio as a percentage with two decimals: `12.50%`.
    public static func percent(_ ratio: Double) -> String { fixed(ratio * 100, 2) + "%" }

    /// Seconds with three decimals from µs: `12.000s`.
    public static func seconds(_ micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let m = abs(micros)
        let ms = (m + 500) / 1000
        let frac = String(ms % 1000)
        return sign + String(ms / 1000) + "." + String(repeating: "0", count: 3 - frac.count) + frac + "s"
    }

    /// Seconds with six decimals from µs, exact: `12.000400` (as traces write time).
    public static func secondsExact(_ micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let m = abs(micros)
        let frac = String(m % 1_000_000)
        return sign + String(m / 1_000_000) + "." + String(repeating: "0", count: 6 - frac.count) + frac
    }

    /// A duration as people write it in scenarios: the largest unit that divides it exactly
    /// (`1d`, `90s`, `250ms`, `1h`), else seconds with decimals.
    public static func duration(_ micros: Int64) -> String {
        let units: [(String, Int64)] = [("d", 86_400_000_000), ("h", 3_600_000_000), ("m", 60_000_000), ("s", 1_000_000), ("ms", 1_000), ("µs", 1)]
        if micros == 0 { return "0s" }
        for (name, size) in units where micros % size == 0 { return "\(micros / size)\(name)" }
        return secondsExact(micros) + "s"
    }

    /// Milliseconds with one decimal from µs: `40.0ms`.
    public static func millis(_ micros: Int64) -> String { fixed(Double(micros) / 1000, 1) + "ms" }

    /// Bytes in the largest unit that keeps the number ≥ 1 (decimal units, as CDN bills count).
    public static func bytes(_ n: Int64) -> String { formatBytes(n, fixedDecimals: true) }

    /// Left-aligned text table with a header row, columns padded to their widest cell.
    public static func table(_ rows: [[String]], rightAlign: Set<Int> = []) -> String {
        guard let first = rows.first else { return "" }
        var widths = Array(repeating: 0, count: first.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for (r, row) in rows.enumerated() {
            var line = ""
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                line += (rightAlign.contains(i) ? pad + cell : cell + pad)
                if i < row.count - 1 { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
            if r == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }
}
