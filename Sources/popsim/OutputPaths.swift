import Foundation
import Scenario

/// Whether two paths name one existing file (the same device and inode).
func isSameFile(_ a: String, _ b: String) -> Bool {
    var x = stat(), y = stat()
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino
}

/// Refuses an output that names a file the command reads (`inputs`: each path and what it is).
/// Outputs are written to a temporary file and renamed over the path, so the input would be
/// replaced — a scenario by the trace it describes, say — with exit 0.
func refuseOverwriting(_ out: String, option: String, inputs: [(path: String, what: String)]) throws {
    for input in inputs where isSameFile(out, input.path) {
        throw InputError("\(option) \(out) is \(input.what) (\(input.path)), which this command reads: give another path")
    }
}

/// Refuses, before any work, an output folder that cannot be made: a file where it or a folder
/// above it should be, or a nearest existing folder where no file can be created (tried). Found after a whole
/// replay, such a path lost the run (a day's run is minutes) and, for `sweep`, its table.
/// - Parameter dir: the folder the command will write into (made, with its parents, if missing).
func checkOutputFolder(_ dir: String, option: String) throws {
    var path = dir
    while true {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw InputError("\(option) \(dir): \(path == dir ? "it" : path) is a file, not a folder")
            }
            // A probe file, not `access`, which says yes to root in a read-only folder (/sys).
            let probe = path + "/.popsim-probe-\(getpid())"
            let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard fd >= 0 else {
                let why = String(cString: strerror(errno)).lowercased()
                throw InputError("\(option) \(dir): cannot create anything in \(path) (\(why))")
            }
            close(fd)
            unlink(probe)
            return
        }
        guard let parent = parentFolder(path) else { return }  // a relative path's top: the current folder
        path = parent
    }
}

/// The trace file a scenario replays, as an input `refuseOverwriting` protects (none for a
/// synthetic workload).
func traceInput(_ scenario: Scenario) -> [(path: String, what: String)] {
    if case .trace(let path, _, _) = scenario.workload { return [(path, "the scenario's trace")] }
    return []
}

/// The folder `path` is in: `a/b` ⇒ `a`, `/a` ⇒ `/`; nil for a name alone (the current folder)
/// and for `/`. (Foundation's `deletingLastPathComponent` traps on a one-letter name, `x`.)
func parentFolder(_ path: String) -> String? {
    var p = Substring(path)
    while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
    guard let slash = p.lastIndex(of: "/") else { return nil }
    if slash == p.startIndex { return p.count > 1 ? "/" : nil }
    return String(p[..<slash])
}
