import Foundation
import HTTPModel
import Testing
@testable import Workload

/// A spec with the given changes applied to a small valid base.
func syntheticSpec(_ change: (inout SyntheticSpec) -> Void = { _ in }) -> SyntheticSpec {
    var spec = SyntheticSpec(objects: 10_000, alpha: 0.9, rate: 50, requests: 200_000,
                             origins: [.init("https://www.example.com", 3), .init("https://shop.example.com", 1)],
                             noOriginShare: 0.1,
                             kinds: [.init(.font, 3), .init(.img, 5), .init(.video, 1), .init(.videoCORS, 1)],
                             pops: [.init("hangzhou", 2), .init("frankfurt", 1)], seed: 1)
    change(&spec)
    return spec
}

/// Every record of a spec, and the source that made them.
func generateAll(_ spec: SyntheticSpec) throws -> (SyntheticSource, [TraceRecord]) {
    let source = try SyntheticSource(spec: spec)
    var records: [TraceRecord] = []
    while let r = try source.next() { records.append(r) }
    return (source, records)
}

/// Least-squares slope of log(count) against log(rank) for the `top` most frequent values.
func rankFrequencySlope(_ counts: [Int], top: Int) -> Double {
    let sorted = counts.filter { $0 > 0 }.sorted(by: >).prefix(top)
    let xs = sorted.indices.map { Foundation.log(Double($0 + 1)) }
    let ys = sorted.map { Foundation.log(Double($0)) }
    let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
    var sxy = 0.0, sxx = 0.0
    for (x, y) in zip(xs, ys) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
    return sxy / sxx
}

@Suite("Zipf sampler (rejection-inversion)")
struct ZipfSamplerTests {
    // 200k draws over 10k ranks; the 100 most frequent ranks each have ≥ ~100 draws, so the
    // fitted slope's standard error is about 0.01 and ±0.05 is a real check.
    @Test("rank-frequency log-log slope is −α within ±0.05 on 200k draws", arguments: [(0.7, UInt64(11)), (0.9, 12), (1.2, 13)])
    func slope(alpha: Double, seed: UInt64) {
        let zipf = ZipfSampler(count: 10_000, exponent: alpha)
        var rng = SplitMix64(seed: seed)
        var counts = Array(repeating: 0, count: 10_001)
        for _ in 0..<200_000 {
            let k = zipf.next(using: &rng)
            counts[k] += 1
        }
        #expect(counts[0] == 0)
        let slope = rankFrequencySlope(counts, top: 100)
        #expect(abs(slope + alpha) <= 0.05, "α \(alpha), seed \(seed): slope \(slope)")
        // The head matches the exact probabilities within 4 standard deviations.
        for rank in [1, 2, 10] {
            let p = zipf.probability(of: rank)
            let sd = (200_000 * p * (1 - p)).squareRoot()
            #expect(abs(Double(counts[rank]) - 200_000 * p) <= 4 * sd, "α \(alpha), seed \(seed), rank \(rank): \(counts[rank]) vs \(200_000 * p)")
        }
    }

