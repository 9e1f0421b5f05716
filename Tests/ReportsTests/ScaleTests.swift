import Reports
import Workload
import Testing

/// A tick case: the data range, and the axis Heckbert's nice numbers give for it.
struct TickCase: Sendable, CustomTestStringConvertible {
    var min: Double
    var max: Double
    var count: Int
    var labels: [String]
    var why: String
    var testDescription: String { "\(min)…\(max) (\(count)): \(why)" }
}

let tickCases: [TickCase] = [
    TickCase(min: 0, max: 1, count: 6, labels: ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], why: "steps of 2 × 10⁻¹, one decimal"),
    TickCase(min: 0, max: 50, count: 6, labels: ["0", "10", "20", "30", "40", "50"], why: "a failure rate axis up to 50%"),
    TickCase(min: 3, max: 97, count: 6, labels: ["0", "20", "40", "60", "80", "100"], why: "extended outwards to whole steps"),
    TickCase(min: 0, max: 0.0037, count: 5, labels: ["0.000", "0.001", "0.002", "0.003", "0.004"], why: "small values keep their digits"),
    TickCase(min: -5, max: 5, count: 5, labels: ["-6", "-4", "-2", "0", "2", "4", "6"], why: "negative ranges"),
    TickCase(min: 0, max: 0, count: 6, labels: ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], why: "an all-zero chart still gets an axis 0…1"),
    TickCase(min: 5, max: 5, count: 5, labels: ["4.4", "4.6", "4.8", "5.0", "5.2", "5.4", "5.6"], why: "a single value is widened by a tenth either side"),
    TickCase(min: 0, max: 180, count: 8, labels: ["0", "20", "40", "60", "80", "100", "120", "140", "160", "180"], why: "a 3-minute time axis"),
    TickCase(min: 0, max: 4.4, count: 6, labels: ["0", "1", "2", "3", "4", "5"], why: "origin fetches with headroom"),
]

@Test("nice ticks", arguments: tickCases)
func niceTicks(_ c: TickCase) {
    let t = NiceTicks(min: c.min, max: c.max, count: c.count)
    #expect(t.values.map(t.label) == c.labels)
    #expect(t.lower <= Swift.min(c.min, c.max) && t.upper >= Swift.max(c.min, c.max))
}

@Test("a linear scale maps and inverts, also onto a backwards (y) range")
func linearScale() {
    let x = LinearScale(domain: (0, 100), range: (72, 936))
    #expect(x(0) == 72)
    #expect(x(100) == 936)
    #expect(x(50) == 504)
    #expect(x.invert(504) == 50)
    let y = LinearScale(domain: (0, 50), range: (368, 68))
    #expect(y(0) == 368)
    #expect(y(50) == 68)
    #expect(abs(y.invert(y(12.5)) - 12.5) < 1e-9)
    let flat = LinearScale(domain: (3, 3), range: (10, 20))
    #expect(flat(3) == 10)
}

@Test("SVG numbers: two decimals at most, no trailing zeros, no negative zero")
func svgNumbers() {
    #expect(svgNumber(12.5) == "12.5")
    #expect(svgNumber(40) == "40")
    #expect(svgNumber(1.006) == "1.01")
    #expect(svgNumber(-0.001) == "0")
    #expect(svgNumber(-3.14159) == "-3.14")
}

@Test("XML escaping covers markup characters, quotes and control characters")
func escaping() {
    #expect(xmlEscape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
    #expect(xmlEscape("tab\tnewline\n") == "tab\tnewline\n")
    #expect(xmlEscape("bell\u{07}") == "bell\u{FFFD}")
}

@Test("durations as scenarios write them")
func durations() {
    #expect(Format.duration(60_000_000) == "1m")
    #expect(Format.duration(90_000_000) == "90s")
    #expect(Format.duration(250_000) == "250ms")
    #expect(Format.duration(86_400_000_000) == "1d")
    #expect(Format.duration(0) == "0s")
}

/// A log-axis case: the data's smallest and largest values, and the ticks' values.
struct LogTickCase: Sendable, CustomTestStringConvertible {
    var min: Double
    var max: Double
    var values: [Double]
    var why: String
    var testDescription: String { "\(min)…\(max): \(why)" }
}

