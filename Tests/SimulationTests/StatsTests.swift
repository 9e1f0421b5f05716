import Testing
@testable import Simulation

/// The nearest-rank percentile of sorted values, computed with integers only: `p` is given
/// in hundredths of a percent so that no floating-point rounding decides the rank.
private func exactPercentile(_ sorted: [Int64], basisPoints: Int) -> Int64 {
    let n = sorted.count
    let rank = max(1, (basisPoints * n + 9_999) / 10_000)   // ⌈p/100 · n⌉
    return sorted[rank - 1]
}

private let percentilesInBasisPoints = [0, 1, 100, 1_000, 2_500, 5_000, 7_500, 9_000, 9_500, 9_900, 9_990, 9_999, 10_000]

@Suite("LatencyHistogram")
struct LatencyHistogramTests {
    @Test("empty: count 0, mean 0, percentile 0, no extremes")
    func empty() {
        let h = LatencyHistogram()
        #expect(h.count == 0 && h.mean == 0)
        #expect(h.percentile(50) == 0 && h.minimum == nil && h.maximum == nil)
        #expect(h.counts.isEmpty, "no memory until the first value")
    }

    @Test("a LatencyRecorder gives exactly the histogram that recording the same values builds: counts, stored length, sum, extremes (seed 17)",
          arguments: [Int64(1_000), 50_000_000, .max])
    func recorderMatchesHistogram(limit: Int64) {
        var rng = SplitMix64(seed: 17)
        var recorder = LatencyRecorder()
        var h = LatencyHistogram()
        #expect(recorder.histogram == h && recorder.histogram.counts.isEmpty, "empty: nothing stored")
        for step in 0..<20_000 {
            // Mostly a few repeated values (hits and one RTT), some spread over 0...limit.
            let v: Int64 = step % 3 == 0 ? Int64(rng.next() % UInt64(limit)) : (step % 3 == 1 ? 0 : min(40_000, limit - 1))
            recorder.record(v)
            h.record(v)
            if step % 4_999 == 0 {
                let got = recorder.histogram
                #expect(got == h && got.raw == h.raw && got.counts.count == h.counts.count, "limit \(limit), step \(step)")
            }
        }
        if limit == .max { recorder.record(.max); h.record(.max); recorder.record(.max); h.record(.max) }
        let got = recorder.histogram
        #expect(got == h && got.raw == h.raw && got.counts.count == h.counts.count, "limit \(limit)")
        #expect(got.percentile(50) == h.percentile(50) && got.mean == h.mean && recorder.count == h.count)
    }

    @Test("a PointerBuffer of tallies keeps every tally through its growth: changed in place, read back in order; removeLast takes the last")
    func pointerBuffer() {
        var tallies = PointerBuffer<Tally>()
        #expect(tallies.count == 0 && tallies.indices.isEmpty)
        for cell in 0..<1_000 {
            tallies.append(Tally())
            #expect(tallies[cell] == Tally(), "cell \(cell) starts empty")
            // Change every cell so far through the current pointer, as record does.
            let cells = tallies.base
            for c in 0...cell where c % 7 == cell % 7 { cells[c].requests += 1; cells[c].originBytes += Int64(c) }
        }
        #expect(tallies.count == 1_000 && tallies.indices == 0..<1_000)
        for c in tallies.indices {
            let times = (999 - c) / 7 + 1   // the steps from c on with the same remainder
            #expect(tallies[c].requests == times && tallies[c].originBytes == Int64(c * times), "cell \(c)")
        }
        let last = tallies.removeLast()
        #expect(last.requests == 1 && last.originBytes == 999 && tallies.count == 999)
        tallies.append(Tally())
        #expect(tallies[999] == Tally() && tallies.count == 1_000)
    }

    @Test("values below 1024 µs are exact at every percentile")
    func exactBelow1024() {
        var h = LatencyHistogram()
        var values: [Int64] = []
        var rng = SplitMix64(seed: 3)
        for _ in 0..<5_000 {
            let v = Int64(rng.next() % 1_024)
            h.record(v)
            values.append(v)
        }
        values.sort()
        for bp in percentilesInBasisPoints {
            #expect(h.percentile(Double(bp) / 100) == exactPercentile(values, basisPoints: bp), "seed 3, p\(Double(bp) / 100)")
        }
        #expect(h.counts.count == 1_024, "small values need only the exact buckets")
    }

    @Test("nearest rank: p50 of 1…100 is 50, p99.9 of 1…1000 is 999, p0/p100 are the extremes")
    func nearestRank() {
        var hundred = LatencyHistogram()
        for v in 1...100 { hundred.record(Int64(v)) }
        #expect(hundred.percentile(50) == 50)
        #expect(hundred.percentile(50.5) == 51)
        #expect(hundred.percentile(0) == 1 && hundred.percentile(100) == 100)
        var thousand = LatencyHistogram()
        for v in 1...1_000 { thousand.record(Int64(v)) }
        #expect(thousand.percentile(99.9) == 999)
        #expect(thousand.percentile(29) == 290, "0.29 · 1000 is not exactly 290 in binary")
        #expect(LatencyHistogram.nearestRank(percentile: 99.99, count: 1_000) == 1_000)
    }

