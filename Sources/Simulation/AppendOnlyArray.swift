#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An array that only grows, whose elements never move: one thread appends, and other threads
/// may read any element that was appended before they were handed its index.
///
/// The catalog's URLs, origins and methods live here so that the reader thread can add names
/// while simulation threads read the ones their requests mention. Elements sit in chunks of
/// 4,096 that are never reallocated, found through a directory sized once for 2^32 elements
/// (8 MiB of address space from `calloc`, of which only the pages in use become resident).
/// Reading element `i` is safe on any thread that learned `i` through a synchronising hand-off
/// (a lock, a semaphore, a queue) after the append: the element and its chunk were written
/// before the hand-off and are never written again. `count` itself is for the appending thread.
public final class AppendOnlyArray<Element>: @unchecked Sendable {
    @usableFromInline static var chunkBits: Int { 12 }
    @usableFromInline static var chunkSize: Int { 1 << chunkBits }
    static var directoryCapacity: Int { 1 << 20 }

    @usableFromInline let directory: UnsafeMutablePointer<UnsafeMutablePointer<Element>?>
    /// The number of elements appended (read it on the appending thread). Only that thread writes
    /// or reads it: no run-time exclusivity check (two per append, a million appends).
    @exclusivity(unchecked) public private(set) var count = 0

    public init() {
        guard let raw = calloc(Self.directoryCapacity, MemoryLayout<UnsafeMutablePointer<Element>?>.stride) else {
            fatalError("AppendOnlyArray: out of memory for the chunk directory")
        }
        directory = raw.bindMemory(to: UnsafeMutablePointer<Element>?.self, capacity: Self.directoryCapacity)
    }

    deinit {
        var remaining = count
        var chunk = 0
        while remaining > 0 {
            let n = Swift.min(remaining, Self.chunkSize)
            directory[chunk]!.deinitialize(count: n)
            directory[chunk]!.deallocate()
            remaining -= n
            chunk += 1
        }
        free(directory)
    }

    /// Appends `element` and returns its index.
    @discardableResult
    public func append(_ element: Element) -> Int {
        let i = count
        let chunk = i >> Self.chunkBits
        precondition(chunk < Self.directoryCapacity, "AppendOnlyArray: more than 2^32 elements")
        if i & (Self.chunkSize - 1) == 0 {
            directory[chunk] = UnsafeMutablePointer<Element>.allocate(capacity: Self.chunkSize)
        }
        (directory[chunk]! + (i & (Self.chunkSize - 1))).initialize(to: element)
        count = i + 1
        return i
    }

    /// The element at `i`, which must have been appended.
    @inlinable
    public subscript(i: Int) -> Element {
        directory[i >> Self.chunkBits].unsafelyUnwrapped[i & (Self.chunkSize - 1)]
    }

    /// The elements appended so far, as a collection (a view: later appends do not show in it).
    public var elements: AppendOnlyArrayPrefix<Element> { AppendOnlyArrayPrefix(storage: self, count: count) }
}

/// The first `count` elements of an `AppendOnlyArray`: a random-access collection whose
/// elements never change, so it can be read while the array grows.
public struct AppendOnlyArrayPrefix<Element>: RandomAccessCollection, @unchecked Sendable {
    @usableFromInline let storage: AppendOnlyArray<Element>
    public let count: Int

    init(storage: AppendOnlyArray<Element>, count: Int) {
        self.storage = storage
        self.count = count
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    @inlinable
    public subscript(i: Int) -> Element {
        precondition(i >= 0 && i < count, "index \(i) out of range 0..<\(count)")
        return storage[i]
    }
}
