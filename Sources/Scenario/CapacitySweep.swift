import Simulation
import Workload

/// One cache size of a capacity sweep, as the user wrote it: every POP at a size (`10GB`), or
/// each POP at a multiple of its own capacity (`0.5x`, for POPs of different sizes).
public struct SweepCapacity: Sendable, Equatable, CustomStringConvertible {
    public enum Size: Sendable, Equatable {
        /// Every POP's cache holds this many bytes.
        case bytes(Int64)
        /// Each POP's cache is its scenario capacity × `numerator / denominator`, rounded down:
        /// the factor as written, in exact decimals (`0.1x` is 1/10, not the nearest double).
        case factor(numerator: Int64, denominator: Int64)
        /// Every POP's cache holds this fraction of the trace's working set (`1%`, `0.01ws`),
        /// rounded down as `popsim cachesim` (and libCacheSim) rounds it.
        case share(Double)
    }

    /// Whether the size is a share of the working set, which a pass over the trace counts first.
    public var isShare: Bool { if case .share = size { true } else { false } }

    public var size: Size
    /// As written: the sweep's label for it.
    public var text: String
    public var description: String { text }

    public init(size: Size, text: String) {
        self.size = size
        self.text = text
    }

    static let forms = "a byte size (1GB, 512MiB, 1000000; 0 for no cache), a multiple of each POP's own capacity (0.5x, 2x) or a share of the trace's working set (1%, 0.01ws)"

    /// Parses `10GB`, `512MiB`, `0` (bytes, as `parseByteSize` reads them), `0.5x`, `2X` (a
    /// positive multiple of each POP's capacity) or `1%`, `0.5%ws`, `0.01ws` (a share of the
    /// trace's working set, as `popsim cachesim --cache-size` reads it).
    public init(parsing text: String) throws(QuantityError) {
        func fail(_ reason: String) -> QuantityError { QuantityError(input: text, quantity: "cache size", reason: reason) }
        self.text = text
        let share: Double?
        do { share = try parseWorkingSetShare(text) } catch { throw fail(error.reason) }
        if let share {
            size = .share(share)
            return
        }
        guard let last = text.last, last == "x" || last == "X" else {
            do { size = .bytes(try parseByteSize(text)) } catch {
                throw fail("\(error.reason) — or a multiple of each POP's own capacity (0.5x, 2x), or a share of the working set (1%, 0.01ws)")
            }
            return
        }
        let number = Array(text.dropLast().utf8)
        let dots = number.filter { $0 == UInt8(ascii: ".") }.count
        let digits = number.filter { $0 != UInt8(ascii: ".") }
        guard !digits.isEmpty, dots <= 1, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw fail("\"\(String(decoding: number, as: UTF8.self))\" before 'x' is not a decimal number (expected \(Self.forms))")
        }
        guard digits.count <= 18 else { throw fail("more than 18 digits") }
        let decimals = number.firstIndex(of: UInt8(ascii: ".")).map { number.count - 1 - $0 } ?? 0
        var numerator: Int64 = 0
        for d in digits { numerator = numerator * 10 + Int64(d - UInt8(ascii: "0")) }
        var denominator: Int64 = 1
        for _ in 0..<decimals { denominator *= 10 }
        guard numerator > 0 else { throw fail("a multiple of the POPs' capacities must be above 0 (for no cache at all, write 0)") }
        size = .factor(numerator: numerator, denominator: denominator)
    }

    /// Parses a comma-separated list (`1GB,10GB,0.5x`; spaces and tabs around items are
    /// dropped, as `cachesim --cache-size` drops them), in its order.
    /// - Throws: `QuantityError` naming the first item that is not a cache size, or an empty list.
    public static func list(_ text: String) throws(QuantityError) -> [SweepCapacity] {
        func blank(_ c: Character) -> Bool { c == " " || c == "\t" }
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { item in
            String(item.drop(while: blank).reversed().drop(while: blank).reversed())
        }
        if items.contains(where: \.isEmpty) {
            throw QuantityError(input: text, quantity: "list of cache sizes", reason: "an empty item (expected sizes separated by commas: 1GB,10GB,100GB)")
        }
        var sizes: [SweepCapacity] = []
        for item in items { sizes.append(try SweepCapacity(parsing: item)) }
        return sizes
    }

    /// The POPs' capacities at this size, by POP index; a share needs the trace's `workingSet`.
    /// - Throws: `QuantityError` when a multiple of a POP's capacity exceeds 2^63 − 1 bytes.
    public func capacities(of pops: [POPSpec], workingSet: WorkingSet? = nil) throws(QuantityError) -> [Int64] {
        switch size {
        case .bytes(let n):
            return pops.map { _ in n }
        case .share(let fraction):
            guard let workingSet else { preconditionFailure("internal error: a share of the working set without the working set") }
            let n = workingSet.size(fraction: fraction, countingObjects: false)
            return pops.map { _ in n }
        case let .factor(numerator, denominator):
            var out: [Int64] = []
            for pop in pops {
                // Capacities are not negative: the product in 128 bits, then divided, exactly.
                let product = UInt64(pop.capacityBytes).multipliedFullWidth(by: UInt64(numerator))
                let divisor = UInt64(denominator)
                let quotient = product.high < divisor ? divisor.dividingFullWidth(product).quotient : UInt64.max
                guard quotient <= UInt64(Int64.max) else {
                    throw QuantityError(input: text, quantity: "cache size", reason: "POP \(pop.id)'s capacity \(pop.capacityBytes) bytes times it is past 2^63 − 1 bytes")
                }
                out.append(Int64(quotient))
            }
            // 0x is refused as "no cache" written another way; so is a multiple that rounds every
            // POP down to 0 bytes (one small POP rounded to 0 among others is the size asked) —
            // unless every POP has none to start with: any multiple is then the scenario's own.
            if !out.isEmpty && out.allSatisfy({ $0 == 0 }) && pops.contains(where: { $0.capacityBytes > 0 }) {
                throw QuantityError(input: text, quantity: "cache size", reason: "every POP's capacity times it rounds to 0 bytes (for no cache at all, write 0)")
            }
            return out
        }
    }
}

