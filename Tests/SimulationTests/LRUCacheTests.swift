import Testing
@testable import Simulation

/// A cache of `Int` values whose tests read the outcome of every verb.
private typealias Cache = LRUCache<Int>

private let forever = SimTime.seconds(1_000_000)

private func cache(capacity: Int64, inserting entries: [(key: UInt64, bytes: Int64)]) -> Cache {
    var cache = Cache(capacityBytes: capacity)
    for entry in entries {
        cache.insert(entry.key, bytes: entry.bytes, expiresAt: forever, value: Int(entry.key) * 10)
    }
    return cache
}

@Suite("LRUCache")
struct LRUCacheTests {
    @Test("touching keys reads their slots' links and changes nothing")
    func touchChangesNothing() {
        var c = cache(capacity: 300, inserting: [(1, 100), (2, 100), (3, 100)])
        func touch(_ keys: [UInt64]) -> UInt64 { keys.withUnsafeBufferPointer { c.touch($0.baseAddress!, count: $0.count) } }
        // Keys 1, 2, 3 are in slots 0, 1, 2. A present key's value is its slot's link towards the
        // LRU end (the neighbours themselves are prefetched): 3's is slot 1, 2's slot 0; 1 is the
        // LRU end (none: -1).
        #expect(touch([3]) == 1)
        #expect(touch([3, 2]) == 1)
        #expect(touch([1]) == UInt64(bitPattern: -1))
        let absent = touch([99])
        #expect(absent == LRUCache<Int>.emptyBucket || absent >> 32 != LRUCache<Int>.hash(99) >> 32,
                "an absent key reads only its home bucket: empty, or another key's")
        #expect(c.keysInLRUOrder() == [1, 2, 3] && c.count == 3 && c.usedBytes == 300 && c.evictions == 0)
        #expect(c.lookup(1, at: .zero) == .hit(10))
        var empty = Cache(capacityBytes: 10)
        #expect([UInt64(5)].withUnsafeBufferPointer { empty.touch($0.baseAddress!, count: 1) } == LRUCache<Int>.emptyBucket)
        #expect(empty.count == 0)
        empty.checkInvariants()
        c.checkInvariants()
    }

    @Test("the three steps of bringing a key's entry in read its bucket, then its slot's links, and change nothing")
    func prefetchStepsChangeNothing() {
        var c = cache(capacity: 300, inserting: [(1, 100), (2, 100), (3, 100)])
        // Keys 1, 2, 3 are in slots 0, 1, 2: a present key's bucket names its slot, with the top
        // bits of its hash; its link towards the LRU end is the slot before it (1's: none).
        for key: UInt64 in [1, 2, 3] {
            c.prefetchBucket(of: key)
            let bucket = c.prefetchSlot(of: key)
            #expect(Int32(truncatingIfNeeded: bucket) == Int32(key - 1) && bucket >> 32 == Cache.hash(key) >> 32, "\(key)")
        }
        #expect(c.prefetchNeighbours(of: 3) == 1)
        #expect(c.prefetchNeighbours(of: 2) == 0)
        #expect(c.prefetchNeighbours(of: 1) == UInt64(bitPattern: -1))
        // An absent key reads its home bucket only: empty, or another key's.
        for read in [c.prefetchSlot(of: 99), c.prefetchNeighbours(of: 99)] {
            #expect(read == Cache.emptyBucket || read >> 32 != Cache.hash(99) >> 32)
        }
        #expect(c.keysInLRUOrder() == [1, 2, 3] && c.count == 3 && c.usedBytes == 300 && c.evictions == 0)
        c.checkInvariants()
    }

    @Test("prefetchVictims walks from the LRU end a step per call up to walkMargin places, then a step per walkPace calls up to victimsAhead, starts again after evictions or a hit on its place, and changes nothing")
    func prefetchVictimsWalks() {
        let ahead = Int(Cache.victimsAhead), entries = 3 * ahead, capacity = Int64(entries + 60)
        var c = Cache(capacityBytes: capacity)
        for k in 0..<entries { c.insert(UInt64(k), bytes: 1, expiresAt: forever, value: k) }
        let order = c.keysInLRUOrder()
        func cursorKey() -> UInt64? { c.aheadSlot == Cache.none ? nil : c.slots[Int(c.aheadSlot)].key }
        c.prefetchVictims()
        #expect(cursorKey() == 0 && c.aheadCount == 1, "the first step is the LRU end")
        c.prefetchVictims()
        #expect(cursorKey() == 1 && c.aheadCount == 2)
        let margin = Int(Cache.walkMargin), pace = Int(Cache.walkPace)
        for _ in 2..<margin { c.prefetchVictims() }
        #expect(cursorKey() == UInt64(margin - 1) && Int(c.aheadCount) == margin, "a step per call up to the margin")
        for _ in 0..<pace - 1 { c.prefetchVictims() }
        #expect(Int(c.aheadCount) == margin, "past the margin, no step for \(pace - 1) calls")
        c.prefetchVictims()
        #expect(cursorKey() == UInt64(margin) && Int(c.aheadCount) == margin + 1, "then a step")
        for _ in 0..<2 * pace * ahead { c.prefetchVictims() }
        #expect(cursorKey() == UInt64(ahead - 1) && Int(c.aheadCount) == ahead, "the walk stops \(ahead) places ahead")
        #expect(c.keysInLRUOrder() == order && c.count == entries && c.evictions == 0, "a prefetch changes nothing")
        // An insert that evicts the walk's places (keys 0 ..< ahead): the walk starts again from the new LRU end.
        c.insert(1000, bytes: capacity - Int64(entries) + Int64(ahead), expiresAt: forever, value: 1000)
        #expect(c.evictions == ahead && c.aheadCount <= 0)
        c.prefetchVictims()
        #expect(cursorKey() == UInt64(ahead) && c.aheadCount == 1)
        c.prefetchVictims()
        #expect(cursorKey() == UInt64(ahead + 1))
        // A hit moves the walk's place to the MRU end: the next step finds no successor there and
        // gives up, the one after starts again from the LRU end.
        #expect(c.lookup(UInt64(ahead + 1), at: .zero) == .hit(ahead + 1))
        c.prefetchVictims()
        #expect(cursorKey() == nil)
        c.prefetchVictims()
        #expect(cursorKey() == UInt64(ahead) && c.aheadCount == 1)
        // A freed place (removed) is left the same way.
        c.prefetchVictims()
        #expect(cursorKey() == UInt64(ahead + 2))
        c.remove(UInt64(ahead + 2))
        c.prefetchVictims()
        #expect(cursorKey() == nil)
        c.checkInvariants()
        var empty = Cache(capacityBytes: 10)
        empty.prefetchVictims()
        #expect(empty.aheadSlot == Cache.none, "an empty cache has no LRU end to walk from")
    }

    @Test("prefetchVictims called on only some requests (a unit of several POPs) steps on every call up to victimsAhead, and changes nothing")
    func prefetchVictimsWalksEveryCall() {
        let ahead = Int(Cache.victimsAhead), entries = 2 * ahead
        var c = Cache(capacityBytes: Int64(entries))
        for k in 0..<entries { c.insert(UInt64(k), bytes: 1, expiresAt: forever, value: k) }
        let order = c.keysInLRUOrder()
        for call in 1...ahead {
            c.prefetchVictims(calledOnEveryRequest: false)
            #expect(Int(c.aheadCount) == call && c.slots[Int(c.aheadSlot)].key == UInt64(call - 1),
                    "a step on call \(call), past the margin of \(Cache.walkMargin) too")
        }
        c.prefetchVictims(calledOnEveryRequest: false)
        #expect(Int(c.aheadCount) == ahead && c.slots[Int(c.aheadSlot)].key == UInt64(ahead - 1), "the walk stops \(ahead) places ahead")
        #expect(c.keysInLRUOrder() == order && c.count == entries && c.evictions == 0, "a prefetch changes nothing")
        c.checkInvariants()
    }

    @Test("a hit returns the value and makes the entry the most recently used")
    func hitPromotes() {
        var c = cache(capacity: 300, inserting: [(1, 100), (2, 100), (3, 100)])
        #expect(c.keysInLRUOrder() == [1, 2, 3])
        #expect(c.lookup(1, at: .zero) == .hit(10))
        #expect(c.keysInLRUOrder() == [2, 3, 1])
        #expect(c.lookup(9, at: .zero) == .miss)
        c.insert(4, bytes: 100, expiresAt: forever, value: 40)
        #expect(c.keysInLRUOrder() == [3, 1, 4], "2 became the LRU entry once 1 was hit")
        #expect(c.peek(2) == nil && c.evictions == 1)
        c.checkInvariants()
    }

    @Test("the least recently used entry is evicted first, one per needed slot")
    func lruEvictedFirst() {
        var c = cache(capacity: 300, inserting: [(1, 100), (2, 100), (3, 100)])
        let stored1 = c.insert(4, bytes: 100, expiresAt: forever, value: 40)
        #expect(stored1)
        #expect(c.keysInLRUOrder() == [2, 3, 4])
        let stored2 = c.insert(5, bytes: 100, expiresAt: forever, value: 50)
        #expect(stored2)
        #expect(c.keysInLRUOrder() == [3, 4, 5])
        #expect(c.evictions == 2 && c.count == 3 && c.usedBytes == 300)
        c.checkInvariants()
    }

    @Test("byte capacity with mixed sizes: evicts until the new object fits, no further")
    func mixedSizes() {
        var c = cache(capacity: 1000, inserting: [(1, 400), (2, 300), (3, 200)])
        #expect(c.usedBytes == 900)
        c.insert(4, bytes: 500, expiresAt: forever, value: 40)     // 900 − 400 + 500 = 1000
        #expect(c.keysInLRUOrder() == [2, 3, 4] && c.usedBytes == 1000 && c.evictions == 1)
        c.insert(5, bytes: 350, expiresAt: forever, value: 50)     // evicts 2 (300) and 3 (200)
        #expect(c.keysInLRUOrder() == [4, 5] && c.usedBytes == 850 && c.evictions == 3)
        c.insert(6, bytes: 0, expiresAt: forever, value: 60)       // empty objects fit a full cache
        #expect(c.keysInLRUOrder() == [4, 5, 6] && c.usedBytes == 850 && c.evictions == 3)
        c.checkInvariants()
    }

    @Test("an object larger than the capacity is not inserted and removes its key's old entry")
    func oversize() {
        var c = cache(capacity: 100, inserting: [(1, 50), (2, 40)])
        let stored3 = c.insert(3, bytes: 101, expiresAt: forever, value: 30)
        #expect(!stored3)
        #expect(c.keysInLRUOrder() == [1, 2] && c.usedBytes == 90 && c.evictions == 0)
        let stored4 = c.insert(1, bytes: 200, expiresAt: forever, value: 11)
        #expect(!stored4)
        #expect(c.keysInLRUOrder() == [2] && c.usedBytes == 40 && c.peek(1) == nil)
        #expect(c.evictions == 0, "removing the stale version is not an eviction")
        let stored5 = c.insert(7, bytes: 100, expiresAt: forever, value: 70)
        #expect(stored5, "exactly the capacity fits")
        #expect(c.keysInLRUOrder() == [7] && c.usedBytes == 100 && c.evictions == 1)
        var empty = Cache(capacityBytes: 0)
        let stored6 = empty.insert(1, bytes: 1, expiresAt: forever, value: 1)
        #expect(!stored6)
        let stored7 = empty.insert(2, bytes: 0, expiresAt: forever, value: 2)
        #expect(stored7)
        c.checkInvariants()
        empty.checkInvariants()
    }

    @Test("replacing a key adjusts the bytes, moves it to MRU and never evicts itself")
    func replaceSameKey() {
        var c = cache(capacity: 300, inserting: [(1, 100), (2, 100), (3, 100)])
        let stored8 = c.insert(1, bytes: 30, expiresAt: forever, value: 11)
        #expect(stored8)
        #expect(c.usedBytes == 230 && c.count == 3 && c.peek(1) == 11)
        #expect(c.keysInLRUOrder() == [2, 3, 1] && c.evictions == 0)
        // Growing 3 from 100 to 250 makes 380 > 300 bytes: evicts 2, the LRU entry, not 3 itself.
        let stored9 = c.insert(3, bytes: 250, expiresAt: forever, value: 33)
        #expect(stored9)
        #expect(c.keysInLRUOrder() == [1, 3] && c.usedBytes == 280 && c.evictions == 1)
        // Growing 3 to the whole capacity evicts everything else.
        let stored10 = c.insert(3, bytes: 300, expiresAt: forever, value: 34)
        #expect(stored10)
        #expect(c.keysInLRUOrder() == [3] && c.usedBytes == 300 && c.evictions == 2 && c.peek(3) == 34)
        c.checkInvariants()
    }

    @Test("TTL boundary: fresh before expiresAt, expired at and after it",
          arguments: [(Int64(-1), true), (0, false), (1, false), (-10_000_000, true)])
    func ttlBoundary(offset: Int64, fresh: Bool) {
        let expiresAt = SimTime.seconds(10)
        var c = Cache(capacityBytes: 100)
        c.insert(1, bytes: 10, expiresAt: expiresAt, value: 7)
        #expect(c.lookup(1, at: expiresAt + offset) == (fresh ? .hit(7) : .expired(7)))
    }

    @Test("an expired entry is not promoted, stays until replaced, and is evicted in LRU order")
    func expiredNotPromoted() {
        var c = Cache(capacityBytes: 300)
        c.insert(1, bytes: 100, expiresAt: .seconds(10), value: 10)
        c.insert(2, bytes: 100, expiresAt: .seconds(100), value: 20)
        #expect(c.lookup(1, at: .seconds(20)) == .expired(10))
        #expect(c.keysInLRUOrder() == [1, 2] && c.count == 2)
        #expect(c.peek(1) == 10, "peek sees expired entries")
        c.insert(1, bytes: 100, expiresAt: .seconds(80), value: 11)   // revalidated
        #expect(c.lookup(1, at: .seconds(20)) == .hit(11))
        #expect(c.keysInLRUOrder() == [2, 1])
        c.insert(3, bytes: 100, expiresAt: .seconds(5), value: 30)
        #expect(c.lookup(3, at: .seconds(20)) == .expired(30))
        c.insert(4, bytes: 100, expiresAt: forever, value: 40)        // evicts 2, the LRU entry
        #expect(c.keysInLRUOrder() == [1, 3, 4])
        c.checkInvariants()
    }

    @Test("remove and removeAll(where:) take entries out and give their bytes back")
    func removal() {
        var c = cache(capacity: 10_000, inserting: (0..<100).map { (UInt64($0), Int64($0)) })
        let removedFirst = c.remove(5), removedAgain = c.remove(5), removedAbsent = c.remove(1_000)
        #expect(removedFirst && !removedAgain && !removedAbsent)
        let removed = c.removeAll { key, value in key % 2 == 0 && value == Int(key) * 10 }
        #expect(removed == 50)
        #expect(c.count == 49)
        let survivors: [UInt64] = (0..<100).filter { $0 % 2 == 1 && $0 != 5 }
        let survivorBytes: UInt64 = survivors.reduce(0, +)
        #expect(c.keysInLRUOrder() == survivors)
        #expect(c.usedBytes == Int64(survivorBytes))
        #expect(c.lookup(4, at: .zero) == .miss)
        #expect(c.lookup(7, at: .zero) == .hit(70))
        #expect(c.evictions == 0)
        c.checkInvariants()
        #expect(c.removeAll { _, _ in true } == 49)
        #expect(c.count == 0 && c.usedBytes == 0 && c.keysInLRUOrder().isEmpty)
        c.checkInvariants()
        // Freed slots are reused.
        c.insert(1, bytes: 1, expiresAt: forever, value: 1)
        #expect(c.slots.count == 100 && c.count == 1)
        c.checkInvariants()
    }

    @Test("the index grows past thousands of keys with deletions; every key stays findable",
          arguments: [("sequential", UInt64(1)), ("stride 2^32", UInt64(1) << 32), ("odd stride", UInt64(0x9E37_79B9))])
    func indexGrowth(pattern: String, stride: UInt64) {
        var c = Cache(capacityBytes: .max, expectedObjects: 4)
        let keys = (0..<20_000).map { UInt64($0) &* stride &+ 3 }
        for (i, key) in keys.enumerated() {
            c.insert(key, bytes: 1, expiresAt: forever, value: i)
            if i % 3 == 2 {
                let removed = c.remove(keys[i - 1])
                #expect(removed, "\(pattern): remove \(keys[i - 1])")
            }
        }
        c.checkInvariants()
        #expect(c.count == 20_000 - 20_000 / 3)
        #expect(3 * c.buckets.count >= 4 * c.count && 3 * c.buckets.count <= 8 * c.count + 48)
        for (i, key) in keys.enumerated() {
            let expected: Int? = i % 3 == 1 && i < 19_999 ? nil : i
            if c.peek(key) != expected {
                Issue.record("\(pattern): key \(key) peeks \(String(describing: c.peek(key))), expected \(String(describing: expected))")
                break
            }
        }
        // Delete everything in an order unrelated to insertion, then reinsert.
        for key in keys.reversed() where c.peek(key) != nil { c.remove(key) }
        #expect(c.count == 0 && c.usedBytes == 0)
        c.checkInvariants()
        for (i, key) in keys.enumerated() { c.insert(key, bytes: 1, expiresAt: forever, value: i) }
        #expect(c.count == 20_000 && c.keysInLRUOrder() == keys)
        c.checkInvariants()
    }
}

