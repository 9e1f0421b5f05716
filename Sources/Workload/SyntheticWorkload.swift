import HTTPModel

/// Generates a `SyntheticSpec`'s requests one at a time, as a `TraceSource`.
///
/// Nothing is materialised: a request is drawn when `next()` asks for it, in time order.
/// Memory is O(1) in the trace's length and in `objects`: a 64 KiB table for the most popular
/// objects' families, plus the interned URLs of the objects actually requested (and 8–16 bytes
/// each to find them again).
///
/// How a request is drawn (each step from its own SplitMix64 stream, all seeded from the spec's
/// seed, so that changing, say, the origin mix leaves the arrival times, objects and POPs exactly
/// as they were):
/// 1. its time: the previous one plus an exponential gap at the peak rate, kept with probability
///    `multiplier(t) / maximum` when a diurnal curve is set (thinning: Lewis & Shedler, "Simulation
///    of nonhomogeneous Poisson processes by thinning", Naval Research Logistics Quarterly 26(3),
///    1979), rounded down to the microsecond;
/// 2. its object: a popularity rank `r` in `1...N` from one `ZipfSampler(N, α)` (rejection-
///    inversion); the object is `o<r>`, so `o1` is the most popular URL;
/// 3. its kind: the object's family is fixed (see below); the kind is drawn among the family's
///    kinds in proportion to their weights (`video` vs `video-cors` for a `/video/` object);
/// 4. its page origin: none with probability `noOriginShare`, else in proportion to the weights;
/// 5. its POP, in proportion to the weights.
///
/// Which family an object belongs to: each family should receive the share of *requests* its
/// kinds' weights give it, while popularity stays one Zipf(α) over all N objects. The 65,536 most
/// popular ranks (or all, if fewer) are dealt one by one, most popular first, to the family
/// furthest below its target request share (a greedy partition of the probabilities); the tail
/// ranks, each with a tiny probability, are spread over the families in proportion to what each
/// still lacks, by a golden-ratio (Weyl) sequence over the rank, which needs no table. Shares are
/// then met to within a small fraction of a percentage point, except when the most popular objects
/// alone outweigh a family's target (very large α): a URL has one family, so shares cannot be met
/// closer than the probability of the most popular objects. `familyShares` gives the shares reached.
///
/// Determinism: only integer arithmetic, correctly rounded `+ − × ÷ √` and popsim's own `exp`,
/// `log` and `cos` are used, so the same spec gives the same records on every machine.
public final class SyntheticSource: TraceSource {
    /// The validated spec (origins serialised).
    public let spec: SyntheticSpec
    /// `synthetic workload (seed 7)`, for error messages.
    public let sourceName: String
    /// POP ids, interned up front in the spec's order.
    public private(set) var pops = Interner()
    /// Object URLs, interned when first requested.
    public private(set) var urls = Interner()
    /// Page origins, interned up front in the spec's order.
    public private(set) var origins = Interner()
    /// Only `GET`.
    public private(set) var methods = Interner()
    /// Records returned so far.
    public private(set) var generated = 0

    /// The families of the kind mix, in order of first appearance, with the share of requests each
    /// was meant to get (its kinds' weights) and the share its objects' probabilities add up to.
    public let familyShares: [(family: ObjectFamily, target: Double, reached: Double)]

    /// How many of the most popular ranks have their family in a table.
    static let headRanks = 1 << 16

    private let zipf: ZipfSampler
    private let families: [ObjectFamily]
    /// Family index of ranks 1...head.count.
    private let headFamily: [UInt8]
    /// Picks a tail rank's family from its Weyl point.
    private let tailTable: WeightTable
    /// Per family: its kinds and a table to pick among them.
    private let familyKinds: [[ResourceKind]]
    private let familyKindTables: [WeightTable]
    private let familySizes: [SyntheticSpec.SizeDistribution?]
    private let originTable: WeightTable?
    private let popTable: WeightTable
    private let popIDs: [UInt32]
    private let originIDs: [UInt32]
    private let getID: UInt32

    private var arrivals: SplitMix64
    private var objectStream: SplitMix64
    private var kindStream: SplitMix64
    private var originStream: SplitMix64
    private var popStream: SplitMix64
    private let sizeSeed: UInt64

