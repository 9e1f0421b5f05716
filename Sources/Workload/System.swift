// The few POSIX calls the readers and writers need, without Foundation.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's text for an `errno` value, in lower case to sit inside a sentence.
func errnoText(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    guard let first = text.first else { return "error \(code)" }
    return first.lowercased() + text.dropFirst()
}

/// Whether `path` names an existing directory.
func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// The directory part of a path (`a/b/c.csv` ⇒ `a/b`, `c.csv` ⇒ `.`, `/c` ⇒ `/`).
func parentDirectory(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}

/// The last component of a path.
func lastComponent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

/// Opens `path` read-only and returns its descriptor and, for a regular file, its size.
/// - Throws: `FileReadError` naming the path when it is missing, a directory or unreadable.
func openForReading(_ path: String) throws(FileReadError) -> (fd: Int32, size: Int64?) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw FileReadError(path: path, message: errnoText(errno)) }
    var st = stat()
    if fstat(fd, &st) != 0 {
        let code = errno
        _ = close(fd)
        throw FileReadError(path: path, message: errnoText(code))
    }
    if (st.st_mode & S_IFMT) == S_IFDIR {
        _ = close(fd)
        throw FileReadError(path: path, message: "is a directory, not a file")
    }
    return (fd, (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : nil)
}

/// Whether `path` names a regular file, by `stat` — without opening it: opening a named pipe
/// waits for its writer, and reading from it takes bytes its one reader needs (a trace given as
/// `<(zstd -dc day.pstrace.zst)`). Peeks at a trace (its magic, its request count, its size) are
/// made only where this is true.
public func isRegularFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}

/// Whether `path` names something read once, as a stream — a pipe, a socket, a character
/// device such as a terminal — rather than a file or a folder (by `stat`, without opening it).
public func isStream(_ path: String) -> Bool {
    var st = stat()
    guard stat(path, &st) == 0 else { return false }
    let kind = st.st_mode & S_IFMT
    return kind == S_IFIFO || kind == S_IFSOCK || kind == S_IFCHR
}

/// Reads up to `count` bytes into `p`, retrying after signals and short reads; fewer only at
/// the end of the file. Returns the number read, or -errno.
func readFully(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ count: Int) -> Int {
    var done = 0
    while done < count {
        let n = read(fd, p + done, count - done)
        if n < 0 {
            if errno == EINTR { continue }
            return -Int(errno)
        }
        if n == 0 { break }
        done += n
    }
    return done
}

/// The first `count` bytes of a file (fewer when it is shorter), or nil when it cannot be read.
func filePrefix(_ path: String, count: Int) -> [UInt8]? {
    guard isRegularFile(path), let (fd, _) = try? openForReading(path) else { return nil }
    defer { _ = close(fd) }
    var bytes = [UInt8](repeating: 0, count: count)
    let n = bytes.withUnsafeMutableBytes { readFully(fd, $0.baseAddress!, count) }
    guard n >= 0 else { return nil }
    return Array(bytes[..<n])
}

/// What a command-line run leaves for the process's exit to reclaim.
///
/// Freeing a run's tables — a million URL strings in the reader's interner and the catalog,
/// the simulation's per-URL arrays — one object at a time took about 2 % of a 10M-request run
/// on 2 threads (50 ms of `free` on the reading thread, after the simulation threads had
/// finished); the operating system takes back the whole address space at once. Off unless the
/// command-line tool turns it on: a library user, or a test process that runs thousands of
/// simulations, must get its memory back.
public final class ExitReclaims: @unchecked Sendable {
    /// The process's instance, which `popsim` turns on first thing (the main thread only).
    public static let process = ExitReclaims()

    private var isOn = false
    private var kept: [Any] = []

    package init() {}

    public func turnOn() { isOn = true }

    /// Keeps `value` (a reference, or a value holding references) until the process exits, when on.
    public func keep(_ value: Any) {
        if isOn { kept.append(value) }
    }

    /// How many values are kept.
    package var count: Int { kept.count }
}
