// Consistency checks for LRUCache's flat storage, in the manner of swift-collections'
// `+Invariants.swift` files: tests call them after every batch of operations, so a
// broken link or a lost index entry is caught where it happens, not many steps later.

extension LRUCache {
    /// Every way the cache's storage is inconsistent, described; empty when it is sound.
    ///
    /// Checks the recency list (links both ways, no cycle, length == `count`), the byte
    /// total (== `usedBytes` ≤ `capacityBytes`), the free list, and the index (one bucket
    /// per live entry, each reachable from its home bucket without crossing an empty one,
    /// load ≤ ¾, hash bits matching each key). Allocates; for tests, never for a hot path.
    /// - Complexity: O(slots + buckets), plus the probe lengths.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        let slotCount = slots.count
        // `prefetchVictims`' walk: a hint, but it must name a slot that exists.
        if aheadSlot != Self.none && (aheadSlot < 0 || Int(aheadSlot) >= slotCount) {
            problems.append("prefetchVictims' cursor is slot \(aheadSlot), outside 0..<\(slotCount)")
        }
        if aheadCount > Self.victimsAhead { problems.append("prefetchVictims' cursor is \(aheadCount) places ahead, more than \(Self.victimsAhead)") }
        for (slot, size) in largeSizes where Int(slot) >= slotCount || slots[Int(slot)].size != Self.largeSize || slots[Int(slot)].prev == Self.freeMark {
            problems.append("large size \(size) recorded for slot \(slot), which is not a live entry of 4 GiB or more")
        }

        // Recency list, from the LRU end.
        var seen = [Bool](repeating: false, count: slotCount)
        var listLength = 0
        var byteSum: Int64 = 0
        var previous = Self.none
        var slot = lruSlot
        while slot != Self.none {
            guard slot >= 0 && Int(slot) < slotCount else {
                problems.append("list reaches slot \(slot), outside 0..<\(slotCount)"); break
            }
            let s = Int(slot)
            guard !seen[s] else { problems.append("list revisits slot \(s): a cycle"); break }
            seen[s] = true
            if slots[s].prev != previous { problems.append("slot \(s): prev is \(slots[s].prev), expected \(previous)") }
            if slots[s].size == Self.largeSize && largeSizes[slot] == nil { problems.append("slot \(s) has a large size that is not recorded") }
            listLength += 1
            byteSum += size(ofSlot: s)
            previous = slot
            slot = slots[s].next
        }
        if previous != mruSlot { problems.append("list ends at \(previous), mruSlot is \(mruSlot)") }
        if listLength != count { problems.append("list holds \(listLength) entries, count is \(count)") }
        if byteSum != usedBytes { problems.append("entries sum to \(byteSum) bytes, usedBytes is \(usedBytes)") }
        if usedBytes > capacityBytes { problems.append("usedBytes \(usedBytes) exceeds capacityBytes \(capacityBytes)") }

        // Free list: every slot is either live (in the list) or free, never both.
        var freeLength = 0
        slot = freeSlot
        while slot != Self.none {
            guard slot >= 0 && Int(slot) < slotCount else {
                problems.append("free list reaches slot \(slot), outside 0..<\(slotCount)"); break
            }
            let s = Int(slot)
            guard !seen[s] else { problems.append("slot \(s) is both live and free, or the free list cycles"); break }
            seen[s] = true
            if slots[s].prev != Self.freeMark { problems.append("free slot \(s) is not marked free") }
            freeLength += 1
            slot = slots[s].next
        }
        if listLength + freeLength != slotCount {
            problems.append("\(listLength) live + \(freeLength) free slots, but \(slotCount) allocated")
        }

        // Index.
        let bucketCount = buckets.count
        if bucketCount < 16 || bucketCount & (bucketCount - 1) != 0 {
            problems.append("index has \(bucketCount) buckets, not a power of two ≥ 16")
            return problems
        }
        if UInt64(64 - bucketCount.trailingZeroBitCount) != bucketShift {
            problems.append("bucketShift \(bucketShift) does not match \(bucketCount) buckets")
        }
        if count * 4 > bucketCount * 3 { problems.append("\(count) entries in \(bucketCount) buckets: load above ¾") }
        var indexed = [Bool](repeating: false, count: slotCount)
        var occupied = 0
        let mask = bucketCount - 1
        for bucket in 0..<bucketCount {
            let slot = Self.slot(inBucket: buckets[bucket])
            if slot == Self.none { continue }
            occupied += 1
            guard slot >= 0 && Int(slot) < slotCount, slots[Int(slot)].prev != Self.freeMark else {
                problems.append("bucket \(bucket) names slot \(slot), which is not live"); continue
            }
            if indexed[Int(slot)] { problems.append("slot \(slot) is in the index twice") }
            if buckets[bucket] != Self.bucketEntry(slot: slot, hash: Self.hash(slots[Int(slot)].key)) {
                problems.append("bucket \(bucket): its hash bits do not match slot \(slot)'s key")
            }
            indexed[Int(slot)] = true
            var cursor = homeBucket(slots[Int(slot)].key)
            while cursor != bucket {
                if buckets[cursor] == Self.emptyBucket {
                    problems.append("key \(slots[Int(slot)].key) in bucket \(bucket) is cut off from its home by empty bucket \(cursor)")
                    break
                }
                cursor = (cursor + 1) & mask
            }
        }
        if occupied != count { problems.append("index holds \(occupied) entries, count is \(count)") }
        // Every live key finds its own slot (bounded by listLength in case the list cycles).
        var position = lruSlot
        for _ in 0..<listLength where position >= 0 && Int(position) < slotCount {
            let key = slots[Int(position)].key
            if findSlot(key) != position { problems.append("key \(key) does not find its slot \(position)") }
            position = slots[Int(position)].next
        }
        return problems
    }

    /// Stops the program with a description when the storage is inconsistent.
    public func checkInvariants() {
        let problems = invariantViolations()
        precondition(problems.isEmpty, "LRUCache invariants violated:\n" + problems.joined(separator: "\n"))
    }
}
