import Scenario
import Simulation
import Testing
import TestSupport
import Workload

/// Everything a variant's result holds that a report reads, as text: two results with the same
/// fingerprint print the same tables. The applied events leave out the variant's index (a
/// sweep's copies of a variant are numbered apart from the scenario's).
private func fingerprint(_ v: VariantResult) -> String {
    let cells = v.cells.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
    let reasons = v.failuresByReason.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }
    let events = v.appliedEvents.map { "\($0.time.microseconds) \($0.pop) \($0.label) \($0.removed) \($0.ordinal)" }
    let latency = [0.0, 25, 50, 90, 95, 99, 100].map { v.latency.percentile($0) }
    return "\(v.name) \(v.total) \(v.perPOP) \(reasons) \(cells) \(latency) \(v.latency.count) evictions \(v.evictions) "
        + "prefetches \(v.prefetchFetches) \(events) peak \(v.peakBytes) resident \(v.residentObjects) \(v.failuresByURL)"
}

/// `scenario` with every POP's capacity set as `capacities` says (by POP index).
private func withCapacities(_ scenario: Scenario, _ capacities: [Int64]) -> Scenario {
    var s = scenario
    for p in s.config.pops.indices { s.config.pops[p].capacityBytes = capacities[p] }
    return s
}

@Suite("Capacity sweep")
struct CapacitySweepTests {
    @Test("cache sizes parse as written: bytes as scenario files write them, multiples in exact decimals",
          arguments: [
            ("10GB", SweepCapacity.Size.bytes(10_000_000_000)),
            ("512MiB", .bytes(512 << 20)),
            ("1000000", .bytes(1_000_000)),
            ("0", .bytes(0)),
            ("1.5GB", .bytes(1_500_000_000)),
            ("0.5x", .factor(numerator: 5, denominator: 10)),
            ("2X", .factor(numerator: 2, denominator: 1)),
            ("0.125x", .factor(numerator: 125, denominator: 1000)),
            (".5x", .factor(numerator: 5, denominator: 10)),
          ])
    func parses(text: String, size: SweepCapacity.Size) throws {
        let c = try SweepCapacity(parsing: text)
        #expect(c.size == size)
        #expect(c.text == text, "the label is the size as written")
    }

    @Test("what is not a cache size is refused, saying why and what would do",
          arguments: [
            ("", "empty"),
            ("ten", "does not start with a number"),
            ("-1GB", "negative"),
            ("1.5", "not a whole number of bytes"),
            ("5GBs", "unknown unit \"GBs\""),
            ("0x", "must be above 0"),
            ("x", "before 'x' is not a decimal number"),
            ("1.2.3x", "before 'x' is not a decimal number"),
            ("-2x", "before 'x' is not a decimal number"),
            ("1234567890123456789x", "more than 18 digits"),
          ])
    func refuses(text: String, reason: String) {
        #expect {
            _ = try SweepCapacity(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return message.contains(reason) && message.contains("\"\(text)\" is not a cache size")
                && (text.hasSuffix("x") || message.contains("or a multiple of each POP's own capacity"))
        }
    }

    @Test("a list keeps its order and duplicates, drops spaces around items; an empty item is refused")
    func lists() throws {
        #expect(try SweepCapacity.list("10GB,0.5x,10GB").map(\.text) == ["10GB", "0.5x", "10GB"])
        #expect(try SweepCapacity.list("1GB, 2GB ,  0.5x").map(\.text) == ["1GB", "2GB", "0.5x"], "spaces around items go, as cachesim drops them")
        #expect(throws: QuantityError.self) { try SweepCapacity.list("1GB, ,2GB") }
        #expect(throws: QuantityError.self) { try SweepCapacity.list("1GB,,2GB") }
        #expect(throws: QuantityError.self) { try SweepCapacity.list("1GB,") }
        #expect(throws: QuantityError.self) { try SweepCapacity.list("1GB,huge") }
    }

