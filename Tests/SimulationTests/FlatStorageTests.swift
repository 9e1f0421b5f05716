import Testing
@testable import Simulation

// The flat tables behind the event loop, checked against the standard library's.

private struct Pair: FlatKey {
    var a: UInt32
    var b: UInt32
    var mixedHash: UInt64 { mix(a, b) }
}

private struct Triple: RecentKey {
    var a: Int32
    var b: UInt32
    var foldedBits: UInt64 { UInt64(UInt32(bitPattern: a)) ^ UInt64(b) << 29 }
}

@Suite("Flat storage")
struct FlatStorageTests {
    @Test("FlatMap agrees with a Dictionary over 50k inserts and lookups; entries are numbered in insertion order (seed 7)")
    func flatMap() {
        var rng = SplitMix64(seed: 7)
        var map = FlatMap<Pair, Int>()
        var reference: [UInt64: Int] = [:]
        var order: [UInt64] = []
        for i in 0..<50_000 {
            let key = Pair(a: UInt32(rng.next() % 3_000), b: UInt32(rng.next() % 50))
            let packed = UInt64(key.a) << 32 | UInt64(key.b)
            if let e = map.find(key) {
                #expect(map.values[e] == reference[packed], "seed 7, step \(i)")
            } else {
                #expect(reference[packed] == nil, "seed 7, step \(i): \(key) lost")
                #expect(map.insert(key, i) == order.count)
                reference[packed] = i
                order.append(packed)
            }
        }
        #expect(map.count == reference.count)
        for (e, packed) in order.enumerated() {
            #expect(map.keys[e] == Pair(a: UInt32(packed >> 32), b: UInt32(truncatingIfNeeded: packed)))
        }
    }