    /// Microseconds since the start, unrounded.
    private var clock = 0.0
    private let meanGap: Double
    /// Per-hour multipliers divided by the maximum (hourly curve), or nil.
    private let hourlyAcceptance: [Double]?
    private let sinusoid: (amplitude: Double, peakHour: Int)?
    private var finished = false
    private var urlSlots = ObjectSlots()

    /// Checks the spec and prepares the generator; nothing is drawn yet.
    /// - Throws: `SyntheticSpecError` naming the spec key at fault.
    /// - Complexity: O(min(objects, 65,536) × families), for the family table.
    public init(spec: SyntheticSpec) throws(SyntheticSpecError) {
        let spec = try spec.validated()
        self.spec = spec
        sourceName = "synthetic workload (seed \(spec.seed))"

        let families = SyntheticSpec.families(of: spec.kinds)
        self.families = families
        var kinds = Array(repeating: [ResourceKind](), count: families.count)
        var kindWeights = Array(repeating: [Double](), count: families.count)
        for k in spec.kinds where k.weight > 0 {
            let f = families.firstIndex(of: k.value.objectFamily)!
            kinds[f].append(k.value)
            kindWeights[f].append(k.weight)
        }
        familyKinds = kinds
        familyKindTables = kindWeights.map { WeightTable($0) }
        familySizes = families.map { family in spec.sizes.first { $0.kind.objectFamily == family }?.distribution }
        let total = kindWeights.joined().reduce(0, +)
        let targets = kindWeights.map { $0.reduce(0, +) / total }

        let zipf = ZipfSampler(count: spec.objects, exponent: spec.alpha)
        self.zipf = zipf
        let assignment = assignFamilies(objects: spec.objects, alpha: spec.alpha, targets: targets, head: Self.headRanks)
        headFamily = assignment.head
        tailTable = WeightTable(assignment.tailWeights)
        familyShares = families.indices.map { (families[$0], targets[$0], assignment.reached[$0]) }

        originTable = spec.origins.contains { $0.weight > 0 } ? WeightTable(spec.origins.map(\.weight)) : nil
        popTable = WeightTable(spec.pops.map(\.weight))
        var popNames = Interner(), originNames = Interner(), methodNames = Interner()
        popIDs = spec.pops.map { popNames.intern($0.value) }
        originIDs = spec.origins.map { originNames.intern($0.value) }
        getID = methodNames.intern("GET")
        pops = popNames
        origins = originNames
        methods = methodNames

        // Independent streams, each seeded by one output of a generator seeded with the spec's seed.
        var root = SplitMix64(seed: spec.seed)
        arrivals = SplitMix64(seed: root.next())
        objectStream = SplitMix64(seed: root.next())
        kindStream = SplitMix64(seed: root.next())
        originStream = SplitMix64(seed: root.next())
        popStream = SplitMix64(seed: root.next())
        sizeSeed = root.next()

        let peak = spec.diurnal?.maximum ?? 1
        meanGap = 1_000_000 / (spec.rate * peak)
        switch spec.diurnal {
        case .hourly(let values)?:
            let top = values.max()!
            hourlyAcceptance = values.map { $0 / top }
            sinusoid = nil
        case let .sinusoid(amplitude, peakHour)?:
            hourlyAcceptance = nil
            sinusoid = (amplitude, peakHour)
        case nil:
            hourlyAcceptance = nil
            sinusoid = nil
        }
    }

    /// The next request, or nil once the duration or request count is reached.
    /// - Throws: `TraceError` only if the clock leaves the 64-bit microsecond range (a rate so low
    ///   and a count so high that the trace would span millennia).
    /// - Complexity: O(1) expected.
    public func next() throws(TraceError) -> TraceRecord? {
        if finished { return nil }
        if let limit = spec.requests, generated >= limit { finished = true; return nil }
        let time = try nextArrival()
        if let limit = spec.duration, time >= limit { finished = true; return nil }

        let object = zipf.next(using: &objectStream)
        let family = familyIndex(ofObject: object)
        let kind = familyKinds[family][familyKindTables[family].pick(kindStream.nextUnitDouble())]
        var origin: UInt32? = nil
        let u = originStream.nextUnitDouble()
        if let originTable, u >= spec.noOriginShare {
            // Reuse the same uniform, rescaled, so one draw decides both questions.
            origin = originIDs[originTable.pick((u - spec.noOriginShare) / (1 - spec.noOriginShare))]
        }
        let pop = popIDs[popTable.pick(popStream.nextUnitDouble())]
        generated += 1
        return TraceRecord(time: time, pop: pop, url: urlID(object, family: family), origin: origin,
                           kind: kind, method: getID, credentials: nil,
                           bytes: bytes(object, family: family), line: generated)
    }