// MARK: - Differential test against a simple reference

/// A deliberately naive LRU: one array, least recently used first, O(n) per operation.
private struct ReferenceLRU {
    struct Entry: Equatable { var key: UInt64; var bytes: Int64; var expiresAt: Int64; var value: Int }
    let capacity: Int64
    var entries: [Entry] = []
    var evictions = 0
    var usedBytes: Int64 { entries.reduce(0) { $0 + $1.bytes } }

    mutating func lookup(_ key: UInt64, at now: Int64) -> Cache.Lookup {
        guard let i = entries.firstIndex(where: { $0.key == key }) else { return .miss }
        if entries[i].expiresAt <= now { return .expired(entries[i].value) }
        let entry = entries.remove(at: i)
        entries.append(entry)
        return .hit(entry.value)
    }

    mutating func insert(_ key: UInt64, bytes: Int64, expiresAt: Int64, value: Int) -> Bool {
        entries.removeAll { $0.key == key }
        guard bytes <= capacity else { return false }
        while usedBytes + bytes > capacity {
            entries.removeFirst()
            evictions += 1
        }
        entries.append(Entry(key: key, bytes: bytes, expiresAt: expiresAt, value: value))
        return true
    }

    mutating func remove(_ key: UInt64) -> Bool {
        guard let i = entries.firstIndex(where: { $0.key == key }) else { return false }
        entries.remove(at: i)
        return true
    }

