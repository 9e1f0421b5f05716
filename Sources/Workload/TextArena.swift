#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Texts kept as bytes, one after another in chunks that are never moved, resized or freed
/// before the arena: one thread appends, and any thread may read a text it was handed.
///
/// A trace has up to millions of distinct URLs of a few dozen bytes. As `String`s each was a
/// heap object of about 96 bytes (its header, the bytes, the allocator's rounding) plus the
/// work of making, validating, retaining and releasing it; here a text costs its bytes and a
/// 4-byte length before them, and the reader's interner and the simulation's catalog share
/// them (`ArenaText` is the address of a text, 8 bytes).
///
/// Chunks start at 256 bytes and double up to 1 MiB, so that the arena of an interner of a few
/// names stays small; a text longer than that gets a chunk of its own. A text never spans two
/// chunks, so its bytes are contiguous.
///
/// Threads: `append` belongs to one thread. A text's bytes are written before `append` returns
/// and never again, so another thread may read an `ArenaText` it learned through a synchronising
/// hand-off (a lock, a semaphore, a queue) after the append — the pattern of `AppendOnlyArray`.
/// Texts stay valid as long as the arena: whoever keeps an `ArenaText` keeps the arena too.
public final class TextArena: @unchecked Sendable {
    static var firstChunk: Int { 256 }
    static var largestChunk: Int { 1 << 20 }
    /// The bytes before a text that hold its length.
    @usableFromInline static var prefix: Int { MemoryLayout<UInt32>.size }

    /// Every chunk, to free them with the arena.
    private var chunks: [UnsafeMutableRawPointer] = []
    /// Where the next text's length goes in the current chunk, and the bytes left after it.
    /// Written and read by the appending thread only: no run-time exclusivity check (a few per
    /// append, a million appends).
    @exclusivity(unchecked) private var cursor: UnsafeMutableRawPointer? = nil
    @exclusivity(unchecked) private var room = 0
    @exclusivity(unchecked) private var nextChunk = TextArena.firstChunk
    /// Bytes taken from the system for chunks (for tests and reports of memory).
    public private(set) var reservedBytes = 0
    /// Texts appended (read it on the appending thread).
    @exclusivity(unchecked) public private(set) var count = 0

    public init() {}

    deinit {
        for chunk in chunks { free(chunk) }
    }

    /// Copies `bytes` into the arena and returns where they are.
    /// - Complexity: O(n); a new chunk now and then.
    @discardableResult
    public func append(_ bytes: UnsafeRawBufferPointer) -> ArenaText {
        let n = bytes.count
        precondition(n <= Int(UInt32.max), "TextArena: a text of \(n) bytes (at most 2^32 - 1)")
        let needed = Self.prefix + n
        let at: UnsafeMutableRawPointer
        if needed <= room, let cursor {
            at = cursor
            self.cursor = cursor + needed
            room -= needed
        } else if needed > Self.largestChunk / 8 {
            // Long: a chunk of its own, so that the current one's room is not thrown away for it.
            at = newChunk(needed)
        } else {
            while nextChunk < needed { nextChunk *= 2 }
            at = newChunk(nextChunk)
            cursor = at + needed
            room = nextChunk - needed
            nextChunk = Swift.min(nextChunk * 2, Self.largestChunk)
        }
        at.storeBytes(of: UInt32(truncatingIfNeeded: n), as: UInt32.self)
        let start = at + Self.prefix
        if n > 0 { start.copyMemory(from: bytes.baseAddress!, byteCount: n) }
        count += 1
        return ArenaText(start: UnsafePointer(start.assumingMemoryBound(to: UInt8.self)))
    }

    /// Copies the UTF-8 of `string` into the arena and returns where it is.
    @discardableResult
    public func append(_ string: String) -> ArenaText {
        var s = string
        return s.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    private func newChunk(_ bytes: Int) -> UnsafeMutableRawPointer {
        guard let chunk = malloc(bytes) else { fatalError("TextArena: out of memory for a chunk of \(bytes) bytes") }
        chunks.append(chunk)
        reservedBytes += bytes
        return chunk
    }
}

/// Where a text lies in a `TextArena`: the address of its first byte (its length is in the four
/// bytes before it). Eight bytes, no reference counting: the arena must outlive it, which whoever
/// keeps one sees to by keeping the arena (an `Interner` keeps its own; a `Catalog` keeps every
/// arena its URLs are in).
///
/// `@unchecked Sendable` because a pointer is not `Sendable`; sending one is safe because the
/// bytes it points to were written before the `ArenaText` existed and are never written again
/// (see `TextArena` for the hand-off a reading thread needs).
public struct ArenaText: @unchecked Sendable {
    @usableFromInline let start: UnsafePointer<UInt8>

    @inlinable init(start: UnsafePointer<UInt8>) { self.start = start }

    /// The number of bytes.
    @inlinable public var count: Int {
        Int(UnsafeRawPointer(start).loadUnaligned(fromByteOffset: -TextArena.prefix, as: UInt32.self))
    }

    /// The bytes, in place.
    @inlinable public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: count) }

    /// The bytes, in place, untyped.
    @inlinable public var rawBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(bytes) }

    /// The text as a `String` (made each time: for reports and messages, not for hot paths).
    /// The bytes are decoded as UTF-8; every text an `Interner` or a `Catalog` stores is valid.
    public var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// The bytes of a text in an arena, as a collection that keeps the arena alive: what an
/// `Interner` hands out, so that a caller may keep it as long as it likes.
public struct ArenaBytes: RandomAccessCollection, Sendable {
    public let arena: TextArena
    public let text: ArenaText

    public init(_ text: ArenaText, in arena: TextArena) {
        self.arena = arena
        self.text = text
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { text.count }

    public subscript(i: Int) -> UInt8 {
        precondition(i >= 0 && i < endIndex, "index \(i) out of range 0..<\(endIndex)")
        return text.start[i]
    }

    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try withExtendedLifetime(arena) { try body(text.bytes) }
    }

    /// The bytes as a `String`.
    public var string: String { withExtendedLifetime(arena) { text.string } }
}
