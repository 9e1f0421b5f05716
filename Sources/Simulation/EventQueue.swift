/// A priority queue of scheduled events, earliest first; events at the same time come out
/// in the order they were pushed.
///
/// The shape is SimPy's scheduler: a binary heap ordered by (time, sequence), where the
/// sequence number is a counter stamped at `push`. The sequence makes the order total, so a
/// run never depends on how the heap happens to break ties — same inputs, same event order.
/// Entries live in one contiguous array and are moved with the "hole" technique (one
/// write per level instead of a swap), so `push` and `popMin` allocate nothing once the
/// array has grown to the run's peak size.
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
    @usableFromInline internal var nextSequence: UInt64 = 0

    /// Creates an empty queue with room for `minimumCapacity` events before it grows.
    @inlinable
    public init(minimumCapacity: Int = 0) {
        heap = []
        heap.reserveCapacity(minimumCapacity)
    }

    /// The number of scheduled events.
    @inlinable
    public var count: Int { heap.count }

    /// Whether no event is scheduled.
    @inlinable
    public var isEmpty: Bool { heap.isEmpty }

    /// The time of the earliest event, or `nil` when the queue is empty.
    /// - Complexity: O(1).
    @inlinable
    public var peekTime: SimTime? {
        heap.isEmpty ? nil : SimTime(microseconds: heap[0].time)
    }

    /// Schedules `payload` at `time`, after every event already scheduled at that time.
    /// - Complexity: O(log n); amortised no allocation.
    @inlinable
    public mutating func push(at time: SimTime, _ payload: Payload) {
        let entry = Entry(time: time.microseconds, sequence: nextSequence, payload: payload)
        nextSequence &+= 1
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
    /// - Complexity: O(log n).
    @inlinable
    public mutating func popMin() -> (time: SimTime, payload: Payload)? {
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
    }
}

extension EventQueue: Sendable where Payload: Sendable {}
extension EventQueue.Entry: Sendable where Payload: Sendable {}
