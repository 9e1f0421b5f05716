import HTTPModel
import Scenario
import Simulation
import Workload

/// The run summary, for people (text) and for programs (`summary.json`).
public enum Summary {
    /// The variant to recommend: fewest CORS failures, then highest hit ratio, then fewest origin fetches.
    public static func best(_ result: RunResult) -> Int? { best(result.variants) }

    /// The index of the variant to recommend among `variants` (the first of equals).
    public static func best(_ variants: [VariantResult]) -> Int? {
        variants.indices.min { a, b in
            let x = variants[a].total, y = variants[b].total
            return (x.failureRate, -x.hitRatio, x.originFetches, a) < (y.failureRate, -y.hitRatio, y.originFetches, b)
        }
    }

    /// What the reader skipped or adjusted, one line each; empty when nothing (never silent).
    static func workloadNotes(_ result: RunResult) -> String {
        workloadNotes(result.scenario, skips: result.skips, clamped: result.clamped, largestClamp: result.largestClamp)
    }

    /// The same notes from their parts (a sweep's too).
    static func workloadNotes(_ scenario: Scenario, skips: SkipLog, clamped: Int, largestClamp: Int64) -> String {
        var out = ""
        if skips.count > 0 { out += "workload \(scenario.workload): \(skips.summary)\n" }
        if clamped > 0 {
            out += "workload \(scenario.workload): \(clamped) request(s) went back in time (by up to "
                + "\(formatDuration(largestClamp))) and were given the previous request's time\n"
        }
        return out
    }

    /// What `popsim run` prints.
    public static func text(_ result: RunResult) -> String {
        let pops = result.scenario.config.pops.count, variants = result.variants.count
        var out = "scenario \(result.scenario.name): \(result.requests) requests, \(pops) POP\(pops == 1 ? "" : "s"), "
            + "\(variants) variant\(variants == 1 ? "" : "s")\n"
        out += workloadNotes(result)
        for v in result.variants {
            let t = v.total
            out += "\nvariant \(v.name)"
            if let d = result.scenario.variantDescriptions[v.name], !d.isEmpty { out += " — \(d)" }
            out += "\n"
            out += "  CORS-checked \(t.corsChecked), failed \(t.corsFailures) (\(Format.percent(t.failureRate)))\n"
            for (reason, n) in v.failuresByReason.sorted(by: { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }) {
                out += "    \(reason.rawValue): \(n) — \(reason.explanation)\n"
            }
            let kinds = Breakdown.byKind(v).filter { $0.1.corsChecked > 0 }
            if !kinds.isEmpty {
                out += "  by kind: " + kinds.map { "\($0.0.rawValue) \($0.1.corsFailures)/\($0.1.corsChecked) failed" }.joined(separator: ", ") + "\n"
            }
            let origins = Breakdown.byPageOrigin(v, catalog: result.catalog).filter { $0.1.corsChecked > 0 }
            if origins.count > 1 {
                out += "  by page origin: " + origins.map { "\($0.0) \($0.1.corsFailures)/\($0.1.corsChecked)" }.joined(separator: ", ") + "\n"
            }
            out += "  cache: \(t.hits) hits, \(t.misses) misses (\(t.expired) expired, \(t.bypass) bypass), \(t.collapsed) collapsed; hit ratio \(Format.percent(t.hitRatio)), byte hit ratio \(Format.percent(t.byteHitRatio))\n"
            out += "  origin: \(t.originFetches) fetches, \(Format.bytes(t.originBytes)); \(t.preflights) preflights"
            if v.prefetchFetches > 0 { out += "; \(v.prefetchFetches) prefetches" }
            out += "\n"
            out += "  latency: p50 \(Format.millis(v.latency.percentile(50))), p95 \(Format.millis(v.latency.percentile(95))), p99 \(Format.millis(v.latency.percentile(99)))\n"
            if result.scenario.config.pops.count > 1 {
                var rows = [["POP", "requests", "checked", "failed", "rate", "hit ratio", "origin fetches"]]
                for (i, p) in v.perPOP.enumerated() where p.requests > 0 {
                    rows.append([result.scenario.config.pops[i].id, "\(p.requests)", "\(p.corsChecked)", "\(p.corsFailures)",
                                 Format.percent(p.failureRate), Format.percent(p.hitRatio), "\(p.originFetches)"])
                }
                out += Format.table(rows, rightAlign: [1, 2, 3, 4, 5, 6]).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
            }
        }
        return out
    }

