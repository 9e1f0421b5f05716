// Built with `-parse-stdlib` (see Package.swift): the one file of popsim that reaches the
// compiler's builtins, for the one instruction the standard library does not offer.
import Swift

/// Asks the processor to bring the cache line at `address` into its caches, and goes on at once.
///
/// A plain load of a line that is not cached holds up every instruction behind it once the
/// processor's reorder window fills (a few hundred instructions, less than one memory access);
/// a prefetch holds up nothing. Where the next accesses are known a request or more ahead — the
/// next victims at a cache's least recently used end — prefetching them now lets the memory
/// latency pass while other work runs.
///
/// A hint only: it changes nothing a program can observe but time, and raises no fault for an
/// address outside the process's memory.
@inlinable @inline(__always)
public func prefetch(_ address: UnsafeRawPointer) {
    // llvm.prefetch(address, rw: 0 = read, locality: 3 = keep in all levels, cache: 1 = data).
    Builtin.int_prefetch_RawPointer(address._rawValue, Int32(0)._value, Int32(3)._value, Int32(1)._value)
}
