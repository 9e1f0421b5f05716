// RFC 4180 fields on bytes: the trace reader splits every line, so this must not allocate
// per field once it has warmed up.

/// A malformed CSV line: where (1-based byte column and 0-based field) and why.
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based byte position in the line of the offending character.
    public let column: Int
    /// 0-based index of the field the problem is in.
    public let field: Int
    public let message: String

    public var description: String { "column \(column): \(message)" }
}

/// Splits CSV lines into fields, reusing its storage from line to line.
///
/// RFC 4180: fields are separated by commas; a field that starts with `"` is quoted, may
/// contain commas, and writes a quote as `""`. A quote inside an unquoted field, text after a
/// closing quote, or a quote that is never closed is an error with its column. A quoted field
/// cannot span lines (the line reader has already split them). An empty line is one empty field.
public struct CSVSplitter: Sendable {
    private var storage: [UInt8] = []
    private var ranges: [Range<Int>] = []

    public init() {}

    /// The number of fields of the last line split.
    public var count: Int { ranges.count }

    /// Field `i` of the last line split, unquoted and unescaped.
    public subscript(i: Int) -> ArraySlice<UInt8> { storage[ranges[i]] }

    /// Field `i` as a string (invalid UTF-8 is replaced by U+FFFD).
    public func string(_ i: Int) -> String { String(decoding: self[i], as: UTF8.self) }

    /// Calls `body` with the unescaped bytes of the last line split and each field's range in them.
    public func withFields<R, E: Error>(_ body: (UnsafeRawBufferPointer, [Range<Int>]) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = storage.withUnsafeBytes { raw in
            do throws(E) { return .success(try body(raw, ranges)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// All fields of the last line split, as strings.
    public var strings: [String] { (0..<count).map(string) }

    /// Splits one line (without its line ending), replacing the previous fields.
    /// - Throws: `CSVError` for a misplaced or unterminated quote.
    /// - Complexity: O(n), no allocation once the storage has grown to the longest line.
    public mutating func split(_ line: some Collection<UInt8>) throws(CSVError) {
        storage.removeAll(keepingCapacity: true)
        ranges.removeAll(keepingCapacity: true)
        var column = 0 // 1-based position of the byte just read
        var fieldStart = 0
        var iterator = line.makeIterator()
        var next = iterator.next()
        func advance() { next = iterator.next(); column += 1 }
        column = next == nil ? 0 : 1
        while true {
            if next == UInt8(ascii: "\"") {
                let open = column
                advance()
                while true {
                    guard let c = next else {
                        throw CSVError(column: open, field: ranges.count, message: "unterminated quote")
                    }
                    if c == UInt8(ascii: "\"") {
                        advance()
                        if next == UInt8(ascii: "\"") { storage.append(c); advance(); continue }
                        break
                    }
                    storage.append(c)
                    advance()
                }
                if let c = next, c != UInt8(ascii: ",") {
                    throw CSVError(column: column, field: ranges.count, message: "unexpected character after closing quote (expected ',' or end of line)")
                }
            } else {
                while let c = next, c != UInt8(ascii: ",") {
                    if c == UInt8(ascii: "\"") {
                        throw CSVError(column: column, field: ranges.count, message: "quote inside an unquoted field (quote the whole field and double the quote)")
                    }
                    storage.append(c)
                    advance()
                }
            }
            ranges.append(fieldStart..<storage.count)
            fieldStart = storage.count
            guard next != nil else { return }
            advance() // the comma
        }
    }
}

/// Splits one CSV line into strings; see `CSVSplitter` for the rules.
public func splitCSVLine(_ line: String) throws(CSVError) -> [String] {
    var splitter = CSVSplitter()
    try splitter.split(line.utf8)
    return splitter.strings
}

/// A field as it must be written in CSV: quoted, with quotes doubled, when it contains a
/// comma, a quote or a line break; unchanged otherwise.
public func csvEscape(_ field: String) -> String {
    guard field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return field }
    var out = "\""
    for c in field {
        if c == "\"" { out += "\"\"" } else { out.append(c) }
    }
    return out + "\""
}

/// One CSV row, fields escaped and joined by commas, without a line ending.
public func csvRow(_ fields: [String]) -> String { fields.map(csvEscape).joined(separator: ",") }
