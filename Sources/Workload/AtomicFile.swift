// Outputs are compared byte for byte and read by other tools while runs go on: a reader must
// see the old file or the new one, never half of one. Write a temporary file beside the
// target, then rename it over the target (rename is atomic within one file system).
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that could not be written, named by its path, with what failed.
public struct FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `cannot write out/x.csv: directory out is not writable (permission denied)`.
    public var description: String { "cannot write \(path): \(message)" }
}

/// Replaces `path` with `contents` atomically; see `AtomicFileWriter`.
/// - Throws: `FileWriteError` naming the path and, when that is the cause, the directory.
public func writeFileAtomically(_ path: String, contents: String, sync: Bool = false) throws(FileWriteError) {
    let writer = try AtomicFileWriter(path: path, sync: sync)
    try writer.write(contents)
    try writer.commit()
}

/// Replaces `path` with `contents` atomically; see `AtomicFileWriter`.
/// - Throws: `FileWriteError` naming the path and, when that is the cause, the directory.
public func writeFileAtomically(_ path: String, contents: [UInt8], sync: Bool = false) throws(FileWriteError) {
    let writer = try AtomicFileWriter(path: path, sync: sync)
    try writer.write(bytes: contents)
    try writer.commit()
}

/// Writes several files so that either all of them change or none does, as far as a file
/// system allows: every file is written to its temporary first, and only when all are written
/// are they renamed into place, in the order given (put an index or manifest last). A write
/// error — a full disk, an unwritable folder — leaves every target as it was.
/// - Throws: `FileWriteError` naming the file that could not be written.
public func writeFilesAtomically(_ files: [(path: String, contents: [UInt8])]) throws(FileWriteError) {
    var writers: [AtomicFileWriter] = []
    do throws(FileWriteError) {
        for file in files {
            let writer = try AtomicFileWriter(path: file.path)
            writers.append(writer)
            try writer.write(bytes: file.contents)
            try writer.flush()
        }
        for writer in writers { try writer.commit() }
    } catch {
        for writer in writers { writer.abort() }
        throw error
    }
}

/// Writes a file through a temporary beside it, so the target changes all at once or not at all.
///
/// The temporary is `.<name>.tmp-<pid>` in the target's directory (created with its parents
/// if missing). `commit()` renames it over the target; `abort()`, or dropping an uncommitted
/// writer, deletes it. Writes are buffered (256 KiB), so big audit CSVs can be streamed.
/// With `sync`, the data is flushed to disk before the rename, for outputs that must survive
/// a crash. One writer per target at a time: two in one process would share the temporary.
///
/// Standard output and error (`/dev/stdout`, or any name of what fd 1 or 2 is) are written
/// through their descriptors. A symbolic link is followed: the file it names is the one replaced
/// (through a temporary beside that file), the link stays; a link to what has no path is written
/// in place. A replaced file keeps its permissions. A target that exists and is not a regular
/// file — a FIFO, `/dev/full` — is written directly, since it cannot be renamed over (and must
/// not be: renaming a temporary over `/dev/full` would replace the device). Such writes cannot
/// be undone by `abort()`.
public final class AtomicFileWriter {
    /// The target path.
    public let path: String
    /// The temporary file's path.
    public let temporaryPath: String
    /// What the temporary is renamed to: `path`, or the file it links to.
    private let renamedTo: String
    private let sync: Bool
    private var fd: Int32 = -1
    private var temporaryExists = false
    /// The target is a device, FIFO or socket, written in place.
    private let direct: Bool
    private var buffer: [UInt8] = []
    private static let bufferLimit = 256 << 10

