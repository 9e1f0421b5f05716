import Foundation
import Scenario
import Workload

/// Stops the process at once on SIGINT or SIGTERM while a command computes and has written
/// nothing yet: `cachesim`, `mrc` and `merge`, whose loops (replays at tens of millions of
/// requests a second, stack distances, parts' tables) do not look at `Interruption`'s flag, and
/// which write their outputs only at the end. Without it the flag was set and never read, so
/// Ctrl-C was ignored for minutes on a real day's trace (a scale test: `mrc` on 100M requests
/// could only be killed). The outputs are still written all-or-nothing after `watching` returns.
enum InterruptWatch {
    /// Runs `body` with a thread that looks at the flag every 20 ms and, once a signal has
    /// arrived — before `body`, during it, or by the time it returns — says so and exits with
    /// 128 + the signal. (`POPSIM_TEST_FAULT=interrupt` raises the flag first, for tests.)
    static func watching<R>(_ body: () throws -> R) rethrows -> R {
        if testFault() == .interrupt { Interruption.raise(SIGINT) }
        exitIfInterrupted()
        let watch = Watch()
        defer { watch.stop() }
        let result = try body()
        watch.stop()
        exitIfInterrupted()
        return result
    }

    /// `watching(_:)`, with `progress`'s line drawn while `body` runs and cleared after.
    static func watching<R>(showing progress: ProgressReporter, _ body: () throws -> R) rethrows -> R {
        try watching { try progress.watching(body) }
    }

    /// Says that the command was interrupted and exits, if a signal has arrived. On a terminal
    /// the message starts by clearing the line, where a progress line may be.
    private static func exitIfInterrupted() {
        guard let signal = Interruption.signal else { return }
        let clear = isatty(STDERR_FILENO) == 1 ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data("\(clear)popsim: interrupted; nothing written\n".utf8))
        _exit(128 + signal)
    }

    /// The watching thread. `lock` makes stopping and exiting exclusive: once `stop` returns,
    /// the thread will not exit the process.
    private final class Watch: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false

        init() {
            let thread = Thread { [self] in
                while true {
                    lock.lock()
                    if stopped { lock.unlock(); return }
                    InterruptWatch.exitIfInterrupted()
                    lock.unlock()
                    usleep(20_000)
                }
            }
            thread.start()
        }

        func stop() {
            lock.lock()
            stopped = true
            lock.unlock()
        }
    }
}