let logTickCases: [LogTickCase] = [
    LogTickCase(min: 5e8, max: 2e9, values: [5e8, 1e9, 2e9], why: "a sweep of 0.5x…2x of 1 GB: 1-2-5 ticks, on the data (evenly spaced log positions read 398.11MB, 501.19MB…)"),
    LogTickCase(min: 2.39e10, max: 9.57e10, values: [2e10, 5e10, 1e11], why: "0.5x…2x of the bench's 47.9 GB: the axis widens to the 1-2-5 ticks around the data"),
    LogTickCase(min: 7.0057983e7, max: 1.55436556239e11, values: [1e7, 1e8, 1e9, 1e10, 1e11, 1e12], why: "an mrc over three decades: powers of ten"),
    LogTickCase(min: 1e7, max: 3e8, values: [1e7, 2e7, 5e7, 1e8, 2e8, 5e8], why: "under two whole decades: 1-2-5, not a decade of empty axis"),
    LogTickCase(min: 1.01e7, max: 9.9e8, values: [1e7, 2e7, 5e7, 1e8, 2e8, 5e8, 1e9], why: "two decades, only one of them inside: 1-2-5"),
    LogTickCase(min: 1.01e7, max: 9.9e9, values: [1e7, 1e8, 1e9, 1e10], why: "1-2-5 would be ten ticks: decades"),
    LogTickCase(min: 3.1e8, max: 3.9e8, values: [3e8, 4e8], why: "within one 1-2-5 step: 1…9 × 10^k"),
    LogTickCase(min: 1e9, max: 1e9, values: [5e8, 1e9, 2e9], why: "one size that is a tick: its 1-2-5 neighbours either side"),
    LogTickCase(min: 3.5e8, max: 3.5e8, values: [2e8, 5e8], why: "one size between ticks: the ticks around it"),
    LogTickCase(min: 1, max: 1e5, values: [1, 10, 100, 1e3, 1e4, 1e5], why: "object counts from 1"),
    LogTickCase(min: 1, max: 1e12, values: [1, 1e2, 1e4, 1e6, 1e8, 1e10, 1e12], why: "thirteen decades: every second one, at most eight ticks"),
    LogTickCase(min: 3e2, max: 4e19, values: [1, 1e5, 1e10, 1e15, 1e20], why: "eighteen decades: every fifth, on multiples of five"),
    LogTickCase(min: 5.5e8, max: 9.5e8, values: [5e8, 6e8, 7e8, 8e8, 9e8, 1e9], why: "within 5…10 × 10^8: six ticks at 1…9 × 10^k"),
]

@Test("log ticks fall at round values: decades, else 1-2-5, else 1…9 × 10^k", arguments: logTickCases)
func logTicks(_ c: LogTickCase) {
    let t = LogTicks(min: LogTicks.position(c.min), max: LogTicks.position(c.max), count: 8)
    #expect(t.values == c.values)
    #expect(t.lower == LogTicks.position(c.values.first!) && t.upper == LogTicks.position(c.values.last!))
    #expect(t.lower <= LogTicks.position(c.min) && t.upper >= LogTicks.position(c.max), "the axis covers the data")
}

@Test("log ticks with a small count stay round, and values past a double's range are clamped, not trapped")
func logTicksEdges() {
    let few = LogTicks(min: LogTicks.position(5.5e8), max: LogTicks.position(9.5e8), count: 3)
    #expect(few.values == [5e8, 6e8, 7e8, 8e8, 9e8, 1e9], "1…9 × 10^k is never thinned as if it were decades")
    let decades = LogTicks(min: 0, max: 12, count: 3)
    #expect(decades.values == [1, 1e10, 1e20], "at most three: every tenth decade")
    let huge = LogTicks(min: 1e300, max: 1e301)
    #expect(huge.values.count >= 2 && huge.lower.isFinite && huge.upper.isFinite)
}

@Test("a log x axis: ticks at round values labelled from the value, points at their positions, tooltips naming the value")
func logAxisChart() {
    var chart = LineChart(title: "t", xTitle: "size", yTitle: "y", series: [
        .init(name: "s", points: [5e8, 1e9, 2e9].map { LineChart.Point(x: LogTicks.position($0), y: 1) }),
    ])
    chart.xScale = .log10 { formatBytes(Int64($0.rounded())) }
    let layout = chart.layout()
    #expect(layout.xTicks.map(\.label) == ["500MB", "1GB", "2GB"])
    #expect(layout.x(LogTicks.position(5e8)) == layout.frame.left && layout.x(LogTicks.position(2e9)) == layout.frame.right)
    let svg = chart.svg(id: "t", description: "d")
    #expect(svg.contains("s: 1.00 at 1GB"), "the tooltip names the size, not its logarithm 9.00")
}
