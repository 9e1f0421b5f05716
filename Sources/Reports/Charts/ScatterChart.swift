/// Labelled points on two numeric axes: one point per variant, for trade-offs such as failure
/// rate against hit ratio.
public struct ScatterChart {
    public struct Point: Sendable, Equatable {
        public var label: String
        public var x: Double
        public var y: Double
        /// Colour index (the variant's, so colours match the other charts).
        public var colourIndex: Int
        public init(label: String, x: Double, y: Double, colourIndex: Int) {
            self.label = label
            self.x = x
            self.y = y
            self.colourIndex = colourIndex
        }
    }

    public var title: String
    public var subtitle: String?
    public var xTitle: String
    public var yTitle: String
    public var points: [Point]
    public var xDomain: (Double, Double)?
    public var yDomain: (Double, Double)?
    public var xUnit = ""
    public var yUnit = ""
    public var width = 560.0
    public var height = 420.0

    public init(title: String, subtitle: String? = nil, xTitle: String, yTitle: String, points: [Point]) {
        self.title = title
        self.subtitle = subtitle
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.points = points
    }

    public struct Layout {
        public var frame: Chart.Frame
        public var x: LinearScale
        public var y: LinearScale
        public var xTicks: NiceTicks
        public var yTicks: NiceTicks
        /// Where each point's label goes (x, y, anchor), in the order of `points`.
        public var labels: [(x: Double, y: Double, anchor: String)]
    }

    public func layout() -> Layout {
        var probe = SVGBuilder(width: width, height: height)
        let top = Chart.header(&probe, title: title, subtitle: subtitle, legend: [], left: 72) + 8
        let frame = Chart.Frame(left: 72, top: top, right: width - 24, bottom: height - 52)
        let xd = xDomain ?? (0, points.map(\.x).max() ?? 1)
        let yd = yDomain ?? (0, points.map(\.y).max() ?? 1)
        let xTicks = NiceTicks(min: xd.0, max: xd.1, count: 6)
        let yTicks = NiceTicks(min: yd.0, max: yd.1, count: 6)
        let x = LinearScale(domain: (xTicks.lower, xTicks.upper), range: (frame.left, frame.right))
        let y = LinearScale(domain: (yTicks.lower, yTicks.upper), range: (frame.bottom, frame.top))
        // Labels to the right of their point (left near the right edge); a label that would
        // overlap one already placed moves down a line, so coincident points stay readable.
        var placed: [(x0: Double, x1: Double, y: Double)] = []
        var labels: [(x: Double, y: Double, anchor: String)] = []
        for p in points {
            let px = x(p.x), py = y(p.y)
            let w = Chart.textWidth(p.label)
            let leftSide = px + 8 + w > frame.right
            let x0 = leftSide ? px - 8 - w : px + 8
            var ly = py + 4
            while placed.contains(where: { $0.x0 < x0 + w && x0 < $0.x1 && abs($0.y - ly) < 14 }) { ly += 14 }
            placed.append((x0, x0 + w, ly))
            labels.append((leftSide ? px - 8 : px + 8, ly, leftSide ? "end" : "start"))
        }
        return Layout(frame: frame, x: x, y: y, xTicks: xTicks, yTicks: yTicks, labels: labels)
    }

    public func svg(id: String, description: String) -> String {
        let l = layout()
        var svg = SVGBuilder(width: width, height: height)
        _ = Chart.header(&svg, title: title, subtitle: subtitle, legend: [], left: l.frame.left)
        Chart.yAxis(&svg, frame: l.frame, scale: l.y, ticks: l.yTicks, title: yTitle) { $0 + yUnit }
        Chart.xAxis(&svg, frame: l.frame, scale: l.x, ticks: l.xTicks, title: xTitle) { $0 + xUnit }
        svg.open("g", [("class", "points")])
        for (i, p) in points.enumerated() {
            let colour = Palette.series(p.colourIndex)
            svg.element("circle", [("cx", svgNumber(l.x(p.x))), ("cy", svgNumber(l.y(p.y))), ("r", "6"), ("fill", colour),
                                   ("fill-opacity", "0.85"), ("stroke", "#ffffff"), ("stroke-width", "1.5"), ("class", "point"), ("data-label", p.label)],
                        tooltip: "\(p.label): \(Format.fixed(p.x, 2))\(xUnit), \(Format.fixed(p.y, 2))\(yUnit)")
            svg.text(p.label, x: l.labels[i].x, y: l.labels[i].y, [("text-anchor", l.labels[i].anchor), ("fill", Chart.textColour), ("class", "point-label")])
        }
        svg.close()
        return svg.document(id: id, title: title, description: description)
    }
}
