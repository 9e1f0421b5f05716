import HTTPModel
@testable import Simulation
import Testing

/// The cache key of a URL is the first URL id with the same domain and path (and query): a path,
/// an absolute URL and another spelling of the host are one resource (DESIGN: cache keys). Until
/// a trace spells a URL a second way the driver skips the table of canonical keys; these tests
/// hold the shortcut to the table's results.
@Suite("Canonical cache keys")
struct CanonicalKeyTests {
    static let host = "cdn.example.com"

    static func config() -> SimulationConfig {
        SimulationConfig(pops: [POPSpec(id: "p0", capacityBytes: 1_000_000, originRTT: 40_000)], origins: [bucket()],
                         domains: [DomainSpec(host: host, origin: 0, defaultTTL: 86_400_000_000)],
                         variants: [VariantSpec(name: "query", policies: [CDNHeaderPolicy()]),
                                    VariantSpec(name: "no-query", policies: [CDNHeaderPolicy()], includeQueryInKey: false)])
    }

    /// Runs `urls` (one request a second, 1 kB each, page origin A) and returns each variant's
    /// cache statuses (with an observer) and totals (without one: the batched path).
    static func run(_ urls: [String], table: Bool) throws -> (statuses: [[CacheStatus]], totals: [Tally]) {
        var statuses: [[CacheStatus]] = [[], []]
        var totals: [Tally] = []
        for observed in [true, false] {
            let catalog = Catalog(domainHosts: [host])
            var options = SimulationOptions()
            options.tableEveryURL = table
            let sim = Simulation(config: config(), catalog: catalog,
                                 observer: observed ? { statuses[$0.variant].append($0.cache) } : nil, options: options)
            var ids: [String: UInt32] = [:]
            let origin = catalog.addOrigin(try WebOrigin(parsing: A))
            for (i, url) in urls.enumerated() {
                let id = try ids[url] ?? catalog.addURL(url)
                ids[url] = id
                sim.process(SimRequest(seq: i, time: SimTime(microseconds: Int64(i) * 1_000_000), pop: 0, url: id, origin: origin, kind: .font, bytes: 1000))
            }
            let results = sim.finish()
            if !observed { totals = results.map(\.total) }
        }
        return (statuses, totals)
    }

    @Test("a later spelling of an earlier URL finds its copy, after the shortcut ends (DESIGN: cache keys)")
    func laterSpellings() throws {
        let base = "https://\(Self.host)"
        let urls = ["\(base)/a", "\(base)/b", "\(base)/c", "/a", "HTTPS://CDN.Example.com/b", "http://\(Self.host)/c",
                    "\(base)/b?v=1", "\(base)/b?v=1", "\(base)/d?v=2", "\(base)/d", base, "\(base)/"]
        let (statuses, totals) = try Self.run(urls, table: false)
        // With the query in the key, /b?v=1 and /d?v=2 are resources of their own; without it,
        // they are /b (cached) and /d (the first spelling of it is the one with the query).
        #expect(statuses[0] == [.miss, .miss, .miss, .hit, .hit, .hit, .miss, .hit, .miss, .miss, .miss, .hit])
        #expect(statuses[1] == [.miss, .miss, .miss, .hit, .hit, .hit, .hit, .hit, .miss, .hit, .miss, .hit])
        #expect(totals.map(\.hits) == [5, 7])
        let table = try Self.run(urls, table: true)
        #expect(table.statuses == statuses && table.totals == totals)
    }

    @Test("the shortcut and the table agree on random traces of mixed spellings", arguments: [UInt64(1), 2, 3, 5, 8, 13, 21, 34])
    func randomTraces(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let base = "https://\(Self.host)"
        // One canonical spelling for a while (the shortcut holds), then any of these.
        let forms: [(String) -> String] = [
            { "\(base)/\($0)" }, { "/\($0)" }, { "HTTPS://CDN.EXAMPLE.COM/\($0)" }, { "http://\(Self.host)/\($0)" },
            { "\(base)/\($0)?v=1" }, { "\(base)/\($0)?v=2" }, { "/\($0)?v=1" }, { _ in base }, { _ in "\(base)?x=1" },
        ]
        let plain = Int(rng.next() % 60)
        var urls: [String] = []
        for i in 0..<200 {
            let path = "p\(rng.next() % 12)"
            urls.append(i < plain ? forms[0](path) : forms[Int(rng.next() % UInt64(forms.count))](path))
        }
        let shortcut = try Self.run(urls, table: false), table = try Self.run(urls, table: true)
        #expect(shortcut.statuses == table.statuses, "seed \(seed)")
        #expect(shortcut.totals == table.totals, "seed \(seed)")
        #expect(shortcut.totals[1].hits > 0)
    }
}
