import Simulation
import Workload

/// A miss-ratio curve as files: `mrc.csv` for analysis, `mrc.svg` for people.
public enum MissRatioCurveExport {
    /// `cache_size,miss_ratio,byte_miss_ratio,exact,misses,miss_bytes`, one row per point in the
    /// order given; ratios with six decimals; `exact` is `true` or `false` (see `MissRatioPoint.exact`).
    public static func csv(_ points: [MissRatioPoint]) -> String {
        var out = "cache_size,miss_ratio,byte_miss_ratio,exact,misses,miss_bytes\n"
        for p in points {
            out += "\(p.capacity),\(Format.fixed(p.missRatio, 6)),\(Format.fixed(p.byteMissRatio, 6)),\(p.exact),\(p.misses),\(p.missBytes)\n"
        }
        return out
    }

    /// The curve on a log-scaled size axis: miss ratio and byte miss ratio in percent.
    /// - Parameter name: the trace's name, for the title.
    public static func svg(_ curve: MissRatioCurve, points: [MissRatioPoint], name: String) -> String {
        let counting = curve.countingObjects
        let xs = points.map { LogTicks.position(Double($0.capacity)) }
        func series(_ title: String, _ value: (MissRatioPoint) -> Double) -> LineChart.Series {
            LineChart.Series(name: title, points: zip(xs, points).map { LineChart.Point(x: $0, y: value($1) * 100) })
        }
        var lines = [series("miss ratio", \.missRatio)]
        if !counting { lines.append(series("byte miss ratio", \.byteMissRatio)) }
        var subtitle = "\(curve.requests) requests, working set \(curve.workingSet.objects) objects"
        if !counting { subtitle += ", \(Format.bytes(curve.workingSet.bytes))" }
        // As mrc.csv's exact column and the printed table say: objects that change size make the
        // curve approximate everywhere (it weighs an object by its latest size, a cache by the
        // size it inserted); else, in bytes, it is exact from the largest object up.
        if curve.sizeChanges > 0 {
            let changed = curve.sizeChanges == 1 ? "1 request changed its object's size" : "\(curve.sizeChanges) requests changed their object's size"
            subtitle += "; approximate at every size (\(changed))"
        } else if !counting {
            subtitle += "; exact from the largest object (\(Format.bytes(curve.largestObject))) up"
        }
        var chart = LineChart(title: "LRU miss ratio by cache size — \(name)", subtitle: subtitle,
                              xTitle: counting ? "cache size (objects, log scale)" : "cache size (bytes, log scale)",
                              yTitle: "miss ratio (%)", series: lines)
        chart.yUnit = "%"
        if !counting, curve.sizeChanges == 0, curve.largestObject > 0, let first = xs.first, let last = xs.last {
            // Below the largest object the curve bounds the miss ratio from above; say where.
            let x = LogTicks.position(Double(curve.largestObject))
            if x > first && x < last { chart.markers = [LineChart.Marker(x: x, label: "exact from here up (largest object)")] }
        }
        chart.yDomain = (0, 100)
        chart.drawsPoints = points.count <= 60
        chart.xScale = .log10 { value in
            let v = Int64(value.rounded())
            return counting ? compactCount(v) : formatBytes(v)
        }
        return chart.svg(id: "mrc", description: "LRU miss ratio\(counting ? "" : " and byte miss ratio") against cache size for \(name), from one pass of stack distances.")
    }

    /// `950`, `12K`, `1.5M`: object counts for axis labels.
    static func compactCount(_ n: Int64) -> String {
        if n >= 1_000_000_000 { return Format.fixed(Double(n) / 1e9, n % 1_000_000_000 == 0 ? 0 : 1) + "G" }
        if n >= 1_000_000 { return Format.fixed(Double(n) / 1e6, n % 1_000_000 == 0 ? 0 : 1) + "M" }
        if n >= 1_000 { return Format.fixed(Double(n) / 1e3, n % 1_000 == 0 ? 0 : 1) + "K" }
        return String(n)
    }
}
