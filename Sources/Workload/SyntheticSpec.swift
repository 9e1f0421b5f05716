import HTTPModel

/// What a synthetic workload looks like: popularity, arrivals, page origins, kinds, POPs, sizes.
///
/// The generator (`SyntheticSource`) draws requests from it on the fly. Every field is
/// described where the scenario block `"workload": {"synthetic": {…}}` is documented
/// (`scenarios/README.md`); the short version:
/// - **objects and popularity**: `objects` URLs in all, `o1` the most popular, with Zipf(`alpha`)
///   popularity over all of them; each object belongs to one *family* (fonts, images, video,
///   scripts, styles, data, other files; see `ObjectFamily`), which fixes its folder and extension,
///   and families are given objects so that their request shares follow the kind mix;
/// - **arrivals**: Poisson with mean `rate` requests per second, optionally modulated by a
///   `diurnal` curve whose mean over a day is 1 (so `rate` stays the day's mean); the trace
///   starts at midnight and ends after `duration` or `requests`, whichever comes first;
/// - **requests**: each draws an object by popularity, then a kind among the kinds of the
///   object's family (`video` or `video-cors` for a `/video/` object), a page origin from
///   `origins` (none with probability `noOriginShare`) and a POP from `pops`, in proportion to
///   the weights; so each kind gets its weight's share of requests;
/// - **sizes**: per family, fixed, uniform or lognormal (`SizeDistribution`); a family without
///   one leaves `bytes` empty, so the origin's `objectSize` applies.
public struct SyntheticSpec: Sendable, Equatable, CustomStringConvertible {
    /// A value and its relative weight (any non-negative number; only ratios matter).
    public struct Weighted<Value: Sendable & Equatable>: Sendable, Equatable {
        public var value: Value
        public var weight: Double
        public init(_ value: Value, _ weight: Double) {
            self.value = value
            self.weight = weight
        }
    }

    /// How object sizes are spread within a family. A size is drawn once per object from a
    /// generator seeded by the spec's seed and the object's number, so an object has one size.
    public enum SizeDistribution: Sendable, Equatable {
        /// Every object has this many bytes.
        case fixed(Int64)
        /// Uniform on the whole numbers `min...max`; the mean is `(min + max) / 2`.
        case uniform(min: Int64, max: Int64)
        /// Lognormal with this mean (in bytes) and `sigma`, the standard deviation of the size's
        /// natural logarithm: `size = exp(μ + σZ)` with `μ = ln(mean) − σ²/2`, so the mean is
        /// `mean` and the median `mean · e^(−σ²/2)`. Rounded to whole bytes and clamped to
        /// `1...2^40` (1 TiB, `maxObjectBytes`).
        case lognormal(mean: Int64, sigma: Double)

        /// The distribution's mean in bytes (before rounding and clamping).
        public var mean: Double {
            switch self {
            case .fixed(let n): return Double(n)
            case let .uniform(lo, hi): return (Double(lo) + Double(hi)) / 2
            case let .lognormal(m, _): return Double(m)
            }
        }
    }

    /// How the arrival rate changes over a day. `t = 0` is midnight; days repeat.
    public enum Diurnal: Sendable, Equatable {
        /// 24 relative rates, one per clock hour (0:00–1:00 first), constant within the hour.
        /// They are scaled so their mean is 1: `[1, 1, …, 2]` and `[2, 2, …, 4]` are the same curve.
        case hourly([Double])
        /// `1 + amplitude · cos(2π (h − peakHour − ½) / 24)` at hour of day `h`: a smooth day whose
        /// busiest moment is the middle of clock hour `peakHour` (20 ⇒ 20:30), whose quietest is
        /// twelve hours later, and whose mean is 1. `amplitude` is in `0...1`.
        case sinusoid(amplitude: Double, peakHour: Int)

        /// The rate multiplier at `t` microseconds from midnight; its mean over a day is 1.
        public func multiplier(at t: Int64) -> Double {
            let day: Int64 = 86_400_000_000
            let inDay = t % day
            switch self {
            case .hourly(let values):
                let sum = values.reduce(0, +)
                return values[Int(inDay / 3_600_000_000)] * Double(values.count) / sum
            case let .sinusoid(amplitude, peakHour):
                let peak = Int64(peakHour) * 3_600_000_000 + 1_800_000_000
                return 1 + amplitude * deterministicCos(turns: Double(inDay - peak) / Double(day))
            }
        }