    /// The comparison as rows: a header (`metric`, then each variant, the best marked ` (best)`),
    /// then one row per metric; reason rows are indented by two spaces. Text and HTML share it.
    public static func comparisonRows(_ result: RunResult) -> [[String]] {
        let best = Self.best(result)
        var header = ["metric"]
        for (i, v) in result.variants.enumerated() { header.append(v.name + (i == best ? " (best)" : "")) }
        func row(_ name: String, _ f: (VariantResult) -> String) -> [String] { [name] + result.variants.map(f) }
        var rows = [header,
                    row("requests") { "\($0.total.requests)" },
                    row("CORS-checked") { "\($0.total.corsChecked)" },
                    row("CORS failures") { "\($0.total.corsFailures)" },
                    row("failure rate") { Format.percent($0.total.failureRate) }]
        let reasons = Set(result.variants.flatMap { $0.failuresByReason.keys }).sorted()
        for reason in reasons { rows.append(row("  " + reason.rawValue) { "\($0.failuresByReason[reason] ?? 0)" }) }
        rows += [row("hit ratio") { Format.percent($0.total.hitRatio) },
                 row("byte hit ratio") { Format.percent($0.total.byteHitRatio) },
                 row("origin fetches") { "\($0.total.originFetches)" },
                 row("origin bytes") { Format.bytes($0.total.originBytes) },
                 row("collapsed") { "\($0.total.collapsed)" },
                 row("latency p95") { Format.millis($0.latency.percentile(95)) }]
        return rows
    }

    /// What `popsim compare` prints: one column per variant, the best marked.
    public static func comparison(_ result: RunResult) -> String {
        let rows = comparisonRows(result)
        var out = "scenario \(result.scenario.name): \(result.requests) requests through \(result.variants.count) variants\n"
        out += workloadNotes(result)
        out += "\n"
        out += Format.table(rows, rightAlign: Set(1..<rows[0].count))
        if let best = Self.best(result) {
            out += "\nbest: \(result.variants[best].name) (fewest CORS failures, then highest hit ratio)\n"
        }
        return out
    }

    /// `summary.json`: counts per variant (rates derived from them), per POP and per reason.
    public static func json(_ result: RunResult) -> String {
        let pops = result.scenario.config.pops
        var variants: [(String, JSONValue)] = []
        for v in result.variants {
            var fields = tallyFields(v.total)
            fields.append(("failuresByReason", .obj(v.failuresByReason.sorted { $0.key < $1.key }.map { ($0.key.rawValue, .int($0.value)) })))
            fields.append(("prefetchFetches", .int(v.prefetchFetches)))
            fields.append(("evictions", .int(v.evictions)))
            fields.append(("latencyMicroseconds", .obj([("p50", .int(v.latency.percentile(50))),
                                                        ("p95", .int(v.latency.percentile(95))),
                                                        ("p99", .int(v.latency.percentile(99)))])))
            fields.append(("pops", .obj(v.perPOP.enumerated().map { (pops[$0.offset].id, .obj(tallyFields($0.element))) })))
            fields.append(("byKind", .obj(Breakdown.byKind(v).map { ($0.0.rawValue, .obj(corsFields($0.1))) })))
            fields.append(("byPageOrigin", .obj(Breakdown.byPageOrigin(v, catalog: result.catalog).map { ($0.0, .obj(corsFields($0.1))) })))
            let window = result.scenario.config.window
            fields.append(("timeSeries", .arr(Breakdown.timeSeries(v).map { w in
                .obj([("windowStartMicroseconds", .int(w.windowStart * window))] + corsFields(w.tally)
                     + [("hits", .int(w.tally.hits)), ("misses", .int(w.tally.misses))])
            })))
            variants.append((v.name, .obj(fields)))
        }
        let root: JSONValue = .obj([
            ("popsimVersion", .str(popsimVersion)),
            ("scenario", .str(result.scenario.name)),
            ("scenarioHash", .str(result.scenario.contentHash)),
            ("seed", .int(result.scenario.config.seed)),
            ("requests", .int(result.requests)),
            ("skippedLines", .int(result.skips.count)),
        ] + (result.clamped > 0 ? [("clampedRequests", .int(result.clamped))] : []) + [
            ("best", Summary.best(result).map { .str(result.variants[$0].name) } ?? .null),
            ("variants", .obj(variants)),
        ])
        return root.serialized(indent: 2) + "\n"
    }

    static func corsFields(_ t: Tally) -> [(String, JSONValue)] {
        [("requests", .int(t.requests)), ("corsChecked", .int(t.corsChecked)), ("corsFailures", .int(t.corsFailures)),
         ("failureRate", .double(t.failureRate, decimals: 6))]
    }

    static func tallyFields(_ t: Tally) -> [(String, JSONValue)] {
        [("requests", .int(t.requests)),
         ("corsChecked", .int(t.corsChecked)),
         ("corsFailures", .int(t.corsFailures)),
         ("failureRate", .double(t.failureRate, decimals: 6)),
         ("hits", .int(t.hits)),
         ("misses", .int(t.misses)),
         ("collapsed", .int(t.collapsed)),
         ("expired", .int(t.expired)),
         ("bypass", .int(t.bypass)),
         ("hitRatio", .double(t.hitRatio, decimals: 6)),
         ("byteHitRatio", .double(t.byteHitRatio, decimals: 6)),
         ("originFetches", .int(t.originFetches)),
         ("originBytes", .int(t.originBytes)),
         ("preflights", .int(t.preflights))]
    }
}

/// The version every output names, so a result can say what produced it.
public let popsimVersion = "0.1.0"