    @Test("UInt64Table agrees with a Dictionary under sets, removals and removals if a value matches (deletion by backward shift; seed 11)")
    func uint64Table() {
        var rng = SplitMix64(seed: 11)
        var table = UInt64Table()
        var reference: [UInt64: Int32] = [:]
        var conditionalRemovals = 0
        for step in 0..<100_000 {
            let key = (rng.next() % 700) << 32 | (rng.next() % 3)
            switch rng.next() % 4 {
            case 0:
                let v = Int32(step % 4)
                table.set(key, v)
                reference[key] = v
            case 1:
                table.remove(key)
                reference[key] = nil
            case 2:
                // A completing fetch removes its key only if it is still the one in flight.
                let v = Int32(rng.next() % 4)
                let expected = reference[key] == v
                #expect(table.remove(key, ifValue: v) == expected, "seed 11, step \(step), key \(key), value \(v)")
                if expected { reference[key] = nil; conditionalRemovals += 1 }
            default:
                #expect(table[key] == reference[key], "seed 11, step \(step), key \(key)")
            }
        }
        #expect(table.count == reference.count)
        #expect(conditionalRemovals > 1_000, "the values should match often enough to remove")
        for (key, v) in reference { #expect(table[key] == v) }
    }

    @Test("RecentMemo answers only what was remembered, the latest value per key, and forgets a key when its slot is reused (seed 13)")
    func recentMemo() {
        var rng = SplitMix64(seed: 13)
        var memo = RecentMemo<Triple, Int>(vacant: Triple(a: -1, b: 0), filler: -7, slots: 16)
        var reference: [UInt64: Int] = [:]   // every answer ever remembered, latest last
        var answered = 0, forgotten = 0
        for step in 0..<50_000 {
            let key = Triple(a: Int32(rng.next() % 40), b: UInt32(rng.next() % 5))
            let packed = UInt64(UInt32(bitPattern: key.a)) << 32 | UInt64(key.b)
            if let v = memo[key] {
                #expect(v == reference[packed], "seed 13, step \(step): \(key) answered \(v), remembered \(String(describing: reference[packed]))")
                answered += 1
            } else {
                if reference[packed] != nil { forgotten += 1 }
                let v = step
                memo.remember(key, v)
                reference[packed] = v
                #expect(memo[key] == v, "seed 13, step \(step): \(key) not answered right after remember")
            }
        }
        // 200 keys in 16 slots: most probes miss, but a key asked twice in a row is answered.
        #expect(answered > 1_000 && forgotten > 10_000, "answered \(answered), forgotten \(forgotten)")
        let fresh = RecentMemo<Triple, Int>(vacant: Triple(a: -1, b: 0), filler: -7, slots: 2)
        for a in 0..<100 { #expect(fresh[Triple(a: Int32(a), b: 3)] == nil, "nothing is answered before it is remembered") }
        #expect(fresh[Triple(a: -1, b: 0)] == -7, "the vacant key sits in the empty slots, with the filler: callers never ask for it")
    }

    @Test("FlightPool reuses the most recently released number first, as a stack of free numbers did, and keeps records through growth (seed 19)")
    func flightPool() {
        var rng = SplitMix64(seed: 19)
        var pool = FlightPool()
        var live: [Int32: UInt64] = [:]     // number → the key its record holds
        var liveNumbers: [Int32] = []       // the same numbers, to pick one at random
        var freeStack: [Int32] = []         // the reference: Array as a stack
        var made: Int32 = 0
        for step in 0..<20_000 {
            if live.isEmpty || rng.next() % 100 < 55 {
                let key = rng.next()
                let record = InFlight(key: key, fill: Int32(step), bytes: 1, filledAt: 0, completesAt: 0, expiresAt: 0, cacheable: true)
                let expected: Int32
                if let reused = freeStack.popLast() { expected = reused } else { expected = made; made += 1 }
                let flight = pool.add(record)
                #expect(flight == expected, "seed 19, step \(step)")
                live[flight] = key
                liveNumbers.append(flight)
            } else {
                let pick = Int(rng.next() % UInt64(liveNumbers.count))
                let flight = liveNumbers[pick]
                liveNumbers.swapAt(pick, liveNumbers.count - 1)
                liveNumbers.removeLast()
                #expect(pool[flight].key == live[flight], "seed 19, step \(step): record \(flight)")
                pool.release(flight)
                freeStack.append(flight)
                live[flight] = nil
            }
        }
        #expect(made > 1_000, "the pool should grow several times (\(made) numbers)")
        for (flight, key) in live { #expect(pool[flight].key == key, "record \(flight) after growth") }
    }

    @Test("AppendOnlyArray keeps every element in place across chunks; a prefix view does not see later appends")
    func appendOnly() {
        let array = AppendOnlyArray<String>()
        for i in 0..<10_000 { #expect(array.append("s\(i)") == i) }
        let view = array.elements
        for i in 10_000..<12_000 { array.append("s\(i)") }
        #expect(view.count == 10_000 && array.count == 12_000)
        #expect(view.last == "s9999" && array[11_999] == "s11999")
        #expect(Array(array.elements.prefix(3)) == ["s0", "s1", "s2"])
        for i in stride(from: 0, to: 12_000, by: 997) { #expect(array[i] == "s\(i)") }
    }
}

@Suite("LRUCache storage")
struct LRUCacheStorageTests {
    @Test("objects of 4 GiB and more keep their exact size (side table); the books balance through evictions")
    func hugeObjects() {
        var c = LRUCache<Int32>(capacityBytes: 20_000_000_000)
        let forever = SimTime.seconds(1_000_000)
        var stored = [c.insert(1, bytes: 5_000_000_000, expiresAt: forever, value: 1),
                      c.insert(2, bytes: 4_294_967_295, expiresAt: forever, value: 2),
                      c.insert(3, bytes: 10, expiresAt: forever, value: 3)]
        #expect(stored == [true, true, true])
        #expect(c.usedBytes == 5_000_000_000 + 4_294_967_295 + 10)
        c.checkInvariants()
        stored = [c.insert(4, bytes: 12_000_000_000, expiresAt: forever, value: 4)]
        #expect(stored == [true], "stored, evicting 1 (the LRU entry)")
        #expect(c.peek(1) == nil && c.evictions == 1)
        #expect(c.usedBytes == 4_294_967_295 + 10 + 12_000_000_000)
        c.checkInvariants()
        stored = [c.remove(4), c.insert(2, bytes: 7, expiresAt: forever, value: 22)]
        #expect(stored == [true, true], "removing, then replacing a huge entry by a small one")
        #expect(c.usedBytes == 17 && c.peakUsedBytes == 4_294_967_295 + 10 + 12_000_000_000)
        c.checkInvariants()
    }

    @Test("a full cache stores at most 62 bytes per resident object, index included (4-byte values; issue 6 asks ≤ 64)", arguments: [1_000, 37_000, 200_000])
    func bytesPerObject(objects: Int) {
        #expect(MemoryLayout<LRUCache<Int32>.Slot>.stride == 32)
        var c = LRUCache<Int32>(capacityBytes: Int64(objects) * 100)
        let forever = SimTime.seconds(1_000_000)
        for i in 0..<(objects * 3) {
            c.insert(UInt64(i) &* 0x9E37_79B9, bytes: 100, expiresAt: forever, value: Int32(truncatingIfNeeded: i))
        }
        #expect(c.count == objects)
        let perObject = Double(c.allocatedBytes) / Double(c.count)
        #expect(perObject <= 62, "\(objects) objects: \(perObject) bytes each")
    }
}