    @Test("a size gives every POP that size; a multiple scales each POP's own, rounded down, exactly")
    func capacities() throws {
        let pops = [POPSpec(id: "a", capacityBytes: 1_000_000_000, originRTT: 0), POPSpec(id: "b", capacityBytes: 3, originRTT: 0),
                    POPSpec(id: "c", capacityBytes: Int64.max, originRTT: 0)]
        #expect(try SweepCapacity(parsing: "5MB").capacities(of: pops) == [5_000_000, 5_000_000, 5_000_000])
        // 0.1 × 1 GB is 100 MB to the byte (as a double, 0.1 × 1e9 is 100000000.00000001); 0.5 × 3 rounds down to 1.
        #expect(try SweepCapacity(parsing: "0.1x").capacities(of: Array(pops.prefix(2))) == [100_000_000, 0])
        #expect(try SweepCapacity(parsing: "0.5x").capacities(of: Array(pops.prefix(2))) == [500_000_000, 1])
        #expect(try SweepCapacity(parsing: "1x").capacities(of: pops) == [1_000_000_000, 3, Int64.max], "1× of the largest capacity is itself")
        #expect {
            _ = try SweepCapacity(parsing: "2x").capacities(of: pops)
        } throws: { "\($0)".contains("POP c's capacity \(Int64.max) bytes times it is past 2^63 − 1 bytes") }
    }

    @Test("each (variant, size) of a sweep is exactly a run of the scenario at that size — events, parents, prefetches, Vary — on 1 and 3 threads")
    func sweepEqualsRuns() throws {
        let dir = try makeTemporaryDirectory()
        let scenario = try Scenario.load(path: try writeStressScenario(in: dir, requests: 6_000))
        let sizes = try SweepCapacity.list("0,1MB,0.5x,1x,10TB")
        var expected: [[String]] = []
        for size in sizes {
            let run = try ScenarioRun.run(withCapacities(scenario, try size.capacities(of: scenario.config.pops)))
            expected.append(run.variants.map(fingerprint))
        }
        // The sizes must change the outcome, or the comparison proves little.
        #expect(Set(expected.map { $0.joined() }).count == sizes.count)
        for threads in [1, 3] {
            let sweep = try ScenarioRun.sweep(scenario, capacities: sizes, options: SimulationOptions(threads: threads))
            #expect(sweep.variantNames == scenario.config.variants.map(\.name))
            #expect(sweep.requests == 6_000)
            #expect(sweep.points.map(\.capacity) == sizes)
            #expect(sweep.points[2].popCapacities == scenario.config.pops.map { $0.capacityBytes / 2 })
            for (i, point) in sweep.points.enumerated() {
                #expect(point.variants.map(fingerprint) == expected[i], "size \(sizes[i]) on \(threads) thread(s)")
            }
        }
    }

    @Test("--variant picks variants (in the scenario's order); an unknown one is refused, naming the variants")
    func only() throws {
        let dir = try makeTemporaryDirectory()
        let scenario = try Scenario.load(path: try writeStressScenario(in: dir, requests: 2_000))
        let sizes = try SweepCapacity.list("1MB,1x")
        let sweep = try ScenarioRun.sweep(scenario, capacities: sizes, only: ["honour", "pass-through"])
        #expect(sweep.variantNames == ["pass-through", "honour"])
        let whole = try ScenarioRun.sweep(scenario, capacities: sizes)
        for (i, point) in sweep.points.enumerated() {
            #expect(point.variants.map(fingerprint) == [whole.points[i].variants[0], whole.points[i].variants[3]].map(fingerprint))
        }
        #expect {
            _ = try ScenarioRun.sweep(scenario, capacities: sizes, only: ["nope"])
        } throws: { "\($0)".contains("no variant named \"nope\" (variants: pass-through, cdn-list, star-origin-key, honour, bypass-serve-all)") }
    }
}
