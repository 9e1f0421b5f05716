// Our own JSON: scenario files need positions for their error messages and must refuse
// duplicate keys, which JSONSerialization and Codable silently accept (last one wins).

/// A JSON number kept as the literal text it was written with.
///
/// Keeping the text rather than a `Double` means a seed above 2^53 survives, a config's `0.1`
/// is written back as `0.1`, and each reader chooses its exactness (`int` refuses fractions).
/// Two numbers are equal when their literals are: `1` and `1.0` differ.
public struct JSONNumber: Hashable, Sendable, CustomStringConvertible {
    /// The RFC 8259 literal, e.g. `-12.5e3`.
    public let literal: String

    /// Wraps a literal after checking it against the RFC 8259 number grammar.
    public init?(literal: String) {
        let bytes = Array(literal.utf8)
        guard case .success(let end) = scanJSONNumber(bytes, from: 0), end == bytes.count else { return nil }
        self.literal = literal
    }

    /// An integer number.
    public init(_ value: some BinaryInteger) { literal = String(value) }

    init(uncheckedLiteral: String) { literal = uncheckedLiteral }

    public var description: String { literal }

    /// The value when it is an integer that fits in `Int64` (`3`, `-0`, `1e3`, `2.50e1`), else nil.
    ///
    /// Computed from the decimal digits, never through `Double`, so `9007199254740993` is exact
    /// and `0.1e1` is `1`.
    public var int: Int64? {
        var neg = false
        var digits: [UInt8] = [] // integer and fraction digits, as values 0–9
        var fraction = 0
        var exponent = 0
        var expNeg = false
        var part = 0 // 0 integer, 1 fraction, 2 exponent
        for c in literal.utf8 {
            switch c {
            case UInt8(ascii: "-") where part == 0: neg = true
            case UInt8(ascii: "-"): expNeg = true
            case UInt8(ascii: "+"): break
            case UInt8(ascii: "."): part = 1
            case UInt8(ascii: "e"), UInt8(ascii: "E"): part = 2
            default:
                let d = Int(c) - 48
                if part == 2 {
                    exponent = min(exponent * 10 + d, 100_000)
                } else {
                    if part == 1 { fraction += 1 }
                    digits.append(UInt8(d))
                }
            }
        }
        // value = digits × 10^scale
        var scale = (expNeg ? -exponent : exponent) - fraction
        let firstNonZero = digits.firstIndex { $0 != 0 } ?? digits.count
        digits.removeFirst(firstNonZero)
        if digits.isEmpty { return 0 }
        while scale < 0, digits.last == 0 { digits.removeLast(); scale += 1 }
        if scale < 0 || digits.count + scale > 19 { return nil }
        var magnitude: UInt64 = 0
        for d in digits + [UInt8](repeating: 0, count: scale) {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            magnitude = s
        }
        if neg {
            if magnitude == UInt64(Int64.max) + 1 { return .min }
            return magnitude <= UInt64(Int64.max) ? -Int64(magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// The nearest `Double` (infinite when the literal is out of range).
    public var double: Double { Double(literal) ?? .nan }
}

/// A JSON value with its position in the source text, so errors can point at it.
///
/// Equality and hashing look at the value only: where a value was written is provenance, not
/// content, and a document parsed twice must compare equal to itself re-serialised.
public struct JSONNode: Hashable, Sendable {
    public var value: JSONValue
    /// 1-based line of the value's first character (0 for values built in code).
    public var line: Int
    /// 1-based column, counted in Unicode scalars (0 for values built in code).
    public var column: Int

    public init(_ value: JSONValue, line: Int = 0, column: Int = 0) {
        self.value = value
        self.line = line
        self.column = column
    }

    public static func == (a: JSONNode, b: JSONNode) -> Bool { a.value == b.value }
    public func hash(into h: inout Hasher) { h.combine(value) }

    /// The member named `key` when this is an object that has it.
    public subscript(key: String) -> JSONNode? { value.objectMembers?.first { $0.key == key }?.node }
}

/// One `"key": value` pair of an object; objects keep their members in source order.
public struct JSONMember: Hashable, Sendable {
    public var key: String
    /// 1-based line of the key (0 for members built in code).
    public var keyLine: Int
    /// 1-based column of the key's opening quote (0 for members built in code).
    public var keyColumn: Int
    public var node: JSONNode

    public init(key: String, keyLine: Int = 0, keyColumn: Int = 0, node: JSONNode) {
        self.key = key
        self.keyLine = keyLine
        self.keyColumn = keyColumn
        self.node = node
    }

    public static func == (a: JSONMember, b: JSONMember) -> Bool { a.key == b.key && a.node == b.node }
    public func hash(into h: inout Hasher) { h.combine(key); h.combine(node) }
}

/// A JSON value (RFC 8259). Objects are member lists, not dictionaries: order is kept and
/// duplicate keys are refused by the parser rather than silently merged.
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONNode])
    case object([JSONMember])
}

