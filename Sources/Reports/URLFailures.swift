import HTTPModel
import Scenario
import Simulation
import Workload

/// Failures per URL and variant, collected from a run's observer so that the simulation itself
/// stays lean. Memory grows with distinct URLs × variants, never with trace length.
public final class URLFailures {
    /// Counts for one URL in one variant.
    public struct Counts: Sendable, Equatable {
        public var requests = 0
        public var corsChecked = 0
        public var corsFailures = 0
        public init() {}
    }

    private let variantNames: [String]
    /// [variant index in the scenario][url id]
    private var counts: [[Counts]]
    private var catalog: Catalog?

    /// - Parameter variantNames: the scenario's variants, in its order (outcomes name them by index).
    public init(variantNames: [String]) {
        self.variantNames = variantNames
        self.counts = Array(repeating: [], count: variantNames.count)
    }

    /// Gives the collector the run's catalog (for URL texts when sorting).
    public func catalogReady(_ catalog: Catalog) { self.catalog = catalog }

    /// Counts one outcome.
    /// - Complexity: amortised O(1).
    public func observe(_ o: RequestOutcome) {
        let u = Int(o.request.url)
        if counts[o.variant].count <= u {
            counts[o.variant].append(contentsOf: repeatElement(Counts(), count: u + 1 - counts[o.variant].count))
        }
        counts[o.variant][u].requests += 1
        if o.corsChecked { counts[o.variant][u].corsChecked += 1 }
        if o.verdict.reason != nil { counts[o.variant][u].corsFailures += 1 }
    }

    /// The counts for `url` in the variant named `variant` (zeros when it never appeared).
    public func tally(variant: String, url: UInt32) -> Counts {
        guard let v = variantNames.firstIndex(of: variant), Int(url) < counts[v].count else { return Counts() }
        return counts[v][Int(url)]
    }

    /// Failures of `url` summed over the variants.
    public func totalFailures(_ url: UInt32) -> Int {
        counts.reduce(0) { $0 + (Int(url) < $1.count ? $1[Int(url)].corsFailures : 0) }
    }

    /// URLs with at least one failure in some variant: most failures first, then by URL text.
    public var failing: [UInt32] {
        let n = counts.map(\.count).max() ?? 0
        var ranked: [(minusFailures: Int, text: String, id: UInt32)] = []
        for i in 0..<n {
            let id = UInt32(i)
            let f = totalFailures(id)
            if f > 0 { ranked.append((-f, catalog?.urls[i].text ?? "", id)) }
        }
        ranked.sort { a, b in (a.minusFailures, a.text, a.id) < (b.minusFailures, b.text, b.id) }
        return ranked.map(\.id)
    }

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

    /// Replays `scenario` a second time and narrates every request for `url` (all POPs).
    ///
    /// The first pass cannot know which URL will be the worst, and keeping every outcome of
    /// every URL would make memory grow with the trace; a second pass that keeps one URL's
    /// sentences costs time instead, only when a report is written.
    /// - Parameters:
    ///   - only: the variants to run (as in the first pass).
    ///   - limit: sentences kept per variant; the counts cover all requests.
    public static func collect(_ scenario: Scenario, only: [String]?, url: String, limit: Int = 40,
                               progress: ((Int) -> Void)? = nil) throws(RunError) -> Timeline {
        var catalog: Catalog? = nil
        var matches: [Bool] = []
        var byVariant: [Int: Variant] = [:]
        let result = try ScenarioRun.run(scenario, only: only, observer: { o in
            guard let catalog else { return }
            let id = Int(o.request.url)
            while matches.count <= id { matches.append(catalog.urls[matches.count].text == url) }
            guard matches[id] else { return }
            var v = byVariant[o.variant] ?? Variant(name: scenario.config.variants[o.variant].name, requests: 0, blocked: 0, lines: [])
            v.requests += 1
            if o.verdict.reason != nil { v.blocked += 1 }
            if v.lines.count < limit {
                let domain = scenario.config.domains[catalog.urls[id].domain]
                v.lines.append(Line(text: Explain.sentence(o, popName: scenario.config.pops[o.request.pop].id,
                                                           originName: scenario.config.origins[domain.origin].id, catalog: catalog),
                                    blocked: o.verdict.reason != nil))
            }
            byVariant[o.variant] = v
        }, catalogReady: { catalog = $0 }, progress: progress)
        let order = result.variants.compactMap { v in scenario.config.variants.firstIndex { $0.name == v.name } }
        return Timeline(url: url, variants: order.compactMap { byVariant[$0] })
    }
}