    /// The family of object `o<object>` (`object` in `1...objects`).
    public func family(ofObject object: Int) -> ObjectFamily { families[familyIndex(ofObject: object)] }

    /// The URL of object `o<object>`: `baseURL/folder/o<object>.<extension>`.
    public func url(ofObject object: Int) -> String { url(object, family: familyIndex(ofObject: object)) }

    /// The size of object `o<object>`, or nil when its family has no size distribution.
    public func bytes(ofObject object: Int) -> Int64? { bytes(object, family: familyIndex(ofObject: object)) }

    // MARK: - Drawing

    private func familyIndex(ofObject object: Int) -> Int {
        precondition(object >= 1 && object <= spec.objects, "object o\(object) is not in 1...\(spec.objects)")
        if object <= headFamily.count { return Int(headFamily[object - 1]) }
        return tailTable.pick(weylPoint(object))
    }

    private func nextArrival() throws(TraceError) -> Int64 {
        while true {
            clock += arrivals.nextExponential(mean: meanGap)
            guard clock < 9.0e18 else {
                throw TraceError(file: sourceName, line: generated + 1, column: "t",
                                 message: "time passed 9e18 µs; lower \"requests\" or raise \"rate\"")
            }
            let t = Int64(clock)
            if let hourly = hourlyAcceptance {
                let hour = Int((t % 86_400_000_000) / 3_600_000_000)
                if arrivals.nextUnitDouble() < hourly[hour] { return t }
            } else if let (amplitude, peakHour) = sinusoid {
                let m = SyntheticSpec.Diurnal.sinusoid(amplitude: amplitude, peakHour: peakHour).multiplier(at: t)
                if arrivals.nextUnitDouble() * (1 + amplitude) < m { return t }
            } else {
                return t
            }
        }
    }

    private func urlID(_ object: Int, family: Int) -> UInt32 {
        if let id = urlSlots[object] { return id }
        let id = urls.intern(url(object, family: family))
        urlSlots[object] = id
        return id
    }

    private func url(_ object: Int, family: Int) -> String {
        let f = families[family]
        return "\(spec.baseURL)/\(f.folder)/o\(object).\(f.fileExtension)"
    }

    private func bytes(_ object: Int, family: Int) -> Int64? {
        guard let size = familySizes[family] else { return nil }
        switch size {
        case .fixed(let n):
            return n
        case let .uniform(lo, hi):
            var g = objectGenerator(object)
            let span = UInt64(hi - lo) + 1
            return lo + Int64(span.multipliedFullWidth(by: g.next()).high)
        case let .lognormal(mean, sigma):
            var g = objectGenerator(object)
            let mu = deterministicLog(Double(mean)) - sigma * sigma / 2
            let v = deterministicExp(mu + sigma * standardNormal(&g))
            return Int64(min(max(v.rounded(.toNearestOrEven), 1), Double(maxObjectBytes)))
        }
    }

    /// A generator that depends only on the seed and the object, so an object has one size.
    private func objectGenerator(_ object: Int) -> SplitMix64 {
        SplitMix64(seed: sizeSeed ^ (UInt64(object) &* 0xD1B5_4A32_D192_ED03))
    }
}

/// `frac(object · φ⁻¹)` in 64-bit fixed point: a low-discrepancy point in `[0, 1)` per rank, so
/// consecutive tail ranks spread evenly over the families.
@inline(__always)
func weylPoint(_ object: Int) -> Double {
    Double((UInt64(object) &* 0x9E37_79B9_7F4A_7C15) &>> 11) * 0x1.0p-53
}

