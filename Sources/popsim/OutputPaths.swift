import Foundation
import Scenario
import Workload

/// Whether two paths name one existing file (the same device and inode).
func isSameFile(_ a: String, _ b: String) -> Bool {
    var x = stat(), y = stat()
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino
}

/// Whether `path` is this process's standard output (`/dev/stdout`, or the file or pipe it is):
/// a command that writes a trace or table there says its summary on stderr, so the stream
/// holds nothing else (a CSV ended with a "wrote …" line, a `.pstrace` with bytes after its end
/// record, which the next command in a pipe then refused).
func isStandardOutput(_ path: String) -> Bool { standardStream(named: path) == 1 }

/// Prints a command's closing summary: on stdout, or on stderr when the command wrote a file to
/// standard output (`isStandardOutput`, asked before writing: a file that stdout was redirected
/// to is replaced by the output's rename, a new inode, by the end).
func printSummary(_ text: String, terminator: String = "\n", outputWasStandardOutput: Bool) {
    if outputWasStandardOutput {
        FileHandle.standardError.write(Data((text + terminator).utf8))
    } else {
        print(text, terminator: terminator)
    }
}

/// `path` with its links and `.`/`..` resolved as far as it exists, the rest appended as given:
/// two spellings of one file, existing or still to be written, compare equal.
func resolvedPath(_ path: String) -> String {
    if let real = realpath(path, nil) {
        defer { free(real) }
        return String(cString: real)
    }
    let parent = parentDirectory(path)
    if parent == path { return path }
    let base = resolvedPath(parent)
    switch lastComponent(path) {
    case "", ".": return base
    case "..": return parentDirectory(base)
    case let name: return base + "/" + name
    }
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
/// above it should be, or a nearest existing folder where no file can be created (tried). Found
/// after a whole replay, such a path lost the run (a day's run is minutes) and, for `sweep`, its
/// table.
/// - Parameters:
///   - dir: the folder the command will write into (made, with its parents, if missing).
///   - given: the path as the option gave it, for messages (a part's file, in `dir`).
func checkOutputFolder(_ dir: String, option: String, given: String? = nil) throws {
    let given = given ?? dir
    var path = dir
    while true {
        var st = stat()
        if stat(path, &st) != 0 {
            // A link to nothing: stat fails as for a missing folder, but mkdir cannot make it
            // (found only after the replay, "a file is in the way": QA pass, stop 33).
            if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK {
                throw InputError("\(option) \(given): \(path == given ? "it" : path) is a symbolic link to nothing; give a folder, or make the one it names")
            }
        } else {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw InputError("\(option) \(given): \(path == given ? "it" : path) is a file, not a folder")
            }
            // A probe file, not `access`, which says yes to root in a read-only folder (/sys).
            let probe = path + "/.popsim-probe-\(getpid())"
            let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard fd >= 0 else {
                let why = String(cString: strerror(errno)).lowercased()
                throw InputError("\(option) \(given): cannot create anything in \(path) (\(why))")
            }
            close(fd)
            unlink(probe)
            return
        }
        // Up to the current folder (`.`) or the root, which exist (unless the current folder
        // was removed: then nothing more to try here).
        let parent = parentDirectory(path)
        if parent == path { return }
        path = parent
    }
}

/// The trace file a scenario replays, as an input `refuseOverwriting` protects (none for a
/// synthetic workload).
func traceInput(_ scenario: Scenario) -> [(path: String, what: String)] {
    if case .trace(let path, _, _) = scenario.workload { return [(path, "the scenario's trace")] }
    return []
}
