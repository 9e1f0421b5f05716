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
