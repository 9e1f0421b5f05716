/// One header line as it travels: a name and a value, both as sent.
public struct HeaderField: Hashable, Sendable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An ordered header list that keeps duplicates and compares names case-insensitively.
///
/// CORS outcomes hinge on how many `Access-Control-Allow-Origin` lines a response carries:
/// two identical lines fail in every browser (Fetch "get" joins them with `", "`), so this
/// list never merges lines.
public struct HeaderFields: Hashable, Sendable, Sequence, ExpressibleByArrayLiteral {
    public private(set) var fields: [HeaderField]

    public init(_ fields: [HeaderField] = []) { self.fields = fields }
    public init(arrayLiteral elements: (String, String)...) {
        self.fields = elements.map { HeaderField($0.0, $0.1) }
    }

    public func makeIterator() -> IndexingIterator<[HeaderField]> { fields.makeIterator() }
    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    /// Every value of the lines named `name`, in order, as sent.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    /// Whether any line is named `name`.
    public func contains(_ name: String) -> Bool {
        fields.contains { $0.name.caseInsensitiveEquals(name) }
    }

    /// Fetch's "get" (https://fetch.spec.whatwg.org/#concept-header-list-get): all values of
    /// `name` joined with `", "`, or nil when there is no such line.
    public func get(_ name: String) -> String? {
        let all = values(name)
        return all.isEmpty ? nil : all.joined(separator: ", ")
    }

    /// Adds a line at the end, keeping any existing lines of the same name.
    public mutating func append(_ name: String, _ value: String) {
        fields.append(HeaderField(name, value))
    }

    /// Removes every line named `name`.
    public mutating func removeAll(_ name: String) {
        fields.removeAll { $0.name.caseInsensitiveEquals(name) }
    }

    /// Replaces every line named `name` with one line carrying `value`, at the first one's place
    /// (at the end when there was none).
    public mutating func set(_ name: String, _ value: String) {
        if let first = fields.firstIndex(where: { $0.name.caseInsensitiveEquals(name) }) {
            fields[first].value = value
            var i = fields.index(after: first)
            while i < fields.endIndex {
                if fields[i].name.caseInsensitiveEquals(name) { fields.remove(at: i) } else { i += 1 }
            }
        } else {
            append(name, value)
        }
    }
}

extension String {
    /// ASCII case-insensitive equality, as HTTP header names compare.
    @inlinable
    public func caseInsensitiveEquals(_ other: String) -> Bool { asciiCaseInsensitiveEquals(utf8, other.utf8) }
}

/// Whether two byte sequences are equal ignoring ASCII case (A–Z as a–z; other bytes exactly):
/// `String.caseInsensitiveEquals` on bytes, for callers that have no `String` to hand.
@inlinable
public func asciiCaseInsensitiveEquals(_ a: some Sequence<UInt8>, _ b: some Sequence<UInt8>) -> Bool {
    var a = a.makeIterator(), b = b.makeIterator()
    while true {
        switch (a.next(), b.next()) {
        case (nil, nil): return true
        case let (x?, y?):
            if x.asciiLowercased != y.asciiLowercased { return false }
        default: return false
        }
    }
}

/// Header names popsim reads and writes, spelled once.
public enum HeaderName {
    public static let origin = "Origin"
    public static let allowOrigin = "Access-Control-Allow-Origin"
    public static let allowCredentials = "Access-Control-Allow-Credentials"
    public static let allowMethods = "Access-Control-Allow-Methods"
    public static let allowHeaders = "Access-Control-Allow-Headers"
    public static let exposeHeaders = "Access-Control-Expose-Headers"
    public static let maxAge = "Access-Control-Max-Age"
    public static let requestMethod = "Access-Control-Request-Method"
    public static let requestHeaders = "Access-Control-Request-Headers"
    public static let vary = "Vary"
    public static let cacheControl = "Cache-Control"
}

extension StringProtocol {
    /// Drops HTTP's optional whitespace (spaces and tabs) at both ends.
    public func trimmingASCIIWhitespace() -> SubSequence {
        var start = startIndex, end = endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = index(after: start) }
        while end > start, self[index(before: end)] == " " || self[index(before: end)] == "\t" { end = index(before: end) }
        return self[start..<end]
    }
}

/// A header line that is not `Name: value`.
public struct HeaderLineError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: String
    public let reason: String
    public var description: String { "\"\(line)\": \(reason)" }
}

extension HeaderField {
    /// Parses `Name: value`, as curl's `-H` and popsim's files write a header; the name must be an
    /// RFC 9110 token and the value non-empty (an empty value is almost always a typing mistake).
    public init(parsingLine line: String) throws(HeaderLineError) {
        guard let colon = line.firstIndex(of: ":") else { throw HeaderLineError(line: line, reason: "expected 'Name: value'") }
        let name = line[..<colon]
        let value = line[line.index(after: colon)...].trimmingASCIIWhitespace()
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(HeaderField.isTokenCharacter) else {
            throw HeaderLineError(line: line, reason: "'\(name)' is not a header name")
        }
        guard !value.isEmpty else { throw HeaderLineError(line: line, reason: "empty value for header '\(name)'") }
        self.init(String(name), String(value))
    }

    /// RFC 9110 §5.6.2 `tchar`.
    static func isTokenCharacter(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && UInt8(truncatingIfNeeded: c.value).isHTTPTokenByte
    }
}
