// Consistency checks for CacheOnlyReplay's flat storage, in the manner of swift-collections'
// `+Invariants.swift` files: tests call them between requests, so a ring entry pointing at the
// wrong place or a byte count that drifted is caught where it happens.

extension CacheOnlyReplay {
    /// Every way the replay's storage is inconsistent, described; empty when it is sound.
    ///
    /// Per cache: the sizes of the cached objects add up to `used` ≤ capacity and their number to
    /// `resident` (large sizes recorded exactly for the cached objects that have them); each
    /// cached object's recorded ring position holds its entry (object and size code), between the
    /// ring's front and back; the ring's other non-blank entries name
    /// objects that are not cached at that position; the ring holds at most its size. And every
    /// object's slot leads back to it. Allocates; for tests, never for a hot path.
    /// - Complexity: O(objects × caches + ring entries + slots).
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        for c in 0..<cacheCount {
            let cache = caches[c]
            let mask = cache.ringSize - 1
            if cache.back - cache.front > cache.ringSize { problems.append("cache \(c): ring holds \(cache.back - cache.front) entries in \(cache.ringSize) places") }
            var used: Int64 = 0, resident = 0
            var live = Set<Int>()
            for o in 0..<objectCount {
                let part = rows + (o * rowStride + 8 + 8 * c)
                let code = part.load(fromByteOffset: Self.sizeOffset, as: UInt32.self)
                guard code != 0 else {
                    if largeSizes[o * cacheCount + c] != nil { problems.append("cache \(c): object \(o) is not cached but has a large size") }
                    continue
                }
                var size = Int64(code)
                if code == Self.sizeInRow {
                    guard let large = largeSizes[o * cacheCount + c] else {
                        problems.append("cache \(c): object \(o) is cached with a large size that is not recorded")
                        continue
                    }
                    size = large
                }
                used += size
                resident += 1
                // The absolute position whose low 32 bits the row keeps.
                let low = part.load(fromByteOffset: Self.positionOffset, as: UInt32.self)
                let position = cache.front + Int(low &- UInt32(truncatingIfNeeded: cache.front))
                guard position < cache.back else {
                    problems.append("cache \(c): object \(o) is cached but its ring position (\(low) mod 2^32) is outside \(cache.front)..<\(cache.back)")
                    continue
                }
                let e = cache.ring[position & mask]
                if Int(e & 0xFFFF_FFFF) - 1 != o || UInt32(e >> 32) != code {
                    problems.append("cache \(c): object \(o) (size \(size)) is cached but its ring entry is \(String(e, radix: 16))")
                }
                live.insert(position)
            }
            if used != cache.used { problems.append("cache \(c): cached sizes add up to \(used), used says \(cache.used)") }
            if used > cache.capacity { problems.append("cache \(c): \(used) bytes cached in a capacity of \(cache.capacity)") }
            if resident != cache.resident { problems.append("cache \(c): \(resident) objects cached, resident says \(cache.resident)") }
            for p in cache.front..<cache.back where !live.contains(p) {
                let e = cache.ring[p & mask]
                guard e != 0 else { continue }
                let o = Int(e & 0xFFFF_FFFF) - 1
                let part = rows + (o * rowStride + 8 + 8 * c)
                if part.load(fromByteOffset: Self.sizeOffset, as: UInt32.self) != 0
                    && part.load(fromByteOffset: Self.positionOffset, as: UInt32.self) == UInt32(truncatingIfNeeded: p) {
                    problems.append("cache \(c): ring position \(p) names cached object \(o) but was not reached from it")
                }
            }
        }
        if numbersObjects { return problems } // the reader numbers the objects; no id table
        var filled = 0
        for i in 0..<slotCount where slots[i] != 0 {
            filled += 1
            let o = Int(slots[i] & 0xFFFF_FFFF) - 1
            guard o >= 0 && o < objectCount else { problems.append("slot \(i) names object \(o) of \(objectCount)"); continue }
            let id = (rows + o * rowStride).load(as: UInt64.self)
            var j = Int(truncatingIfNeeded: (id &* Self.golden) &>> slotShift)
            while j != i && slots[j] != 0 { j = (j + 1) & (slotCount - 1) }
            if j != i { problems.append("object \(o) (id \(id)) is not reachable from its home slot") }
        }
        if filled != objectCount { problems.append("\(filled) slots filled for \(objectCount) objects") }
        if objectCount * 2 > slotCount { problems.append("\(objectCount) objects in \(slotCount) slots: more than half full") }
        return problems
    }
}
