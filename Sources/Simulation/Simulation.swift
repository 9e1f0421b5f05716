import HTTPModel

/// A run: every variant of a configuration fed the same requests, each in its own world.
///
/// Variants share nothing but the catalog, so a run's results per variant are the same whether
/// variants run together or alone, and the same on every machine.
public final class Simulation {
    public let config: SimulationConfig
    public let catalog: Catalog
    private var variants: [VariantSimulator]
    private var lastTime = SimTime.zero
    public private(set) var requestCount = 0

    /// - Parameters:
    ///   - only: names of the variants to run (nil: all), in the configuration's order.
    ///   - observer: called with every request's outcome (audit logs, timelines); nil costs nothing.
    public init(config: SimulationConfig, catalog: Catalog, only: [String]? = nil,
                observer: ((RequestOutcome) -> Void)? = nil) {
        self.config = config
        self.catalog = catalog
        self.variants = config.variants.indices
            .filter { only == nil || only!.contains(config.variants[$0].name) }
            .map { VariantSimulator(index: $0, config: config, catalog: catalog) }
        for v in variants { v.observer = observer }
    }

    /// The names of the variants this run simulates, in order.
    public var variantNames: [String] { variants.map(\.spec.name) }

    /// Replays one request in every variant. Requests must come in time order.
    public func process(_ request: SimRequest) {
        InternalError.check(request.time >= lastTime, "time went backwards: request \(request.seq) at \(request.time.microseconds) µs after \(lastTime.microseconds) µs")
        lastTime = request.time
        requestCount += 1
        for v in variants { v.handle(request) }
    }

    /// Runs what is left in the queues and returns the results, after checking the invariants
    /// every run must hold (a violation is a bug in popsim, never a result).
    public func finish() -> [VariantResult] {
        variants.map { v in
            v.finish()
            var r = v.result
            r.appliedEvents = v.applied
            r.evictions = v.evictionCount
            Self.checkInvariants(r, requests: requestCount, hasParentTier: config.pops.contains { $0.parent != nil },
                                 cacheBytes: v.cacheBytes)
            return r
        }
    }
}
