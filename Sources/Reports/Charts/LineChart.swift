import Workload

/// Lines over a numeric x axis, one per series, with labelled vertical markers (events).
///
/// A point with no value (`y == nil`) breaks its line: a window without CORS-checked requests
/// has no failure rate, and drawing 0 there would be a claim the data does not make.
public struct LineChart {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double?
        public init(x: Double, y: Double?) { self.x = x; self.y = y }
    }

    public struct Series {
        public var name: String
        public var points: [Point]
        public init(name: String, points: [Point]) { self.name = name; self.points = points }
    }

    /// A vertical line at `x` with a label, e.g. a config change reaching a POP.
    public struct Marker: Sendable, Equatable {
        public var x: Double
        public var label: String
        public init(x: Double, label: String) { self.x = x; self.label = label }
    }

    public var title: String
    public var subtitle: String?
    public var xTitle: String
    public var yTitle: String
    public var series: [Series]
    public var markers: [Marker] = []
    /// Data range of the x axis (nil: from the points and markers).
    public var xDomain: (Double, Double)?
    /// Data range of the y axis (nil: 0 to the largest value).
    public var yDomain: (Double, Double)?
    /// Appended to y tick labels (`%`).
    public var yUnit = ""
    /// How the x axis is scaled and its ticks labelled.
    public enum XScale {
        /// Ticks at nice numbers (`NiceTicks`), labelled by `label` of the tick's value (nil: the number).
        case linear(label: ((Double) -> String)?)
        /// A log axis: the points' and markers' x are log10 of their values (`LogTicks.position`);
        /// ticks fall at round values (`LogTicks`), labelled by `label` of the value itself
        /// (e.g. 2e10 → "20GB"), not of its logarithm.
        case log10(label: (Double) -> String)
    }
    public var xScale = XScale.linear(label: nil)
    /// Whether each point gets a dot with a tooltip; off for dense curves.
    public var drawsPoints = true
    public var width = 960.0
    public var height = 420.0

    public init(title: String, subtitle: String? = nil, xTitle: String, yTitle: String, series: [Series]) {
        self.title = title
        self.subtitle = subtitle
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.series = series
    }

    /// Where everything goes: the plot frame, the scales and their ticks.
    public struct Layout {
        public var frame: Chart.Frame
        public var x: LinearScale
        public var y: LinearScale
        /// The x ticks, at their positions in the points' x units.
        public var xTicks: [Chart.Tick]
        public var yTicks: NiceTicks
        /// The y at which the plot starts (below title and legend).
        public var top: Double
        /// Label rows for the markers, one entry per marker.
        public var markerRows: [Int]
    }

    var legend: [Chart.LegendEntry] {
        series.enumerated().map { Chart.LegendEntry(name: $0.element.name, colour: Palette.series($0.offset), dash: Palette.dash($0.offset), line: true) }
    }

    /// Computes the layout (tests use it to read the drawn points back as data).
    public func layout() -> Layout {
        var probe = SVGBuilder(width: width, height: height)
        let left = 72.0
        let headerBottom = Chart.header(&probe, title: title, subtitle: subtitle, legend: legend, left: left)
        let xs = series.flatMap { $0.points.map(\.x) } + markers.map(\.x)
        let ys = series.flatMap { $0.points.compactMap(\.y) }
        let xd = xDomain ?? (xs.min() ?? 0, xs.max() ?? 1)
        let yd = yDomain ?? (0, ys.max() ?? 1)
        let (xLower, xUpper, xTicks) = xAxisTicks(xd)
        let yTicks = NiceTicks(min: yd.0, max: yd.1, count: 6)
        // The last x tick's label is centred on the plot's right edge: room for half of it.
        let lastLabel = xTicks.last?.label ?? ""
        let right = width - max(24, Chart.textWidth(lastLabel, fontSize: 12) / 2 + 6)
        let sorted = markers.indices.sorted { (markers[$0].x, $0) < (markers[$1].x, $1) }
        // Marker labels sit in rows above the plot; a label moves down a row when it would overlap.
        let provisional = LinearScale(domain: (xLower, xUpper), range: (left, right))
        var rowEnds: [Double] = []
        var rows = Array(repeating: 0, count: markers.count)
        for i in sorted {
            let x = provisional(markers[i].x) + 4
            let w = Chart.textWidth(markers[i].label, fontSize: 11)
            var row = 0
            while row < rowEnds.count && rowEnds[row] > x { row += 1 }
            if row == rowEnds.count { rowEnds.append(0) }
            rowEnds[row] = x + w + 8
            rows[i] = row
        }
        let top = headerBottom + Double(rowEnds.count) * 15
        let frame = Chart.Frame(left: left, top: top, right: right, bottom: height - 52)
        return Layout(frame: frame,
                      x: LinearScale(domain: (xLower, xUpper), range: (frame.left, frame.right)),
                      y: LinearScale(domain: (yTicks.lower, yTicks.upper), range: (frame.bottom, frame.top)),
                      xTicks: xTicks, yTicks: yTicks, top: headerBottom, markerRows: rows)
    }

    /// The x axis' ends and ticks for the data range `domain`, by `xScale`.
    func xAxisTicks(_ domain: (Double, Double)) -> (lower: Double, upper: Double, ticks: [Chart.Tick]) {
        switch xScale {
        case .linear(let label):
            let t = NiceTicks(min: domain.0, max: domain.1, count: 8)
            return (t.lower, t.upper, t.values.map { Chart.Tick(position: $0, label: label?($0) ?? t.label($0)) })
        case .log10(let label):
            let t = LogTicks(min: domain.0, max: domain.1, count: 8)
            return (t.lower, t.upper, t.values.map { Chart.Tick(position: LogTicks.position($0), label: label($0)) })
        }
    }

    /// A point's x as its tooltip says it: on a log axis, the value labelled as the ticks are
    /// (`5GB`, not its logarithm 9.70).
    func xText(_ x: Double) -> String {
        switch xScale {
        case .linear(let label): return label?(x) ?? Format.fixed(x, 2)
        case .log10(let label): return label(deterministicExp(x * deterministicLog(10)))
        }
    }

    /// The chart as an SVG document.
    /// - Parameter id: unique within the page that embeds it.
    public func svg(id: String, description: String) -> String {
        let l = layout()
        var svg = SVGBuilder(width: width, height: height)
        _ = Chart.header(&svg, title: title, subtitle: subtitle, legend: legend, left: l.frame.left)
        Chart.yAxis(&svg, frame: l.frame, scale: l.y, ticks: l.yTicks, title: yTitle) { $0 + yUnit }
        Chart.xAxis(&svg, frame: l.frame, scale: l.x, ticks: l.xTicks, title: xTitle)
        if !markers.isEmpty {
            svg.open("g", [("class", "markers")])
            for (i, m) in markers.enumerated() {
                let x = l.x(m.x)
                let labelY = l.top + Double(l.markerRows[i]) * 15 + 10
                svg.line(x, labelY + 3, x, l.frame.bottom, [("stroke", Chart.mutedColour), ("stroke-width", "1.2"), ("stroke-dasharray", "4 3"), ("class", "marker")])
                svg.text(m.label, x: x + 3, y: labelY, [("font-size", "11"), ("fill", Chart.mutedColour), ("class", "marker-label")])
            }
            svg.close()
        }
        for (i, s) in series.enumerated() {
            let colour = Palette.series(i)
            svg.open("g", [("class", "series"), ("data-series", s.name)])
            var run: [Point] = []
            func flush(_ svg: inout SVGBuilder) {
                if run.count > 1 {
                    var attrs = [("points", run.map { "\(svgNumber(l.x($0.x))),\(svgNumber(l.y($0.y!)))" }.joined(separator: " ")),
                                 ("fill", "none"), ("stroke", colour), ("stroke-width", "2.5"), ("stroke-linejoin", "round")]
                    if !Palette.dash(i).isEmpty { attrs.append(("stroke-dasharray", Palette.dash(i))) }
                    svg.element("polyline", attrs)
                }
                run = []
            }
            for p in s.points {
                if p.y == nil { flush(&svg) } else { run.append(p) }
            }
            flush(&svg)
            for p in s.points where drawsPoints {
                guard let y = p.y else { continue }
                svg.element("circle", [("cx", svgNumber(l.x(p.x))), ("cy", svgNumber(l.y(y))), ("r", "3.5"), ("fill", colour), ("class", "point")],
                            tooltip: "\(s.name): \(Format.fixed(y, 2))\(yUnit) at \(xText(p.x))")
            }
            svg.close()
        }
        return svg.document(id: id, title: title, description: description)
    }
}
