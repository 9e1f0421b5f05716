/// The progress line long runs show on a terminal, as pure text (`ProgressLine` decides when).
public enum ProgressText {
    /// `1,245,184 requests (42%), 812,345/s, ETA 4s` — the share and ETA only when a total is
    /// known and not yet passed; `~` marks a total that is an estimate. The rate and ETA wait for
    /// a quarter of a second of the count (a stage just entered may already count thousands,
    /// read before its first line: its rate would be 0/s, or a spike).
    /// - Parameters:
    ///   - done: requests processed so far.
    ///   - total: the expected number of requests, if known.
    ///   - estimated: whether `total` is an estimate (from the trace file's size).
    ///   - elapsed: seconds since the run started.
    public static func line(done: Int, total: Int?, estimated: Bool, elapsed: Double, what: String = "requests") -> String {
        var s = "\(Format.grouped(done)) \(what)"
        if let total, total > 0, done <= total {
            s += " (\(estimated ? "~" : "")\(Format.fixed(Double(done) / Double(total) * 100, 0))%)"
        }
        guard elapsed >= 0.25 else { return s }
        let rate = Double(done) / elapsed
        s += ", \(Format.grouped(Int(rate.rounded())))/s"
        if let total, total > done, rate > 0 {
            s += ", ETA \(estimated ? "~" : "")\(eta(Double(total - done) / rate))"
        }
        return s
    }

    /// A stage that counts nothing, with how long it has taken so far: `reading part 3 of 8:
    /// parts/p3.json (12s)`.
    /// - Parameters:
    ///   - name: what the command is doing.
    ///   - elapsed: seconds since the stage started.
    public static func step(_ name: String, elapsed: Double) -> String {
        "\(name) (\(eta(max(0, elapsed.rounded(.down)))))"
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

    /// How fast `count` of `what` went by in `seconds`, as a command's last line says it, in one
    /// style whatever the pace: `14.2 M requests/s`, `0.96 M requests/s`, `2,346 requests/s`
    /// (millions from 100,000 a second, so that a slow run does not read as a large number beside
    /// a fast one's "M"); `–` without a time to divide by.
    public static func rate(_ count: Int, per seconds: Double, of what: String) -> String {
        guard seconds > 0, seconds.isFinite else { return "–" }
        let r = Double(count) / seconds
        if r >= 1e6 { return fixed(r / 1e6, 1) + " M \(what)/s" }
        if r >= 1e5 { return fixed(r / 1e6, 2) + " M \(what)/s" }
        return grouped(Int(r.rounded())) + " \(what)/s"
    }
}

/// When a long command draws its progress line and what the line says — the decisions alone:
/// the caller gives the time (seconds since the command started) and the count, and draws what
/// comes back on a terminal, so that tests can drive every decision with made-up times.
///
/// Nothing is drawn before the command has run `delay` (a second: short runs print nothing);
/// then at most every `interval`, except that a new stage is drawn at once.
///
/// ```swift
/// var decide = ProgressLine(stages: [.counting("requests", total: 1000, estimated: false)])
/// decide.line(stage: 0, done: 100, at: 0.5)  // nil: too soon
/// decide.line(stage: 0, done: 400, at: 2)    // "400 requests (40%), 200/s, ETA 3s"
/// ```
public struct ProgressLine: Sendable {
    /// One stage of a command's work: what the line calls it, and what it counts.
    public struct Stage: Sendable, Equatable {
        /// What the command is doing (`replaying`), shown before the count; nil for nothing.
        public var name: String?
        /// What the stage counts (`requests`); nil when it counts nothing: the line is then the
        /// name and how long the stage has taken.
        public var what: String?
        /// How many the stage will count, when known.
        public var total: Int?
        /// Whether `total` is an estimate.
        public var estimated: Bool

        /// A stage that counts `what`: `replaying: 1,245,184 requests (42%), 812,345/s, ETA 4s`.
        public static func counting(_ what: String, total: Int?, estimated: Bool, name: String? = nil) -> Stage {
            Stage(name: name, what: what, total: total, estimated: estimated)
        }

        /// A stage that counts nothing: `reading part 3 of 8: p3.json (12s)`.
        public static func step(_ name: String) -> Stage {
            Stage(name: name, what: nil, total: nil, estimated: false)
        }
    }

