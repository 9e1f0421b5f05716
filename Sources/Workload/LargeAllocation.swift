import Prefetch
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Cache-only replays touch tens of megabytes of tables at random, once per request. With 4 KiB
// pages nearly every such access also misses the TLB; asking for transparent huge pages (2 MiB)
// covers a 40 MB table with 20 TLB entries. Linux only honours the request when
// /sys/kernel/mm/transparent_hugepage/enabled is `always` or `madvise`; elsewhere it is a no-op.

/// Allocates `bytes` aligned to 2 MiB and asks the kernel to back its whole 2 MiB pages with
/// huge pages.
/// The memory is not initialised; pages become resident when first written. Free with `free`.
package func allocateLarge(_ bytes: Int) -> UnsafeMutableRawPointer {
    let alignment = 1 << 21
    var p: UnsafeMutableRawPointer?
    guard posix_memalign(&p, alignment, max(bytes, 1)) == 0, let p else {
        fatalError("out of memory allocating \(bytes) bytes")
    }
    #if os(Linux)
    // Whole huge pages only: a tail of a few bytes past the last one stays in small pages
    // rather than costing a 2 MiB page of its own.
    let whole = bytes / alignment * alignment
    if whole > 0 { _ = madvise(p, whole, MADV_HUGEPAGE) }
    #endif
    return p
}

/// A fixed-length table of 64-bit words — the slots of an open-addressing hash table — whose
/// storage comes from `allocateLarge` once it is 2 MiB or more, so that a probe of a table of
/// millions of slots does not also miss the TLB. Under virtualisation a TLB miss walks two
/// levels of page tables: a trace of two million distinct URLs spent a sixth of its run on the
/// first load of the readers' interner probe, with 4 KiB pages.
///
/// A value type, copied on write like an `Array`: copies share the storage until one of them
/// writes.
package struct WordTable: @unchecked Sendable {
    private final class Storage {
        let base: UnsafeMutablePointer<UInt64>
        let count: Int

        init(count: Int) {
            self.count = count
            let bytes = count * MemoryLayout<UInt64>.stride
            let raw = bytes >= 1 << 21 ? allocateLarge(bytes) : UnsafeMutableRawPointer(malloc(max(bytes, 1))!)
            base = raw.bindMemory(to: UInt64.self, capacity: count)
        }

        deinit { free(base) }
    }

    private var storage: Storage

    /// `count` words, each `value`.
    package init(count: Int, repeating value: UInt64) {
        storage = Storage(count: count)
        storage.base.initialize(repeating: value, count: count)
    }

    package var count: Int { storage.count }

    package subscript(i: Int) -> UInt64 {
        @inline(__always) get {
            precondition(i >= 0 && i < storage.count, "WordTable index out of range")
            return storage.base[i]
        }
        @inline(__always) set {
            precondition(i >= 0 && i < storage.count, "WordTable index out of range")
            if !isKnownUniquelyReferenced(&storage) { copyStorage() }
            storage.base[i] = newValue
        }
    }

    /// Calls `body` with the words, read-only (for loops that must not check each index).
    package func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt64>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.base, count: storage.count)) }
    }

    private mutating func copyStorage() {
        let copy = Storage(count: storage.count)
        copy.base.initialize(from: storage.base, count: storage.count)
        storage = copy
    }
}