/// A scenario's variants at several cache sizes: each size replaces every POP's capacity (or
/// scales each), and everything else — trace, rules, events — stays as the scenario has it.
public struct SweepResult: Sendable {
    /// One cache size and what each variant did at it.
    public struct Point: Sendable {
        public var capacity: SweepCapacity
        /// The POPs' capacities at this size, by POP index.
        public var popCapacities: [Int64]
        /// One per swept variant, in `SweepResult.variantNames` order.
        public var variants: [VariantResult]
    }

    public var scenario: Scenario
    /// One per cache size, in the order given (at least one).
    public var points: [Point]
    /// The swept variants, in the scenario's order: every point's, by name.
    public var variantNames: [String] { points[0].variants.map(\.name) }
    /// Requests simulated (each variant at each size saw all of them).
    public var requests: Int
    /// Lines the workload's reader skipped (counted, never silent).
    public var skips: SkipLog
    /// Access-log records that went back in time and were given the previous record's time, and
    /// the largest such step back in µs (as `RunResult`'s).
    public var clamped: Int
    public var largestClamp: Int64
    /// Which thread replayed what, on several threads (nil on one).
    public var layout: ThreadLayout?
    /// The trace's working set, when a size was a share of it (counted in a pass of its own).
    public var workingSet: WorkingSet?
}

