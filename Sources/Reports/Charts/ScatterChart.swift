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
        /// Where each point's label goes (x, y, anchor), in the order of `points`; `leader` when
        /// it sits above or below its point and a thin line joins them.
        public var labels: [(x: Double, y: Double, anchor: String, leader: Bool)]
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
        // Each label goes beside its point: right, else left, at the point's height or a line
        // above or below — the first place inside the plot that overlaps no other label and no
        // point. Coincident points (two variants with the same figures) get stacked labels.
        struct Box { var x0, y0, x1, y1: Double
            func overlaps(_ o: Box) -> Bool { x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1 }
        }
        let pixels = points.map { (x($0.x), y($0.y)) }
        let dots = pixels.map { Box(x0: $0.0 - 7, y0: $0.1 - 7, x1: $0.0 + 7, y1: $0.1 + 7) }
        var placed: [Box] = []
        var labels: [(x: Double, y: Double, anchor: String, leader: Bool)] = []
        let offsets = [0.0, -14, 14, -28, 28, -42, 42, -56, 56, -70, 70]
        for (i, p) in points.enumerated() {
            let (px, py) = pixels[i]
            let w = Chart.textWidth(p.label)
            var chosen: (x: Double, y: Double, anchor: String, box: Box)? = nil
            search: for dy in offsets {
                for right in [true, false] {
                    let baseline = py + 4 + dy
                    let box = right ? Box(x0: px + 9, y0: baseline - 11, x1: px + 9 + w, y1: baseline + 3)
                                    : Box(x0: px - 9 - w, y0: baseline - 11, x1: px - 9, y1: baseline + 3)
                    guard box.x0 >= frame.left + 2, box.x1 <= width - 4, box.y0 >= frame.top - 8, box.y1 <= frame.bottom - 3 else { continue }
                    if placed.contains(where: box.overlaps) || dots.contains(where: box.overlaps) { continue }
                    chosen = (right ? px + 9 : px - 9, baseline, right ? "start" : "end", box)
                    break search
                }
            }
            let c = chosen ?? (px + 9, py + 4, "start", Box(x0: px + 9, y0: py - 7, x1: px + 9 + w, y1: py + 7))
            placed.append(c.box)
            labels.append((c.x, c.y, c.anchor, abs(c.y - (py + 4)) > 0.5))
        }
        return Layout(frame: frame, x: x, y: y, xTicks: xTicks, yTicks: yTicks, labels: labels)
    }

    public func svg(id: String, description: String) -> String {
        let l = layout()
        var svg = SVGBuilder(width: width, height: height)
        _ = Chart.header(&svg, title: title, subtitle: subtitle, legend: [], left: l.frame.left)
        Chart.yAxis(&svg, frame: l.frame, scale: l.y, ticks: l.yTicks, title: yTitle) { $0 + yUnit }
        Chart.xAxis(&svg, frame: l.frame, scale: l.x, ticks: l.xTicks.values.map { Chart.Tick(position: $0, label: l.xTicks.label($0) + xUnit) },
                    title: xTitle)
        svg.open("g", [("class", "points")])
        for (i, p) in points.enumerated() {
            let colour = Palette.series(p.colourIndex)
            svg.element("circle", [("cx", svgNumber(l.x(p.x))), ("cy", svgNumber(l.y(p.y))), ("r", "6"), ("fill", colour),
                                   ("fill-opacity", "0.85"), ("stroke", "#ffffff"), ("stroke-width", "1.5"), ("class", "point"), ("data-label", p.label)],
                        tooltip: "\(p.label): \(Format.fixed(p.x, 2))\(xUnit), \(Format.fixed(p.y, 2))\(yUnit)")
            let label = l.labels[i]
            if label.leader {
                svg.line(l.x(p.x), l.y(p.y), label.x + (label.anchor == "start" ? -2 : 2), label.y - 4,
                         [("stroke", Chart.mutedColour), ("stroke-width", "0.8"), ("class", "leader")])
            }
            svg.text(p.label, x: label.x, y: label.y, [("text-anchor", label.anchor), ("fill", Chart.textColour), ("class", "point-label")])
        }
        svg.close()
        return svg.document(id: id, title: title, description: description)
    }
}
