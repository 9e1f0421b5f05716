import Scenario
import Simulation
import Testing
import TestSupport

@Suite("Replay paths")
struct ReplayPathTests {
    /// A one-thread run with one variant has one unit, which replays each batch in one call with
    /// its cache entries prefetched a few requests ahead (`VariantSimulator.replay(_:count:)`);
    /// with several variants each unit touches the chunk, then takes a call per request. Both
    /// must give the same result to the byte (prefetches change nothing a result depends on, and
    /// a key noted for the batch is used only while no response has made a URL vary on Origin
    /// since: without that check this test fails, the stress scenario honouring Vary).
    @Test("a variant replayed alone (one unit, batched with prefetches ahead) equals the same variant among all (a unit each, a call per request), on the stress scenario")
    func aloneEqualsAmongAll() throws {
        let dir = try makeTemporaryDirectory()
        let scenario = try Scenario.load(path: try writeStressScenario(in: dir, requests: 6_000))
        let names = scenario.config.variants.map(\.name)
        #expect(names.count > 1)
        let all = try ScenarioRun.run(scenario, options: SimulationOptions(threads: 1))
        for (i, name) in names.enumerated() {
            let alone = try ScenarioRun.run(scenario, only: [name], options: SimulationOptions(threads: 1))
            #expect(alone.variants.count == 1)
            #expect(alone.variants.map(fingerprint) == [fingerprint(all.variants[i])], "\(name)")
        }
        // The variants differ, or the comparison proves little.
        #expect(Set(all.variants.map { fingerprint($0).drop { $0 != " " } }).count > 1)
    }
}
