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
    public var requests: Int
    /// The strings behind ids (origins, URLs) for reports.
    public var catalog: Catalog
    /// Lines the workload's reader skipped (counted, never silent).
    public var skips: SkipLog
}

/// Reads a scenario's trace and feeds it to a simulation, resolving names to indices once.
public enum ScenarioRun {
    /// Runs `scenario` (only the named variants when `only` is set).
    /// - Parameters:
    ///   - observer: sees every request's outcome, in arrival order per variant.
    ///   - catalogReady: receives the catalog before the first request, so an observer can name ids.
    public static func run(_ scenario: Scenario, only: [String]? = nil,
                           observer: ((RequestOutcome) -> Void)? = nil,
                           catalogReady: ((Catalog) -> Void)? = nil,
                           progress: ((Int) -> Void)? = nil) throws(RunError) -> RunResult {
        if let only {
            for name in only where !scenario.config.variants.contains(where: { $0.name == name }) {
                throw RunError("\(scenario.file): no variant named \"\(name)\" (variants: \(scenario.config.variants.map(\.name).joined(separator: ", ")))")
            }
        }
        let catalog = Catalog(domainHosts: scenario.config.domains.map(\.host))
        catalogReady?(catalog)
        let simulation = Simulation(config: scenario.config, catalog: catalog, only: only, observer: observer)
        let reader: any TraceSource
        do { reader = try scenario.workload.open() } catch { throw RunError("\(error)") }

        var popOf: [Int] = []
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
            while popOf.count < reader.pops.count {
                let name = reader.pops.string(UInt32(popOf.count))
                popOf.append(scenario.config.pops.firstIndex { $0.id == name } ?? -1)
            }
            let pop = popOf[Int(r.pop)]
            guard pop >= 0 else {
                throw fail("pop", "unknown POP \"\(reader.pops.string(r.pop))\" (POPs: \(scenario.config.pops.map(\.id).joined(separator: ", ")))")
            }
            while urlOf.count < reader.urls.count {
                do { urlOf.append(try catalog.addURL(reader.urls.string(UInt32(urlOf.count)))) } catch { throw fail("url", error.reason + " (\"\(error.url)\")") }
            }
            var origin: UInt32? = nil
            if let o = r.origin {
                while originOf.count < reader.origins.count {
                    let text = reader.origins.string(UInt32(originOf.count))
                    guard let parsed = try? WebOrigin(parsing: text) else { throw fail("origin", "\"\(text)\" is not a serialised origin") }
                    originOf.append(catalog.addOrigin(parsed))
                }
                origin = originOf[Int(o)]
            }
            while methodOf.count < reader.methods.count {
                let m = reader.methods.string(UInt32(methodOf.count))
                methodOf.append(m == "GET" ? 0 : catalog.addMethod(m))
            }
            let request = SimRequest(seq: seq, time: SimTime(microseconds: r.time), pop: pop, url: urlOf[Int(r.url)],
                                     origin: origin, kind: r.kind, credentials: r.credentials,
                                     method: methodOf[Int(r.method)], bytes: r.bytes)
            simulation.process(request)
            seq += 1
            if seq & 0xFFFF == 0 { progress?(seq) }
        }
        return RunResult(scenario: scenario, variants: simulation.finish(), requests: seq, catalog: catalog, skips: reader.skips)
    }
}
