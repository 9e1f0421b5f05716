/// Escapes text for XML (and so for HTML and SVG): `&`, `<`, `>`, `"` and `'`.
///
/// Control characters other than tab, newline and carriage return are not allowed in XML 1.0;
/// they become U+FFFD so that a URL or origin with one cannot make a report unreadable.
public func xmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for u in text.unicodeScalars {
        switch u {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\t", "\n", "\r": out.unicodeScalars.append(u)
        default:
            if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF { out += "\u{FFFD}" } else { out.unicodeScalars.append(u) }
        }
    }
    return out
}

/// A coordinate or length as SVG text: two decimals at most, trailing zeros dropped (`12.5`, `40`).
///
/// Fixed decimals keep charts byte-identical across runs and platforms.
public func svgNumber(_ v: Double) -> String {
    var s = Format.fixed(v, 2)
    if s.contains(".") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    return s == "-0" ? "0" : s
}

/// A tiny SVG writer: elements are appended in order, every attribute value and text escaped.
///
/// Charts build one of these and call `document(…)`; nothing here knows about data.
public struct SVGBuilder {
    public let width: Double
    public let height: Double
    private var body = ""
    private var depth = 1

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Appends `<name attrs/>`, or `<name attrs>text</name>` when `text` is given.
    public mutating func element(_ name: String, _ attributes: [(String, String)], text: String? = nil, tooltip: String? = nil) {
        body += String(repeating: "  ", count: depth) + "<" + name + Self.attributes(attributes)
        if text == nil && tooltip == nil {
            body += "/>\n"
            return
        }
        body += ">"
        if let tooltip { body += "<title>" + xmlEscape(tooltip) + "</title>" }
        if let text { body += xmlEscape(text) }
        body += "</" + name + ">\n"
    }

    /// Opens a group; close it with `close()`.
    public mutating func open(_ name: String = "g", _ attributes: [(String, String)] = []) {
        body += String(repeating: "  ", count: depth) + "<" + name + Self.attributes(attributes) + ">\n"
        depth += 1
    }

    /// Closes the innermost open group.
    public mutating func close(_ name: String = "g") {
        depth -= 1
        body += String(repeating: "  ", count: depth) + "</" + name + ">\n"
    }

    /// A line from (x1, y1) to (x2, y2).
    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ attributes: [(String, String)] = []) {
        element("line", [("x1", svgNumber(x1)), ("y1", svgNumber(y1)), ("x2", svgNumber(x2)), ("y2", svgNumber(y2))] + attributes)
    }

    /// A text label at (x, y).
    public mutating func text(_ s: String, x: Double, y: Double, _ attributes: [(String, String)] = []) {
        element("text", [("x", svgNumber(x)), ("y", svgNumber(y))] + attributes, text: s)
    }

    /// The whole document: `<svg>` with a viewBox (it scales to its container), a title and a
    /// description for screen readers, and the body.
    /// - Parameter id: prefix for the ids of title and description, unique within an HTML page.
    public func document(id: String, title: String, description: String) -> String {
        let w = svgNumber(width), h = svgNumber(height)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(w) \(h)\" width=\"\(w)\" height=\"\(h)\""
        s += " role=\"img\" aria-labelledby=\"\(xmlEscape(id))-title \(xmlEscape(id))-desc\" class=\"chart\" id=\"\(xmlEscape(id))\""
        s += " font-family=\"\(Chart.fontFamily)\" font-size=\"12\">\n"
        s += "  <title id=\"\(xmlEscape(id))-title\">\(xmlEscape(title))</title>\n"
        s += "  <desc id=\"\(xmlEscape(id))-desc\">\(xmlEscape(description))</desc>\n"
        s += "  <rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>\n"
        return s + body + "</svg>\n"
    }

    static func attributes(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(xmlEscape($0.1))\"" }.joined()
    }
}
