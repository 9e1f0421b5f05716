import Foundation
import Reports
import Scenario
import Workload

/// Shows a run's progress on stderr — only when stderr is a terminal, not with `--quiet`, and
/// only once the run has taken a second (short runs print nothing).
final class ProgressReporter {
    private let enabled: Bool
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant
    private var drawn = false
    private let total: Int?
    private let estimated: Bool
    private let what: String

    /// - Parameters:
    ///   - total: the number of requests expected, when known.
    ///   - estimated: whether `total` is an estimate.
    init(quiet: Bool, total: Int?, estimated: Bool, what: String = "requests") {
        enabled = !quiet && isatty(STDERR_FILENO) == 1
        start = clock.now
        lastDraw = start
        self.total = total
        self.estimated = estimated
        self.what = what
    }

    /// For `ScenarioRun.run`'s `progress:` callback.
    func update(_ done: Int) {
        guard enabled else { return }
        let now = clock.now
        let elapsed = now - start
        guard elapsed >= .seconds(1), !drawn || now - lastDraw >= .milliseconds(250) else { return }
        lastDraw = now
        drawn = true
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let line = ProgressText.line(done: done, total: total, estimated: estimated, elapsed: seconds, what: what)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    /// Clears the line, if one was drawn.
    func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }

    /// How many requests a trace holds: for a `.pstrace` the count its end record gives, for
    /// oracleGeneral its size over 24 bytes; about how many for a CSV trace or access log, from
    /// its size and the lines in its first 64 KiB (exact when the file is smaller). Nil when it
    /// cannot be read.
    static func estimateRequests(_ workload: WorkloadSpec) -> (count: Int, exact: Bool)? {
        guard case let .trace(path, format, _) = workload else { return nil }
        switch format {
        case .popsim: return PopsimTraceFormat.requestCount(path: path).map { ($0, true) }
        case .oracleGeneral:
            guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int else { return nil }
            return (size / 24, true)
        default: break
        }
        guard format == .csv || !format.isWritable, let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let sampleSize = 64 << 10
        guard let sample = try? handle.read(upToCount: sampleSize), !sample.isEmpty,
              let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int else { return nil }
        let newlines = sample.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        if sample.count < sampleSize {
            let lines = newlines + (sample.last == 0x0A ? 0 : 1)
            return (max(0, lines - 1), true)
        }
        guard newlines > 0 else { return nil }
        return (max(0, Int(Double(size) * Double(newlines) / Double(sample.count)) - 1), false)
    }

}
