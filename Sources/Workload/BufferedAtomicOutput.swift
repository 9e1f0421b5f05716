// The trace writers encode records byte by byte into an array (cheap, inlined appends) and
// hand it to the atomic file a megabyte at a time. What they share is that tail: the buffer,
// its flushing, and the commit or abort of the temporary behind it.

/// An encoding buffer in front of an `AtomicFileWriter`: records are appended to `bytes`,
/// which goes to the temporary file whenever it passes 1 MiB (`flushIfFull()`), and `commit`
/// writes the rest and renames the file into place — or, on any failure, deletes it, so a
/// trace that could not be finished leaves nothing behind.
struct BufferedAtomicOutput {
    /// What has been encoded and not yet written.
    var bytes: [UInt8] = []
    private let file: AtomicFileWriter
    private static let flushAt = 1 << 20

    /// Opens the temporary beside `path`.
    /// - Throws: `FileWriteError` when it cannot be created.
    init(path: String) throws(FileWriteError) {
        file = try AtomicFileWriter(path: path)
        bytes.reserveCapacity(Self.flushAt + 4096)
    }

    /// Whether the target is a pipe or device written in place (no temporary to revise).
    var writesInPlace: Bool { file.writesInPlace }

    /// Writes the buffer out once it holds 1 MiB; call after each record.
    @inline(__always)
    mutating func flushIfFull() throws(FileWriteError) {
        if bytes.count >= Self.flushAt { try flush() }
    }

    /// Writes what is buffered, lets `finish` rework the complete temporary file through its
    /// descriptor (oracleGeneral's backward pass), and renames it over the target. Any
    /// failure deletes the temporary and is rethrown.
    mutating func commit(finish: ((Int32) throws(FileWriteError) -> Void)? = nil) throws(FileWriteError) {
        do {
            try flush()
            if let finish { try file.withFlushedFile(finish) }
            try file.commit()
        } catch {
            abort()
            throw error
        }
    }

    /// Deletes the temporary; the target is left as it was.
    mutating func abort() {
        file.abort()
        bytes = []
    }

    /// Appends `v`'s little-endian bytes.
    @inline(__always)
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func flush() throws(FileWriteError) {
        try file.write(bytes: bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}
