import HTTPModel
import Reports
import Scenario
import Simulation
import Testing

/// Reads a number that the chart wrote with two decimals.
private func close(_ a: Double, _ b: Double, _ tolerance: Double = 0.02) -> Bool { abs(a - b) <= tolerance }

@Test("every chart of every teaching bundle is well-formed XML with a title and description", arguments: teachingScenarios)
func chartsAreWellFormed(_ name: String) throws {
    let b = try buildBundle(name)
    let charts = b.files.filter { $0.path.hasPrefix("charts/") }
    #expect(charts.count == 5)
    for chart in charts {
        let root = try parseXML(chart.contents)
        #expect(root.name == "svg", "\(chart.path)")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["viewBox"] != nil)
        #expect(root.children.contains { $0.name == "title" && !$0.text.isEmpty }, "\(chart.path) has no title")
        #expect(root.children.contains { $0.name == "desc" && !$0.text.isEmpty }, "\(chart.path) has no description")
    }
}

@Test("text in charts is escaped: names with markup characters stay text")
func chartEscaping() throws {
    var chart = LineChart(title: "A <b>bold</b> & \"quoted\" title", xTitle: "x < y", yTitle: "y & z",
                          series: [.init(name: "v<1>", points: [.init(x: 0, y: 1), .init(x: 1, y: 2)])])
    chart.markers = [.init(x: 0.5, label: "purge /a?b=1&c=2 'x'")]
    let root = try parseXML(chart.svg(id: "t&1", description: "d\"<"))
    #expect(root.all.contains { $0.name == "text" && $0.text == "A <b>bold</b> & \"quoted\" title" })
    #expect(root.all.contains { $0.name == "text" && $0.text == "purge /a?b=1&c=2 'x'" })
    #expect(root.all.contains { $0.attributes["data-series"] == "v<1>" })
    let bars = BarChart(title: "<&>", xTitle: "a", yTitle: "b", categories: ["c&d"], series: [.init(name: "e<f", values: [3])], mode: .stacked)
    _ = try parseXML(bars.svg(id: "b", description: "x"))
    let scatter = ScatterChart(title: "s", xTitle: "a", yTitle: "b", points: [.init(label: "p&q", x: 1, y: 2, colourIndex: 0)])
    _ = try parseXML(scatter.svg(id: "s", description: "x"))
}

@Test("failure rate over time: the drawn points are timeseries.csv's rates at each window's middle",
      arguments: ["rule-added-without-purge", "pass-through-two-origins"])
func timeSeriesPointsMatchTable(_ name: String) throws {
    let b = try buildBundle(name)
    let chart = ReportCharts.timeSeriesChart(b.result)
    let layout = chart.layout()
    let root = try parseXML(try #require(b.file("charts/failure-rate-over-time.svg")))
    let unit = ReportCharts.timeUnit(spanMicroseconds: Int64(chart.xDomain!.1 * 1_000_000)).micros
    #expect(unit == 1_000_000)
    for row in try b.table("timeseries.csv") {
        let variant = row["variant"]!
        let group = try #require(root.all.first { $0.name == "g" && $0.attributes["data-series"] == variant })
        let points = group.children.filter { $0.name == "circle" }.map { (layout.x.invert($0.double("cx")!), layout.y.invert($0.double("cy")!)) }
        let middle = Double(row["window_start"]!)! + Double(row["window_seconds"]!)! / 2
        if let rate = Double(row["failure_rate"]!) {
            #expect(points.contains { close($0.0, middle) && close($0.1, rate * 100) },
                    "\(variant) at \(middle)s: no point at \(rate * 100)% among \(points)")
        } else {
            #expect(!points.contains { close($0.0, middle) }, "\(variant) at \(middle)s has no CORS-checked load but a point")
        }
    }
    // The lines go through the points, in order.
    for group in root.all where group.name == "g" && group.attributes["class"] == "series" {
        let circles = group.children.filter { $0.name == "circle" }.map { "\($0.attributes["cx"]!),\($0.attributes["cy"]!)" }
        let lines = group.children.filter { $0.name == "polyline" }.flatMap { $0.attributes["points"]!.split(separator: " ").map(String.init) }
        #expect(lines == circles || circles.count == 1)
    }
}