    @Test("percentiles are within 1 % (in fact 1/256) of the exact sorted value", arguments: [
        ("uniform 0…10 s", UInt64(11)),
        ("exponential, mean 50 ms", UInt64(12)),
        ("log-uniform 1 µs…2^62 µs", UInt64(13)),
    ])
    func accuracy(distribution: String, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var h = LatencyHistogram()
        var values: [Int64] = []
        for _ in 0..<50_000 {
            let v: Int64
            switch seed {
            case 11: v = Int64(rng.next() % 10_000_001)
            case 12: v = Int64(rng.nextExponential(mean: 50_000))
            default: v = Int64(rng.next() >> (2 + rng.next() % 62))    // every power of two
            }
            h.record(v)
            values.append(v)
        }
        values.sort()
        for bp in percentilesInBasisPoints {
            let exact = exactPercentile(values, basisPoints: bp)
            let estimate = h.percentile(Double(bp) / 100)
            let error = abs(estimate - exact)
            #expect(error * 100 <= exact, "\(distribution), seed \(seed), p\(Double(bp) / 100): \(estimate) vs exact \(exact)")
            #expect(error * 256 <= exact, "\(distribution), seed \(seed), p\(Double(bp) / 100): \(estimate) vs exact \(exact)")
        }
        #expect(h.percentile(0) == values.first && h.percentile(100) == values.last)
        #expect(h.count == 50_000 && h.minimum == values.first && h.maximum == values.last)
        // The exact mean, from a 128-bit sum kept in two words (values reach 2^62).
        var high: UInt64 = 0, low: UInt64 = 0
        for v in values {
            let (sum, carry) = low.addingReportingOverflow(UInt64(v))
            low = sum
            if carry { high += 1 }
        }
        let exactMean = (Double(high) * 0x1p64 + Double(low)) / 50_000
        #expect(abs(h.mean - exactMean) <= exactMean * 1e-12, "\(distribution), seed \(seed): mean")
    }

    @Test("merging shards equals recording everything in one histogram (seed 21)")
    func merge() {
        var rng = SplitMix64(seed: 21)
        var whole = LatencyHistogram()
        var shards = [LatencyHistogram(), LatencyHistogram(), LatencyHistogram()]
        for i in 0..<30_000 {
            // Shards see different ranges, so their counter arrays have different lengths.
            let v = Int64(rng.next() % (i % 3 == 0 ? 900 : i % 3 == 1 ? 80_000 : 40_000_000))
            whole.record(v)
            shards[i % 3].record(v)
        }
        var merged = LatencyHistogram()
        for shard in shards.reversed() { merged.merge(shard) }
        merged.merge(LatencyHistogram())
        #expect(merged == whole)
        #expect(merged.count == 30_000 && merged.mean == whole.mean)
        for bp in percentilesInBasisPoints {
            #expect(merged.percentile(Double(bp) / 100) == whole.percentile(Double(bp) / 100))
        }
        #expect(shards[0] != whole)
    }

    @Test("mean is exact; extremes are exact above 1024 µs too; the sum does not overflow")
    func meanAndExtremes() {
        var h = LatencyHistogram()
        for v: Int64 in [1, 2, 3, 4] { h.record(v) }
        #expect(h.mean == 2.5)
        h.record(123_456_789)
        #expect(h.maximum == 123_456_789 && h.percentile(100) == 123_456_789 && h.minimum == 1)
        var huge = LatencyHistogram()
        for _ in 0..<4 { huge.record(.max) }
        var other = LatencyHistogram()
        other.record(.max)
        other.record(.max)
        huge.merge(other)
        #expect(huge.count == 6 && huge.mean == Double(Int64.max))
        #expect(huge.sumHigh == 2 && huge.sumLow == UInt64.max - 5)   // 6 · (2^63 − 1) = 3 · 2^64 − 6
    }

    @Test("bucket layout: each value lies in its bucket, widths ≤ 1/128 of the lower bound, 7,808 buckets in all")
    func bucketLayout() {
        var rng = SplitMix64(seed: 8)
        var samples: [Int64] = [0, 1, 1_023, 1_024, 1_025, 2_047, 2_048, 1 << 40, (1 << 40) - 1, .max]
        for _ in 0..<10_000 { samples.append(Int64(rng.next() >> (1 + rng.next() % 63))) }
        for v in samples {
            let bucket = LatencyHistogram.bucketIndex(v)
            let (low, width) = LatencyHistogram.bucketBounds(bucket)
            #expect(low <= v && v - low < width, "value \(v): bucket \(bucket) = [\(low), \(low)+\(width))")
            #expect(v < 1_024 ? width == 1 : width * 128 <= low, "value \(v): width \(width) at \(low)")
            if bucket > 0 {
                let (previousLow, previousWidth) = LatencyHistogram.bucketBounds(bucket - 1)
                #expect(previousLow + previousWidth == low, "buckets \(bucket - 1) and \(bucket) must touch")
            }
        }
        #expect(LatencyHistogram.bucketIndex(.max) == 7_807)
        var h = LatencyHistogram()
        h.record(.max)
        #expect(h.counts.count == 7_808, "fixed memory: the largest value needs 7,808 counters")
        h.record(10_000_000)
        #expect(h.counts.count == 7_808)
        var tenSeconds = LatencyHistogram()
        tenSeconds.record(10_000_000)
        #expect(tenSeconds.counts.count == 1_024 + 14 * 128)
    }
}
