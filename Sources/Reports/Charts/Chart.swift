/// The Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008): eight colours that stay
/// distinguishable with every common form of colour blindness. Yellow comes last because it is
/// faint on white.
public enum Palette {
    public static let blue = "#0072B2"
    public static let vermillion = "#D55E00"
    public static let bluishGreen = "#009E73"
    public static let orange = "#E69F00"
    public static let reddishPurple = "#CC79A7"
    public static let skyBlue = "#56B4E9"
    public static let black = "#000000"
    public static let yellow = "#F0E442"

    /// Colours for series (variants), in order.
    public static let series = [blue, vermillion, bluishGreen, orange, reddishPurple, skyBlue, black, yellow]
    /// Colours for categories inside a bar (failure reasons), in an order that starts unlike `series`.
    public static let categories = [vermillion, orange, reddishPurple, skyBlue, bluishGreen, blue, black, yellow]

    /// Dash patterns that tell lines apart without colour (greyscale print); "" is solid.
    public static let dashes = ["", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4", "3 3 1 3"]

    /// The series colour for index `i`, cycling past eight.
    public static func series(_ i: Int) -> String { series[i % series.count] }
    /// The category colour for index `i`, cycling past eight.
    public static func category(_ i: Int) -> String { categories[i % categories.count] }
    /// The dash pattern for index `i`.
    public static func dash(_ i: Int) -> String { dashes[i % dashes.count] }
}

/// Shared layout for the charts: fonts, margins, title, legend and axes.
public enum Chart {
    /// System fonts only: reports load nothing from elsewhere.
    public static let fontFamily = "system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, Helvetica, Arial, sans-serif"
    public static let axisColour = "#333333"
    public static let gridColour = "#e3e3e3"
    public static let textColour = "#222222"
    public static let mutedColour = "#555555"

    /// A generous estimate of a label's width in pixels (average glyph ≈ 0.6 em), for layout only.
    public static func textWidth(_ s: String, fontSize: Double = 12) -> Double {
        Double(s.count) * fontSize * 0.6
    }

    /// One legend entry: a swatch (a line for line charts, a square otherwise) and a name.
    public struct LegendEntry {
        public var name: String
        public var colour: String
        public var dash: String = ""
        public var line: Bool = false
    }

    /// The plot area left after the title, legend and axis labels.
    public struct Frame {
        public var left: Double
        public var top: Double
        public var right: Double
        public var bottom: Double
        public var width: Double { right - left }
        public var height: Double { bottom - top }
    }

    /// Rows of legend entries that fit in `width`, each row a list of (entry, x offset).
    static func legendRows(_ entries: [LegendEntry], width: Double) -> [[(LegendEntry, Double)]] {
        var rows: [[(LegendEntry, Double)]] = [[]]
        var x = 0.0
        for e in entries {
            let w = 22 + textWidth(e.name) + 18
            if x + w > width && !rows[rows.count - 1].isEmpty {
                rows.append([])
                x = 0
            }
            rows[rows.count - 1].append((e, x))
            x += w
        }
        return rows.filter { !$0.isEmpty }
    }

    /// Draws the title (and subtitle) and the legend at the top; returns the y where the plot may start.
    static func header(_ svg: inout SVGBuilder, title: String, subtitle: String?, legend: [LegendEntry], left: Double) -> Double {
        var y = 24.0
        svg.text(title, x: left, y: y, [("font-size", "16"), ("font-weight", "bold"), ("fill", textColour), ("class", "chart-title")])
        if let subtitle, !subtitle.isEmpty {
            y += 18
            svg.text(subtitle, x: left, y: y, [("font-size", "12"), ("fill", mutedColour)])
        }
        y += 10
        if !legend.isEmpty {
            svg.open("g", [("class", "legend")])
            for row in legendRows(legend, width: svg.width - left - 20) {
                y += 18
                for (e, dx) in row {
                    let x = left + dx
                    if e.line {
                        var attrs = [("stroke", e.colour), ("stroke-width", "2.5")]
                        if !e.dash.isEmpty { attrs.append(("stroke-dasharray", e.dash)) }
                        svg.line(x, y - 4, x + 18, y - 4, attrs)
                    } else {
                        svg.element("rect", [("x", svgNumber(x)), ("y", svgNumber(y - 10)), ("width", "12"), ("height", "12"), ("fill", e.colour)])
                    }
                    svg.text(e.name, x: x + 22, y: y, [("fill", textColour)])
                }
            }
            svg.close()
            y += 6
        }
        return y + 12
    }

    /// A y axis with gridlines: ticks, their labels (`format`) and the axis title, rotated.
    static func yAxis(_ svg: inout SVGBuilder, frame: Frame, scale: LinearScale, ticks: NiceTicks, title: String, format: (String) -> String) {
        svg.open("g", [("class", "y-axis")])
        for v in ticks.values {
            let y = scale(v)
            svg.line(frame.left, y, frame.right, y, [("stroke", gridColour), ("stroke-width", "1")])
            svg.text(format(ticks.label(v)), x: frame.left - 8, y: y + 4, [("text-anchor", "end"), ("fill", textColour)])
        }
        svg.line(frame.left, frame.top, frame.left, frame.bottom, [("stroke", axisColour), ("stroke-width", "1")])
        let cy = (frame.top + frame.bottom) / 2
        svg.text(title, x: 16, y: cy, [("text-anchor", "middle"), ("transform", "rotate(-90 16 \(svgNumber(cy)))"), ("fill", textColour)])
        svg.close()
    }

    /// An x tick: where it goes (in the scale's data units) and its label.
    public struct Tick: Sendable, Equatable {
        public var position: Double
        public var label: String
        public init(position: Double, label: String) { (self.position, self.label) = (position, label) }
    }

    /// A numeric x axis: ticks, their labels and the axis title under the plot.
    static func xAxis(_ svg: inout SVGBuilder, frame: Frame, scale: LinearScale, ticks: [Tick], title: String) {
        svg.open("g", [("class", "x-axis")])
        svg.line(frame.left, frame.bottom, frame.right, frame.bottom, [("stroke", axisColour), ("stroke-width", "1")])
        for t in ticks {
            let x = scale(t.position)
            svg.line(x, frame.bottom, x, frame.bottom + 5, [("stroke", axisColour)])
            svg.text(t.label, x: x, y: frame.bottom + 19, [("text-anchor", "middle"), ("fill", textColour)])
        }
        svg.text(title, x: (frame.left + frame.right) / 2, y: frame.bottom + 40, [("text-anchor", "middle"), ("fill", textColour)])
        svg.close()
    }
}
