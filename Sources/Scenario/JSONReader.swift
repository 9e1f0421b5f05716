import Workload

/// A scenario (or rules) file problem, located by key path and line.
public struct ScenarioError: Error, CustomStringConvertible, Equatable {
    public var file: String
    /// Key path such as `variants.cdn-list.responseHeaders[0].value`; empty for the whole file.
    public var path: String
    public var line: Int?
    public var message: String

    public init(file: String, path: String, line: Int?, message: String) {
        self.file = file
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if !path.isEmpty { s += ": \(path)" }
        return s + ": " + message
    }
}

/// A JSON node with the key path that led to it, so every error can say where it is.
struct Node {
    let json: JSONNode
    let path: String
    let file: String

    func error(_ message: String) -> ScenarioError {
        ScenarioError(file: file, path: path, line: json.line, message: message)
    }

    func child(_ key: String, _ node: JSONNode) -> Node {
        Node(json: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    var typeName: String {
        switch json.value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    func object(_ allowed: [String]) throws(ScenarioError) -> ObjectReader {
        guard case .object(let members) = json.value else { throw error("expected an object, found \(typeName)") }
        return ObjectReader(node: self, members: members, allowed: allowed)
    }

    func string() throws(ScenarioError) -> String {
        guard case .string(let s) = json.value else { throw error("expected a string, found \(typeName)") }
        return s
    }

    func nonEmptyString() throws(ScenarioError) -> String {
        let s = try string()
        guard !s.isEmpty else { throw error("must not be empty") }
        return s
    }

    func bool() throws(ScenarioError) -> Bool {
        guard case .bool(let b) = json.value else { throw error("expected true or false, found \(typeName)") }
        return b
    }

    func int() throws(ScenarioError) -> Int64 {
        guard case .number(let n) = json.value, let i = n.int else { throw error("expected an integer, found \(typeName)") }
        return i
    }

    func array() throws(ScenarioError) -> [Node] {
        guard case .array(let items) = json.value else { throw error("expected an array, found \(typeName)") }
        return items.enumerated().map { Node(json: $1, path: "\(path)[\($0)]", file: file) }
    }

    func strings() throws(ScenarioError) -> [String] {
        var out: [String] = []
        for item in try array() { out.append(try item.string()) }
        return out
    }

    /// A duration string (`30s`, `250ms`, `1d`) in µs.
    func duration() throws(ScenarioError) -> Int64 {
        let s = try string()
        do { return try parseDuration(s) } catch { throw self.error("\(error)") }
    }

    /// A size string (`2GB`, `512KiB`) in bytes.
    func byteSize() throws(ScenarioError) -> Int64 {
        let s = try string()
        do { return try parseByteSize(s) } catch { throw self.error("\(error)") }
    }

    /// One of `choices`, with an error listing them.
    func choice(_ choices: [String]) throws(ScenarioError) -> String {
        let s = try string()
        guard choices.contains(s) else {
            throw error("\"\(s)\" is not one of: \(choices.joined(separator: ", "))")
        }
        return s
    }
}

/// Reads an object's members by name and refuses the ones nobody asked for.
final class ObjectReader {
    let node: Node
    private let members: [JSONMember]
    private let allowed: [String]

    init(node: Node, members: [JSONMember], allowed: [String]) {
        self.node = node
        self.members = members
        self.allowed = allowed
    }

    /// Every member must be a known key: a misspelt key would otherwise be silently ignored.
    func checkKeys() throws(ScenarioError) {
        for m in members where !allowed.contains(m.key) {
            let hint = closest(m.key).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw ScenarioError(file: node.file, path: node.child(m.key, m.node).path, line: m.keyLine,
                                message: "unknown key \"\(m.key)\"\(hint); allowed here: \(allowed.joined(separator: ", "))")
        }
    }

    func optional(_ key: String) -> Node? {
        members.first { $0.key == key }.map { node.child(key, $0.node) }
    }

    func required(_ key: String) throws(ScenarioError) -> Node {
        guard let n = optional(key) else { throw node.error("missing required key \"\(key)\"") }
        return n
    }

    var keys: [String] { members.map(\.key) }

    var entries: [(String, Node)] { members.map { ($0.key, node.child($0.key, $0.node)) } }

    private func closest(_ key: String) -> String? {
        let lower = key.lowercased()
        return allowed.first { $0.lowercased() == lower }
            ?? allowed.min { editDistance($0, key) < editDistance($1, key) }.flatMap { editDistance($0, key) <= 2 ? $0 : nil }
    }
}

/// Levenshtein distance, for "did you mean" hints on short keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8), b = Array(b.utf8)
    if a.isEmpty { return b.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var prev = row[0]
        row[0] = i
        for j in 1...max(b.count, 1) where j <= b.count {
            let cur = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
            prev = cur
        }
    }
    return row[b.count]
}

/// Parses a whole file as JSON, mapping syntax errors to located scenario errors.
func loadJSON(file: String, bytes: [UInt8]) throws(ScenarioError) -> Node {
    do {
        return Node(json: try parseJSON(bytes), path: "", file: file)
    } catch {
        throw ScenarioError(file: file, path: "", line: error.line, message: "invalid JSON: \(error.message)")
    }
}
