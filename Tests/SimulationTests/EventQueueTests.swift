import Testing
@testable import Simulation

@Suite("EventQueue")
struct EventQueueTests {
    @Test("pops in time order; empty queue has no time and pops nil")
    func ordering() {
        var queue = EventQueue<String>()
        #expect(queue.isEmpty && queue.count == 0 && queue.peekTime == nil)
        #expect(queue.popMin() == nil)
        queue.push(at: .seconds(5), "five")
        queue.push(at: .seconds(1), "one")
        queue.push(at: .seconds(3), "three")
        #expect(queue.count == 3 && !queue.isEmpty)
        #expect(queue.peekTime == .seconds(1))
        var popped: [String] = []
        while let (time, payload) = queue.popMin() {
            popped.append("\(time.formattedSeconds) \(payload)")
        }
        #expect(popped == ["1.000s one", "3.000s three", "5.000s five"])
        #expect(queue.isEmpty && queue.peekTime == nil)
    }

    @Test("equal times come out in push order, also when pushed between pops")
    func ties() {
        var queue = EventQueue<Int>()
        let t = SimTime.seconds(2)
        for payload in [10, 11, 12] { queue.push(at: t, payload) }
        queue.push(at: .seconds(1), 0)
        for payload in [13, 14] { queue.push(at: t, payload) }
        #expect(queue.popMin()?.payload == 0)
        #expect(queue.popMin()?.payload == 10)
        queue.push(at: t, 15)            // pushed later ⇒ after 11…14
        queue.push(at: .seconds(2) - 1, 1)
        var rest: [Int] = []
        while let event = queue.popMin() { rest.append(event.payload) }
        #expect(rest == [1, 11, 12, 13, 14, 15])
    }

    @Test("removeAll keeps the sequence, so later pushes still order after earlier ones")
    func removeAllKeepsSequence() {
        var queue = EventQueue<Int>(minimumCapacity: 8)
        queue.push(at: .zero, 1)
        queue.removeAll()
        #expect(queue.isEmpty)
        queue.push(at: .zero, 2)
        queue.push(at: .zero, 3)
        #expect(queue.popMin()?.payload == 2)
        #expect(queue.popMin()?.payload == 3)
    }