    /// Creates the target's directory if needed and opens the temporary file.
    /// - Throws: `FileWriteError` when the directory cannot be created or written.
    public init(path: String, sync: Bool = false) throws(FileWriteError) {
        self.path = path
        self.sync = sync
        // "-" is a file named "-" to the system, and a later "cachesim -" read that stale file.
        if path == "-" {
            throw FileWriteError(path: path, message: "'-' would be a file named '-'; write standard output as /dev/stdout")
        }
        // Standard output or error — /dev/stdout, /proc/self/fd/1, or any name of the file, pipe
        // or socket that fd 1 or 2 is — is written through that descriptor, in place: the stream
        // the shell set up, appended to as `>>` asks, its neighbours kept, a socket reached;
        // renamed over, the file the shell had open lost the output (QA pass, stop 33).
        if let stream = standardStream(named: path) {
            if StandardStreams.isClosed(stream) {
                throw FileWriteError(path: path, message: "standard \(stream == 1 ? "output" : "error") is closed")
            }
            direct = true
            renamedTo = path
            temporaryPath = path
            fd = dup(stream)
            if fd < 0 { throw FileWriteError(path: path, message: "cannot write standard \(stream == 1 ? "output" : "error"): \(errnoText(errno))") }
            buffer.reserveCapacity(AtomicFileWriter.bufferLimit)
            return
        }
        // A symbolic link is followed to the file it names, which the temporary then replaces:
        // renamed over the link itself, it replaced the link — `--out /dev/stdout` with stdout
        // redirected to a file made /dev/stdout a regular file for the whole system (QA pass,
        // stop 33).
        var target = path
        var inPlace = false
        var link = stat()
        if lstat(path, &link) == 0 && (link.st_mode & S_IFMT) == S_IFLNK {
            if let resolved = realpath(path, nil) {
                target = String(cString: resolved)
                free(resolved)
            } else {
                // A link to what has no path — a pipe (/proc/self/fd/N names "pipe:[…]"), a deleted
                // file still open — is written through the link, in place, never renamed over it;
                // a link to nothing is refused.
                let code = errno
                var st = stat()
                guard stat(path, &st) == 0 else {
                    throw FileWriteError(path: path, message: "it is a symbolic link to nothing that can be written (\(errnoText(code)))")
                }
                inPlace = true
            }
        }
        let name = lastComponent(target)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw FileWriteError(path: path, message: "not a file name")
        }
        let dir = parentDirectory(target)
        renamedTo = target
        temporaryPath = String(decoding: target.utf8.dropLast(name.utf8.count), as: UTF8.self) + ".\(name).tmp-\(getpid())"
        if isDirectory(target) { throw FileWriteError(path: path, message: "is a directory") }
        var st = stat()
        let exists = stat(target, &st) == 0
        direct = inPlace || (exists && (st.st_mode & S_IFMT) != S_IFREG)
        if direct {
            fd = open(target, O_WRONLY | O_CLOEXEC | (exists && (st.st_mode & S_IFMT) == S_IFREG ? O_TRUNC : 0))
            if fd < 0 { throw FileWriteError(path: path, message: "cannot open it for writing: \(errnoText(errno))") }
            buffer.reserveCapacity(AtomicFileWriter.bufferLimit)
            return
        }
        try makeDirectories(dir, for: path)
        fd = open(temporaryPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        if fd < 0 {
            let code = errno
            if code == EACCES || code == EROFS || code == EPERM {
                throw FileWriteError(path: path, message: "directory \(dir) is not writable (\(errnoText(code)))")
            }
            throw FileWriteError(path: path, message: "cannot create \(temporaryPath): \(errnoText(code))")
        }
        temporaryExists = true
        LiveTemporaries.add(temporaryPath)
        // The file replaced keeps its permissions: a private 0600 file stays private (the
        // temporary is made 0666 less the umask).
        if exists { _ = fchmod(fd, st.st_mode & 0o7777) }
        buffer.reserveCapacity(AtomicFileWriter.bufferLimit)
    }

    deinit { abort() }

    /// Whether the target is a device, FIFO or socket, written in place: nothing to revise
    /// before `commit()`, nothing that `abort()` can undo.
    public var writesInPlace: Bool { direct }

    /// Appends text (UTF-8).
    public func write(_ string: String) throws(FileWriteError) {
        try write(bytes: string.utf8)
    }

    /// Appends bytes.
    public func write(bytes: some Sequence<UInt8>) throws(FileWriteError) {
        guard fd >= 0 else { throw FileWriteError(path: path, message: "writer already committed or aborted") }
        buffer.append(contentsOf: bytes)
        if buffer.count >= AtomicFileWriter.bufferLimit { try flushBuffer() }
    }

    /// Writes what is buffered, then hands `body` the temporary's descriptor (open for reading
    /// and writing) so that a writer can revise what it wrote, with `pread`/`pwrite`, before
    /// `commit()`. `body` must not close the descriptor or move its file offset's meaning:
    /// later `write` calls go on appending at the offset it leaves.
    /// - Throws: `FileWriteError` from the flush, or what `body` throws.
    public func withFlushedFile<T>(_ body: (Int32) throws(FileWriteError) -> T) throws(FileWriteError) -> T {
        guard fd >= 0 else { throw FileWriteError(path: path, message: "writer already committed or aborted") }
        try flushBuffer()
        return try body(fd)
    }