    mutating func removeAll(where predicate: (UInt64, Int) -> Bool) -> Int {
        let before = entries.count
        entries.removeAll { predicate($0.key, $0.value) }
        return before - entries.count
    }
}

@Suite("LRUCache differential")
struct LRUCacheDifferentialTests {
    /// Sizes are multiples of `unit`: 1, or 2²⁷ so that a quarter of the objects are 4 GiB or
    /// larger and keep their size in the side table (the evictions' slower path).
    @Test("120k random operations agree with a reference LRU; invariants hold after every batch",
          arguments: [(UInt64(1), Int64(1)), (42, 1), (0xC0FFEE, 1), (7, 1 << 27), (0xBEEF, 1 << 27)])
    func differential(seed: UInt64, unit: Int64) throws {
        var rng = SplitMix64(seed: seed)
        let capacity: Int64 = 6_000 * unit
        var cache = Cache(capacityBytes: capacity, expectedObjects: 8)   // forces index growth
        var reference = ReferenceLRU(capacity: capacity)
        var now: Int64 = 0
        let keySpace: UInt64 = 400          // ~2.5 × what fits, so hits, misses and evictions mix
        for op in 0..<120_000 {
            now += Int64(rng.next() % 1_000)
            let key = rng.next() % keySpace
            let roll = rng.next() % 1_000
            let context = "seed \(seed), op \(op), key \(key), roll \(roll)"
            // Prefetching ahead of the evictions, as the event loop does before a lookup, must
            // change nothing the reference does not do.
            if roll % 3 == 0 { cache.prefetchVictims() }
            if roll < 225 {
                let got = cache.lookup(key, at: SimTime(microseconds: now))
                let expected = reference.lookup(key, at: now)
                try #require(got == expected, "\(context): lookup \(got) vs \(expected)")
            } else if roll < 450 {
                let size = reference.entries.first { $0.key == key }?.bytes ?? 0
                let (got, gotSize) = cache.lookupWithSize(key, at: SimTime(microseconds: now))
                let expected = reference.lookup(key, at: now)
                try #require(got == expected && gotSize == size, "\(context): lookupWithSize \(got), \(gotSize) vs \(expected), \(size)")
            } else if roll < 900 {
                // Sizes 0…120 units, with 1 % larger than the whole cache.
                let bytes = roll < 455 ? capacity + 1 + Int64(rng.next() % 100) : Int64(rng.next() % 121) * unit
                let expiresAt = now + Int64(rng.next() % 200_000)
                let got = cache.insert(key, bytes: bytes, expiresAt: SimTime(microseconds: expiresAt), value: op)
                let expected = reference.insert(key, bytes: bytes, expiresAt: expiresAt, value: op)
                try #require(got == expected, "\(context): insert \(bytes) bytes returned \(got)")
            } else if roll < 998 {
                try #require(cache.remove(key) == reference.remove(key), "\(context): remove")
                try #require(cache.peek(key) == nil, "\(context): peek after remove")
            } else {
                let modulus = 2 + rng.next() % 5
                let got = cache.removeAll { k, _ in k % modulus == 0 }
                let expected = reference.removeAll { k, _ in k % modulus == 0 }
                try #require(got == expected, "\(context): removeAll(key % \(modulus) == 0)")
            }
            try #require(cache.count == reference.entries.count, "\(context): count")
            if op % 1_000 == 999 {
                let problems = cache.invariantViolations()
                try #require(problems.isEmpty, "\(context): invariants: \(problems)")
                try #require(cache.keysInLRUOrder() == reference.entries.map(\.key), "\(context): LRU order")
                try #require(cache.usedBytes == reference.usedBytes, "\(context): usedBytes")
                try #require(cache.evictions == reference.evictions, "\(context): evictions")
                for entry in reference.entries {
                    try #require(cache.peek(entry.key) == entry.value, "\(context): peek \(entry.key)")
                }
            }
        }
        #expect(reference.evictions > 10_000, "seed \(seed): the workload should evict a lot (\(reference.evictions))")
        cache.checkInvariants()
    }
}