        /// The largest multiplier over a day.
        public var maximum: Double {
            switch self {
            case .hourly(let values): return values.max()! * Double(values.count) / values.reduce(0, +)
            case .sinusoid(let amplitude, _): return 1 + amplitude
            }
        }
    }

    /// Object sizes for the family of `kind` (any kind of the family names it: `video` and
    /// `video-cors` name the same `/video/` objects).
    public struct KindSize: Sendable, Equatable {
        public var kind: ResourceKind
        public var distribution: SizeDistribution
        public init(_ kind: ResourceKind, _ distribution: SizeDistribution) {
            self.kind = kind
            self.distribution = distribution
        }
    }

    /// The number of distinct URLs, `N`.
    public var objects: Int
    /// The Zipf exponent `α > 0`: object `o<r>` is requested in proportion to `r^(−α)`.
    public var alpha: Double
    /// The mean arrival rate in requests per second (over a whole day when `diurnal` is set).
    public var rate: Double
    /// How the rate varies over the day; nil for a constant rate.
    public var diurnal: Diurnal?
    /// Stop before this time (µs from the start); nil for no time limit.
    public var duration: Int64?
    /// Stop after this many requests; nil for no count limit. At least one limit is needed.
    public var requests: Int?
    /// Page origins (serialised, `https://www.example.com`) and their weights.
    public var origins: [Weighted<String>]
    /// The probability, in `0...1`, that a request has no page origin (same-origin pages,
    /// crawlers, direct loads): its `origin` field is empty.
    public var noOriginShare: Double
    /// Resource kinds and their weights: the share of requests of each kind (see `SyntheticSource`
    /// for how closely very skewed popularity lets it be met).
    public var kinds: [Weighted<ResourceKind>]
    /// POP ids and their weights: the share of requests each POP serves.
    public var pops: [Weighted<String>]
    /// Object sizes per family; at most one entry per family.
    public var sizes: [KindSize]
    /// Prepended to each object's path: empty for paths (`/fonts/o12.woff2`), or a URL such as
    /// `https://static.example-cdn.com` (with an optional path, no trailing `/`) for absolute URLs.
    public var baseURL: String
    /// Seeds every draw; the same spec and seed give the same trace on every machine.
    public var seed: UInt64

    public init(objects: Int, alpha: Double, rate: Double, diurnal: Diurnal? = nil,
                duration: Int64? = nil, requests: Int? = nil,
                origins: [Weighted<String>], noOriginShare: Double = 0,
                kinds: [Weighted<ResourceKind>], pops: [Weighted<String>],
                sizes: [KindSize] = [], baseURL: String = "", seed: UInt64 = 0) {
        self.objects = objects
        self.alpha = alpha
        self.rate = rate
        self.diurnal = diurnal
        self.duration = duration
        self.requests = requests
        self.origins = origins
        self.noOriginShare = noOriginShare
        self.kinds = kinds
        self.pops = pops
        self.sizes = sizes
        self.baseURL = baseURL
        self.seed = seed
    }

    /// `synthetic: 20000 objects, Zipf α 0.9, 50 req/s, seed 7`.
    public var description: String {
        "synthetic: \(objects) objects, Zipf α \(alpha), \(rate) req/s, seed \(seed)"
    }

    /// How many requests the trace will hold, for a progress line: `requests` exactly when there
    /// is no time limit; else the mean rate (times the diurnal curve) summed over `duration`,
    /// capped at `requests` — an estimate, arrivals being random.
    /// - Complexity: O(1): whole days count `rate` × a day, the rest of the last day is summed
    ///   minute by minute.
    public var expectedRequests: (count: Int, exact: Bool) {
        guard let duration else { return (requests ?? 0, true) }
        let day: Int64 = 86_400_000_000, minute: Int64 = 60_000_000
        var seconds = Double(duration / day) * 86_400
        let rest = duration % day
        var t: Int64 = 0
        while t < rest {
            let step = min(minute, rest - t)
            seconds += (diurnal?.multiplier(at: t + step / 2) ?? 1) * Double(step) / 1e6
            t += step
        }
        let expected = rate * seconds
        let count = expected >= 9e18 ? Int.max : Int(expected.rounded())
        if let requests, requests <= count { return (requests, false) }
        return (count, false)
    }

    /// The largest `objects` accepted (URL ids are 32-bit).
    public static let maximumObjects = Int(UInt32.max - 1)

