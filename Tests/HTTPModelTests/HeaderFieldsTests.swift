import Testing
@testable import HTTPModel

/// Reading a header list: Fetch "get" and the per-line values.
struct HeaderGetCase: Sendable, CustomTestStringConvertible {
    let lines: [HeaderField]
    let name: String
    let get: String?
    let values: [String]
    let source: String
    var testDescription: String { "\(source): get(\(name))" }
}

let headerGetCases: [HeaderGetCase] = [
    .init(lines: [HeaderField("access-control-allow-origin", "*")], name: "Access-Control-Allow-Origin",
          get: "*", values: ["*"], source: "Fetch §2.2.2 header names are byte-case-insensitive"),
    .init(lines: [HeaderField("ACCESS-CONTROL-ALLOW-ORIGIN", "https://a.com")], name: "access-control-allow-origin",
          get: "https://a.com", values: ["https://a.com"], source: "RFC 9110 §5.1 field names are case-insensitive"),
    .init(lines: [HeaderField("Access-Control-Allow-Origin", "https://a.com"), HeaderField("access-control-allow-origin", "https://a.com")],
          name: "Access-Control-Allow-Origin", get: "https://a.com, https://a.com", values: ["https://a.com", "https://a.com"],
          source: "Fetch header list get: duplicates joined with \", \" (browser-matrix.md §1 dup_same)"),
    .init(lines: [HeaderField("Access-Control-Allow-Origin", "*"), HeaderField("Vary", "Origin"), HeaderField("Access-Control-Allow-Origin", "https://a.com")],
          name: "Access-Control-Allow-Origin", get: "*, https://a.com", values: ["*", "https://a.com"],
          source: "Fetch header list get: values in order (browser-matrix.md §1 dup_star_page)"),
    .init(lines: [HeaderField("Vary", "Origin")], name: "Access-Control-Allow-Origin", get: nil, values: [],
          source: "Fetch CORS check step 2: absent header is null, \"Null is not `null`\""),
    .init(lines: [HeaderField("Access-Control-Allow-Origin", "")], name: "Access-Control-Allow-Origin", get: "", values: [""],
          source: "Fetch header list get: an empty line is the empty value, not null"),
]

@Test("HeaderFields get/values", arguments: headerGetCases)
func headerGet(_ c: HeaderGetCase) {
    let list = HeaderFields(c.lines)
    #expect(list.get(c.name) == c.get)
    #expect(list.values(c.name) == c.values)
    #expect(list.contains(c.name) == !c.values.isEmpty)
    #expect(list.count == c.lines.count, "the list keeps every line")
}

/// Editing a header list.
struct HeaderEditCase: Sendable, CustomTestStringConvertible {
    enum Edit: Sendable { case set(String, String), append(String, String), removeAll(String) }
    let before: HeaderFields
    let edit: Edit
    let after: [HeaderField]
    let source: String
    var testDescription: String { source }
}

let headerEditCases: [HeaderEditCase] = [
    .init(before: [("Access-Control-Allow-Origin", "https://a.com"), ("Vary", "Origin"), ("access-control-allow-origin", "*")],
          edit: .set("ACCESS-CONTROL-ALLOW-ORIGIN", "https://b.com"),
          after: [HeaderField("Access-Control-Allow-Origin", "https://b.com"), HeaderField("Vary", "Origin")],
          source: "Fetch header list set: replaces the first line's value, removes the others (SEMANTICS §3.2 Allow Duplicates: No)"),
    .init(before: [("Vary", "Origin")], edit: .set("Access-Control-Allow-Origin", "*"),
          after: [HeaderField("Vary", "Origin"), HeaderField("Access-Control-Allow-Origin", "*")],
          source: "Fetch header list set: appends when absent"),
    .init(before: [("Access-Control-Allow-Origin", "https://a.com")], edit: .append("Access-Control-Allow-Origin", "*"),
          after: [HeaderField("Access-Control-Allow-Origin", "https://a.com"), HeaderField("Access-Control-Allow-Origin", "*")],
          source: "Fetch header list append keeps duplicates (SEMANTICS §3.2 Allow Duplicates: Yes)"),
    .init(before: [("Access-Control-Allow-Origin", "*"), ("Vary", "Origin"), ("access-control-allow-origin", "*")],
          edit: .removeAll("Access-Control-Allow-Origin"), after: [HeaderField("Vary", "Origin")],
          source: "Fetch header list delete removes every line of that name, any case"),
    .init(before: [("Vary", "Origin")], edit: .removeAll("Access-Control-Allow-Origin"), after: [HeaderField("Vary", "Origin")],
          source: "Fetch header list delete: no such line is a no-op"),
]

