import HTTPModel
import Simulation
import Workload

/// A located problem in a run's input (the trace), as a user should read it.
public struct RunError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The results of replaying a scenario's workload through its variants.
public struct RunResult: Sendable {
    public var scenario: Scenario
    public var variants: [VariantResult]
    /// Requests simulated (in a shard, its part; the trace's requests otherwise).
    public var requests: Int
    /// The strings behind ids (origins, URLs) for reports.
    public var catalog: Catalog
    /// Lines the workload's reader skipped (counted, never silent).
    public var skips: SkipLog
    /// Requests the trace held (every shard reads them all).
    public var traceRequests: Int
    /// Requests and CORS-checked requests per URL id, when the run counted them (`countURLs`).
    public var urlRequests: [Int] = []
    public var urlChecked: [Int] = []
    /// Per variant, the first outcomes of the sampled URL (`sampleURL`), in request order.
    public var samples: [[RequestOutcome]] = []
    /// The part of the run this is, for a shard.
    public var shard: Shard? = nil
    /// Texts of URLs the catalog does not hold: a merge of shards keeps only the failing URLs'.
    public var urlTexts: [UInt32: String] = [:]

    /// The text of URL `id`.
    public func urlText(_ id: UInt32) -> String {
        if let t = urlTexts[id] { return t }
        return Int(id) < catalog.urls.count ? catalog.urls[Int(id)].text : ""
    }

    public init(scenario: Scenario, variants: [VariantResult], requests: Int, catalog: Catalog, skips: SkipLog, traceRequests: Int) {
        self.scenario = scenario
        self.variants = variants
        self.requests = requests
        self.catalog = catalog
        self.skips = skips
        self.traceRequests = traceRequests
    }
}

/// Reads a scenario's trace and feeds it to a simulation, resolving names to indices once.
public enum ScenarioRun {
    /// Runs `scenario` (only the named variants when `only` is set).
    /// - Parameters:
    ///   - observer: sees every request's outcome, in arrival order per variant (forces one thread).
    ///   - catalogReady: receives the catalog before the first request, so an observer can name ids.
    ///   - options: threads, a shard, per-URL counts, a sampled URL (see `SimulationOptions`).
    ///   - stopWhenSampled: stop reading once the sampled URL's outcomes are all in (the counts
    ///     then cover only the requests read; for the report's timeline, which needs no counts).
    public static func run(_ scenario: Scenario, only: [String]? = nil,
                           observer: ((RequestOutcome) -> Void)? = nil,
                           catalogReady: ((Catalog) -> Void)? = nil,
                           progress: ((Int) -> Void)? = nil,
                           options: SimulationOptions = SimulationOptions(),
                           stopWhenSampled: Bool = false) throws(RunError) -> RunResult {
        if let only {
            for name in only where !scenario.config.variants.contains(where: { $0.name == name }) {
                throw RunError("\(scenario.file): no variant named \"\(name)\" (variants: \(scenario.config.variants.map(\.name).joined(separator: ", ")))")
            }
        }
        let catalog = Catalog(domainHosts: scenario.config.domains.map(\.host))
        catalogReady?(catalog)
        let simulation = Simulation(config: scenario.config, catalog: catalog, only: only, observer: observer, options: options)
        let reader: any TraceSource
        do { reader = try scenario.workload.open() } catch { throw RunError("\(error)") }

        // Reader ids → catalog ids. Ids are dense in first-seen order, so a record's id is new
        // exactly when it is past the end of these tables: the reader's interners are read only then.
        var popOf: [Int] = []
        // Catalog ids of the reader's URLs: the reader's id plus a base while the catalog gets
        // URLs only from here (no lookup, no memory), else a table.
        var urlCount = 0
        var urlBase: Int? = nil
        var urlOf: [UInt32] = []
        var originOf: [UInt32] = []
        var methodOf: [UInt32] = []
        var seq = 0
        while true {
            let record: TraceRecord?
            do { record = try reader.next() } catch { throw RunError("\(error)") }
            guard let r = record else { break }
            func fail(_ column: String, _ message: String) -> RunError {
                RunError(TraceError(file: reader.sourceName, line: r.line, column: column, message: message).description)
            }
            if Int(r.pop) >= popOf.count {
                let pops = reader.pops
                while popOf.count < pops.count {
                    let name = pops.string(UInt32(popOf.count))
                    popOf.append(scenario.config.pops.firstIndex { $0.id == name } ?? -1)
                }
            }
            let pop = popOf[Int(r.pop)]
            guard pop >= 0 else {
                throw fail("pop", "unknown POP \"\(reader.pops.string(r.pop))\" (POPs: \(scenario.config.pops.map(\.id).joined(separator: ", ")))")
            }
            if Int(r.url) >= urlCount {
                let urls = reader.urls
                while urlCount < urls.count {
                    let id: UInt32
                    do { id = try catalog.addURL(urls.string(UInt32(urlCount))) } catch { throw fail("url", error.reason + " (\"\(error.url)\")") }
                    if urlCount == 0 { urlBase = Int(id) }
                    if let base = urlBase, Int(id) != urlCount + base {
                        // A prefetch added a URL in between: from now on, look ids up.
                        urlOf = (0..<urlCount).map { UInt32($0 + base) }
                        urlBase = nil
                    }
                    if urlBase == nil { urlOf.append(id) }
                    urlCount += 1
                }
            }
            var origin: UInt32? = nil
            if let o = r.origin {
                if Int(o) >= originOf.count {
                    let origins = reader.origins
                    while originOf.count < origins.count {
                        let text = origins.string(UInt32(originOf.count))
                        guard let parsed = try? WebOrigin(parsing: text) else { throw fail("origin", "\"\(text)\" is not a serialised origin") }
                        originOf.append(catalog.addOrigin(parsed))
                    }
                }
                origin = originOf[Int(o)]
            }
            if Int(r.method) >= methodOf.count {
                let methods = reader.methods
                while methodOf.count < methods.count {
                    let m = methods.string(UInt32(methodOf.count))
                    methodOf.append(m == "GET" ? 0 : catalog.addMethod(m))
                }
            }
            let url = urlBase.map { UInt32(Int(r.url) + $0) } ?? urlOf[Int(r.url)]
            let request = SimRequest(seq: seq, time: SimTime(microseconds: r.time), pop: pop, url: url,
                                     origin: origin, kind: r.kind, credentials: r.credentials,
                                     method: methodOf[Int(r.method)], bytes: r.bytes)
            simulation.process(request)
            seq += 1
            if seq & 0xFFFF == 0 { progress?(seq) }
            if stopWhenSampled && simulation.samplesComplete { break }
        }
        var result = RunResult(scenario: scenario, variants: simulation.finish(), requests: simulation.requestCount, catalog: catalog,
                               skips: reader.skips, traceRequests: seq)
        result.urlRequests = simulation.urlRequests
        result.urlChecked = simulation.urlChecked
        result.samples = simulation.samples
        result.shard = options.shard
        return result
    }
}