/// Which family each popularity rank belongs to, so that family request shares meet `targets`.
///
/// Ranks `1...min(objects, head)` are dealt greedily, most popular first, to the family with the
/// largest shortfall `target − reached`; the rest (the tail) go by `weylPoint` in proportion to the
/// shortfalls left. The tail's probability mass comes from the integral of `x^(−α)` (midpoint
/// rule; relative error below 1e-9 past rank 65,536), so nothing is O(objects).
func assignFamilies(objects: Int, alpha: Double, targets: [Double], head: Int)
    -> (head: [UInt8], tailWeights: [Double], reached: [Double]) {
    let headCount = min(objects, head)
    let weights = (1...headCount).map { deterministicExp(-alpha * deterministicLog(Double($0))) }
    var headMass = 0.0
    for w in weights.reversed() { headMass += w }   // smallest first, for accuracy
    let tailMass = objects > headCount
        ? ZipfSampler.integral(Double(objects) + 0.5, exponent: alpha) - ZipfSampler.integral(Double(headCount) + 0.5, exponent: alpha)
        : 0
    let total = headMass + tailMass
    var reached = Array(repeating: 0.0, count: targets.count)
    var family = [UInt8](repeating: 0, count: headCount)
    for r in 0..<headCount {
        var best = 0
        for f in targets.indices where targets[f] - reached[f] > targets[best] - reached[best] { best = f }
        family[r] = UInt8(best)
        reached[best] += weights[r] / total
    }
    var tailWeights = targets.indices.map { max(targets[$0] - reached[$0], 0) }
    if !tailWeights.contains(where: { $0 > 0 }) { tailWeights = targets }
    let tailSum = tailWeights.reduce(0, +)
    if tailMass > 0 {
        for f in targets.indices { reached[f] += tailMass / total * tailWeights[f] / tailSum }
    }
    return (family, tailWeights, reached)
}

/// A standard normal variate by Marsaglia's polar method (needs only `log` and `√`, no `cos`).
func standardNormal(_ g: inout SplitMix64) -> Double {
    while true {
        let a = 2 * g.nextUnitDouble() - 1
        let b = 2 * g.nextUnitDouble() - 1
        let s = a * a + b * b
        if s > 0 && s < 1 {
            return a * (-2 * deterministicLog(s) / s).squareRoot()
        }
    }
}

/// Picks an index in proportion to fixed non-negative weights, from one uniform in `[0, 1)`.
///
/// Cumulative sums and a binary search: O(log k) for k weights, which are a handful here.
/// Entries with weight 0 are never picked.
struct WeightTable: Sendable {
    private let cumulative: [Double]
    private let lastPositive: Int

    init(_ weights: [Double]) {
        var sum = 0.0
        cumulative = weights.map { sum += $0; return sum }
        lastPositive = weights.lastIndex { $0 > 0 } ?? 0
    }

    /// The first index whose cumulative weight exceeds `u × total`.
    func pick(_ u: Double) -> Int {
        let x = u * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        // Rounding can make x reach the total; never return a zero-weight tail entry.
        return cumulative[lo] > x ? lo : lastPositive
    }
}

/// Object number ⇒ interned URL id, for the objects requested so far.
///
/// Open addressing with linear probing and a multiplicative (Fibonacci) hash, at most half
/// full: 8–16 bytes per requested object, whatever `objects` is, and a lookup is a multiply,
/// a shift and usually one probe.
struct ObjectSlots {
    private var keys: [UInt32] = Array(repeating: 0, count: 1 << 10) // 0 = empty; objects start at 1
    private var values: [UInt32] = Array(repeating: 0, count: 1 << 10)
    private var shift = 64 - 10
    private(set) var count = 0

    private func slot(_ key: UInt32) -> Int { Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) &>> UInt64(shift)) }

    subscript(object: Int) -> UInt32? {
        get {
            let key = UInt32(object)
            let mask = keys.count - 1
            var i = slot(key)
            while true {
                let k = keys[i]
                if k == key { return values[i] }
                if k == 0 { return nil }
                i = (i + 1) & mask
            }
        }
        set {
            guard let value = newValue else { return } // ids are never removed
            insert(UInt32(object), value)
        }
    }

    private mutating func insert(_ key: UInt32, _ value: UInt32) {
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var i = slot(key)
        while keys[i] != 0 && keys[i] != key { i = (i + 1) & mask }
        if keys[i] == 0 { count += 1 }
        keys[i] = key
        values[i] = value
    }

    private mutating func grow() {
        let (oldKeys, oldValues) = (keys, values)
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        count = 0
        for (k, v) in zip(oldKeys, oldValues) where k != 0 { insert(k, v) }
    }
}