extension ScenarioRun {
    /// Runs each variant of `scenario` (the named ones when `only` is set) once per cache size in
    /// `capacities`, all in one pass over the trace: every (variant, size) pair is a unit of its
    /// own, with caches of that size, so its counts are exactly those of a `run` of the scenario
    /// with its POPs' capacities set to that size — and the pairs spread over `options.threads`.
    /// When a size is a share of the working set, a pass over the trace counts it first
    /// (`workingSet(of:progress:)`, reporting to `countingProgress`).
    /// - Throws: `RunError` for an unknown variant, a size that cannot be applied (a share of a
    ///   piped trace's working set, or of one with a request of unknown size), bad input in the
    ///   trace, or an interruption (as `run`).
    public static func sweep(_ scenario: Scenario, capacities: [SweepCapacity], only: [String]? = nil,
                             progress: ((Int) -> Void)? = nil, countingProgress: ((_ read: Int, _ done: Bool) -> Void)? = nil,
                             fault: RunFault? = nil,
                             options: SimulationOptions = SimulationOptions()) throws(RunError) -> SweepResult {
        precondition(!capacities.isEmpty, "a sweep needs at least one cache size")
        precondition(options.shard == nil && !options.countURLs && options.sampleURL == nil, "a sweep runs whole, counting no URLs")
        let config = scenario.config
        if let only {
            for name in only where !config.variants.contains(where: { $0.name == name }) {
                throw RunError("\(scenario.file): no variant named \"\(name)\" (variants: \(config.variants.map(\.name).joined(separator: ", ")))")
            }
        }
        let chosen = config.variants.filter { only?.contains($0.name) ?? true }
        let workingSet = capacities.contains(where: \.isShare) ? try Self.workingSet(of: scenario, progress: countingProgress) : nil
        var perSize: [[Int64]] = []
        for c in capacities {
            do { perSize.append(try c.capacities(of: config.pops, workingSet: workingSet)) } catch { throw RunError("--capacity: \(error)") }
        }
        // Each copy is named for its variant and size (`pass-through @ 10GB`: what `--stats`'
        // layout shows), and the events meant for a variant are meant for each of its copies:
        // the copies differ only in their capacities.
        func copyName(_ variant: String, _ size: SweepCapacity) -> String { "\(variant) @ \(size.text)" }
        var swept = scenario
        swept.config.variants = zip(capacities, perSize).flatMap { size, caps in
            chosen.map { v in
                var copy = v
                copy.name = copyName(v.name, size)
                copy.capacities = caps
                return copy
            }
        }
        for e in swept.config.events.indices {
            swept.config.events[e].variants = swept.config.events[e].variants.map { names in
                capacities.flatMap { size in names.map { copyName($0, size) } }
            }
        }
        let result = try run(swept, progress: progress, fault: fault, options: options)
        let n = chosen.count
        let points = capacities.indices.map { i in
            // Under their variants' own names again: a point holds the scenario's variants at a size.
            let variants = chosen.indices.map { k in
                var r = result.variants[i * n + k]
                r.name = chosen[k].name
                return r
            }
            return SweepResult.Point(capacity: capacities[i], popCapacities: perSize[i], variants: variants)
        }
        return SweepResult(scenario: scenario, points: points, requests: result.requests,
                           skips: result.skips, clamped: result.clamped, largestClamp: result.largestClamp, layout: result.layout,
                           workingSet: workingSet)
    }

    /// The trace's working set as `popsim cachesim` counts it — its distinct URLs, each at the
    /// size of its first request of a size above 0 — read in a pass of its own, for cache sizes
    /// given as shares of it.
    ///
    /// A request the trace gives no size is counted at its origin's default object size when
    /// every origin has the same one (the size the run gives it); when they differ, which origin
    /// a URL goes to is only known once the run resolves it, so that is an error naming the
    /// request. A trace given as a pipe cannot be read twice: an error too.
    /// - Parameter progress: called at the start, every 65,536 requests read, and with `done` at
    ///   the end, when the count is every request of the trace.
    /// - Throws: `RunError` for those, for a reading error, or when SIGINT or SIGTERM arrived.
    public static func workingSet(of scenario: Scenario, progress: ((_ read: Int, _ done: Bool) -> Void)? = nil) throws(RunError) -> WorkingSet {
        let shareNote = "a cache size given as a share of the working set (1%, 0.01ws) takes a pass over the trace to count it"
        guard scenario.workload.canBeReadAgain else {
            throw RunError("\(scenario.workload): \(shareNote) before the sweep's own, and a pipe is read once: give the sizes in bytes or as multiples of the POPs' capacities (0.5x), or the trace as a file")
        }
        let defaults = Set(scenario.config.origins.map(\.defaultObjectBytes))
        let source: any TraceSource
        do { source = try scenario.workload.open() } catch { throw RunError("\(error)") }
        var counter = DenseWorkingSetCounter(ignoreObjectSize: false)
        var read = 0
        progress?(0, false)
        while true {
            let record: TraceRecord?
            do { record = try source.next() } catch { throw RunError("\(error)") }
            guard let r = record else { break }
            read += 1
            if read & 0xFFF == 0 {
                if read & 0xFFFF == 0 { progress?(read, false) }
                do { try Interruption.check(requests: read, time: nil) } catch { throw RunError(error) }
            }
            guard let size = r.bytes ?? (defaults.count == 1 ? defaults.first : nil) else {
                throw RunError("\(scenario.workload):\(r.line): bytes: the request gives no size and the scenario's origins differ in their default object size (\(defaults.sorted().map(String.init).joined(separator: ", ")) bytes), so its size is not known before the run; \(shareNote), each request at its size: give the sizes in bytes or as multiples of the POPs' capacities (0.5x)")
            }
            counter.add(Int(r.url), size: size)
        }
        progress?(read, true)
        return counter.workingSet
    }
}