    @Test("random pushes and pops match a stable reference sort", arguments: [UInt64(1), 7, 42, 2024, 31_337])
    func property(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var queue = EventQueue<Int>()
        // Reference: pending (time, push index) pairs; the minimum by (time, index) is next.
        var pending: [(time: Int64, id: Int)] = []
        var nextID = 0
        for step in 0..<10_000 {
            // Few distinct times, so ties are common; pushes outnumber pops 3:2.
            if rng.next() % 5 < 3 || pending.isEmpty {
                let time = Int64(rng.next() % 64)
                queue.push(at: SimTime(microseconds: time), nextID)
                pending.append((time, nextID))
                nextID += 1
            } else {
                let expectedIndex = pending.indices.min { a, b in
                    (pending[a].time, pending[a].id) < (pending[b].time, pending[b].id)
                }!
                let expected = pending.remove(at: expectedIndex)
                let popped = queue.popMin()
                let got = try #require(popped, "seed \(seed), step \(step): queue empty")
                try #require(got.time.microseconds == expected.time && got.payload == expected.id,
                             "seed \(seed), step \(step): popped \(got), expected \(expected)")
            }
            try #require(queue.count == pending.count, "seed \(seed), step \(step): count")
        }
        // Drain: the rest comes out as the stable sort of what is pending.
        let sorted = pending.enumerated().sorted { a, b in
            (a.element.time, a.offset) < (b.element.time, b.offset)
        }.map(\.element)
        var drained: [(time: Int64, id: Int)] = []
        while let event = queue.popMin() { drained.append((event.time.microseconds, event.payload)) }
        #expect(drained.map(\.id) == sorted.map(\.id), "seed \(seed): drain order")
        #expect(drained.map(\.time) == sorted.map(\.time), "seed \(seed): drain times")
    }

    @Test("events pushed in time order go through the FIFO lane; an earlier one, through the heap")
    func laneTakesOrderedPushes() {
        var queue = EventQueue<Int>()
        for i in 0..<10_000 { queue.push(at: SimTime(microseconds: Int64(10 + i / 3)), i) }
        #expect(queue.heap.isEmpty && queue.lane.count == 10_000 && queue.count == 10_000)
        queue.push(at: SimTime(microseconds: 10), -1)    // earlier than the lane's last: the heap
        queue.push(at: SimTime(microseconds: 5), -2)
        #expect(queue.heap.count == 2 && queue.lane.count == 10_000)
        var popped: [Int] = []
        while let event = queue.popMin() { popped.append(event.payload) }
        // Time 10 holds 0, 1, 2 pushed before -1.
        #expect(popped == [-2, 0, 1, 2, -1] + Array(3..<10_000))
        #expect(queue.lane.isEmpty && queue.laneHead == 0 && queue.isEmpty)
    }

    @Test("a few events far ahead leave the lane to the earlier events pushed after them")
    func fewEventsMakeWay() {
        var queue = EventQueue<String>()
        queue.push(at: .seconds(3600), "purge")
        queue.push(at: .seconds(7200), "purge 2")
        for i in 0..<100 { queue.push(at: SimTime(microseconds: Int64(i) * 1000), "fetch \(i)") }
        #expect(queue.heap.count == 2 && queue.lane.count == 100)
        #expect(queue.peekTime == .zero)
        var popped: [String] = []
        while let event = queue.popMin() { popped.append(event.payload) }
        #expect(popped == (0..<100).map { "fetch \($0)" } + ["purge", "purge 2"])
    }

    @Test("a lane that never empties drops its spent entries and keeps its order")
    func laneCompaction() throws {
        var queue = EventQueue<Int>()
        var next = 0, expected = 0, compactions = 0
        for _ in 0..<20_000 {
            queue.push(at: SimTime(microseconds: Int64(next)), next)
            next += 1
            if next % 2 == 0 { queue.push(at: SimTime(microseconds: Int64(next)), next); next += 1 }
            let head = queue.laneHead
            let popped = queue.popMin()
            let got = try #require(popped)
            try #require(got.payload == expected)
            expected += 1
            if head > 0 && queue.laneHead == 0 && !queue.lane.isEmpty { compactions += 1 }
        }
        #expect(compactions > 0 && queue.heap.isEmpty && queue.lane.count < 3 * queue.count)
        while let event = queue.popMin() { try #require(event.payload == expected); expected += 1 }
        #expect(expected == next)
    }

    /// A simulation's pushes: the request's time plus one of a few fixed delays, with pops of
    /// everything due before the next request, and now and then an event far ahead.
    @Test("now-plus-delay pushes between pops match a stable reference sort", arguments: [UInt64(3), 99, 4242])
    func delayedPushes(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var queue = EventQueue<Int>()
        var pending: [(time: Int64, id: Int)] = []
        var now: Int64 = 0
        var heapUsed = false
        for id in 0..<20_000 {
            now += Int64(rng.next() % 3)
            while let due = queue.peekTime, due.microseconds <= now {
                let expectedIndex = pending.indices.min { a, b in
                    (pending[a].time, pending[a].id) < (pending[b].time, pending[b].id)
                }!
                let expected = pending.remove(at: expectedIndex)
                let popped = queue.popMin()
                let got = try #require(popped)
                try #require(got.time.microseconds == expected.time && got.payload == expected.id,
                             "seed \(seed), id \(id): popped \(got), expected \(expected)")
            }
            let delays: [Int64] = [40, 40, 40, 40, 40, 40, 100, 5, 0, 3_000]
            let time = now + delays[Int(rng.next() % UInt64(delays.count))]
            queue.push(at: SimTime(microseconds: time), id)
            pending.append((time, id))
            heapUsed = heapUsed || !queue.heap.isEmpty
            try #require(queue.count == pending.count, "seed \(seed), id \(id): count")
        }
        #expect(heapUsed, "the heap was used beside the lane")
        let sorted = pending.enumerated().sorted { a, b in (a.element.time, a.offset) < (b.element.time, b.offset) }.map(\.element)
        var drained: [Int] = []
        while let event = queue.popMin() { drained.append(event.payload) }
        #expect(drained == sorted.map(\.id), "seed \(seed): drain order")
    }
}