    /// The spec with origins serialised and `baseURL` without a trailing `/`, or the first problem.
    ///
    /// Error keys are paths relative to the spec, as the scenario block spells them:
    /// `alpha`, `kinds.font`, `origins.https://a.com`, `diurnal.hourly[3]`, `sizes.video`.
    /// - Throws: `SyntheticSpecError`.
    public func validated() throws(SyntheticSpecError) -> SyntheticSpec {
        func fail(_ key: String, _ message: String) -> SyntheticSpecError { SyntheticSpecError(key: key, message: message) }
        var spec = self
        guard objects >= 1 else { throw fail("objects", "must be at least 1 (found \(objects))") }
        guard objects <= Self.maximumObjects else { throw fail("objects", "at most \(Self.maximumObjects) objects") }
        guard alpha > 0, alpha.isFinite else { throw fail("alpha", "the Zipf exponent must be a finite number above 0 (found \(alpha))") }
        guard rate > 0, rate.isFinite else { throw fail("rate", "requests per second must be a finite number above 0 (found \(rate))") }
        if let d = duration, d <= 0 { throw fail("duration", "must be longer than 0") }
        if let n = requests, n <= 0 { throw fail("requests", "must be at least 1 (found \(n))") }
        if duration == nil && requests == nil {
            throw fail("duration", "give a duration, a request count (\"requests\"), or both (the first reached ends the trace)")
        }
        switch diurnal {
        case .hourly(let values)?:
            guard values.count == 24 else { throw fail("diurnal.hourly", "needs 24 values, one per hour from 0:00 (found \(values.count))") }
            for (i, v) in values.enumerated() where !(v >= 0 && v.isFinite) {
                throw fail("diurnal.hourly[\(i)]", "a relative rate must be a finite number ≥ 0 (found \(v))")
            }
            guard values.contains(where: { $0 > 0 }) else { throw fail("diurnal.hourly", "at least one hour needs a rate above 0") }
        case let .sinusoid(amplitude, peakHour)?:
            guard amplitude >= 0, amplitude <= 1 else { throw fail("diurnal.amplitude", "must be between 0 and 1 (found \(amplitude))") }
            guard (0...23).contains(peakHour) else { throw fail("diurnal.peakHour", "must be a clock hour, 0 to 23 (found \(peakHour))") }
        case nil: break
        }
        guard noOriginShare >= 0, noOriginShare <= 1 else {
            throw fail("noOriginShare", "a share of requests must be between 0 and 1 (found \(noOriginShare))")
        }
        spec.origins = []
        for o in origins {
            let key = "origins.\(o.value)"
            let serialized: String
            do { serialized = try WebOrigin(parsing: o.value).serialized } catch { throw fail(key, error.description) }
            try checkWeight(o.weight, key)
            if let same = spec.origins.firstIndex(where: { $0.value == serialized }) {
                throw fail(key, "the same origin as \"\(origins[same].value)\" (both serialise to \(serialized))")
            }
            spec.origins.append(Weighted(serialized, o.weight))
        }
        if noOriginShare < 1 && !origins.contains(where: { $0.weight > 0 }) {
            throw fail("origins", origins.isEmpty ? "at least one page origin is needed unless noOriginShare is 1"
                                                  : "at least one origin needs a weight above 0")
        }
        guard !kinds.isEmpty else { throw fail("kinds", "at least one kind is needed") }
        for (i, k) in kinds.enumerated() {
            try checkWeight(k.weight, "kinds.\(k.value.rawValue)")
            if kinds[..<i].contains(where: { $0.value == k.value }) { throw fail("kinds.\(k.value.rawValue)", "kind listed twice") }
        }
        guard kinds.contains(where: { $0.weight > 0 }) else { throw fail("kinds", "at least one kind needs a weight above 0") }
        let families = Self.families(of: kinds)
        if objects < families.count {
            throw fail("objects", "\(objects) object(s) cannot cover the \(families.count) families of the kind mix (\(families.map(\.rawValue).joined(separator: ", "))); each family needs at least one")
        }
        guard !pops.isEmpty else { throw fail("pops", "at least one POP is needed") }
        for (i, p) in pops.enumerated() {
            guard !p.value.isEmpty else { throw fail("pops", "a POP id must not be empty") }
            try checkWeight(p.weight, "pops.\(p.value)")
            if pops[..<i].contains(where: { $0.value == p.value }) { throw fail("pops.\(p.value)", "POP listed twice") }
        }
        guard pops.contains(where: { $0.weight > 0 }) else { throw fail("pops", "at least one POP needs a weight above 0") }
        for (i, s) in sizes.enumerated() {
            let key = "sizes.\(s.kind.rawValue)"
            let family = s.kind.objectFamily
            if let other = sizes[..<i].first(where: { $0.kind.objectFamily == family }) {
                throw fail(key, "\"\(other.kind.rawValue)\" already sets the size of the /\(family.rawValue)/ objects (kinds of one family load the same files)")
            }
            guard families.contains(family) else {
                throw fail(key, "no kind in \"kinds\" loads /\(family.rawValue)/ objects")
            }
            let largest = "at most \(maxObjectBytes) bytes (1 TiB)"
            switch s.distribution {
            case .fixed(let n):
                guard n >= 1 else { throw fail(key, "a size must be at least 1 byte") }
                guard n <= maxObjectBytes else { throw fail(key, largest) }
            case let .uniform(lo, hi):
                guard lo >= 1 else { throw fail(key + ".min", "a size must be at least 1 byte") }
                guard hi >= lo else { throw fail(key + ".max", "must not be smaller than min") }
                guard hi <= maxObjectBytes else { throw fail(key + ".max", largest) }
            case let .lognormal(mean, sigma):
                guard mean >= 1 else { throw fail(key + ".mean", "a size must be at least 1 byte") }
                guard mean <= maxObjectBytes else { throw fail(key + ".mean", largest) }
                guard sigma >= 0, sigma <= 10 else { throw fail(key + ".sigma", "must be between 0 and 10 (found \(sigma))") }
            }
        }
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        if !base.isEmpty {
            let lower = base.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw fail("baseURL", "\"\(baseURL)\" is not an http(s) URL (leave it out for paths)")
            }
            guard !base.contains("?"), !base.contains("#"), !base.contains(" "), !base.contains(",") else {
                throw fail("baseURL", "\"\(baseURL)\" must not contain a query, a fragment, a space or a comma")
            }
            do { _ = try WebOrigin(ofURL: base) } catch {
                throw fail("baseURL", "\"\(baseURL)\" has an invalid scheme, host or port: \(error.reason)")
            }
        }
        spec.baseURL = base
        return spec
    }

    /// The families the kinds with a positive weight load, in order of first appearance.
    static func families(of kinds: [Weighted<ResourceKind>]) -> [ObjectFamily] {
        var out: [ObjectFamily] = []
        for k in kinds where k.weight > 0 && !out.contains(k.value.objectFamily) { out.append(k.value.objectFamily) }
        return out
    }
}

