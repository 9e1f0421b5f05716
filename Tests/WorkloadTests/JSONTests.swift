import Testing
@testable import Workload

@Suite("JSON")
struct JSONTests {
    @Test("valid compact documents round-trip byte for byte", arguments: [
        "null", "true", "false", "0", "-0", "12.5e-3", "1E+2", "\"\"", "\"a b\"", "[]", "{}",
        "[1,2,3]", "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"x\"}}",
        "{\"z\":1,\"a\":2}", "[[[]],{}]", "\"\\\"\\\\\\n\\t\"", "\"é 😀\"", "9223372036854775808123",
    ])
    func roundTrip(_ text: String) throws {
        let node = try parseJSON(text)
        #expect(node.value.serialized() == text)
    }

    @Test("pretty printing is exact and parses back to the same value")
    func pretty() throws {
        let value = JSONValue.obj(["name": .str("x"), "pops": .arr([.int(1), .obj([:])]), "empty": .arr([]), "ok": .bool(true)])
        let text = value.serialized(indent: 2)
        #expect(text == """
        {
          "name": "x",
          "pops": [
            1,
            {}
          ],
          "empty": [],
          "ok": true
        }
        """)
        #expect(try parseJSON(text).value == value)
        #expect(value.serialized() == #"{"name":"x","pops":[1,{}],"empty":[],"ok":true}"#)
    }

    @Test("nodes and keys carry their line and column (columns count Unicode scalars)")
    func positions() throws {
        let doc = try parseJSON("{\n  \"é\": [1,\n    \"x\"],\n\t\"b\": null}")
        let members = try #require(doc.value.objectMembers)
        #expect((doc.line, doc.column) == (1, 1))
        #expect(members.map(\.key) == ["é", "b"])
        #expect((members[0].keyLine, members[0].keyColumn) == (2, 3))
        #expect((members[0].node.line, members[0].node.column) == (2, 8))
        let items = try #require(members[0].node.value.arrayValue)
        #expect((items[0].line, items[0].column) == (2, 9))
        #expect((items[1].line, items[1].column) == (3, 5))
        #expect((members[1].keyLine, members[1].keyColumn) == (4, 2))
        #expect(doc["b"]?.value == .null)
        #expect(doc["missing"] == nil)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let input: [UInt8]
        let line: Int
        let column: Int
        let message: String
        init(_ text: String, _ line: Int, _ column: Int, _ message: String) {
            self.init(bytes: Array(text.utf8), line, column, message)
        }
        init(bytes: [UInt8], _ line: Int, _ column: Int, _ message: String) {
            input = bytes
            self.line = line
            self.column = column
            self.message = message
        }
        var testDescription: String { message }
    }

    @Test("each kind of error is reported with its line and column", arguments: [
        Bad("", 1, 1, "empty document (expected a JSON value)"),
        Bad("  \n ", 2, 2, "empty document (expected a JSON value)"),
        Bad("[", 1, 2, "unexpected end of input (expected a value)"),
        Bad("[1", 1, 3, "unexpected end of input (expected ',' or ']')"),
        Bad("{\"a\":1", 1, 7, "unexpected end of input (expected ',' or '}')"),
        Bad("[1,2,]", 1, 5, "trailing comma before ']'"),
        Bad("{\"a\":1,}", 1, 7, "trailing comma before '}'"),
        Bad("[1,\n  2,\n]", 2, 4, "trailing comma before ']'"),
        Bad("[1 2]", 1, 4, "unexpected character '2' (expected ',' or ']')"),
        Bad("{\"a\":1 \"b\":2}", 1, 8, "unexpected character '\"' (expected ',' or '}')"),
        Bad("{\"a\" 1}", 1, 6, "unexpected character '1' (expected ':' after key \"a\")"),
        Bad("{a:1}", 1, 2, "unexpected character 'a' (expected a string key)"),
        Bad("{'a':1}", 1, 2, "unexpected character ''' (expected a string key) (JSON strings use double quotes)"),
        Bad("// note\n1", 1, 1, "unexpected character '/' (comments are not allowed in JSON)"),
        Bad("'x'", 1, 1, "unexpected character ''' (JSON strings use double quotes)"),
        Bad("NaN", 1, 1, "unexpected character 'N' (expected a value)"),
        Bad("tru", 1, 1, "invalid literal (expected true, false or null)"),
        Bad("nul1", 1, 1, "invalid literal (expected true, false or null)"),
        Bad("[01]", 1, 2, "leading zero in number"),
        Bad("1.", 1, 3, "expected a digit after '.' in number"),
        Bad("1e", 1, 3, "expected a digit in exponent"),
        Bad("-", 1, 2, "expected a digit in number"),
        Bad("-x", 1, 2, "expected a digit in number"),
        Bad("+1", 1, 1, "unexpected character '+' (expected a value)"),
        Bad("1 2", 1, 3, "unexpected character '2' after the JSON value"),
        Bad("{} x", 1, 4, "unexpected character 'x' after the JSON value"),
        Bad("\"é\" x", 1, 5, "unexpected character 'x' after the JSON value"),
        Bad("\"a\\x\"", 1, 3, "invalid escape \\x (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"),
        Bad("\"\\u12G4\"", 1, 2, "invalid \\u escape (expected four hex digits)"),
        Bad("\"\\u12\"", 1, 2, "invalid \\u escape (expected four hex digits)"),
        Bad("\"\\uD800\"", 1, 2, "unpaired surrogate \\uD800 (expected a low surrogate \\uDC00–\\uDFFF next)"),
        Bad("\"\\uDC00\"", 1, 2, "unpaired surrogate \\uDC00 (a low surrogate must follow a high one)"),
        Bad("\"\\uD800\\u0041\"", 1, 2, "unpaired surrogate \\uD800 (followed by \\u0041, not a low surrogate)"),
        Bad("\"a\tb\"", 1, 3, "control character U+0009 in string must be escaped"),
        Bad(bytes: [0x22, 0x61, 0x00, 0x22], 1, 3, "control character U+0000 in string must be escaped"),
        Bad("\"abc", 1, 1, "unterminated string"),
        Bad("[\n \"a\nb\"]", 2, 2, "unterminated string (a line break inside a string must be written \\n)"),
        Bad(bytes: [0x22, 0xFF, 0x22], 1, 2, "invalid UTF-8 byte 0xFF in string"),
        Bad(bytes: [0x22, 0xC0, 0xAF, 0x22], 1, 2, "invalid UTF-8 byte 0xC0 in string"),
        Bad(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], 1, 2, "invalid UTF-8 sequence starting with byte 0xED in string"),
        Bad(bytes: [0x22, 0xE2, 0x82], 1, 2, "truncated UTF-8 sequence in string"),
        Bad(bytes: [0x5B, 0xC3, 0xA9, 0x5D], 1, 2, "unexpected byte 0xC3 (expected a value)"),
        Bad("{\n  \"seed\": 1,\n  \"name\": \"x\",\n  \"seed\": 2\n}", 4, 3, "duplicate key \"seed\" (first at line 2)"),
        Bad("[{\"a\":1},{\"b\":{\"c\":1,\"c\":2}}]", 1, 22, "duplicate key \"c\" (first at line 1)"),
    ])
    func errors(_ bad: Bad) {
        #expect(throws: JSONParseError(line: bad.line, column: bad.column, message: bad.message)) {
            try parseJSON(bad.input)
        }
    }

    @Test("the error description leads with line and column")
    func errorDescription() {
        do {
            _ = try parseJSON("{\n  \"seed\": 1,\n\n  \"seed\": 2\n}")
            Issue.record("duplicate key accepted")
        } catch {
            #expect(error.description == "line 4, column 3: duplicate key \"seed\" (first at line 2)")
        }
    }

    @Test("the same key in different objects is fine; a UTF-8 byte order mark is skipped")
    func notDuplicates() throws {
        let doc = try parseJSON("{\"a\":{\"x\":1},\"b\":{\"x\":2}}")
        #expect(doc["b"]?["x"]?.value == .int(2))
        let bom = try parseJSON([0xEF, 0xBB, 0xBF] + Array("[1]".utf8))
        #expect(bom.value == .arr([.int(1)]))
    }

    @Test("nesting is limited to 512 levels", arguments: [1, 511, 512, 513, 2000])
    func depth(_ levels: Int) {
        for (open, close) in [("[", "]"), ("{\"k\":", "}")] {
            let text = String(repeating: open, count: levels) + "0" + String(repeating: close, count: levels)
            let result = Result { () throws(JSONParseError) in try parseJSON(text) }
            if levels <= 512 {
                #expect((try? result.get()) != nil, "\(levels) levels of \(open)")
            } else {
                #expect(throws: JSONParseError(line: 1, column: 512 * open.count + 1, message: "nesting deeper than 512 levels")) {
                    try result.get()
                }
            }
        }
    }

    @Test("escapes decode to the right scalars", arguments: [
        (#""\u00e9""#, "é"), (#""\u00E9""#, "é"), (#""\uD83D\uDE00""#, "😀"), (#""\u0000""#, "\u{0}"),
        (#""\/\b\f\n\r\t\"\\""#, "/\u{8}\u{C}\n\r\t\"\\"), (#""a\u0041b""#, "aAb"), (#""\u20AC""#, "€"),
    ])
    func escapes(_ text: String, _ expected: String) throws {
        #expect(try parseJSON(text).value == .string(expected))
    }

    @Test("the writer escapes what JSON requires and nothing else")
    func writerEscapes() {
        #expect(JSONValue.str("a\"b\\c\n\r\t\u{8}\u{C}\u{1}\u{1F}/é😀").serialized()
                == #""a\"b\\c\n\r\t\b\f\u0001\u001F/é😀""#)
    }

    @Test("numbers: exact integers only, and the nearest double", arguments: [
        ("0", Int64?(0)), ("-0", 0), ("42", 42), ("-17", -17), ("1e3", 1000), ("2.50e1", 25), ("100e-2", 1),
        ("0.1e1", 1), ("1.5", nil), ("1e-2", nil), ("0.0", 0), ("9007199254740993", 9_007_199_254_740_993),
        ("9223372036854775807", .max), ("-9223372036854775808", .min), ("9223372036854775808", nil),
        ("1e19", nil), ("1e100000000000", nil), ("0e100000000000", 0),
    ])
    func numbers(_ literal: String, _ int: Int64?) throws {
        let n = try #require(JSONNumber(literal: literal))
        #expect(n.int == int)
        #expect(n.double == Double(literal))
        #expect(try parseJSON(literal).value == .number(n))
    }

    @Test("number literals are checked", arguments: ["01", "1.", "+1", ".5", "1e", "--1", "1 ", "0x10", ""])
    func badLiterals(_ literal: String) {
        #expect(JSONNumber(literal: literal) == nil)
    }

    @Test("fixed-decimal doubles are deterministic", arguments: [
        (0.5, 3, "0.500"), (2.0 / 3, 2, "0.67"), (-0.125, 2, "-0.13"), (-0.001, 2, "0.00"), (0, 0, "0"),
        (12, 0, "12"), (1234567.891, 1, "1234567.9"), (0.000123, 6, "0.000123"), (99.995, 1, "100.0"),
        (Double.nan, 2, "null"), (Double.infinity, 2, "null"), (1e20, 2, "1e+20"),
    ] as [(Double, Int, String)])
    func fixedDecimals(_ v: Double, _ decimals: Int, _ expected: String) {
        #expect(JSONValue.double(v, decimals: decimals).serialized() == expected)
    }

    @Test("builders and accessors")
    func builders() {
        let pairs: [(String, JSONValue)] = [("b", .int(2)), ("a", .double(0.1))]
        let v = JSONValue.obj(pairs)
        #expect(v.serialized() == #"{"b":2,"a":0.1}"#)
        #expect(v.typeName == "object")
        #expect(v.objectMembers?.map(\.key) == ["b", "a"])
        #expect(JSONValue.int(UInt8(7)).numberValue?.int == 7)
        #expect(JSONValue.str("x").stringValue == "x")
        #expect(JSONValue.bool(false).boolValue == false)
        #expect(JSONValue.arr([.null]).arrayValue?.count == 1)
        #expect(JSONValue.null.stringValue == nil)
        #expect(JSONValue.double(.infinity) == .null)
    }

    @Test("equality ignores positions but not key order")
    func equality() throws {
        #expect(try parseJSON("[1]") == parseJSON("\n  [1]"))
        #expect(try parseJSON(#"{"a":1,"b":2}"#).value != parseJSON(#"{"b":2,"a":1}"#).value)
    }
}
