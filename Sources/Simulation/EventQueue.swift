/// A priority queue of scheduled events, earliest first; events at the same time come out
/// in the order they were pushed.
///
/// The shape is SimPy's scheduler: a binary heap ordered by (time, sequence), where the
/// sequence number is a counter stamped at `push`. The sequence makes the order total, so a
/// run never depends on how the heap happens to break ties — same inputs, same event order.
/// Entries live in one contiguous array and are moved with the "hole" technique (one
/// write per level instead of a swap), so `push` and `popMin` allocate nothing once the
/// array has grown to the run's peak size.
///
/// Most events a simulation schedules are "now plus a fixed delay" (a fetch completes one RTT
/// after its request), so they are pushed in time order. Beside the heap is a FIFO lane: an
/// event no earlier than the lane's last is appended to it in O(1), and `popMin` takes the
/// earlier of the lane's head and the heap's root by the same (time, sequence) order, so events
/// come out exactly as from the heap alone. An event earlier than the lane's last goes to the
/// heap — unless the lane holds only a few events (say a purge scheduled hours ahead), which
/// then move to the heap and leave the lane to the stream of fetches.
@frozen
public struct EventQueue<Payload> {
    /// One scheduled event. The time is kept as a bare `Int64` to keep comparisons cheap.
    @frozen
    @usableFromInline
    internal struct Entry {
        @usableFromInline var time: Int64
        @usableFromInline var sequence: UInt64
        @usableFromInline var payload: Payload

        @inlinable
        init(time: Int64, sequence: UInt64, payload: Payload) {
            self.time = time
            self.sequence = sequence
            self.payload = payload
        }

        /// Whether `self` comes out before `other`.
        @inlinable
        func precedes(_ other: Entry) -> Bool {
            time != other.time ? time < other.time : sequence < other.sequence
        }
    }

    @usableFromInline internal var heap: ContiguousArray<Entry>
    /// The FIFO lane: entries in (time, sequence) order from `laneHead` on; those before it
    /// have been popped and are dropped when the lane empties or half of it is spent.
    @usableFromInline internal var lane: ContiguousArray<Entry> = []
    @usableFromInline internal var laneHead = 0
    @usableFromInline internal var nextSequence: UInt64 = 0
    /// A lane of at most this many events gives them to the heap rather than send an earlier
    /// event there.
    @inlinable internal static var fewInLane: Int { 8 }

    /// Creates an empty queue with room for `minimumCapacity` events before it grows.
    @inlinable
    public init(minimumCapacity: Int = 0) {
        heap = []
        heap.reserveCapacity(minimumCapacity)
        lane.reserveCapacity(minimumCapacity)
    }

    /// The number of scheduled events.
    @inlinable
    public var count: Int { heap.count + lane.count - laneHead }

    /// Whether no event is scheduled.
    @inlinable
    public var isEmpty: Bool { heap.isEmpty && laneHead == lane.count }

    /// The time of the earliest event, or `nil` when the queue is empty.
    /// - Complexity: O(1).
    @inlinable
    public var peekTime: SimTime? {
        if laneHead == lane.count { return heap.isEmpty ? nil : SimTime(microseconds: heap[0].time) }
        let first = lane[laneHead].time
        return SimTime(microseconds: heap.isEmpty ? first : Swift.min(first, heap[0].time))
    }

    /// Schedules `payload` at `time`, after every event already scheduled at that time.
    /// - Complexity: O(1) when the lane takes it, else O(log n); amortised no allocation.
    @inlinable @inline(__always)
    public mutating func push(at time: SimTime, _ payload: Payload) {
        let entry = Entry(time: time.microseconds, sequence: nextSequence, payload: payload)
        nextSequence &+= 1
        // The sequence grows with every push, so an entry at or after the lane's last time
        // follows it in (time, sequence) order: the lane stays sorted. This is the common case
        // (a fetch completing one RTT after its request), inlined into the caller.
        if laneHead == lane.count || entry.time >= lane[lane.count - 1].time {
            lane.append(entry)
        } else {
            pushEarlier(entry)
        }
    }

    /// `push` of an entry earlier than the lane's last (so the lane is not empty): when the lane
    /// holds only a few entries they move to the heap and this one starts the lane again, else
    /// it goes to the heap.
    @inlinable
    internal mutating func pushEarlier(_ entry: Entry) {
        if lane.count - laneHead <= Self.fewInLane {
            for k in laneHead..<lane.count { pushToHeap(lane[k]) }
            lane.removeAll(keepingCapacity: true)
            laneHead = 0
            lane.append(entry)
        } else {
            pushToHeap(entry)
        }
    }

    /// Sifts `entry` into the heap.
    @inlinable
    internal mutating func pushToHeap(_ entry: Entry) {
        heap.append(entry)
        heap.withUnsafeMutableBufferPointer { buffer in
            var hole = buffer.count - 1
            while hole > 0 {
                let parent = (hole - 1) >> 1
                guard entry.precedes(buffer[parent]) else { break }
                buffer[hole] = buffer[parent]
                hole = parent
            }
            buffer[hole] = entry
        }
    }

    /// Removes and returns the earliest event (the first pushed among equal times).
    /// - Returns: The event's time and payload, or `nil` when the queue is empty.
    /// - Complexity: O(1) amortised from the lane, O(log n) from the heap.
    @inlinable @inline(__always)
    public mutating func popMin() -> (time: SimTime, payload: Payload)? {
        // The lane's head, when it comes first: the common case, inlined into the caller.
        if laneHead < lane.count && (heap.isEmpty || lane[laneHead].precedes(heap[0])) {
            let first = lane[laneHead]
            laneHead += 1
            if laneHead == lane.count || (laneHead >= 4096 && laneHead * 2 >= lane.count) { trimLane() }
            return (SimTime(microseconds: first.time), first.payload)
        }
        return popHeap()
    }

    /// Empties a spent lane, or drops its spent half once that is 4,096 entries or more.
    @inlinable
    internal mutating func trimLane() {
        if laneHead == lane.count {
            lane.removeAll(keepingCapacity: true)
            laneHead = 0
        } else if laneHead >= 4096 && laneHead * 2 >= lane.count {
            // Drop the spent half: an entry moves at most once per halving, O(1) amortised.
            lane.removeFirst(laneHead)
            laneHead = 0
        }
    }

    /// `popMin` from the heap (the lane is empty or its head comes later).
    @inlinable
    internal mutating func popHeap() -> (time: SimTime, payload: Payload)? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return (SimTime(microseconds: last.time), last.payload) }
        let first = heap[0]
        heap.withUnsafeMutableBufferPointer { buffer in
            // Sink the former last entry from the root into its place.
            let count = buffer.count
            var hole = 0
            while true {
                var child = 2 * hole + 1
                if child >= count { break }
                if child + 1 < count && buffer[child + 1].precedes(buffer[child]) { child += 1 }
                guard buffer[child].precedes(last) else { break }
                buffer[hole] = buffer[child]
                hole = child
            }
            buffer[hole] = last
        }
        return (SimTime(microseconds: first.time), first.payload)
    }

    /// Removes every event, keeping the storage for reuse. The sequence counter is kept
    /// too, so events pushed later still order after earlier ones at equal times.
    @inlinable
    public mutating func removeAll() {
        heap.removeAll(keepingCapacity: true)
        lane.removeAll(keepingCapacity: true)
        laneHead = 0
    }
}

extension EventQueue: Sendable where Payload: Sendable {}
extension EventQueue.Entry: Sendable where Payload: Sendable {}
