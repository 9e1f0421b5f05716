import HTTPModel
import Scenario
import Simulation

/// One chart of a report: its SVG, where it is written, and how to read it.
public struct Figure: Sendable {
    /// Path inside the bundle, e.g. `charts/failure-rate-over-time.svg`.
    public var file: String
    /// Element id in report.html.
    public var id: String
    public var title: String
    /// How to read it, in a sentence or two (figure caption).
    public var caption: String
    public var svg: String
}

/// The report's charts, drawn from a run's results (the same numbers the CSV tables hold).
public enum ReportCharts {
    /// The time unit that keeps the time axis' numbers small: seconds up to 3 minutes, minutes up
    /// to 3 hours, hours beyond.
    public static func timeUnit(spanMicroseconds span: Int64) -> (name: String, micros: Int64) {
        if span <= 180_000_000 { return ("s", 1_000_000) }
        if span <= 10_800_000_000 { return ("min", 60_000_000) }
        return ("h", 3_600_000_000)
    }

    /// Every chart of the report, in the order the report shows them.
    public static func all(_ result: RunResult) -> [Figure] {
        [failureRateOverTime(result), failuresByReason(result), failureRateByPOP(result),
         failureRateVsHitRatio(result), failureRateVsOriginFetches(result)]
    }

    /// The lines of `failureRateOverTime`, and the unit of its x axis.
    public static func timeSeriesChart(_ result: RunResult) -> LineChart {
        let window = result.scenario.config.window
        let windows = result.variants.map { Breakdown.timeSeries($0).count }.max() ?? 0
        let lastEvent = result.variants.flatMap(\.appliedEvents).map(\.time.microseconds).max() ?? 0
        let span = max(Int64(windows) * window, lastEvent)
        let unit = timeUnit(spanMicroseconds: span)
        let scale = Double(unit.micros)
        let series = result.variants.map { v in
            LineChart.Series(name: v.name, points: Breakdown.timeSeries(v).map { w in
                LineChart.Point(x: (Double(w.windowStart * window) + Double(window) / 2) / scale,
                                y: w.tally.corsChecked == 0 ? nil : w.tally.failureRate * 100)
            })
        }
        var chart = LineChart(title: "CORS failure rate over time",
                              subtitle: "per \(Format.duration(window)) window, each point at its window's middle; dashed lines: events as they reached POPs",
                              xTitle: "time since the trace's start (\(unit.name))", yTitle: "CORS failure rate (% of CORS-checked loads)", series: series)
        chart.markers = markers(result).map { LineChart.Marker(x: Double($0.time) / scale, label: $0.label) }
        chart.xDomain = (0, Double(span) / scale)
        chart.yDomain = (0, max(series.flatMap { $0.points.compactMap(\.y) }.max() ?? 0, 1))
        chart.yUnit = "%"
        return chart
    }

    /// Applied events grouped into one marker per (time, label): the POPs it reached then, and
    /// the variants it applies to when not all of them.
    public static func markers(_ result: RunResult) -> [(time: Int64, label: String)] {
        struct Key: Hashable, Comparable {
            var time: Int64
            var label: String
            static func < (a: Key, b: Key) -> Bool { (a.time, a.label) < (b.time, b.label) }
        }
        var pops: [Key: Set<Int>] = [:]
        var variants: [Key: Set<String>] = [:]
        for v in result.variants {
            for e in v.appliedEvents {
                let k = Key(time: e.time.microseconds, label: e.label)
                pops[k, default: []].insert(e.pop)
                variants[k, default: []].insert(v.name)
            }
        }
        let allPOPs = result.scenario.config.pops
        return pops.keys.sorted().map { k in
            var label = k.label
            let reached = pops[k]!.sorted()
            if reached.count < allPOPs.count { label += " @ " + reached.map { allPOPs[$0].id }.joined(separator: ", ") }
            let names = result.variants.map(\.name).filter { variants[k]!.contains($0) }
            if names.count < result.variants.count { label += " [" + names.joined(separator: ", ") + "]" }
            return (k.time, label)
        }
    }

    static func failureRateOverTime(_ result: RunResult) -> Figure {
        let chart = timeSeriesChart(result)
        let caption = "Share of CORS-checked loads that the browser refused, per variant and time window (timeseries.csv). "
            + "A gap means the window had no CORS-checked load. Vertical dashed lines mark config changes and purges when they took effect (events.csv)."
        return Figure(file: "charts/failure-rate-over-time.svg", id: "chart-time", title: chart.title, caption: caption,
                      svg: chart.svg(id: "chart-time", description: caption))
    }

    /// Reasons present in any variant, in `FailureReason.allCases` order.
    public static func reasons(_ result: RunResult) -> [FailureReason] {
        FailureReason.allCases.filter { r in result.variants.contains { ($0.failuresByReason[r] ?? 0) > 0 } }
    }

