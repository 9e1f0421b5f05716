import Scenario
import Simulation
import Workload

/// A capacity sweep for people (a table) and for programs (`sweep.csv`), and its curves: CORS
/// failure rate and hit ratio against cache size, a line per variant.
public enum SweepReport {
    /// The POPs' capacities at a point, in words: one size when every POP has it, else the sum.
    static func capacityText(_ capacities: [Int64]) -> String {
        guard let each = uniformCapacity(capacities) else { return "\(Format.bytes(total(capacities))) in all" }
        return capacities.count == 1 ? Format.bytes(each) : "each \(Format.bytes(each))"
    }

    /// The POPs' capacities summed, at most 2^63 − 1 (each may be that large).
    static func total(_ capacities: [Int64]) -> Int64 {
        capacities.reduce(0) { sum, c in
            let (s, overflow) = sum.addingReportingOverflow(c)
            return overflow ? .max : s
        }
    }

    /// The capacity every POP has at a point, or nil when they differ.
    static func uniformCapacity(_ capacities: [Int64]) -> Int64? {
        guard let first = capacities.first, capacities.allSatisfy({ $0 == first }) else { return nil }
        return first
    }

    /// The rows of the table and the CSV: variant by variant, the sizes in the order given.
    static func rows(_ r: SweepResult) -> [(variant: String, point: SweepResult.Point, result: VariantResult)] {
        r.variantNames.indices.flatMap { v in r.points.map { (variant: r.variantNames[v], point: $0, result: $0.variants[v]) } }
    }

    /// What `popsim sweep` prints.
    public static func text(_ r: SweepResult) -> String {
        let pops = r.scenario.config.pops.count, variants = r.variantNames.count, sizes = r.points.count
        var out = "scenario \(r.scenario.name): \(r.requests) requests, \(pops) POP\(pops == 1 ? "" : "s"), "
            + "\(variants) variant\(variants == 1 ? "" : "s") × \(sizes) cache size\(sizes == 1 ? "" : "s")\n"
        out += Summary.workloadNotes(r.scenario, skips: r.skips, clamped: r.clamped, largestClamp: r.largestClamp)
        if let ws = r.workingSet {
            // What the shares are of, as `popsim cachesim` prints it.
            out += "working set: \(ws.objects) URL\(ws.objects == 1 ? "" : "s"), \(ws.bytes) bytes (\(Format.bytes(ws.bytes))), counted in a pass before the sweep; "
                + "a share of it is every POP's cache size\n"
        }
        var table = [["variant", "cache size", "capacity", "CORS-checked", "failed", "failure rate", "hit ratio", "byte hit ratio",
                      "origin fetches", "origin bytes", "p95 latency"]]
        for row in rows(r) {
            let t = row.result.total
            table.append([row.variant, row.point.capacity.text, capacityText(row.point.popCapacities), "\(t.corsChecked)", "\(t.corsFailures)",
                          Format.percent(t.failureRate), Format.percent(t.hitRatio), Format.percent(t.byteHitRatio),
                          "\(t.originFetches)", Format.bytes(t.originBytes), Format.millis(row.result.latency.percentile(95))])
        }
        out += "\n" + Format.table(table, rightAlign: [3, 4, 5, 6, 7, 8, 9, 10])
        if variants > 1 { out += "\n" + bestLine(r) + "\n" }
        return out
    }

    /// Which variant `compare` would recommend at each size (fewest CORS failures, then highest
    /// hit ratio, then fewest origin fetches): one name when it is the same at every size.
    static func bestLine(_ r: SweepResult) -> String {
        let picks = r.points.map { Summary.best($0.variants).map { r.variantNames[$0] } ?? "" }
        let rule = "(fewest CORS failures, then highest hit ratio, then fewest origin fetches)"
        if let first = picks.first, picks.allSatisfy({ $0 == first }) {
            return "best \(rule): \(first) at every size"
        }
        return "best \(rule): " + zip(r.points, picks).map { "\($1) at \($0.capacity.text)" }.joined(separator: ", ")
    }

