/// A histogram of latencies in microseconds with bounded relative error and bounded memory,
/// whose percentiles can be read at any time and whose shards merge exactly.
///
/// A run records millions of latencies per POP and variant; keeping them all would make
/// memory grow with trace length. The buckets are log-linear, as in HdrHistogram: one
/// bucket per microsecond below 1024 µs (so small values are exact), then every power of
/// two `[2^k, 2^(k+1))` split into 128 equal sub-buckets. A bucket's width is at most 1/128
/// of its lower bound, and a percentile is reported as its bucket's midpoint (clamped to the
/// recorded minimum and maximum), so it is within 1/256 ≈ 0.4 % of the exact value — under
/// the 1 % the reports promise. All of `Int64`'s non-negative range is covered in at most
/// 7,808 counters (61 KiB); the array grows only up to the largest value recorded, e.g.
/// 22 KiB for latencies up to 10 s. Counts are the truth: merging adds counters, so
/// merged shards equal a single run.
@frozen
public struct LatencyHistogram: Sendable {
    /// Values below this have a bucket each.
    @inlinable internal static var exactLimit: Int64 { 1024 }
    /// log2(exactLimit).
    @inlinable internal static var exactBits: Int { 10 }
    /// log2 of the sub-buckets per power of two above `exactLimit`.
    @inlinable internal static var subBucketBits: Int { 7 }

    /// Counters per bucket; trailing buckets above the largest value seen are not stored.
    @usableFromInline internal var counts: ContiguousArray<Int64>
    @usableFromInline internal var recorded: Int64
    /// The exact sum of the values as a 128-bit number (high and low words): values may be
    /// as large as `Int64.max`, and a sum that traps or wraps would make the mean a lie.
    @usableFromInline internal var sumHigh: UInt64
    @usableFromInline internal var sumLow: UInt64
    @usableFromInline internal var smallest: Int64
    @usableFromInline internal var largest: Int64

    /// Creates an empty histogram. Allocates nothing until the first value.
    @inlinable
    public init() {
        counts = []
        recorded = 0
        sumHigh = 0
        sumLow = 0
        smallest = .max
        largest = 0
    }

    /// The number of values recorded.
    @inlinable public var count: Int64 { recorded }

    /// The smallest value recorded, exactly; `nil` when empty.
    public var minimum: Int64? { count == 0 ? nil : smallest }
    /// The largest value recorded, exactly; `nil` when empty.
    public var maximum: Int64? { count == 0 ? nil : largest }

    /// The arithmetic mean of the values recorded, from their exact sum, rounded to a
    /// `Double`; 0 when empty.
    public var mean: Double {
        count == 0 ? 0 : (Double(sumHigh) * 0x1p64 + Double(sumLow)) / Double(count)
    }

    /// Records one latency.
    /// - Parameter microseconds: The latency; must not be negative.
    /// - Complexity: O(1); allocates only when a value falls in a power of two above
    ///   every earlier one (at most 54 times in a histogram's life).
    @inlinable @inline(__always)
    public mutating func record(_ microseconds: Int64) {
        precondition(microseconds >= 0, "a latency must not be negative")
        let bucket = Self.bucketIndex(microseconds)
        if bucket >= counts.count { growCounts(toInclude: bucket) }
        counts[bucket] += 1
        noteTotals(microseconds)
    }

    /// What `record` changes besides the value's bucket: the count, the sum and the extremes
    /// (`LatencyRecorder` keeps its buckets elsewhere and these here).
    @inlinable @inline(__always)
    internal mutating func noteTotals(_ microseconds: Int64) {
        recorded += 1
        let (low, carry) = sumLow.addingReportingOverflow(UInt64(microseconds))
        sumLow = low
        if carry { sumHigh += 1 }
        if microseconds < smallest { smallest = microseconds }
        if microseconds > largest { largest = microseconds }
    }

