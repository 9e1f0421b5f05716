import Reports
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
