import HTTPModel
import Scenario
import Simulation
import Workload

/// Failures per URL and variant, from a run's per-URL counts (`SimulationOptions.countURLs`):
/// requests and CORS-checked requests per URL (the same in every variant), failures per URL and
/// variant. Memory grows with distinct URLs × variants, never with trace length.
public final class URLFailures: Sendable {
    /// Counts for one URL in one variant.
    public struct Counts: Sendable, Equatable {
        public var requests = 0
        public var corsChecked = 0
        public var corsFailures = 0
        public init() {}
    }

    private let variantNames: [String]
    private let requests: [Int]
    private let checked: [Int]
    /// [variant, in `variantNames` order][url id]; ids past the end have none.
    private let failures: [[Int]]
    /// URLs with at least one failure in some variant: most failures first, then by text.
    public let failing: [UInt32]
    /// The text of every failing URL.
    private let texts: [UInt32: String]

    /// The counts of a run (or of merged shards): `result.urlRequests`, `result.urlChecked`
    /// and each variant's `failuresByURL`; texts from the run's catalog.
    public convenience init(result: RunResult) {
        self.init(variantNames: result.variants.map(\.name), requests: result.urlRequests, checked: result.urlChecked,
                  failures: result.variants.map(\.failuresByURL)) { result.urlText($0) }
    }

    /// - Parameter text: the text of a URL id (asked only for URLs that failed).
    public init(variantNames: [String], requests: [Int], checked: [Int], failures: [[Int]], text: (UInt32) -> String) {
        self.variantNames = variantNames
        self.requests = requests
        self.checked = checked
        self.failures = failures
        var totals: [Int] = []
        for f in failures {
            if totals.count < f.count { totals.append(contentsOf: repeatElement(0, count: f.count - totals.count)) }
            for (u, n) in f.enumerated() where n != 0 { totals[u] += n }
        }
        var texts: [UInt32: String] = [:]
        var ranked: [(minusFailures: Int, text: String, id: UInt32)] = []
        for (u, f) in totals.enumerated() where f > 0 {
            let t = text(UInt32(u))
            texts[UInt32(u)] = t
            ranked.append((-f, t, UInt32(u)))
        }
        ranked.sort { a, b in (a.minusFailures, a.text, a.id) < (b.minusFailures, b.text, b.id) }
        self.failing = ranked.map(\.id)
        self.texts = texts
    }

    /// The counts for `url` in the variant named `variant` (zeros when it never appeared).
    public func tally(variant: String, url: UInt32) -> Counts {
        guard let v = variantNames.firstIndex(of: variant) else { return Counts() }
        let u = Int(url)
        var c = Counts()
        c.requests = u < requests.count ? requests[u] : 0
        c.corsChecked = u < checked.count ? checked[u] : 0
        c.corsFailures = u < failures[v].count ? failures[v][u] : 0
        return c
    }

    /// Failures of `url` summed over the variants.
    public func totalFailures(_ url: UInt32) -> Int {
        failures.reduce(0) { $0 + (Int(url) < $1.count ? $1[Int(url)] : 0) }
    }

    /// The text of a failing URL.
    public func text(_ url: UInt32) -> String { texts[url] ?? "" }

    /// The URL that failed most (nil when nothing failed).
    public var worst: UInt32? { failing.first }
}

/// One URL's narrated timeline per variant: `popsim explain` for the report.
public struct Timeline: Sendable {
    /// One request, narrated.
    public struct Line: Sendable, Equatable {
        public var text: String
        public var blocked: Bool
    }

    public struct Variant: Sendable {
        public var name: String
        public var requests: Int
        public var blocked: Int
        /// The first sentences (at most the limit given when collecting).
        public var lines: [Line]
    }

    public var url: String
    public var variants: [Variant]

    /// Replays `scenario` a second time and narrates the first requests for URL `url` (all POPs).
    ///
    /// The first pass cannot know which URL will be the worst, and keeping every outcome of
    /// every URL would make memory grow with the trace; a second pass keeps one URL's first
    /// `limit` outcomes per variant and stops reading once it has them (the counts come from the
    /// first pass), so it costs only the part of the trace up to that URL's `limit`-th request.
    /// - Parameters:
    ///   - only: the variants to run (as in the first pass).
    ///   - urls: the first pass's per-URL counts, for the requests and blocked loads per variant.
    ///   - limit: sentences kept per variant.
    ///   - threads: threads for the replay (the result does not depend on it).
    ///   - traceDigest: the digest of the trace the counts came from (a merge's: its shards
    ///     read it), or nil. Given, the trace is read to its end (not simulated past the URL's
    ///     `limit`-th request) and refused unless its digest is this one: a trace changed since
    ///     would narrate requests the counts never saw.
    public static func collect(_ scenario: Scenario, only: [String]?, url: UInt32, urls: URLFailures, limit: Int = 40,
                               threads: Int = 1, progress: ((Int) -> Void)? = nil, traceDigest: UInt64? = nil) throws(RunError) -> Timeline {
        let text = urls.text(url)
        let options = SimulationOptions(threads: threads, sampleURL: text, sampleLimit: limit)
        let result = try ScenarioRun.run(scenario, only: only, progress: progress, options: options, stopWhenSampled: true,
                                         digestingToEnd: traceDigest != nil)
        if let expected = traceDigest, result.traceDigest != expected {
            throw RunError("\(scenario.workload.description) is not the trace the shards read (its digest is \(hex64(result.traceDigest)), "
                           + "the parts say \(hex64(expected))): it changed since they ran, and the report's timeline would narrate "
                           + "requests their counts never saw; restore it, or merge with --no-timeline")
        }
        let catalog = result.catalog
        var variants: [Variant] = []
        for (i, v) in result.variants.enumerated() where !result.samples[i].isEmpty {
            let counts = urls.tally(variant: v.name, url: url)
            let lines = result.samples[i].map { o in
                let domain = scenario.config.domains[catalog.urls[Int(o.request.url)].domain]
                return Line(text: Explain.sentence(o, pop: scenario.config.pops[o.request.pop],
                                                   originName: scenario.config.origins[domain.origin].id, catalog: catalog),
                            blocked: o.verdict.reason != nil)
            }
            variants.append(Variant(name: v.name, requests: counts.requests, blocked: counts.corsFailures, lines: lines))
        }
        return Timeline(url: text, variants: variants)
    }
}
