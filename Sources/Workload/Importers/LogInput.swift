// One log file as lines: plain files directly, gzip files through `gzip -dc`.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a log file line by line; a gzip file (recognised by its magic bytes `1f 8b`, whatever
/// its name) is decompressed by a `gzip -dc` child process, so no decompressor is linked in and
/// memory stays one block. `gzip` must be on the `PATH`.
final class LogInput {
    let path: String
    let lines: LineReader
    /// The decompressor, while it runs.
    private var child: pid_t = 0

    /// Whether `path` can be read: a readable file, not a directory.
    /// - Throws: `TraceError` (line 0) naming the path.
    static func check(_ path: String) throws(TraceError) {
        do { _ = try LineReader(path: path, blockSize: 16) } catch {
            throw TraceError(file: path, line: 0, column: nil, message: error.message)
        }
    }

    init(path: String) throws(TraceError) {
        self.path = path
        if LogInput.isGzip(path) {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else {
                throw TraceError(file: path, line: 0, column: nil, message: "cannot make a pipe for gzip: \(errnoText(errno))")
            }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_addclose(&actions, fds[1])
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let words: [String] = ["gzip", "-dc", "--", path]
            var argv: [UnsafeMutablePointer<CChar>?] = words.map { word in word.withCString { strdup($0) } }
            argv.append(nil)
            defer { for p in argv { free(p) } }
            var pid = pid_t()
            let rc = posix_spawnp(&pid, "gzip", &actions, nil, argv, environ)
            _ = close(fds[1])
            guard rc == 0 else {
                _ = close(fds[0])
                throw TraceError(file: path, line: 0, column: nil,
                                 message: "is gzip-compressed and 'gzip -dc' could not be run (\(errnoText(rc))); decompress it first")
            }
            child = pid
            lines = LineReader(fileDescriptor: fds[0], path: path)
        } else {
            do { lines = try LineReader(path: path) } catch {
                throw TraceError(file: path, line: 0, column: nil, message: error.message)
            }
        }
    }

    /// The next line, or nil at the end (after checking that a decompressor finished cleanly).
    func nextLine() throws(TraceError) -> ArraySlice<UInt8>? {
        let line: ArraySlice<UInt8>?
        do { line = try lines.nextLine() } catch {
            throw TraceError(file: path, line: lines.lineNumber + 1, column: nil, message: error.message)
        }
        if line == nil, child != 0 {
            let status = reap()
            if status != 0 {
                throw TraceError(file: path, line: 0, column: nil,
                                 message: "'gzip -dc' stopped with status \(status) after line \(lines.lineNumber): the file is truncated or not valid gzip")
            }
        }
        return line
    }

    deinit {
        if child != 0 {
            // Stopped early: gzip may be blocked writing into the pipe.
            _ = kill(child, SIGTERM)
            _ = reap()
        }
    }

    /// Waits for the child; returns 0 on success, else a description-worthy status code.
    private func reap() -> Int32 {
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        child = 0
        if status & 0x7F == 0 { return (status >> 8) & 0xFF } // exited: its exit code
        return 128 + (status & 0x7F) // killed by a signal
    }

    private static func isGzip(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { _ = close(fd) }
        var magic: [UInt8] = [0, 0]
        return read(fd, &magic, 2) == 2 && compressor(ofFileStartingWith: magic) == "gzip"
    }
}