    /// The stacked bars of `failuresByReason`.
    public static func reasonChart(_ result: RunResult) -> BarChart {
        let reasons = reasons(result)
        let series = reasons.map { r in BarChart.Series(name: r.rawValue, values: result.variants.map { Double($0.failuresByReason[r] ?? 0) }) }
        var chart = BarChart(title: "CORS failures by reason",
                             subtitle: reasons.isEmpty ? "no CORS failures in any variant" : "failed loads per variant, split by why the browser refused them",
                             xTitle: "variant", yTitle: "CORS failures (loads)", categories: result.variants.map(\.name), series: series, mode: .stacked)
        chart.colour = { Palette.category($0) }
        chart.yMinimumUpper = 5  // counts: whole-number ticks even when almost nothing failed
        return chart
    }

    static func failuresByReason(_ result: RunResult) -> Figure {
        let chart = reasonChart(result)
        let caption = "Failed loads per variant, stacked by the browser's reason (cells.csv, column reason). "
            + "The same workload runs through every variant, so the bars compare directly."
        return Figure(file: "charts/failures-by-reason.svg", id: "chart-reasons", title: chart.title, caption: caption,
                      svg: chart.svg(id: "chart-reasons", description: caption))
    }

    /// The grouped bars of `failureRateByPOP`: POPs with requests, one bar per variant.
    public static func popChart(_ result: RunResult) -> BarChart {
        let pops = result.scenario.config.pops.indices.filter { p in result.variants.contains { $0.perPOP[p].requests > 0 } }
        let series = result.variants.map { v in BarChart.Series(name: v.name, values: pops.map { v.perPOP[$0].failureRate * 100 }) }
        var chart = BarChart(title: "CORS failure rate per POP", subtitle: "one bar per variant; the same page can pass at one POP and fail at another",
                             xTitle: "POP", yTitle: "CORS failure rate (%)", categories: pops.map { result.scenario.config.pops[$0].id },
                             series: series, mode: .grouped)
        chart.yUnit = "%"
        chart.valueDecimals = 1
        return chart
    }

    static func failureRateByPOP(_ result: RunResult) -> Figure {
        let chart = popChart(result)
        let caption = "Failure rate of CORS-checked loads at each POP, per variant (pops.csv). "
            + "Each POP's cache is filled by whoever asks first there, so pass-through fails differently from POP to POP."
        return Figure(file: "charts/failure-rate-by-pop.svg", id: "chart-pops", title: chart.title, caption: caption,
                      svg: chart.svg(id: "chart-pops", description: caption))
    }

    /// One point per variant: failure rate against hit ratio.
    public static func hitRatioChart(_ result: RunResult) -> ScatterChart {
        let points = result.variants.enumerated().map { i, v in
            ScatterChart.Point(label: v.name, x: v.total.hitRatio * 100, y: v.total.failureRate * 100, colourIndex: i)
        }
        var chart = ScatterChart(title: "Failure rate vs hit ratio", subtitle: "best: bottom right (few failures, many hits)",
                                 xTitle: "hit ratio (% of requests served from cache)", yTitle: "CORS failure rate (%)", points: points)
        chart.xDomain = (0, 100)
        chart.yDomain = (0, max((points.map(\.y).max() ?? 0) * 1.1, 1))
        chart.xUnit = "%"
        chart.yUnit = "%"
        return chart
    }

    static func failureRateVsHitRatio(_ result: RunResult) -> Figure {
        let chart = hitRatioChart(result)
        let caption = "Each variant's CORS failure rate against its hit ratio (summary.json). Fixes that split the cache by Origin cost hits; CDN-set headers do not."
        return Figure(file: "charts/failure-rate-vs-hit-ratio.svg", id: "chart-vs-hits", title: chart.title, caption: caption,
                      svg: chart.svg(id: "chart-vs-hits", description: caption))
    }

    /// One point per variant: failure rate against origin fetches.
    public static func originFetchChart(_ result: RunResult) -> ScatterChart {
        let points = result.variants.enumerated().map { i, v in
            ScatterChart.Point(label: v.name, x: Double(v.total.originFetches), y: v.total.failureRate * 100, colourIndex: i)
        }
        var chart = ScatterChart(title: "Failure rate vs origin fetches", subtitle: "best: bottom left (few failures, little origin load)",
                                 xTitle: "origin fetches (requests that reached the origin)", yTitle: "CORS failure rate (%)", points: points)
        chart.xDomain = (0, max((points.map(\.x).max() ?? 0) * 1.1, 1))
        chart.yDomain = (0, max((points.map(\.y).max() ?? 0) * 1.1, 1))
        chart.yUnit = "%"
        return chart
    }

    static func failureRateVsOriginFetches(_ result: RunResult) -> Figure {
        let chart = originFetchChart(result)
        let caption = "Each variant's CORS failure rate against the fetches it sent to the origin (summary.json): what a fix costs the origin."
        return Figure(file: "charts/failure-rate-vs-origin-fetches.svg", id: "chart-vs-fetches", title: chart.title, caption: caption,
                      svg: chart.svg(id: "chart-vs-fetches", description: caption))
    }
}
