// Consistency checks for CacheOnlyReplay's flat storage, in the manner of swift-collections'
// `+Invariants.swift` files: tests call them between requests, so a ring entry pointing at the
// wrong place or a byte count that drifted is caught where it happens.

extension CacheOnlyReplay {
    /// The rows that hold an object, in row order.
    func occupiedRows() -> [Int] {
        var result: [Int] = []
        let last = numbersObjects ? rowCapacity : slotCount
        for r in 0..<last where (rows + r * rowStride).load(as: UInt64.self) != Self.emptyKey { result.append(r) }
        if !numbersObjects && spareUsed { result.append(slotCount) }
        return result
    }

    /// Every way the replay's storage is inconsistent, described; empty when it is sound.
    ///
    /// Per cache: the objects cached (as `cachedCode` tells: their row's ring position is in the
    /// window and names them) have sizes that add up to `used` ≤ capacity and number `resident`
    /// (large sizes recorded exactly for the cached objects that have them); each one's entry
    /// carries its row's size code; the ring's other non-blank entries name rows that are not
    /// cached at that position; the ring holds at most its size. The rows hold `objectCount`
    /// objects, and each keyed row is reachable from its id's home row. Allocates; for tests,
    /// never for a hot path.
    /// - Complexity: O(rows × caches + ring entries).
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        let occupied = occupiedRows()
        if occupied.count != objectCount { problems.append("\(occupied.count) rows hold an object, objectCount says \(objectCount)") }
        for c in 0..<cacheCount {
            let cache = caches[c]
            let mask = cache.ringSize - 1
            if cache.back - cache.front > cache.ringSize { problems.append("cache \(c): ring holds \(cache.back - cache.front) entries in \(cache.ringSize) places") }
            var used: Int64 = 0, resident = 0
            var live = Set<Int>()
            for o in occupied {
                let part = rows + (o * rowStride + 8 + 8 * c)
                let code = cachedCode(caches + c, part, UInt64(o))
                guard code != 0 else {
                    if largeSizes[o * cacheCount + c] != nil { problems.append("cache \(c): row \(o) is not cached but has a large size") }
                    continue
                }
                var size = Int64(code)
                if code == Self.sizeInRow {
                    guard let large = largeSizes[o * cacheCount + c] else {
                        problems.append("cache \(c): row \(o) is cached with a large size that is not recorded")
                        continue
                    }
                    size = large
                }
                used += size
                resident += 1
                // The absolute position whose low 32 bits the row keeps.
                let low = part.load(fromByteOffset: Self.positionOffset, as: UInt32.self)
                // (`cachedCode` found it inside the window, naming this row.)
                let position = cache.front + Int(low &- UInt32(truncatingIfNeeded: cache.front))
                let e = cache.ring[position & mask]
                if UInt32(e >> 32) != code {
                    problems.append("cache \(c): row \(o) (size \(size)) is cached but its ring entry is \(String(e, radix: 16))")
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
                if cachedCode(caches + c, part, UInt64(o)) != 0
                    && part.load(fromByteOffset: Self.positionOffset, as: UInt32.self) == UInt32(truncatingIfNeeded: p) {
                    problems.append("cache \(c): ring position \(p) names cached row \(o) but was not reached from it")
                }
            }
        }
        if numbersObjects { return problems } // the reader numbers the rows; no keys to check
        for r in occupied where r < slotCount {
            let id = (rows + r * rowStride).load(as: UInt64.self)
            var j = home(id)
            while j != r && (rows + j * rowStride).load(as: UInt64.self) != Self.emptyKey { j = j + 1 == slotCount ? 0 : j + 1 }
            if j != r { problems.append("row \(r) (id \(id)) is not reachable from its home row") }
        }
        if objectCount * 5 > slotCount * 4 + 5 { problems.append("\(objectCount) objects in \(slotCount) rows: more than four-fifths full") }
        return problems
    }
}
