// A broken invariant is a bug in popsim, never a result: the run stops loudly rather than
// print a wrong number. The message goes to stderr and the exit status is 70 (EX_SOFTWARE from
// sysexits.h), so scripts can tell it from bad input (2).
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Workload

/// popsim's own errors: checks that no input can fail, only a bug.
public enum InternalError {
    /// The exit status of a run stopped by a broken invariant.
    public static let exitStatus: Int32 = 70

    /// Prints `popsim: internal error: MESSAGE` and a request to report it, deletes the
    /// temporaries of unfinished writers, and exits with status 70. Output files are left as
    /// they were: writers only rename their temporaries into place after a run has finished.
    public static func fail(_ message: String) -> Never {
        LiveTemporaries.deleteAll()
        let text = "popsim: internal error: \(message)\n"
            + "This is a bug in popsim, not a problem with your input; please report it with the command line.\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        exit(exitStatus)
    }

    /// Stops with `fail(message)` unless `condition` holds. Always on, also in release builds.
    @inline(__always)
    public static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }
}