    @Test("every draw is in 1...N, also for N = 1, α = 1 and extreme α", arguments: [(1, 1.0), (2, 1.0), (7, 0.01), (1000, 1.0), (1000, 5.0), (3, 1.0 + 1e-12)])
    func range(count: Int, alpha: Double) {
        let zipf = ZipfSampler(count: count, exponent: alpha)
        var rng = SplitMix64(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<20_000 {
            let k = zipf.next(using: &rng)
            #expect((1...count).contains(k), "N \(count), α \(alpha), seed 3: drew \(k)")
            seen.insert(k)
        }
        if count <= 7 { #expect(seen.count == count, "N \(count), α \(alpha), seed 3: ranks seen \(seen.sorted())") }
    }
}

@Suite("Synthetic workload")
struct SyntheticWorkloadTests {
    @Test("the generator's merged rank-frequency slope is −α within ±0.05 (four kinds, three families, 200k requests)",
          arguments: [(0.7, UInt64(21)), (0.9, 22), (1.2, 23)])
    func mergedSlope(alpha: Double, seed: UInt64) throws {
        let (source, records) = try generateAll(syntheticSpec { $0.alpha = alpha; $0.seed = seed })
        var counts = Array(repeating: 0, count: source.urls.count)
        for r in records { counts[Int(r.url)] += 1 }
        let slope = rankFrequencySlope(counts, top: 100)
        #expect(abs(slope + alpha) <= 0.05, "α \(alpha), seed \(seed): slope \(slope)")
    }

    @Test("mean arrival rate within 2 %: by request count and by duration")
    func meanRate() throws {
        let (_, byCount) = try generateAll(syntheticSpec { $0.rate = 50; $0.seed = 4 })
        let seconds = Double(byCount.last!.time) / 1e6
        let rate = Double(byCount.count) / seconds
        #expect(byCount.count == 200_000)
        #expect(abs(rate / 50 - 1) < 0.02, "seed 4: \(rate) req/s over \(seconds) s")

        let (_, byTime) = try generateAll(syntheticSpec { $0.rate = 55; $0.requests = nil; $0.duration = 3_600_000_000; $0.seed = 5 })
        #expect(abs(Double(byTime.count) / (55 * 3600) - 1) < 0.02, "seed 5: \(byTime.count) requests in 1 h at 55/s")
        #expect(byTime.allSatisfy { $0.time < 3_600_000_000 })
    }

    @Test("with both limits the first reached ends the trace")
    func bothLimits() throws {
        let (_, few) = try generateAll(syntheticSpec { $0.requests = 100; $0.duration = 3_600_000_000; $0.seed = 6 })
        #expect(few.count == 100)
        let (_, short) = try generateAll(syntheticSpec { $0.requests = 1_000_000; $0.duration = 10_000_000; $0.seed = 6 })
        #expect(abs(Double(short.count) - 500) < 100, "seed 6: \(short.count) requests in 10 s at 50/s")
    }

    @Test("kind, origin, no-origin and POP shares within 1 percentage point of the weights (200k requests, seed 7)")
    func shares() throws {
        let (source, records) = try generateAll(syntheticSpec { $0.seed = 7 })
        let n = Double(records.count)
        func share(_ f: (TraceRecord) -> Bool) -> Double { Double(records.filter(f).count) / n }
        let kinds: [(ResourceKind, Double)] = [(.font, 0.3), (.img, 0.5), (.video, 0.1), (.videoCORS, 0.1)]
        for (kind, expected) in kinds {
            let got = share { $0.kind == kind }
            #expect(abs(got - expected) < 0.01, "seed 7: \(kind) share \(got), expected \(expected)")
        }
        let noOrigin = share { $0.origin == nil }
        #expect(abs(noOrigin - 0.1) < 0.01, "seed 7: no-origin share \(noOrigin)")
        let www = source.origins.id(of: "https://www.example.com")!
        let shop = source.origins.id(of: "https://shop.example.com")!
        #expect(abs(share { $0.origin == www } - 0.9 * 0.75) < 0.01, "seed 7: www share")
        #expect(abs(share { $0.origin == shop } - 0.9 * 0.25) < 0.01, "seed 7: shop share")
        let hangzhou = source.pops.id(of: "hangzhou")!
        #expect(abs(share { $0.pop == hangzhou } - 2.0 / 3) < 0.01, "seed 7: hangzhou share")
    }

    @Test("an hourly diurnal curve: its peak hour has the most requests, every hour within 5 % of its expectation")
    func hourlyCurve() throws {
        // Busy evening, quiet night; rate 2.5/s over a day ≈ 216k requests.
        let curve: [Double] = [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 6, 5, 5, 5, 5, 6, 7, 8, 12, 9, 6, 3]
        let (_, records) = try generateAll(syntheticSpec {
            $0.rate = 2.5; $0.requests = nil; $0.duration = 86_400_000_000; $0.diurnal = .hourly(curve); $0.seed = 8
        })
        var perHour = Array(repeating: 0, count: 24)
        for r in records { perHour[Int(r.time / 3_600_000_000)] += 1 }
        #expect(perHour.indices.max { perHour[$0] < perHour[$1] } == 20, "seed 8: per hour \(perHour)")
        let sum = curve.reduce(0, +)
        for h in 0..<24 {
            let expected = 2.5 * 3600 * curve[h] * 24 / sum
            #expect(abs(Double(perHour[h]) / expected - 1) < 0.05, "seed 8: hour \(h): \(perHour[h]) vs \(expected)")
        }
        #expect(abs(Double(records.count) / (2.5 * 86_400) - 1) < 0.02, "seed 8: the day's mean rate is the spec's rate")
    }

    @Test("a sinusoid day: the busiest hour is the peak hour (±1), every hour within 5 % of its expectation", arguments: [(14, UInt64(9)), (20, 10), (0, 11)])
    func sinusoid(peakHour: Int, seed: UInt64) throws {
        let diurnal = SyntheticSpec.Diurnal.sinusoid(amplitude: 0.8, peakHour: peakHour)
        let (_, records) = try generateAll(syntheticSpec {
            $0.rate = 2.5; $0.requests = nil; $0.duration = 86_400_000_000; $0.diurnal = diurnal; $0.seed = seed
        })
        var perHour = Array(repeating: 0, count: 24)
        for r in records { perHour[Int(r.time / 3_600_000_000)] += 1 }
        // The curve itself peaks in the middle of the peak hour.
        let midHour = (0..<24).map { diurnal.multiplier(at: Int64($0) * 3_600_000_000 + 1_800_000_000) }
        #expect(midHour.indices.max { midHour[$0] < midHour[$1] } == peakHour)
        #expect(abs(diurnal.multiplier(at: Int64(peakHour) * 3_600_000_000 + 1_800_000_000) - 1.8) < 1e-12)
        let busiest = perHour.indices.max { perHour[$0] < perHour[$1] }!
        #expect([(peakHour + 23) % 24, peakHour, (peakHour + 1) % 24].contains(busiest), "peak \(peakHour), seed \(seed): per hour \(perHour)")
        for h in 0..<24 {
            // The hour's expected count: the multiplier's mean over the hour (fine Riemann sum).
            var m = 0.0
            for i in 0..<60 { m += diurnal.multiplier(at: Int64(h) * 3_600_000_000 + Int64(i) * 60_000_000 + 30_000_000) }
            let expected = 2.5 * 3600 * m / 60
            #expect(abs(Double(perHour[h]) / expected - 1) < 0.05, "peak \(peakHour), seed \(seed): hour \(h): \(perHour[h]) vs \(expected)")
        }
    }

    @Test("same spec and seed ⇒ identical records and names; another seed ⇒ a different trace")
    func determinism() throws {
        let spec = syntheticSpec { $0.requests = 20_000; $0.seed = 42; $0.sizes = [.init(.videoCORS, .lognormal(mean: 4_000_000, sigma: 1))] }
        let (a, ra) = try generateAll(spec)
        let (b, rb) = try generateAll(spec)
        #expect(ra == rb, "seed 42")
        #expect(a.urls.allStrings == b.urls.allStrings)
        let (_, rc) = try generateAll(syntheticSpec { $0.requests = 20_000; $0.seed = 43 })
        #expect(ra.map(\.time) != rc.map(\.time), "seeds 42 and 43 gave the same times")
        #expect(ra.map(\.url) != rc.map(\.url), "seeds 42 and 43 gave the same URLs")
    }

    /// The fingerprint pins the exact sequence: if another machine or toolchain draws a
    /// different value anywhere in the first 10k requests, this fails.
    @Test("the first 10k requests of seed 2024 have a fixed fingerprint (same on every machine)")
    func fingerprint() throws {
        let spec = syntheticSpec {
            $0.requests = 10_000; $0.seed = 2024; $0.diurnal = .sinusoid(amplitude: 0.5, peakHour: 3)
            $0.sizes = [.init(.font, .fixed(40_000)), .init(.img, .uniform(min: 1_000, max: 300_000)),
                        .init(.video, .lognormal(mean: 4_000_000, sigma: 1.2))]
        }
        let (source, records) = try generateAll(spec)
        var text = ""
        for r in records {
            text += "\(r.time),\(source.pops.string(r.pop)),\(source.urls.string(r.url)),"
            text += "\(r.origin.map { source.origins.string($0) } ?? ""),\(r.kind.rawValue),\(r.bytes.map(String.init) ?? "")\n"
        }
        let h = fnv1a64(text)
        #expect(h == 0x3e94_c715_fa4e_9684, "seed 2024: fingerprint 0x\(String(h, radix: 16)); first lines:\n\(text.split(separator: "\n").prefix(5).joined(separator: "\n"))")
    }

    @Test("time never decreases; lines count the requests from 1")
    func timeOrder() throws {
        let (_, records) = try generateAll(syntheticSpec { $0.rate = 100_000; $0.requests = 50_000; $0.seed = 12 })
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.time <= $1.time }, "seed 12")
        #expect(records.map(\.line) == Array(1...50_000))
        // At 100k req/s some requests share a microsecond: allowed, in order.
        #expect(zip(records, records.dropFirst()).contains { $0.time == $1.time }, "seed 12")
    }

