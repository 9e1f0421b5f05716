/// Vertical bars over categories: one bar per category (`stacked`: the series pile up) or one
/// bar per series side by side within each category (`grouped`).
public struct BarChart {
    public enum Mode: Sendable { case stacked, grouped }

    public struct Series {
        public var name: String
        /// One value per category, in the order of `categories`.
        public var values: [Double]
        public init(name: String, values: [Double]) { self.name = name; self.values = values }
    }

    public var title: String
    public var subtitle: String?
    public var xTitle: String
    public var yTitle: String
    public var categories: [String]
    public var series: [Series]
    public var mode: Mode
    /// Colours by series index; the default (`Palette.series`) matches the line chart's variants.
    public var colour: (Int) -> String = { Palette.series($0) }
    /// Appended to y tick and value labels (`%`).
    public var yUnit = ""
    /// Decimals of the value labels on the bars.
    public var valueDecimals = 0
    /// Upper end of the y axis at least this (e.g. so an all-zero chart still shows a scale).
    public var yMinimumUpper = 1.0
    public var width = 960.0
    public var height = 420.0

    public init(title: String, subtitle: String? = nil, xTitle: String, yTitle: String, categories: [String], series: [Series], mode: Mode) {
        self.title = title
        self.subtitle = subtitle
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.categories = categories
        self.series = series
        self.mode = mode
    }

    /// One drawn bar (segment), in data terms and pixels; tests compare these with the tables.
    public struct Bar: Sendable, Equatable {
        public var category: Int
        public var series: Int
        public var value: Double
        public var x: Double
        public var y: Double
        public var width: Double
        public var height: Double
    }

    public struct Layout {
        public var frame: Chart.Frame
        public var y: LinearScale
        public var yTicks: NiceTicks
        public var bars: [Bar]
        /// Whether category labels are rotated (they would overlap level).
        public var rotateLabels: Bool
    }

    var legend: [Chart.LegendEntry] {
        series.enumerated().map { Chart.LegendEntry(name: $0.element.name, colour: colour($0.offset)) }
    }

    func total(_ c: Int) -> Double { series.reduce(0) { $0 + max(0, $1.values[c]) } }

    public func layout() -> Layout {
        var probe = SVGBuilder(width: width, height: height)
        let left = 72.0
        let top = Chart.header(&probe, title: title, subtitle: subtitle, legend: legend, left: left) + 8
        let maxValue: Double
        switch mode {
        case .stacked: maxValue = categories.indices.map(total).max() ?? 0
        case .grouped: maxValue = series.flatMap(\.values).max() ?? 0
        }
        let slot = (width - 24 - left) / Double(max(categories.count, 1))
        let longest = categories.map { Chart.textWidth($0) }.max() ?? 0
        let rotate = longest > slot - 6
        let bottomRoom = rotate ? min(longest * 0.72 + 44, 160) : 52
        let frame = Chart.Frame(left: left, top: top, right: width - 24, bottom: height - bottomRoom)
        let ticks = NiceTicks(min: 0, max: max(maxValue, yMinimumUpper), count: 6)
        let y = LinearScale(domain: (ticks.lower, ticks.upper), range: (frame.bottom, frame.top))
        var bars: [Bar] = []
        let groupWidth = min(slot * 0.72, mode == .stacked ? 90 : 40 * Double(max(series.count, 1)))
        for c in categories.indices {
            let center = frame.left + slot * (Double(c) + 0.5)
            switch mode {
            case .stacked:
                var base = 0.0
                for (s, ser) in series.enumerated() where ser.values[c] > 0 {
                    let v = ser.values[c]
                    let y0 = y(base), y1 = y(base + v)
                    bars.append(Bar(category: c, series: s, value: v, x: center - groupWidth / 2, y: y1, width: groupWidth, height: y0 - y1))
                    base += v
                }
            case .grouped:
                let w = groupWidth / Double(max(series.count, 1))
                for (s, ser) in series.enumerated() {
                    let v = max(0, ser.values[c])
                    let y1 = y(v)
                    bars.append(Bar(category: c, series: s, value: v, x: center - groupWidth / 2 + Double(s) * w + 1,
                                    y: y1, width: max(w - 2, 1), height: frame.bottom - y1))
                }
            }
        }
        return Layout(frame: frame, y: y, yTicks: ticks, bars: bars, rotateLabels: rotate)
    }

    public func svg(id: String, description: String) -> String {
        let l = layout()
        var svg = SVGBuilder(width: width, height: height)
        _ = Chart.header(&svg, title: title, subtitle: subtitle, legend: legend, left: l.frame.left)
        Chart.yAxis(&svg, frame: l.frame, scale: l.y, ticks: l.yTicks, title: yTitle) { $0 + yUnit }
        svg.open("g", [("class", "bars")])
        for b in l.bars {
            let name = series[b.series].name, category = categories[b.category]
            svg.element("rect", [("x", svgNumber(b.x)), ("y", svgNumber(b.y)), ("width", svgNumber(b.width)), ("height", svgNumber(b.height)),
                                 ("fill", colour(b.series)), ("class", "bar"), ("data-series", name), ("data-category", category)],
                        tooltip: "\(category) · \(name): \(Format.fixed(b.value, valueDecimals))\(yUnit)")
        }
        svg.close()
        // Value labels: the total on a stacked bar, each value on a grouped bar when there is room.
        svg.open("g", [("class", "values")])
        let slot = l.frame.width / Double(max(categories.count, 1))
        switch mode {
        case .stacked:
            for c in categories.indices {
                let t = total(c)
                svg.text(Format.fixed(t, valueDecimals) + yUnit, x: l.frame.left + slot * (Double(c) + 0.5), y: l.y(t) - 5,
                         [("text-anchor", "middle"), ("fill", Chart.textColour), ("font-size", "11")])
            }
        case .grouped:
            for b in l.bars where b.width >= Chart.textWidth(Format.fixed(b.value, valueDecimals) + yUnit, fontSize: 10) {
                svg.text(Format.fixed(b.value, valueDecimals) + yUnit, x: b.x + b.width / 2, y: b.y - 4,
                         [("text-anchor", "middle"), ("fill", Chart.textColour), ("font-size", "10")])
            }
        }
        svg.close()
        svg.open("g", [("class", "x-axis")])
        svg.line(l.frame.left, l.frame.bottom, l.frame.right, l.frame.bottom, [("stroke", Chart.axisColour)])
        for (c, name) in categories.enumerated() {
            let x = l.frame.left + slot * (Double(c) + 0.5), y = l.frame.bottom + 18
            if l.rotateLabels {
                svg.text(name, x: x, y: y, [("text-anchor", "end"), ("transform", "rotate(-35 \(svgNumber(x)) \(svgNumber(y)))"), ("fill", Chart.textColour)])
            } else {
                svg.text(name, x: x, y: y, [("text-anchor", "middle"), ("fill", Chart.textColour)])
            }
        }
        svg.text(xTitle, x: (l.frame.left + l.frame.right) / 2, y: height - 10, [("text-anchor", "middle"), ("fill", Chart.textColour)])
        svg.close()
        return svg.document(id: id, title: title, description: description)
    }
}