    /// `sweep.csv`: one row per variant and cache size (variant by variant, the sizes in the
    /// order given). `cache_size` as written; `pop_capacity_bytes` what every POP holds (empty
    /// when a multiple of POPs of different sizes gives them different ones); `total_capacity_bytes`
    /// the POPs' capacities summed;
    /// counts as counted, ratios with six decimals (empty where nothing was counted, as in
    /// `timeseries.csv`), latencies in µs.
    public static func csv(_ r: SweepResult) -> String {
        var out = "variant,cache_size,pop_capacity_bytes,total_capacity_bytes,requests,cors_checked,cors_failures,failure_rate,hits,hit_ratio,"
            + "byte_hit_ratio,origin_fetches,origin_bytes,evictions,latency_p50_us,latency_p95_us,latency_p99_us,working_set_bytes\n"
        // The trace's working set when a size was a share of it (else empty): a share's x axis.
        let workingSet = r.workingSet.map { "\($0.bytes)" } ?? ""
        for row in rows(r) {
            let t = row.result.total, l = row.result.latency
            out += csvRow([row.variant, row.point.capacity.text, uniformCapacity(row.point.popCapacities).map { "\($0)" } ?? "",
                           "\(total(row.point.popCapacities))", "\(t.requests)",
                           "\(t.corsChecked)", "\(t.corsFailures)", Tables.rate(t.corsFailures, t.corsChecked), "\(t.hits)", Tables.rate(t.hits, t.requests),
                           t.bytesServed == 0 ? "" : Format.fixed(t.byteHitRatio, 6), "\(t.originFetches)", "\(t.originBytes)", "\(row.result.evictions)",
                           "\(l.percentile(50))", "\(l.percentile(95))", "\(l.percentile(99))", workingSet]) + "\n"
        }
        return out
    }

    /// The two curves as SVG documents, by file name: `sweep-failure-rate.svg` and
    /// `sweep-hit-ratio.svg`. Sizes on a log scale: what each POP holds when every size gives
    /// all POPs the same, else the POPs' capacities summed. A size of 0 (no cache) has no place
    /// on it and is left out, as the subtitle says.
    public static func svgs(_ r: SweepResult) -> [(name: String, contents: String)] {
        let perPOP = r.points.allSatisfy { uniformCapacity($0.popCapacities) != nil }
        let pops = r.scenario.config.pops.count
        func size(_ i: Int) -> Int64 { perPOP ? uniformCapacity(r.points[i].popCapacities)! : total(r.points[i].popCapacities) }
        let plotted = r.points.indices.filter { size($0) > 0 }.sorted { size($0) < size($1) }
        let left = r.points.count - plotted.count
        var subtitle = "\(r.requests) requests"
        if pops > 1 { subtitle += perPOP ? "; each of the \(pops) POPs at the size" : "; cache size = the \(pops) POPs' capacities summed" }
        if left > 0 { subtitle += "; \(left) size\(left == 1 ? "" : "s") of 0 bytes (no cache) not drawn" }
        if let ws = r.workingSet { subtitle += "; working set \(Format.bytes(ws.bytes))" }
        let xTitle = pops > 1 && perPOP ? "cache size per POP (bytes, log scale)" : "cache size (bytes, log scale)"
        func chart(_ title: String, yTitle: String, id: String, _ value: (Tally) -> Double) -> String {
            let series = r.variantNames.indices.map { v in
                LineChart.Series(name: r.variantNames[v], points: plotted.map { i in
                    let x = LogTicks.position(Double(size(i)))
                    return LineChart.Point(x: x, y: value(r.points[i].variants[v].total) * 100)
                })
            }
            var c = LineChart(title: "\(title) — \(r.scenario.name)", subtitle: subtitle, xTitle: xTitle,
                              yTitle: yTitle, series: series)
            c.yUnit = "%"
            c.yDomain = (0, 100)
            c.xScale = .log10 { formatBytes(Int64($0.rounded())) }
            return c.svg(id: id, description: "\(title) of each variant against cache size, from one pass over the trace.")
        }
        return [
            ("sweep-failure-rate.svg", chart("CORS failure rate by cache size", yTitle: "CORS failure rate (% of CORS-checked loads)",
                                              id: "sweep-failures") { $0.failureRate }),
            ("sweep-hit-ratio.svg", chart("Hit ratio by cache size", yTitle: "hit ratio (% of requests)", id: "sweep-hits") { $0.hitRatio }),
        ]
    }
}