    @Test("URLs: one family per object, folder and extension match the kind, objects numbered in family blocks")
    func urlLayout() throws {
        let (source, records) = try generateAll(syntheticSpec { $0.requests = 50_000; $0.seed = 13 })
        var familyOfURL: [UInt32: ObjectFamily] = [:]
        for r in records {
            let url = source.urls.string(r.url)
            let family = r.kind.objectFamily
            #expect(url.hasPrefix("/\(family.folder)/o") && url.hasSuffix(".\(family.fileExtension)"), "seed 13: \(url) for \(r.kind)")
            if let f = familyOfURL[r.url] { #expect(f == family, "seed 13: \(url) loaded as two families") }
            familyOfURL[r.url] = family
        }
        // Each object's URL says its family; o1 is the most popular object.
        for o in [1, 2, 3, 100, 9_999, 10_000] {
            let family = source.family(ofObject: o)
            #expect(source.url(ofObject: o) == "/\(family.folder)/o\(o).\(family.fileExtension)")
        }
        var perObject: [String: Int] = [:]
        for r in records { perObject[source.urls.string(r.url), default: 0] += 1 }
        #expect(perObject.max { $0.value < $1.value }?.key == source.url(ofObject: 1), "seed 13")
        // The same /video/ URLs are loaded with and without crossorigin.
        let videoKinds = Dictionary(grouping: records.filter { $0.kind.objectFamily == .video }, by: \.url).values.map { Set($0.map(\.kind)) }
        #expect(videoKinds.contains { $0 == [.video, .videoCORS] }, "seed 13")
    }

    @Test("a base URL makes absolute URLs; a trailing slash is dropped")
    func baseURL() throws {
        let (source, records) = try generateAll(syntheticSpec { $0.requests = 100; $0.baseURL = "https://static.example-cdn.com/assets/"; $0.seed = 14 })
        #expect(source.spec.baseURL == "https://static.example-cdn.com/assets")
        #expect(records.allSatisfy { source.urls.string($0.url).hasPrefix("https://static.example-cdn.com/assets/") })
    }

    @Test("sizes: one size per object; fixed, uniform and lognormal means as specified")
    func sizes() throws {
        let spec = syntheticSpec {
            $0.objects = 60_000; $0.requests = 1; $0.seed = 15
            $0.kinds = [.init(.font, 1), .init(.img, 1), .init(.video, 1)]
            $0.sizes = [.init(.font, .fixed(40_000)), .init(.img, .uniform(min: 10_000, max: 190_000)),
                        .init(.video, .lognormal(mean: 4_000_000, sigma: 1))]
        }
        let source = try SyntheticSource(spec: spec)
        var byFamily: [ObjectFamily: [Int64]] = [:]
        for o in 1...60_000 { byFamily[source.family(ofObject: o), default: []].append(source.bytes(ofObject: o)!) }
        let fonts = byFamily[.fonts]!, images = byFamily[.img]!, videos = byFamily[.video]!
        #expect(fonts.count > 15_000 && images.count > 15_000 && videos.count > 15_000, "seed 15: \(fonts.count), \(images.count), \(videos.count)")
        #expect(fonts.allSatisfy { $0 == 40_000 })
        #expect(images.allSatisfy { (10_000...190_000).contains($0) })
        let imageMean = Double(images.reduce(0, +)) / Double(images.count)
        #expect(abs(imageMean / 100_000 - 1) < 0.01, "seed 15: uniform mean \(imageMean)")
        let videoMean = Double(videos.reduce(0, +)) / Double(videos.count)
        #expect(abs(videoMean / 4_000_000 - 1) < 0.04, "seed 15: lognormal mean \(videoMean)")
        // Lognormal median = mean · e^(−σ²/2) ≈ 2.43 MB.
        let median = Double(videos.sorted()[videos.count / 2])
        #expect(abs(median / (4_000_000 * Foundation.exp(-0.5)) - 1) < 0.03, "seed 15: lognormal median \(median)")

        // Records carry their object's size; families without a size carry none.
        let (s2, records) = try generateAll(syntheticSpec { $0.requests = 20_000; $0.seed = 16; $0.sizes = [.init(.video, .uniform(min: 1, max: 1_000_000))] })
        var sizeOfURL: [UInt32: Int64] = [:]
        for r in records {
            if r.kind.objectFamily == .video {
                let b = try #require(r.bytes)
                if let known = sizeOfURL[r.url] { #expect(known == b, "seed 16: \(s2.urls.string(r.url)) changed size") }
                sizeOfURL[r.url] = b
            } else {
                #expect(r.bytes == nil)
            }
        }
    }

    @Test("ObjectSlots finds every id it was given and nothing else, across growth (seed 18)")
    func objectSlots() {
        var slots = ObjectSlots()
        var reference: [Int: UInt32] = [:]
        var rng = SplitMix64(seed: 18)
        for i in 0..<50_000 {
            let object = Int(rng.next() % 4_000_000_000) + 1
            if reference[object] == nil {
                reference[object] = UInt32(i)
                slots[object] = UInt32(i)
            }
        }
        #expect(slots.count == reference.count)
        #expect(reference.allSatisfy { slots[$0.key] == $0.value }, "seed 18")
        #expect((1...1000).filter { reference[$0] == nil }.allSatisfy { slots[$0] == nil })
        #expect(slots[4_294_967_295] == nil)
    }

    @Test("zero weights are never drawn; noOriginShare 1 needs no origin")
    func zeroWeights() throws {
        let (source, records) = try generateAll(syntheticSpec {
            $0.requests = 10_000; $0.seed = 17
            $0.kinds = [.init(.font, 1), .init(.img, 0)]
            $0.pops = [.init("a", 0), .init("b", 1), .init("c", 0)]
            $0.origins = [.init("https://www.example.com", 0), .init("https://shop.example.com", 1)]
        })
        #expect(records.allSatisfy { $0.kind == .font })
        #expect(records.allSatisfy { source.pops.string($0.pop) == "b" })
        #expect(records.allSatisfy { $0.origin == nil || source.origins.string($0.origin!) == "https://shop.example.com" })
        let (_, none) = try generateAll(syntheticSpec { $0.requests = 1000; $0.origins = []; $0.noOriginShare = 1 })
        #expect(none.allSatisfy { $0.origin == nil })
    }

    @Test("bad spec values are refused with the key at fault", arguments: [
        BadSpec("alpha", "above 0 (found 0.0)") { s in s.alpha = 0 },
        BadSpec("alpha", "above 0 (found -1.0)") { s in s.alpha = -1 },
        BadSpec("alpha", "above 0 (found nan)") { s in s.alpha = .nan },
        BadSpec("objects", "at least 1") { s in s.objects = 0 },
        BadSpec("objects", "families") { s in s.objects = 2 },
        BadSpec("rate", "above 0") { s in s.rate = 0 },
        BadSpec("duration", "or both") { s in s.requests = nil },
        BadSpec("duration", "longer than 0") { s in s.duration = 0 },
        BadSpec("requests", "at least 1") { s in s.requests = -5 },
        BadSpec("kinds.font", "≥ 0") { s in s.kinds[0].weight = -1 },
        BadSpec("kinds", "above 0") { s in s.kinds = s.kinds.map { .init($0.value, 0) } },
        BadSpec("kinds", "at least one kind") { s in s.kinds = [] },
        BadSpec("kinds.img", "twice") { s in s.kinds.append(.init(.img, 1)) },
        BadSpec("origins.https://shop.example.com", "≥ 0") { s in s.origins[1].weight = -0.5 },
        BadSpec("origins.www.example.com", "no scheme") { s in s.origins.append(.init("www.example.com", 1)) },
        BadSpec("origins.HTTPS://WWW.EXAMPLE.COM:443", "same origin") { s in s.origins.append(.init("HTTPS://WWW.EXAMPLE.COM:443", 1)) },
        BadSpec("origins", "at least one page origin") { s in s.origins = [] },
        BadSpec("noOriginShare", "between 0 and 1") { s in s.noOriginShare = 1.5 },
        BadSpec("pops.frankfurt", "≥ 0") { s in s.pops[1].weight = -2 },
        BadSpec("pops", "at least one POP") { s in s.pops = [] },
        BadSpec("pops.hangzhou", "twice") { s in s.pops.append(.init("hangzhou", 1)) },
        BadSpec("diurnal.hourly", "24 values") { s in s.diurnal = .hourly([1, 2, 3]) },
        BadSpec("diurnal.hourly[5]", "≥ 0") { s in s.diurnal = .hourly((0..<24).map { $0 == 5 ? -1 : 1 }) },
        BadSpec("diurnal.hourly", "above 0") { s in s.diurnal = .hourly(Array(repeating: 0, count: 24)) },
        BadSpec("diurnal.amplitude", "between 0 and 1") { s in s.diurnal = .sinusoid(amplitude: 1.5, peakHour: 3) },
        BadSpec("diurnal.peakHour", "0 to 23") { s in s.diurnal = .sinusoid(amplitude: 0.5, peakHour: 24) },
        BadSpec("sizes.video-cors", "already sets") { s in s.sizes = [.init(.video, .fixed(1)), .init(.videoCORS, .fixed(2))] },
        BadSpec("sizes.script", "no kind") { s in s.sizes = [.init(.script, .fixed(1))] },
        BadSpec("sizes.font", "at least 1 byte") { s in s.sizes = [.init(.font, .fixed(0))] },
        BadSpec("sizes.img.max", "smaller than min") { s in s.sizes = [.init(.img, .uniform(min: 10, max: 5))] },
        BadSpec("sizes.video.sigma", "between 0 and 10") { s in s.sizes = [.init(.video, .lognormal(mean: 10, sigma: -1))] },
        BadSpec("baseURL", "not an http(s) URL") { s in s.baseURL = "ftp://x.com" },
        BadSpec("baseURL", "query") { s in s.baseURL = "https://x.com/a?b" },
    ])
    func badSpec(_ bad: BadSpec) {
        let (key, mentions, change) = (bad.key, bad.mentions, bad.change)
        do {
            _ = try SyntheticSource(spec: syntheticSpec(change))
            Issue.record("accepted a spec that should fail at \(key)")
        } catch {
            #expect(error.key == key, "\(error)")
            #expect(error.message.contains(mentions), "\(error)")
            #expect(error.description.hasPrefix("\(key): "))
        }
    }

    @Test("families' request shares reach their targets (within 0.2 points, 1 point for 50 objects) and sum to 1",
          arguments: [(0.7, 10_000, 0.002), (0.9, 10_000, 0.002), (1.2, 10_000, 0.002), (0.9, 1_000_000, 0.002), (1.0, 50, 0.01)])
    func familyShares(alpha: Double, objects: Int, tolerance: Double) throws {
        let source = try SyntheticSource(spec: syntheticSpec { $0.alpha = alpha; $0.objects = objects })
        #expect(source.familyShares.map(\.family) == [.fonts, .img, .video])
        #expect(source.familyShares.map(\.target) == [0.3, 0.5, 0.2])
        for s in source.familyShares {
            #expect(abs(s.reached - s.target) < tolerance, "α \(alpha), N \(objects): \(s.family) reaches \(s.reached)")
        }
        #expect(abs(source.familyShares.map(\.reached).reduce(0, +) - 1) < 1e-9)
        // The reached shares agree with the exact probabilities (N small enough to sum).
        if objects <= 10_000 {
            var exact = [ObjectFamily: Double]()
            var total = 0.0
            for r in 1...objects { total += Foundation.pow(Double(r), -alpha) }
            for r in 1...objects { exact[source.family(ofObject: r), default: 0] += Foundation.pow(Double(r), -alpha) / total }
            for s in source.familyShares {
                #expect(abs(exact[s.family, default: 0] - s.reached) < 1e-9, "α \(alpha): \(s.family)")
            }
        }
    }

    @Test("very skewed popularity: shares cannot beat the most popular object's probability, and say so")
    func skewedShares() throws {
        // α = 3: o1 alone has 83 % of the requests; the video family's 20 % cannot be met.
        let source = try SyntheticSource(spec: syntheticSpec { $0.alpha = 3 })
        let video = try #require(source.familyShares.first { $0.family == .video })
        #expect(source.family(ofObject: 1) == .img)
        #expect(video.reached < 0.2)
        #expect(abs(source.familyShares.map(\.reached).reduce(0, +) - 1) < 1e-9)
    }

    @Test("expected requests: the count when only it limits; else the rate over the duration (diurnal curve included), capped by it")
    func expectedRequests() throws {
        #expect(syntheticSpec().expectedRequests == (200_000, true))
        #expect(syntheticSpec { $0.rate = 55; $0.requests = nil; $0.duration = 3_600_000_000 }.expectedRequests == (198_000, false))
        #expect(syntheticSpec { $0.requests = 100; $0.duration = 3_600_000_000 }.expectedRequests == (100, false))
        #expect(syntheticSpec { $0.requests = 1_000_000; $0.duration = 10_000_000 }.expectedRequests == (500, false))
        // A whole day of any curve is the rate times a day; two days twice that.
        let day: Int64 = 86_400_000_000
        let sinusoid = SyntheticSpec.Diurnal.sinusoid(amplitude: 0.8, peakHour: 12)
        #expect(syntheticSpec { $0.requests = nil; $0.duration = 2 * day; $0.diurnal = sinusoid }.expectedRequests == (8_640_000, false))
        // Hours 0 and 1 at twice the others' rate: 2 × 24/26 of the mean, for two hours.
        let hourly = SyntheticSpec.Diurnal.hourly([2, 2] + Array(repeating: 1, count: 22))
        let twoHours = syntheticSpec { $0.requests = nil; $0.duration = 7_200_000_000; $0.diurnal = hourly }.expectedRequests
        #expect(abs(twoHours.count - Int((50 * 7200 * 48 / 26.0).rounded())) <= 1)
        // And what the generator makes over the quiet first six hours of the sinusoid is within 2 % of it (seed 8).
        let quiet = syntheticSpec { $0.rate = 20; $0.requests = nil; $0.duration = 6 * 3_600_000_000; $0.diurnal = sinusoid; $0.seed = 8 }
        let (_, made) = try generateAll(quiet)
        #expect(abs(Double(made.count) / Double(quiet.expectedRequests.count) - 1) < 0.02, "\(made.count) made, \(quiet.expectedRequests.count) expected")
    }
}

/// A spec change that must be refused, the key the error must name and a word it must contain.
struct BadSpec: Sendable, CustomTestStringConvertible {
    var key: String
    var mentions: String
    var change: @Sendable (inout SyntheticSpec) -> Void
    init(_ key: String, _ mentions: String, _ change: @escaping @Sendable (inout SyntheticSpec) -> Void) {
        self.key = key
        self.mentions = mentions
        self.change = change
    }
    var testDescription: String { "\(key): \(mentions)" }
}
