// Traces run to billions of lines: read them in large blocks and hand out byte slices,
// never a String per line.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that could not be opened or read, named by its path.
public struct FileReadError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `traces/x.csv: no such file or directory`.
    public var description: String { "\(path): \(message)" }
}

/// Reads a file line by line in 1 MiB blocks, as byte slices.
///
/// Lines end at `\n`; a `\r` just before it is dropped, so CRLF files read like LF files (a
/// lone `\r` elsewhere is data). A last line without a newline is still a line; an empty
/// file has none. Memory is one block plus the longest line, whatever the file's length.
public final class LineReader {
    /// The path as given, for messages.
    public let path: String
    /// The 1-based number of the line last returned (0 before the first).
    public private(set) var lineNumber = 0

    /// Lines longer than this are an error rather than an unbounded buffer: a trace line is
    /// short, and a file without newlines is not a trace.
    public static let maxLineLength = 64 << 20

    private var fd: Int32
    private var buffer: [UInt8]
    private var start = 0 // first byte of the next line
    private var end = 0 // end of the bytes read so far
    private var scanned = 0 // bytes before this hold no newline
    private var lastLineStart = 0 // where the line `nextLine` returned last starts
    /// Counts the times the buffer's bytes moved or were replaced (each refill): a place in the
    /// buffer found before names the same bytes only while this is unchanged.
    public private(set) var generation = 0
    private var atEOF = false

    /// Opens `path` for reading.
    /// - Throws: `FileReadError` naming the path when it is missing, a directory or unreadable.
    public init(path: String, blockSize: Int = 1 << 20) throws(FileReadError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
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
        buffer = [UInt8](repeating: 0, count: max(16, blockSize))
    }

    /// Reads lines from an open file descriptor (a pipe from a decompressor, say), which the
    /// reader then owns and closes.
    /// - Parameter path: the name used in messages.
    public init(fileDescriptor: Int32, path: String, blockSize: Int = 1 << 20) {
        self.path = path
        fd = fileDescriptor
        buffer = [UInt8](repeating: 0, count: max(16, blockSize))
    }

    deinit { if fd >= 0 { _ = close(fd) } }

    /// The next line without its line ending, or nil at the end of the file.
    ///
    /// The slice shares the reader's buffer: use it before the next call (keeping it is safe
    /// but costs a copy of the buffer).
    /// - Throws: `FileReadError` on a read error or a line longer than `maxLineLength`.
    public func nextLine() throws(FileReadError) -> ArraySlice<UInt8>? {
        while true {
            if let newline = findNewline() {
                var lineEnd = newline
                if lineEnd > start && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = buffer[start..<lineEnd]
                lastLineStart = start
                start = newline + 1
                scanned = start
                lineNumber += 1
                return line
            }
            scanned = end
            if atEOF {
                guard start < end else { return nil }
                var lineEnd = end
                if buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = buffer[start..<lineEnd]
                lastLineStart = start
                start = end
                lineNumber += 1
                return line
            }
            try fill()
        }
    }

    /// Gives back the line `nextLine` returned last, which the next call returns again: for a
    /// reader that reads a line before it knows the line belongs to the next batch. Only right
    /// after `nextLine` returned a line (nothing read since).
    public func unreadLastLine() {
        precondition(lineNumber > 0 && lastLineStart < start, "LineReader: no line to give back")
        start = lastLineStart
        scanned = start
        lineNumber -= 1
    }

    /// Calls `body` with the bytes read but not yet returned as lines (valid only inside
    /// `body`; the last line there may be incomplete), without consuming any: a caller looks
    /// ahead to touch what the coming lines will look up.
    public func withUnreadBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    /// Where the bytes `withUnreadBytes` shows start in the buffer: a line `nextLine` returns
    /// from them is the slice at that place plus its offset there.
    public var unreadStart: Int { start }

    private func findNewline() -> Int? {
        buffer.withUnsafeBytes { $0.firstOffset(of: 0x0A, from: scanned, to: end) }
    }

    /// Moves the partial line to the front, grows the buffer when the line fills it, then reads.
    private func fill() throws(FileReadError) {
        generation &+= 1
        if start > 0 {
            let (from, count) = (start, end - start)
            buffer.withUnsafeMutableBufferPointer { p in
                if count > 0 { _ = memmove(p.baseAddress!, p.baseAddress! + from, count) }
            }
            end -= from
            scanned -= from
            start = 0
        }
        if end == buffer.count {
            if end >= LineReader.maxLineLength {
                throw FileReadError(path: path, message: "line \(lineNumber + 1) is longer than \(LineReader.maxLineLength >> 20) MiB")
            }
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
        while true {
            let n = buffer.withUnsafeMutableBufferPointer { p in read(fd, p.baseAddress! + end, p.count - end) }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw FileReadError(path: path, message: "read failed after line \(lineNumber): \(errnoText(code))")
            }
            if n == 0 { atEOF = true } else { end += n }
            return
        }
    }
}

extension UnsafeRawBufferPointer {
    /// The offset of the first `byte` in `from..<to` (`memchr`), or nil.
    @inline(__always)
    func firstOffset(of byte: UInt8, from: Int, to: Int) -> Int? {
        guard from < to, let base = baseAddress, let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }
}
