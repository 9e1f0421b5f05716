// Writing JSON, building values in code, and reading them back without a switch each time.

extension JSONValue {
    /// The document as text, byte-identical for equal values on every run and platform.
    ///
    /// Members are written in the order given (sort them first when the order should not
    /// depend on how they were built); numbers are written as their literal text; strings escape
    /// `"`, `\` and control characters and keep other characters as UTF-8. No trailing newline.
    /// - Parameter indent: spaces per level for a pretty document, or nil for one compact line.
    public func serialized(indent: Int? = nil) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, indent: indent, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(into out: inout [UInt8], indent: Int?, level: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let v): out.append(contentsOf: (v ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.literal.utf8)
        case .string(let s): writeJSONString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent, level + 1)
                item.value.write(into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (k, m) in members.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent, level + 1)
                writeJSONString(m.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                m.node.value.write(into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private func newline(_ out: inout [UInt8], _ indent: Int?, _ level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }
}

private func writeJSONString(_ s: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for c in s.utf8 {
        switch c {
        case 0x22: out.append(contentsOf: "\\\"".utf8)
        case 0x5C: out.append(contentsOf: "\\\\".utf8)
        case 0x0A: out.append(contentsOf: "\\n".utf8)
        case 0x0D: out.append(contentsOf: "\\r".utf8)
        case 0x09: out.append(contentsOf: "\\t".utf8)
        case 0x08: out.append(contentsOf: "\\b".utf8)
        case 0x0C: out.append(contentsOf: "\\f".utf8)
        case 0..<0x20: out.append(contentsOf: "\\u\(hex(UInt32(c), width: 4))".utf8)
        default: out.append(c)
        }
    }
    out.append(UInt8(ascii: "\""))
}

// MARK: building values in code

extension JSONValue {
    /// An object from a literal list, in the order written: `.obj(["seed": .int(7), "name": .str("x")])`.
    ///
    /// Keys are not checked for duplicates; the writer writes what it is given.
    public static func obj(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(pairs.map { JSONMember(key: $0.key, node: JSONNode($0.value)) })
    }

    /// An object from pairs built at run time (sort them first for a stable order).
    public static func obj(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { JSONMember(key: $0.0, node: JSONNode($0.1)) })
    }

    /// An array of values.
    public static func arr(_ items: [JSONValue]) -> JSONValue { .array(items.map { JSONNode($0) }) }

    /// A string.
    public static func str(_ s: String) -> JSONValue { .string(s) }

    /// An integer, written exactly.
    public static func int(_ v: some BinaryInteger) -> JSONValue { .number(JSONNumber(v)) }

    /// A real number with exactly `decimals` digits after the point (`0.5` at 3 ⇒ `0.500`).
    ///
    /// Fixed decimals make reports diff cleanly between runs: no locale, no exponent for
    /// magnitudes below 10^15, halves rounded away from zero. NaN and infinities, which JSON
    /// cannot express, are written as `null`.
    public static func double(_ v: Double, decimals: Int) -> JSONValue {
        guard let text = formatFixed(v, decimals: decimals) else { return .null }
        return .number(JSONNumber(uncheckedLiteral: text))
    }

    /// A real number in Swift's shortest round-trip form (`0.1`, `1e-05`), or `null` when not finite.
    public static func double(_ v: Double) -> JSONValue {
        guard v.isFinite else { return .null }
        return .number(JSONNumber(uncheckedLiteral: v.description))
    }
}

/// `v` with exactly `decimals` fractional digits, or nil when `v` is not finite.
///
/// Uses integer arithmetic after one scaling so the output never depends on the C library's
/// printf; beyond 10^15 (where a double has no fractional digits left) falls back to Swift's
/// shortest representation.
func formatFixed(_ v: Double, decimals: Int) -> String? {
    guard v.isFinite else { return nil }
    let d = max(0, min(decimals, 15))
    var scale = 1.0
    for _ in 0..<d { scale *= 10 }
    let scaled = (v.magnitude * scale).rounded(.toNearestOrAwayFromZero)
    guard v.magnitude < 1e15, scaled < 9.0e18 else { return v.description }
    let n = UInt64(scaled)
    let neg = v < 0 && n != 0
    var digits = String(n)
    if d > 0 {
        if digits.count <= d { digits = String(repeating: "0", count: d - digits.count + 1) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -d))
    }
    return neg ? "-" + digits : digits
}

// MARK: reading values

extension JSONValue {
    /// The JSON type name, for messages such as `expected a string, found an array`.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The string when this is a string.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The boolean when this is `true` or `false`.
    public var boolValue: Bool? { if case .bool(let v) = self { return v } else { return nil } }
    /// The number when this is a number.
    public var numberValue: JSONNumber? { if case .number(let n) = self { return n } else { return nil } }
    /// The elements when this is an array.
    public var arrayValue: [JSONNode]? { if case .array(let a) = self { return a } else { return nil } }
    /// The members, in source order, when this is an object.
    public var objectMembers: [JSONMember]? { if case .object(let m) = self { return m } else { return nil } }
}