    /// Seconds a command runs before its line is first drawn, by default.
    public static let defaultDelay = 1.0
    /// Seconds between two drawings of the line within a stage.
    public static let interval = 0.25

    /// The command's stages, by number (the numbers `ProgressCounter.stage` gives).
    public private(set) var stages: [Stage]
    /// Seconds before the line is first drawn.
    public let delay: Double
    /// Whether a line is on the screen (drawn and not cleared).
    public private(set) var drawn = false
    private var current = 0
    private var stageStart = 0.0
    private var lastDraw = 0.0

    /// - Parameters:
    ///   - stages: at least one; the command starts in the first, at time 0.
    ///   - delay: seconds before the line is first drawn (short runs print nothing).
    public init(stages: [Stage], delay: Double = ProgressLine.defaultDelay) {
        precondition(!stages.isEmpty, "ProgressLine needs a stage")
        self.stages = stages
        self.delay = delay
    }

    /// The line to draw at `now` — the command in stage `stage`, having counted `done` in it —
    /// or nil when nothing is to be drawn (before `delay`, or within `interval` of the last
    /// line of the same stage). A stage is timed from the first call that names it, and a stage
    /// number past the last shows the last.
    public mutating func line(stage: Int, done: Int, at now: Double) -> String? {
        let stage = min(max(stage, 0), stages.count - 1)
        let entered = stage != current
        if entered {
            current = stage
            stageStart = now
        }
        guard now >= delay, !drawn || entered || now - lastDraw >= Self.interval else { return nil }
        drawn = true
        lastDraw = now
        let s = stages[stage]
        guard let what = s.what else { return ProgressText.step(s.name ?? "working", elapsed: now - stageStart) }
        let count = ProgressText.line(done: done, total: s.total, estimated: s.estimated, elapsed: now - stageStart, what: what)
        return s.name.map { "\($0): \(count)" } ?? count
    }

    /// Makes `stage` count against `total`, exactly: a pass before it has counted what it will
    /// count (cachesim's replay, after the working set's pass over the same trace), so its share
    /// and ETA lose the `~` of a total estimated from the file's size.
    public mutating func know(total: Int, ofStage stage: Int) {
        guard stages.indices.contains(stage), stages[stage].what != nil else { return }
        stages[stage].total = total
        stages[stage].estimated = false
    }

    /// Whether there is a line to clear; after this, there is none.
    public mutating func clear() -> Bool {
        defer { drawn = false }
        return drawn
    }
}

/// The stages each long command's progress line goes through — what `ProgressLine` is given,
/// kept here so that each command's wording is tested.
public enum ProgressStages {
    /// `cachesim`: stage 0 counts the working set (only when a size is a fraction of it), stage 1
    /// replays; each reads the whole trace, so both count against its requests (which stage 0,
    /// once done, knows: `ProgressLine.know(total:ofStage:)`).
    public static func cachesim(total: Int?, estimated: Bool) -> [ProgressLine.Stage] {
        [.counting("requests", total: total, estimated: estimated, name: "counting the working set"),
         .counting("requests", total: total, estimated: estimated, name: "replaying")]
    }

    /// `mrc`: one pass, the trace's requests.
    public static func mrc(total: Int?, estimated: Bool) -> [ProgressLine.Stage] {
        [.counting("requests", total: total, estimated: estimated)]
    }

    /// `trace convert`: records written out of the input's, then the output being finished
    /// (oracleGeneral's next_access_vtime is a second pass over the file).
    public static func convert(output: String, total: Int?, estimated: Bool) -> [ProgressLine.Stage] {
        [.counting("records written", total: total, estimated: estimated), .step("finishing \(output)")]
    }

    /// `trace gen`: requests written out of those the spec makes, then the output being finished.
    public static func gen(output: String, total: Int?, estimated: Bool) -> [ProgressLine.Stage] {
        [.counting("requests written", total: total, estimated: estimated), .step("finishing \(output)")]
    }

    /// `merge`: stage i reads part i + 1 (whole, however large), then one stage checks and merges.
    public static func merge(parts: [String]) -> [ProgressLine.Stage] {
        parts.indices.map { .step("reading part \($0 + 1) of \(parts.count): \(parts[$0])") }
            + [.step("merging \(parts.count) part\(parts.count == 1 ? "" : "s")")]
    }
}