    /// Writes what is buffered, then renames the temporary over the target.
    /// - Throws: `FileWriteError`; the temporary is removed and the target left as it was.
    public func commit() throws(FileWriteError) {
        guard fd >= 0 else { throw FileWriteError(path: path, message: "writer already committed or aborted") }
        do throws(FileWriteError) {
            try flushBuffer()
            if sync && !direct && fsync(fd) != 0 {
                throw FileWriteError(path: path, message: "fsync failed: \(errnoText(errno))")
            }
            let closed = close(fd)
            fd = -1
            if closed != 0 { throw FileWriteError(path: path, message: "close failed: \(errnoText(errno))") }
            if direct { buffer = []; return }
            if rename(temporaryPath, renamedTo) != 0 {
                throw FileWriteError(path: path, message: "cannot rename \(temporaryPath) over it: \(errnoText(errno))")
            }
            temporaryExists = false
            LiveTemporaries.remove(temporaryPath)
            buffer = []
        } catch {
            abort()
            throw error
        }
    }

    /// Deletes the temporary and leaves the target as it was. Safe to call more than once.
    public func abort() {
        if fd >= 0 {
            _ = close(fd)
            fd = -1
        }
        if temporaryExists {
            _ = unlink(temporaryPath)
            temporaryExists = false
            LiveTemporaries.remove(temporaryPath)
        }
        buffer = []
    }

    /// Writes what is buffered to the temporary (or the device), so that a full disk shows now
    /// rather than at `commit()`; the target is not touched.
    public func flush() throws(FileWriteError) {
        guard fd >= 0 else { throw FileWriteError(path: path, message: "writer already committed or aborted") }
        try flushBuffer()
    }

    private func flushBuffer() throws(FileWriteError) {
        var written = 0
        while written < buffer.count {
            let n = buffer.withUnsafeBytes { p in posixWrite(fd, p.baseAddress! + written, p.count - written) }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw FileWriteError(path: path, message: "write failed: \(errnoText(code))")
            }
            written += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The C `write`, which the method of the same name hides inside `AtomicFileWriter`.
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }

/// `mkdir -p dir`, with errors that name the directory that could not be made.
private func makeDirectories(_ dir: String, for path: String) throws(FileWriteError) {
    if dir.isEmpty || isDirectory(dir) { return }
    let parent = parentDirectory(dir)
    if parent != dir { try makeDirectories(parent, for: path) }
    if mkdir(dir, 0o777) != 0 {
        let code = errno
        if code == EEXIST && isDirectory(dir) { return }
        switch code {
        case EACCES, EROFS, EPERM:
            throw FileWriteError(path: path, message: "directory \(parent) is not writable (\(errnoText(code)))")
        case EEXIST, ENOTDIR:
            throw FileWriteError(path: path, message: "cannot create directory \(dir): a file is in the way")
        default:
            throw FileWriteError(path: path, message: "cannot create directory \(dir): \(errnoText(code))")
        }
    }
}

/// The temporaries of writers that have neither committed nor aborted, so that a process that
/// must stop at once (an internal error) can still delete them on its way out.
public enum LiveTemporaries {
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let p = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(p, nil)
        return p
    }()
    nonisolated(unsafe) private static var paths: Set<String> = []

    static func add(_ path: String) {
        pthread_mutex_lock(lock)
        paths.insert(path)
        pthread_mutex_unlock(lock)
    }

    static func remove(_ path: String) {
        pthread_mutex_lock(lock)
        paths.remove(path)
        pthread_mutex_unlock(lock)
    }

    /// Deletes every live temporary (for a process about to exit without unwinding).
    public static func deleteAll() {
        pthread_mutex_lock(lock)
        for path in paths { _ = unlink(path) }
        paths.removeAll()
        pthread_mutex_unlock(lock)
    }
}

/// 1 or 2 when `path` names the file, pipe or socket that standard output or error is (the
/// same device and inode), else nil.
package func standardStream(named path: String) -> Int32? {
    var target = stat()
    guard stat(path, &target) == 0 else { return nil }
    for stream: Int32 in [1, 2] {
        var open = stat()
        if fstat(stream, &open) == 0 && open.st_dev == target.st_dev && open.st_ino == target.st_ino { return stream }
    }
    return nil
}

/// Standard input, output and error as the process found them.
public enum StandardStreams {
    /// Which of fds 0, 1, 2 were closed at start (`reopenClosed`).
    nonisolated(unsafe) private static var closedAtStart: [Bool] = [false, false, false]

    /// Points each of fds 0, 1 and 2 that is closed at /dev/null, so that no file the process
    /// opens takes its number — and remembers which, for `isClosed`. Call first thing, before
    /// any thread starts.
    public static func reopenClosed() {
        for stream: Int32 in 0...2 where fcntl(stream, F_GETFD) == -1 {
            closedAtStart[Int(stream)] = true
            let null = open("/dev/null", stream == 0 ? O_RDONLY : O_WRONLY)
            if null >= 0 && null != stream { _ = dup2(null, stream); _ = close(null) }
        }
    }

    /// Whether fd `stream` (0, 1 or 2) was closed when the process started.
    public static func isClosed(_ stream: Int32) -> Bool { closedAtStart[Int(stream)] }
}