@Test("event markers: one dashed line per event and time, at events.csv's times")
func markersMatchEvents() throws {
    let b = try buildBundle("rule-added-without-purge")
    let layout = ReportCharts.timeSeriesChart(b.result).layout()
    let root = try parseXML(try #require(b.file("charts/failure-rate-over-time.svg")))
    let drawn = Set(root.all.filter { $0.attributes["class"] == "marker" }.map { Int(layout.x.invert($0.double("x1")!).rounded()) })
    let times = Set(try b.table("events.csv").map { Int(Double($0["t"]!)!.rounded()) })
    #expect(drawn == times)
    #expect(drawn == [60, 90])
    let labels = root.all.filter { $0.attributes["class"] == "marker-label" }.map(\.text)
    #expect(labels.contains("add ACAO * @ hangzhou"))
    #expect(labels.contains("add ACAO * @ frankfurt"))
    #expect(labels.contains("purge /fonts/ [with-purge]"))
}

@Test("failures by reason: the stacked bars' heights are cells.csv's failures summed per variant and reason",
      arguments: ["rule-added-without-purge", "vary-honoured", "fonts-vs-video"])
func reasonBarsMatchCells(_ name: String) throws {
    let b = try buildBundle(name)
    let layout = ReportCharts.reasonChart(b.result).layout()
    let root = try parseXML(try #require(b.file("charts/failures-by-reason.svg")))
    var expected: [String: Double] = [:]
    for row in try b.table("cells.csv") where !row["reason"]!.isEmpty {
        expected[row["variant"]! + "/" + row["reason"]!, default: 0] += Double(row["cors_failures"]!)!
    }
    var drawn: [String: Double] = [:]
    for rect in root.all where rect.attributes["class"] == "bar" {
        let height = rect.double("height")!
        drawn[rect.attributes["data-category"]! + "/" + rect.attributes["data-series"]!] = layout.y.invert(layout.frame.bottom - height)
    }
    #expect(Set(drawn.keys) == Set(expected.keys))
    for (key, value) in expected { #expect(close(drawn[key] ?? -1, value), "\(key): drawn \(drawn[key] ?? -1), table \(value)") }
}

@Test("per-POP failure rate: the grouped bars are pops.csv's rates")
func popBarsMatchTable() throws {
    let b = try buildBundle("rule-added-without-purge")
    let layout = ReportCharts.popChart(b.result).layout()
    let root = try parseXML(try #require(b.file("charts/failure-rate-by-pop.svg")))
    for row in try b.table("pops.csv") {
        let rect = try #require(root.all.first { $0.attributes["class"] == "bar" && $0.attributes["data-series"] == row["variant"] && $0.attributes["data-category"] == row["pop"] })
        let value = layout.y.invert(rect.double("y")!)
        #expect(close(value, Double(row["failure_rate"]!)! * 100), "\(row["variant"]!) at \(row["pop"]!)")
    }
}

@Test("trade-off scatters: one labelled point per variant at summary.json's figures")
func scatterMatchesSummary() throws {
    let b = try buildBundle("vary-honoured")
    let hits = ReportCharts.hitRatioChart(b.result).layout()
    let fetches = ReportCharts.originFetchChart(b.result).layout()
    let hitSVG = try parseXML(try #require(b.file("charts/failure-rate-vs-hit-ratio.svg")))
    let fetchSVG = try parseXML(try #require(b.file("charts/failure-rate-vs-origin-fetches.svg")))
    for v in b.result.variants {
        let p = try #require(hitSVG.all.first { $0.name == "circle" && $0.attributes["data-label"] == v.name })
        #expect(close(hits.x.invert(p.double("cx")!), v.total.hitRatio * 100))
        #expect(close(hits.y.invert(p.double("cy")!), v.total.failureRate * 100))
        let q = try #require(fetchSVG.all.first { $0.name == "circle" && $0.attributes["data-label"] == v.name })
        #expect(close(fetches.x.invert(q.double("cx")!), Double(v.total.originFetches)))
        #expect(hitSVG.all.contains { $0.attributes["class"] == "point-label" && $0.text == v.name })
    }
}

@Test("charts are deterministic: the same run draws the same bytes")
func chartsDeterministic() throws {
    let a = try buildBundle("pass-through-two-origins"), b = try buildBundle("pass-through-two-origins")
    #expect(a.files == b.files)
}

@Test("a line chart leaves room right of the plot for half its last x label (mrc.svg's '398.11KB' was cut off); short labels keep the 24-pixel margin")
func lineChartRightMargin() {
    var chart = LineChart(title: "t", xTitle: "x", yTitle: "y", series: [.init(name: "s", points: [.init(x: 0, y: 1), .init(x: 10, y: 2)])])
    #expect(chart.layout().frame.right == chart.width - 24, "'10' fits in 24 pixels")
    chart.xScale = .linear { "\(Int($0)) long label" }
    let half = Chart.textWidth("10 long label") / 2
    #expect(half > 24)
    #expect(chart.layout().frame.right + half <= chart.width - 4)
}
