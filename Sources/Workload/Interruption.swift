// Ctrl-C during a long run must not leave half a file behind. The signal handler only sets a
// flag; the loops that read traces and write outputs look at it every few thousand records
// and throw `Interrupted`, so every writer on the way out aborts and deletes its temporary.
#if canImport(Glibc)
@preconcurrency import Glibc
import Synchronization
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a long operation stopped because the user interrupted it (SIGINT or SIGTERM).
public struct Interrupted: Error, Equatable, Sendable, CustomStringConvertible {
    /// The signal that asked to stop: `SIGINT` (2) or `SIGTERM` (15).
    public let signal: Int32
    /// Requests (or records) done before stopping.
    public let requests: Int
    /// The time of the last request done, in µs from the trace's start, when known.
    public let time: Int64?

    public init(signal: Int32, requests: Int, time: Int64?) {
        self.signal = signal
        self.requests = requests
        self.time = time
    }

    /// `interrupted at request 1,048,576 (t=3601.5s); nothing written`.
    public var description: String {
        var s = "interrupted at request \(requests)"
        if let time {
            var frac = zeroPadded(time % 1_000_000, width: 6)
            while frac.hasSuffix("0") { frac.removeLast() }
            s += " (t=\(time / 1_000_000)\(frac.isEmpty ? "" : "." + frac)s)"
        }
        return s + "; nothing written"
    }

    /// The exit status a shell gives a process killed by the signal: 130 for SIGINT, 143 for SIGTERM.
    public var exitStatus: Int32 { 128 + signal }
}

/// The process-wide "stop now" flag, set from a signal handler and read by the run loops.
public enum Interruption {
    #if canImport(Glibc)
    private static let flag = Atomic<Int32>(0)
    #else
    nonisolated(unsafe) private static var flag: Int32 = 0
    #endif

    /// Installs handlers for SIGINT and SIGTERM that set the flag, and unblocks both (a parent
    /// that spawned popsim from a thread with them blocked would otherwise pass that on). A
    /// signal the parent set to be ignored stays ignored, as `nohup` and background jobs expect.
    /// The handlers reset themselves, so a second signal stops the process at once (temporary
    /// files may then stay behind).
    public static func install() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in [SIGINT, SIGTERM] {
            var old = sigaction()
            sigaction(sig, nil, &old)
            #if canImport(Glibc)
            let ignored = unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
            #else
            let ignored = unsafeBitCast(old.__sigaction_u.__sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
            #endif
            if ignored { continue }
            sigaddset(&unblock, sig)
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { Interruption.raise($0) }
            action.sa_flags = Int32(bitPattern: UInt32(SA_RESETHAND))
            #else
            action.__sigaction_u.__sa_handler = { Interruption.raise($0) }
            action.sa_flags = SA_RESETHAND
            #endif
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, nil)
        }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// The signal received, or nil while none has been.
    public static var signal: Int32? {
        #if canImport(Glibc)
        let s = flag.load(ordering: .relaxed)
        #else
        let s = flag
        #endif
        return s == 0 ? nil : s
    }

    /// Sets the flag as a signal would (what the handler calls; also for tests).
    public static func raise(_ sig: Int32) {
        #if canImport(Glibc)
        flag.store(sig, ordering: .relaxed)
        #else
        flag = sig
        #endif
    }

    /// Clears the flag (for tests that raise it).
    public static func reset() { raise(0) }

    /// Throws `Interrupted` when a signal has arrived.
    /// - Parameters:
    ///   - requests: how far the caller got, for the message.
    ///   - time: the time of the last request done, in µs.
    @inline(__always)
    public static func check(requests: Int, time: Int64?) throws(Interrupted) {
        if let s = signal { throw Interrupted(signal: s, requests: requests, time: time) }
    }
}
