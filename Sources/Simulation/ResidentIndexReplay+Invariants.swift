// Consistency checks for ResidentIndexReplay's tables and rings, in the manner of
// swift-collections' `+Invariants.swift` files: tests call them between requests.

extension ResidentIndexReplay {
    /// Every way the replay's storage is inconsistent, described; empty when it is sound.
    ///
    /// Per cache: each object in the table is reachable from its home slot (no empty slot
    /// between), its ring entry at its position names its slot, and the ring's other entries are
    /// blanks; the cached sizes add up to `used` ≤ capacity over `resident` objects, at most a
    /// quarter of the slots; large sizes are recorded for exactly the cached objects that have
    /// them. Allocates; for tests, never for a hot path.
    /// - Complexity: O(slots + ring entries) per cache.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        for c in 0..<cacheCount {
            let cache = caches[c]
            let mask = cache.slotCount - 1, ringMask = cache.ringSize - 1
            func say(_ s: String) { problems.append("cache \(c): \(s)") }
            if cache.back - cache.front > cache.ringSize { say("ring holds \(cache.back - cache.front) entries in \(cache.ringSize) places") }
            var cached: [Int] = []
            for s in 0..<cache.slotCount where cache.slots[s].key != Self.emptyKey {
                cached.append(s)
                var i = Int(truncatingIfNeeded: (cache.slots[s].key &* Self.golden) &>> cache.shift)
                while i != s {
                    if cache.slots[i].key == Self.emptyKey { say("slot \(s) is not reachable from its home slot"); break }
                    i = (i + 1) & mask
                }
            }
            if cache.spareCached { cached.append(cache.slotCount) }
            var used: Int64 = 0
            var large = 0
            for s in cached {
                let slot = cache.slots[s]
                let key = s == cache.slotCount ? Self.emptyKey : slot.key
                if slot.code == Self.sizeInSlot {
                    large += 1
                    if let size = cache.largeSizes[key] { used += size } else { say("slot \(s) has a large size that is not recorded") }
                } else {
                    used += Int64(slot.code)
                    if slot.code == 0 { say("slot \(s) is cached with size 0") }
                }
                let position = Int(slot.position)
                let inWindow = UInt32(truncatingIfNeeded: position &- cache.front) < UInt32(truncatingIfNeeded: cache.back - cache.front)
                if !inWindow { say("slot \(s)'s position \(position) is outside the ring's window") }
                if cache.ring[position & ringMask] != UInt32(s + 1) { say("slot \(s)'s ring entry names \(Int(cache.ring[position & ringMask]) - 1)") }
            }
            var entries = 0
            for p in cache.front..<cache.back where cache.ring[p & ringMask] != 0 { entries += 1 }
            if entries != cached.count { say("ring has \(entries) entries for \(cached.count) cached objects") }
            if cached.count != cache.resident { say("\(cached.count) objects cached, resident says \(cache.resident)") }
            if used != cache.used { say("cached sizes add up to \(used), used says \(cache.used)") }
            if used > cache.capacity { say("\(used) bytes cached in a capacity of \(cache.capacity)") }
            if cache.resident * 4 > cache.slotCount { say("\(cache.resident) objects in \(cache.slotCount) slots") }
            if large != cache.largeSizes.count { say("\(cache.largeSizes.count) large sizes recorded for \(large) cached objects") }
        }
        return problems
    }
}