    /// Adds every value recorded in `other`, as if they had been recorded here.
    /// - Complexity: O(buckets of `other`).
    public mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        if other.counts.count > counts.count { growCounts(toInclude: other.counts.count - 1) }
        for bucket in other.counts.indices {
            counts[bucket] += other.counts[bucket]
        }
        recorded += other.recorded
        let (low, carry) = sumLow.addingReportingOverflow(other.sumLow)
        sumLow = low
        sumHigh += other.sumHigh + (carry ? 1 : 0)
        smallest = Swift.min(smallest, other.smallest)
        largest = Swift.max(largest, other.largest)
    }

    /// The value below or at which `p` percent of the recorded values lie (nearest rank).
    ///
    /// The rank is `⌈p/100 · count⌉` (at least 1); when `p/100 · count` is within floating-
    /// point noise of an integer it is taken as that integer, so p99.9 of 1000 values is the
    /// 999th, not the 1000th. The answer is the midpoint of the bucket holding that rank,
    /// clamped to the recorded extremes: exact below 1024 µs, within 0.4 % above. The first
    /// and last ranks are the recorded minimum and maximum, exactly.
    /// - Parameter p: A percentage in `0...100`; 0 gives the minimum, 100 the maximum.
    /// - Returns: The percentile in microseconds; 0 when the histogram is empty.
    /// - Complexity: O(buckets).
    public func percentile(_ p: Double) -> Int64 {
        precondition(p >= 0 && p <= 100, "a percentile must be in 0...100, got \(p)")
        guard count > 0 else { return 0 }
        let rank = Self.nearestRank(percentile: p, count: count)
        // The extremes are known exactly; no need to estimate them from a bucket.
        if rank == 1 { return smallest }
        if rank == count { return largest }
        var cumulative: Int64 = 0
        for bucket in counts.indices {
            cumulative += counts[bucket]
            if cumulative >= rank {
                let (low, width) = Self.bucketBounds(bucket)
                let middle = low + (width - 1) / 2
                return Swift.min(Swift.max(middle, smallest), largest)
            }
        }
        return largest
    }

    /// The 1-based rank that `percentile(_:)` reports for `p` percent of `count` values.
    public static func nearestRank(percentile p: Double, count: Int64) -> Int64 {
        let exact = p / 100 * Double(count)
        let below = Int64(exact)                  // floor, since exact ≥ 0
        let fraction = exact - Double(below)
        // The ceiling, except that a hair above an integer (floating-point noise) is that integer.
        let rank = fraction <= 1e-9 * Swift.max(1, exact) ? below : below + 1
        return Swift.min(Swift.max(rank, 1), count)
    }

    /// The bucket that counts `value` (non-negative).
    @inlinable
    internal static func bucketIndex(_ value: Int64) -> Int {
        if value < exactLimit { return Int(value) }
        let power = Int64.bitWidth - 1 - value.leadingZeroBitCount       // ≥ exactBits
        let sub = Int((value &>> (power - subBucketBits)) & ((1 << subBucketBits) - 1))
        return Int(exactLimit) + ((power - exactBits) << subBucketBits) + sub
    }

    /// The lowest value a bucket counts and how many consecutive values it covers.
    @usableFromInline
    internal static func bucketBounds(_ bucket: Int) -> (low: Int64, width: Int64) {
        if bucket < Int(exactLimit) { return (Int64(bucket), 1) }
        let above = bucket - Int(exactLimit)
        let power = exactBits + (above >> subBucketBits)
        let sub = Int64(above & ((1 << subBucketBits) - 1))
        let shift = power - subBucketBits
        return (((1 << subBucketBits) + sub) << shift, 1 << shift)
    }

    /// Extends the counters with zeros through the end of `bucket`'s power of two, so that
    /// values rising slowly do not grow the array at every sub-bucket.
    @usableFromInline
    internal mutating func growCounts(toInclude bucket: Int) {
        let subBuckets = 1 << Self.subBucketBits
        let end: Int
        if bucket < Int(Self.exactLimit) {
            end = Int(Self.exactLimit)
        } else {
            let above = bucket - Int(Self.exactLimit)
            end = Int(Self.exactLimit) + (above / subBuckets + 1) * subBuckets
        }
        counts.append(contentsOf: repeatElement(0, count: end - counts.count))
    }
}

/// A `LatencyHistogram` being recorded by one event loop, one latency per request: the same
/// counters, all 7,808 of them (61 KiB) in a block of memory that never moves, so that a
/// record is a few adds — a histogram's growable array is checked for sole ownership at every
/// record, a call into the runtime. `histogram` gives exactly the histogram that recording the
/// same values would have built. Copies share the block: keep a recorder in one place.
struct LatencyRecorder {
    /// Owns the counters.
    private final class Block {
        let counts: UnsafeMutablePointer<Int64>
        init() {
            counts = .allocate(capacity: LatencyRecorder.bucketCount)
            counts.initialize(repeating: 0, count: LatencyRecorder.bucketCount)
        }
        deinit { counts.deallocate() }
    }

