/// The progress line long runs show on a terminal, as pure text (the CLI decides when and where).
public enum ProgressText {
    /// `1,245,184 requests (42%), 812,345/s, ETA 4s` — the share and ETA only when a total is
    /// known and not yet passed; `~` marks a total that is an estimate.
    /// - Parameters:
    ///   - done: requests processed so far.
    ///   - total: the expected number of requests, if known.
    ///   - estimated: whether `total` is an estimate (from the trace file's size).
    ///   - elapsed: seconds since the run started.
    public static func line(done: Int, total: Int?, estimated: Bool, elapsed: Double, what: String = "requests") -> String {
        var s = "\(Format.grouped(done)) \(what)"
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        if let total, total > 0, done <= total {
            s += " (\(estimated ? "~" : "")\(Format.fixed(Double(done) / Double(total) * 100, 0))%)"
        }
        s += ", \(Format.grouped(Int(rate.rounded())))/s"
        if let total, total > done, rate > 0 {
            s += ", ETA \(estimated ? "~" : "")\(eta(Double(total - done) / rate))"
        }
        return s
    }

    /// Seconds as `4s`, `2m05s` or `1h02m`.
    public static func eta(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + pad2(s % 60) + "s" }
        return "\(s / 3600)h" + pad2(s % 3600 / 60) + "m"
    }

    static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

extension Format {
    /// An integer with thousands separated by commas: `1,245,184`.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}