@Test("HeaderFields set/append/removeAll", arguments: headerEditCases)
func headerEdit(_ c: HeaderEditCase) {
    var list = c.before
    switch c.edit {
    case let .set(name, value): list.set(name, value)
    case let .append(name, value): list.append(name, value)
    case let .removeAll(name): list.removeAll(name)
    }
    #expect(list.fields == c.after)
}

/// ASCII case-insensitive comparison of names.
struct CaseFoldCase: Sendable, CustomTestStringConvertible {
    let a: String, b: String, equal: Bool, source: String
    var testDescription: String { "\(source): \(a) vs \(b)" }
}

let caseFoldCases: [CaseFoldCase] = [
    .init(a: "Content-Type", b: "content-type", equal: true, source: "Fetch byte-case-insensitive match"),
    .init(a: "X-Test", b: "X-Tests", equal: false, source: "Fetch byte-case-insensitive match: lengths differ"),
    .init(a: "É", b: "é", equal: false, source: "Fetch byte-lowercase only folds A–Z"),
    .init(a: "@[`{", b: "`{@[", equal: false, source: "Fetch byte-lowercase: the bytes beside A–Z and a–z are not letters"),
    .init(a: "", b: "", equal: true, source: "Fetch byte-case-insensitive match: empty"),
]

@Test("caseInsensitiveEquals folds ASCII only", arguments: caseFoldCases)
func caseFold(_ c: CaseFoldCase) {
    #expect(c.a.caseInsensitiveEquals(c.b) == c.equal)
    #expect(asciiCaseInsensitiveEquals(Array(c.a.utf8), c.b.utf8.dropFirst(0)) == c.equal, "the same on bytes")
}

@Test("header lines parse as curl -H writes them; bad names and empty values are refused", arguments: [
    ("X-Test: 1", "X-Test", "1"),
    ("Access-Control-Allow-Origin:   https://a.example.com  ", "Access-Control-Allow-Origin", "https://a.example.com"),
    ("Cache-Control:max-age=60", "Cache-Control", "max-age=60"),
])
func headerLineParses(_ line: String, _ name: String, _ value: String) throws {
    let field = try HeaderField(parsingLine: line)
    #expect(field.name == name && field.value == value)
}

@Test("bad header lines: no colon, bad name, empty value (RFC 9110 §5.6.2 token)", arguments: ["X-Test", "Bad Name: 1", ": 1", "X-Test:", "X-Test:   "])
func headerLineRefused(_ line: String) {
    #expect(throws: HeaderLineError.self) { try HeaderField(parsingLine: line) }
}

/// Every byte against the grammar's own words, so the one `tchar` and the one case fold that
/// header names, methods, globs, Lua patterns, URL hosts and the trace readers share cannot drift.
@Test("tchar and byte-lowercase for all 256 bytes (RFC 9110 §5.6.2 token, Fetch §2.1 byte-lowercase)")
func tokenBytesAndCaseFold() {
    // RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    let punctuation = Set("!#$%&'*+-.^_`|~".utf8)
    let digits = Set("0123456789".utf8)
    let upper = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8), lower = Set("abcdefghijklmnopqrstuvwxyz".utf8)
    var tokens = 0
    for value in 0...255 {
        let b = UInt8(value)
        let isToken = punctuation.contains(b) || digits.contains(b) || upper.contains(b) || lower.contains(b)
        #expect(b.isHTTPTokenByte == isToken, "byte \(value)")
        #expect(HeaderField.isTokenCharacter(Unicode.Scalar(b)) == isToken, "scalar \(value)")
        #expect(b.isASCIIAlphaByte == (upper.contains(b) || lower.contains(b)), "byte \(value)")
        #expect(b.isASCIIDigitByte == digits.contains(b), "byte \(value)")
        // Fetch: byte-lowercase maps 0x41 (A) to 0x5A (Z) to 0x61 (a) to 0x7A (z) and nothing else.
        #expect(b.asciiLowercased == (upper.contains(b) ? b + 0x20 : b), "byte \(value)")
        if isToken { tokens += 1 }
    }
    #expect(tokens == 77, "62 letters and digits and 15 punctuation marks")
    #expect(!"Bad Name".isHTTPToken && "X-Test".isHTTPToken && "ÄB".lowercasedASCII == "Äb")
}