/// Where and why a document is not strict JSON.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based line.
    public let line: Int
    /// 1-based column, counted in Unicode scalars.
    public let column: Int
    public let message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line 4, column 12: duplicate key "seed" (first at line 2)`.
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Parses one strict RFC 8259 JSON document.
///
/// Strict because scenario files are written by hand and a lenient parser hides typos: no
/// comments, no trailing commas, no single quotes, no NaN; strings must be valid UTF-8 without
/// raw control characters; a key repeated within one object is an error naming it (JSON
/// parsers disagree on which duplicate wins, so a config must not rely on one). A leading
/// UTF-8 byte order mark is ignored, as RFC 8259 §8.1 allows.
/// - Parameter bytes: the document, UTF-8.
/// - Returns: the root value with its position.
/// - Throws: `JSONParseError` with the 1-based line and column of the first problem.
/// - Complexity: O(n); nesting is limited to ``jsonMaxDepth`` levels.
public func parseJSON(_ bytes: [UInt8]) throws(JSONParseError) -> JSONNode {
    var parser = JSONParser(bytes)
    return try parser.parseDocument()
}

/// Parses one strict JSON document from a string; see `parseJSON(_:)` for the rules.
public func parseJSON(_ text: String) throws(JSONParseError) -> JSONNode {
    try parseJSON(Array(text.utf8))
}

/// How deeply arrays and objects may nest; deeper documents are refused rather than
/// risking the stack on a recursive descent.
public let jsonMaxDepth = 512

/// Scans a number at `start`: the end index, or the offending index and a message.
func scanJSONNumber(_ b: [UInt8], from start: Int) -> Result<Int, NumberScanError> {
    var i = start
    func isDigit(_ at: Int) -> Bool { at < b.count && b[at] >= 0x30 && b[at] <= 0x39 }
    if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
    guard isDigit(i) else { return .failure(NumberScanError(index: i, message: "expected a digit in number")) }
    if b[i] == UInt8(ascii: "0") {
        i += 1
        if isDigit(i) { return .failure(NumberScanError(index: i - 1, message: "leading zero in number")) }
    } else {
        while isDigit(i) { i += 1 }
    }
    if i < b.count, b[i] == UInt8(ascii: ".") {
        i += 1
        guard isDigit(i) else { return .failure(NumberScanError(index: i, message: "expected a digit after '.' in number")) }
        while isDigit(i) { i += 1 }
    }
    if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
        i += 1
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return .failure(NumberScanError(index: i, message: "expected a digit in exponent")) }
        while isDigit(i) { i += 1 }
    }
    return .success(i)
}

struct NumberScanError: Error {
    let index: Int
    let message: String
}

/// A recursive-descent parser over UTF-8 bytes that tracks line and column.
struct JSONParser {
    private let b: [UInt8]
    private var i = 0
    private var line = 1
    private var lineStart = 0
    // The column of `colPos` on the current line, so columns cost O(n) over a whole parse.
    private var colLineStart = 0
    private var colPos = 0
    private var colValue = 1
    private var depth = 0

    init(_ bytes: [UInt8]) { b = bytes }

    mutating func parseDocument() throws(JSONParseError) -> JSONNode {
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3; lineStart = 3; colLineStart = 3; colPos = 3 }
        skipWhitespace()
        guard i < b.count else { throw error(at: i, "empty document (expected a JSON value)") }
        let root = try parseValue()
        skipWhitespace()
        if i < b.count { throw error(at: i, "unexpected \(describe(at: i)) after the JSON value") }
        return root
    }

    // MARK: positions and errors

    private mutating func column(at pos: Int) -> Int {
        if colLineStart != lineStart || pos < colPos {
            colLineStart = lineStart
            colPos = lineStart
            colValue = 1
        }
        var k = colPos
        while k < pos && k < b.count {
            if b[k] & 0xC0 != 0x80 { colValue += 1 }
            k += 1
        }
        colPos = pos
        return colValue
    }

    private mutating func error(at pos: Int, _ message: String) -> JSONParseError {
        JSONParseError(line: line, column: column(at: pos), message: message)
    }

    private func describe(at pos: Int) -> String {
        guard pos < b.count else { return "end of input" }
        let c = b[pos]
        if c >= 0x21 && c < 0x7F { return "character '\(Character(Unicode.Scalar(c)))'" }
        if c < 0x80 { return "character U+\(hex(UInt32(c), width: 4))" }
        return "byte 0x\(hex(UInt32(c), width: 2))"
    }

    private mutating func skipWhitespace() {
        while i < b.count {
            switch b[i] {
            case 0x20, 0x09, 0x0D: i += 1
            case 0x0A:
                i += 1
                line += 1
                lineStart = i
            default: return
            }
        }
    }

    // MARK: values

    private mutating func parseValue() throws(JSONParseError) -> JSONNode {
        let start = i
        let l = line
        let col = column(at: i)
        guard i < b.count else { throw error(at: i, "unexpected end of input (expected a value)") }
        let value: JSONValue
        switch b[i] {
        case UInt8(ascii: "{"): value = try parseObject()
        case UInt8(ascii: "["): value = try parseArray()
        case UInt8(ascii: "\""): value = .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            switch scanJSONNumber(b, from: i) {
            case .success(let end):
                value = .number(JSONNumber(uncheckedLiteral: String(decoding: b[i..<end], as: UTF8.self)))
                i = end
            case .failure(let e):
                throw error(at: e.index, e.message)
            }
        case UInt8(ascii: "t"): try literal("true"); value = .bool(true)
        case UInt8(ascii: "f"): try literal("false"); value = .bool(false)
        case UInt8(ascii: "n"): try literal("null"); value = .null
        case UInt8(ascii: "/"):
            throw error(at: start, "unexpected character '/' (comments are not allowed in JSON)")
        case UInt8(ascii: "'"):
            throw error(at: start, "unexpected character ''' (JSON strings use double quotes)")
        default:
            throw error(at: start, "unexpected \(describe(at: start)) (expected a value)")
        }
        return JSONNode(value, line: l, column: col)
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: n)
        guard i + n <= b.count, b[i..<(i + n)].elementsEqual(expected) else {
            throw error(at: i, "invalid literal (expected true, false or null)")
        }
        i += n
    }

    private mutating func enter(_ at: Int) throws(JSONParseError) {
        depth += 1
        if depth > jsonMaxDepth { throw error(at: at, "nesting deeper than \(jsonMaxDepth) levels") }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter(i)
        i += 1
        var items: [JSONNode] = []
        skipWhitespace()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard i < b.count else { throw error(at: i, "unexpected end of input (expected ',' or ']')") }
            if b[i] == UInt8(ascii: "]") { i += 1; break }
            guard b[i] == UInt8(ascii: ",") else { throw error(at: i, "unexpected \(describe(at: i)) (expected ',' or ']')") }
            let comma = i
            i += 1
            skipWhitespace()
            if i < b.count, b[i] == UInt8(ascii: "]") { throw errorAtComma(comma, "trailing comma before ']'") }
        }
        depth -= 1
        return .array(items)
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter(i)
        i += 1
        var members: [JSONMember] = []
        var seen: [String: Int] = [:]
        skipWhitespace()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(members) }
        while true {
            skipWhitespace()
            guard i < b.count else { throw error(at: i, "unexpected end of input (expected a string key)") }
            guard b[i] == UInt8(ascii: "\"") else {
                let hint = b[i] == UInt8(ascii: "'") ? " (JSON strings use double quotes)" : ""
                throw error(at: i, "unexpected \(describe(at: i)) (expected a string key)\(hint)")
            }
            let keyLine = line
            let keyColumn = column(at: i)
            let key = try parseString()
            if let first = seen[key] {
                throw JSONParseError(line: keyLine, column: keyColumn,
                                     message: "duplicate key \(quoted(key)) (first at line \(first))")
            }
            seen[key] = keyLine
            skipWhitespace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else {
                throw error(at: i, "unexpected \(describe(at: i)) (expected ':' after key \(quoted(key)))")
            }
            i += 1
            skipWhitespace()
            let node = try parseValue()
            members.append(JSONMember(key: key, keyLine: keyLine, keyColumn: keyColumn, node: node))
            skipWhitespace()
            guard i < b.count else { throw error(at: i, "unexpected end of input (expected ',' or '}')") }
            if b[i] == UInt8(ascii: "}") { i += 1; break }
            guard b[i] == UInt8(ascii: ",") else { throw error(at: i, "unexpected \(describe(at: i)) (expected ',' or '}')") }
            let comma = i
            i += 1
            skipWhitespace()
            if i < b.count, b[i] == UInt8(ascii: "}") { throw errorAtComma(comma, "trailing comma before '}'") }
        }
        depth -= 1
        return .object(members)
    }

    /// Reports at a comma that may sit on an earlier line than the parser's current one.
    private func errorAtComma(_ comma: Int, _ message: String) -> JSONParseError {
        var l = 1
        var start = 0
        for k in 0..<comma where b[k] == 0x0A { l += 1; start = k + 1 }
        var col = 1
        for k in start..<comma where b[k] & 0xC0 != 0x80 { col += 1 }
        return JSONParseError(line: l, column: col, message: message)
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        let open = i
        i += 1
        let contentStart = i
        var out: [UInt8]? = nil // only allocated when the string has escapes
        var runStart = i
        while true {
            guard i < b.count else { throw error(at: open, "unterminated string") }
            let c = b[i]
            switch c {
            case UInt8(ascii: "\""):
                defer { i += 1 }
                if var o = out {
                    o.append(contentsOf: b[runStart..<i])
                    return String(decoding: o, as: UTF8.self)
                }
                return String(decoding: b[contentStart..<i], as: UTF8.self)
            case UInt8(ascii: "\\"):
                if out == nil { out = [] }
                out!.append(contentsOf: b[runStart..<i])
                try parseEscape(into: &out!)
                runStart = i
            case 0x0A, 0x0D:
                throw error(at: open, "unterminated string (a line break inside a string must be written \\n)")
            case 0..<0x20:
                throw error(at: i, "control character U+\(hex(UInt32(c), width: 4)) in string must be escaped")
            case 0..<0x80:
                i += 1
            default:
                try skipUTF8Scalar()
            }
        }
    }

    /// Checks one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func skipUTF8Scalar() throws(JSONParseError) {
        let c = b[i]
        let n: Int
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: n = 1
        case 0xE0: n = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: n = 2
        case 0xED: n = 2; hi = 0x9F
        case 0xF0: n = 3; lo = 0x90
        case 0xF1...0xF3: n = 3
        case 0xF4: n = 3; hi = 0x8F
        default: throw error(at: i, "invalid UTF-8 byte 0x\(hex(UInt32(c), width: 2)) in string")
        }
        for k in 1...n {
            let p = i + k
            guard p < b.count else { throw error(at: i, "truncated UTF-8 sequence in string") }
            let (l, h): (UInt8, UInt8) = k == 1 ? (lo, hi) : (0x80, 0xBF)
            guard b[p] >= l && b[p] <= h else { throw error(at: i, "invalid UTF-8 sequence starting with byte 0x\(hex(UInt32(c), width: 2)) in string") }
        }
        i += n + 1
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(JSONParseError) {
        let esc = i
        i += 1
        guard i < b.count else { throw error(at: esc, "unterminated string") }
        let c = b[i]
        i += 1
        switch c {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(escapeAt: esc)
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                    throw error(at: esc, "unpaired surrogate \\u\(hex(scalar, width: 4)) (expected a low surrogate \\uDC00–\\uDFFF next)")
                }
                let second = i
                i += 2
                let low = try hex4(escapeAt: second)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error(at: esc, "unpaired surrogate \\u\(hex(scalar, width: 4)) (followed by \\u\(hex(low, width: 4)), not a low surrogate)")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error(at: esc, "unpaired surrogate \\u\(hex(scalar, width: 4)) (a low surrogate must follow a high one)")
            }
            out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
        default:
            let shown = c >= 0x21 && c < 0x7F ? "\\\(Character(Unicode.Scalar(c)))" : "\\ followed by \(describe(at: i - 1))"
            throw error(at: esc, "invalid escape \(shown) (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
        }
    }

    /// Reads the four hex digits after `\u` (the parser is just past the `u`).
    private mutating func hex4(escapeAt esc: Int) throws(JSONParseError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard i < b.count, let d = hexDigit(b[i]) else {
                throw error(at: esc, "invalid \\u escape (expected four hex digits)")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private func hexDigit(_ c: UInt8) -> UInt32? { hexDigitValue(c).map(UInt32.init) }
}

/// Upper-case hexadecimal, zero-padded to `width` digits.
func hex(_ v: UInt32, width: Int) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

/// A string in JSON quotes, for messages: `"seed"`.
func quoted(_ s: String) -> String { JSONValue.string(s).serialized() }