private func checkWeight(_ weight: Double, _ key: String) throws(SyntheticSpecError) {
    guard weight >= 0, weight.isFinite else {
        throw SyntheticSpecError(key: key, message: "a weight must be a finite number ≥ 0 (found \(weight))")
    }
}

/// A synthetic workload spec that cannot generate, with the key (relative to the spec) at fault.
public struct SyntheticSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `alpha`, `kinds.font`, `diurnal.hourly[3]`…; empty for the spec as a whole.
    public let key: String
    public let message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    /// `kinds.font: a weight must be a finite number ≥ 0 (found -1.0)`.
    public var description: String { key.isEmpty ? message : "\(key): \(message)" }
}

/// The files a kind loads, which fix a synthetic URL's folder and extension.
///
/// Kinds that differ only in how the page asks for a file (`video` and `video-cors`, `img` and
/// `img-cors`, `fetch` and `xhr`) load the same files: a synthetic `/video/o7.mp4` is requested
/// by plain `<video>` elements and by `<video crossorigin>` alike, which is how a cached copy
/// filled by one serves (or fails) the other.
public enum ObjectFamily: String, Sendable, CaseIterable {
    case fonts, img, video, js, css, data, files

    /// The URL folder, `fonts` in `/fonts/o12.woff2`.
    public var folder: String { rawValue }

    /// The file extension, `woff2` in `/fonts/o12.woff2`.
    public var fileExtension: String {
        switch self {
        case .fonts: return "woff2"
        case .img: return "jpg"
        case .video: return "mp4"
        case .js: return "js"
        case .css: return "css"
        case .data: return "json"
        case .files: return "bin"
        }
    }
}

extension ResourceKind {
    /// The family of files this kind loads (`font` ⇒ `/fonts/*.woff2`, `video-cors` ⇒ `/video/*.mp4`).
    public var objectFamily: ObjectFamily {
        switch self {
        case .font: return .fonts
        case .img, .imgCORS, .imgCORSCredentials: return .img
        case .video, .videoCORS: return .video
        case .script, .scriptCORS, .moduleScript: return .js
        case .stylesheet, .stylesheetCORS: return .css
        case .fetch, .fetchCredentials, .fetchNoCORS, .xhr, .xhrCredentials: return .data
        case .other: return .files
        }
    }
}
