import Scenario
import Simulation
import Testing
import TestSupport
import Workload

/// Everything a variant's result holds that a report reads, as text: two results with the same
/// fingerprint print the same tables. The applied events leave out the variant's index (a
/// sweep's copies of a variant are numbered apart from the scenario's).
func fingerprint(_ v: VariantResult) -> String {
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
            ("1%", .share(0.01)),
            ("2.5%ws", .share(0.025)),
            ("0.01ws", .share(0.01)),
            ("150%", .share(1.5)),
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
            ("0%", "a percentage of the working set is a positive number before '%'"),
            ("ws", "a fraction of the working set is a positive number before 'ws'"),
          ])
    func refuses(text: String, reason: String) {
        #expect {
            _ = try SweepCapacity(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return message.contains(reason) && message.contains("\"\(text)\" is not a cache size")
                && (text.hasSuffix("x") || text.hasSuffix("%") || text.hasSuffix("ws") || message.contains("or a multiple of each POP's own capacity"))
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
        // Every POP rounded down to 0 bytes is "no cache" written another way, refused as 0x is.
        #expect {
            _ = try SweepCapacity(parsing: "0.1x").capacities(of: [pops[1]])
        } throws: { "\($0)".contains("every POP's capacity times it rounds to 0 bytes") }
        #expect(try SweepCapacity(parsing: "1x").capacities(of: pops) == [1_000_000_000, 3, Int64.max], "1× of the largest capacity is itself")
        // POPs that cache nothing (capacity 0): any multiple is the scenario's own, not a rounding (QA pass, stop 33).
        let none = [POPSpec(id: "z", capacityBytes: 0, originRTT: 0), POPSpec(id: "y", capacityBytes: 0, originRTT: 0)]
        #expect(try SweepCapacity(parsing: "1x").capacities(of: none) == [0, 0])
        #expect(try SweepCapacity(parsing: "2x").capacities(of: none) == [0, 0])
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

    /// A scenario of one origin (default object size `objectSize`, or two origins of 1,000 and
    /// 2,000 bytes when nil) and a CSV trace with a bytes column, in `dir`.
    private func shareScenario(in dir: String, trace: String, objectSize: String? = "1000B", pipe: Bool = false) throws -> Scenario {
        try trace.write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
        let origins = objectSize.map { #"[{"id": "o", "type": "oss", "objectSize": "\#($0)"}]"# }
            ?? #"[{"id": "o", "type": "oss", "objectSize": "1000B"}, {"id": "p", "type": "oss", "objectSize": "2000B"}]"#
        let json = """
        {"version": 1, "name": "shares", "seed": 1,
         "pops": [{"id": "a", "capacity": "1GB", "originRTT": "10ms"}, {"id": "b", "capacity": "2GB", "originRTT": "10ms"}],
         "origins": \(origins),
         "domains": [{"host": "cdn.example.com", "origin": "o", "ttl": "1d"}],
         "variants": {"pass-through": {"description": "as the bucket says"}},
         "workload": {"trace": "\(pipe ? "/dev/stdin" : "t.csv")"}}
        """
        try json.write(toFile: dir + "/s.json", atomically: true, encoding: .utf8)
        return try Scenario.load(path: dir + "/s.json")
    }

    @Test("a share of the working set: the trace's distinct URLs at their first request's size (hand-counted), the size-0 ones left out, a missing size at the origins' default; every POP gets the share, and the sweep equals runs at those bytes")
    func shares() throws {
        let dir = try makeTemporaryDirectory()
        // a: 100 B first (then 150 B: the first counts); b: 200 B; c: 0 B (left out, as cachesim
        // leaves size-0 requests out); d: no size, so the origin's default 1,000 B. 1,300 B, 3 URLs.
        let trace = """
        t,pop,url,origin,kind,method,credentials,bytes
        0,a,https://cdn.example.com/a,https://www.example.com,font,GET,,100
        1,b,https://cdn.example.com/b,https://shop.example.com,font,GET,,200
        2,a,https://cdn.example.com/a,https://shop.example.com,font,GET,,150
        3,b,https://cdn.example.com/c,https://www.example.com,img-cors,GET,,0
        4,a,https://cdn.example.com/d,https://www.example.com,font,GET,,
        5,b,https://cdn.example.com/a,https://www.example.com,font,GET,,100
        """
        let scenario = try shareScenario(in: dir, trace: trace)
        #expect(try ScenarioRun.workingSet(of: scenario) == WorkingSet(objects: 3, bytes: 1_300))
        let sizes = try SweepCapacity.list("10%,50%ws,0.5ws,2x")
        let sweep = try ScenarioRun.sweep(scenario, capacities: sizes)
        #expect(sweep.workingSet == WorkingSet(objects: 3, bytes: 1_300))
        #expect(sweep.points.map(\.popCapacities) == [[130, 130], [650, 650], [650, 650], [2_000_000_000, 4_000_000_000]])
        for point in sweep.points {
            let run = try ScenarioRun.run(withCapacities(scenario, point.popCapacities))
            #expect(point.variants.map(fingerprint) == run.variants.map(fingerprint), "\(point.capacity)")
        }
        // Without a share, no pass counts the working set.
        #expect(try ScenarioRun.sweep(scenario, capacities: SweepCapacity.list("1KB")).workingSet == nil)
    }

    @Test("a share is refused when a request has no size and the origins' default sizes differ (naming the request), and for a trace through a pipe")
    func sharesRefused() throws {
        let dir = try makeTemporaryDirectory()
        let trace = """
        t,pop,url,origin,kind,method,credentials,bytes
        0,a,https://cdn.example.com/a,https://www.example.com,font,GET,,100
        1,b,https://cdn.example.com/b,https://shop.example.com,font,GET,,
        """
        let twoDefaults = try shareScenario(in: dir, trace: trace, objectSize: nil)
        #expect {
            _ = try ScenarioRun.sweep(twoDefaults, capacities: SweepCapacity.list("10%"))
        } throws: { error in
            let m = "\(error)"
            return m.contains("t.csv:3: bytes: the request gives no size and the scenario's origins differ in their default object size (1000, 2000 bytes)")
        }
        // The same trace with sizes in bytes sweeps.
        #expect(try ScenarioRun.sweep(twoDefaults, capacities: SweepCapacity.list("1KB")).points.count == 1)
        let piped = try shareScenario(in: dir, trace: trace, pipe: true)
        #expect {
            _ = try ScenarioRun.sweep(piped, capacities: SweepCapacity.list("1GB,10%"))
        } throws: { "\($0)".contains("/dev/stdin: a cache size given as a share of the working set (1%, 0.01ws) takes a pass over the trace to count it before the sweep's own, and a pipe is read once") }
    }
}