    /// Buckets up to `Int64.max`'s.
    static let bucketCount = LatencyHistogram.bucketIndex(.max) + 1

    private let block = Block()
    private let counts: UnsafeMutablePointer<Int64>
    /// The count, sum and extremes, in a histogram whose own buckets stay empty.
    private var totals = LatencyHistogram()

    init() { counts = block.counts }

    /// The number of values recorded.
    var count: Int64 { totals.count }

    /// Records one latency, as `LatencyHistogram.record` does.
    /// - Parameter microseconds: The latency; must not be negative.
    @inline(__always)
    mutating func record(_ microseconds: Int64) {
        precondition(microseconds >= 0, "a latency must not be negative")
        counts[LatencyHistogram.bucketIndex(microseconds)] += 1
        totals.noteTotals(microseconds)
    }

    /// The histogram of the values recorded so far.
    var histogram: LatencyHistogram {
        var h = totals
        guard h.count > 0 else { return h }
        let top = LatencyHistogram.bucketIndex(h.largest)
        h.growCounts(toInclude: top)
        for bucket in 0...top { h.counts[bucket] = counts[bucket] }
        return h
    }
}

extension LatencyHistogram {
    /// A histogram's exact state, for writing a shard's partial result and reading it back.
    public struct Raw: Sendable, Equatable {
        /// (bucket, count) for every bucket with a count, in bucket order.
        public var buckets: [(bucket: Int, count: Int64)]
        public var count: Int64
        /// The exact sum of the values, as a 128-bit number.
        public var sumHigh: UInt64
        public var sumLow: UInt64
        public var minimum: Int64
        public var maximum: Int64

        public init(buckets: [(bucket: Int, count: Int64)], count: Int64, sumHigh: UInt64, sumLow: UInt64, minimum: Int64, maximum: Int64) {
            self.buckets = buckets
            self.count = count
            self.sumHigh = sumHigh
            self.sumLow = sumLow
            self.minimum = minimum
            self.maximum = maximum
        }

        public static func == (a: Raw, b: Raw) -> Bool {
            a.count == b.count && a.sumHigh == b.sumHigh && a.sumLow == b.sumLow && a.minimum == b.minimum && a.maximum == b.maximum
                && a.buckets.map(\.bucket) == b.buckets.map(\.bucket) && a.buckets.map(\.count) == b.buckets.map(\.count)
        }
    }

    /// The state as raw counts.
    public var raw: Raw {
        Raw(buckets: counts.indices.compactMap { counts[$0] == 0 ? nil : ($0, counts[$0]) }, count: recorded,
            sumHigh: sumHigh, sumLow: sumLow, minimum: smallest, maximum: largest)
    }

    /// A histogram with exactly this state.
    /// - Returns: nil when the state is impossible (a bucket out of range, counts that do not add up).
    public init?(raw: Raw) {
        self.init()
        guard raw.count >= 0, raw.buckets.reduce(Int64(0), { $0 + $1.count }) == raw.count else { return nil }
        guard raw.count == 0 || (raw.minimum >= 0 && raw.minimum <= raw.maximum) else { return nil }
        for (bucket, n) in raw.buckets {
            guard bucket >= 0, bucket < 7_808, n > 0 else { return nil }
            if bucket >= counts.count { growCounts(toInclude: bucket) }
            counts[bucket] += n
        }
        recorded = raw.count
        sumHigh = raw.sumHigh
        sumLow = raw.sumLow
        if raw.count > 0 {
            smallest = raw.minimum
            largest = raw.maximum
        }
    }
}

extension LatencyHistogram: Equatable {
    /// Histograms are equal when they hold the same counts, whatever their stored length.
    public static func == (lhs: LatencyHistogram, rhs: LatencyHistogram) -> Bool {
        guard lhs.count == rhs.count, lhs.sumHigh == rhs.sumHigh, lhs.sumLow == rhs.sumLow else { return false }
        guard lhs.count > 0 else { return true }
        guard lhs.smallest == rhs.smallest, lhs.largest == rhs.largest else { return false }
        let shared = Swift.min(lhs.counts.count, rhs.counts.count)
        for bucket in 0..<shared where lhs.counts[bucket] != rhs.counts[bucket] { return false }
        return lhs.counts[shared...].allSatisfy { $0 == 0 } && rhs.counts[shared...].allSatisfy { $0 == 0 }
    }
}
