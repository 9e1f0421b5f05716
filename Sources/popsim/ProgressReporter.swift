import Foundation
import Reports
import Scenario
import Workload

/// Shows a command's progress on stderr — only when stderr is a terminal, not with `--quiet`, and
/// only once the command has taken a second (short runs print nothing); `ProgressLine` decides
/// when and what, this draws it.
///
/// Two ways to feed it: `update(_:)` from the working thread (`run`, every 65,536 requests), or
/// `watching(_:)`, whose thread reads `counter` four times a second while the work stores into
/// it once per block or batch (`cachesim`, `mrc`, `trace convert`, `trace gen`, `merge`).
final class ProgressReporter: @unchecked Sendable {
    /// Where the work stores its count and stage, for `watching`.
    let counter = ProgressCounter()
    /// Whether a line may be drawn: stderr is a terminal and `--quiet` was not given.
    let enabled: Bool
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    /// Guards `decide` and `stopped`: the watching thread draws, the caller clears.
    private let lock = NSLock()
    private var decide: ProgressLine
    private var stopped = false

    /// - Parameters:
    ///   - stages: what the command does, in order (`counter.enter(stage:)` moves along them).
    init(quiet: Bool, stages: [ProgressLine.Stage]) {
        enabled = !quiet && isatty(STDERR_FILENO) == 1
        start = clock.now
        decide = ProgressLine(stages: stages, delay: testFault() == .progressAtOnce ? 0 : ProgressLine.defaultDelay)
    }

    /// One stage counting requests.
    /// - Parameters:
    ///   - total: the number of requests expected, when known.
    ///   - estimated: whether `total` is an estimate.
    convenience init(quiet: Bool, total: Int?, estimated: Bool, what: String = "requests") {
        self.init(quiet: quiet, stages: [.counting(what, total: total, estimated: estimated)])
    }

    /// For `ScenarioRun.run`'s `progress:` callback: `done` so far, in the first stage.
    func update(_ done: Int) { update(stage: 0, done) }

    /// `done` so far in `stage`, from the working thread (a sweep's counting pass, then its replay).
    func update(stage: Int, _ done: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        draw(stage: stage, done: done)
    }

    /// Runs `body` while a thread draws what `counter` says, then clears the line (also when
    /// `body` throws). Without a terminal (or with `--quiet`) no thread is started.
    func watching<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        defer { finish() }
        guard enabled else { return try body() }
        // Drawn here first, so that a line due at once (a test's zero delay) shows however
        // short the work.
        lock.lock()
        draw(stage: counter.stage, done: counter.done)
        lock.unlock()
        let thread = Thread { [self] in
            while true {
                lock.lock()
                if stopped { lock.unlock(); return }
                draw(stage: counter.stage, done: counter.done)
                lock.unlock()
                usleep(100_000)
            }
        }
        thread.start()
        return try body()
    }

    /// Moves the work to `stage`, which counts against `total` exactly (see `ProgressLine.know`),
    /// and draws it at once, as a new stage is drawn, rather than at the watching thread's next turn.
    func enter(stage: Int, knowing total: Int) {
        lock.lock()
        defer { lock.unlock() }
        decide.know(total: total, ofStage: stage)
        counter.enter(stage: stage)
        if enabled && !stopped { draw(stage: stage, done: 0) }
    }

    /// Clears the line, if one was drawn; once this returns, the watching thread draws no more.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        stopped = true
        if decide.clear() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// Draws the line if `decide` says so. The caller holds `lock`.
    private func draw(stage: Int, done: Int) {
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        guard let line = decide.line(stage: stage, done: done, at: seconds) else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    /// How many requests a scenario's trace holds: for a `.pstrace` the count its end record gives, for
    /// oracleGeneral its size over 24 bytes; about how many for a CSV trace or access log, from
    /// its size and the lines in its first 64 KiB (exact when the file is smaller). Nil when it
    /// cannot be read.
    static func estimateRequests(_ workload: WorkloadSpec) -> (count: Int, exact: Bool)? {
        guard case let .trace(path, format, _) = workload else { return nil }
        return estimateRequests(path: path, format: format)
    }

    /// `estimateRequests(_:)` for a trace file in `format`.
    static func estimateRequests(path: String, format: TraceFormat) -> (count: Int, exact: Bool)? {
        // A pipe is read once, by the reader: the line then counts without a share.
        guard isRegularFile(path) else { return nil }
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
