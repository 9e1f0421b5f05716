import Testing
@testable import Workload

@Suite("CSV")
struct CSVTests {
    @Test("RFC 4180 splitting", arguments: [
        ("a,b,c", ["a", "b", "c"]), ("", [""]), ("a,", ["a", ""]), (",", ["", ""]), (",,", ["", "", ""]),
        ("\"\"", [""]), ("\"\",x", ["", "x"]), ("\"a,b\",c", ["a,b", "c"]), ("\"a\"\"b\"", ["a\"b"]),
        ("\"x\"\"\"", ["x\""]), ("\"\"\"\"", ["\""]), (" a , b ", [" a ", " b "]), ("é,ü😀", ["é", "ü😀"]),
        ("1,\"https://a.com/x?a=1,2\",font", ["1", "https://a.com/x?a=1,2", "font"]),
    ])
    func split(_ line: String, _ fields: [String]) throws {
        #expect(try splitCSVLine(line) == fields)
    }

    @Test("misplaced and unterminated quotes are located", arguments: [
        ("\"abc", 1, 0, "unterminated quote"), ("a,\"bc", 3, 1, "unterminated quote"),
        ("a,\"b\"\"", 3, 1, "unterminated quote"),
        ("\"a\"b", 4, 0, "unexpected character after closing quote (expected ',' or end of line)"),
        ("x,\"a\" ,y", 6, 1, "unexpected character after closing quote (expected ',' or end of line)"),
        ("ab\"c", 3, 0, "quote inside an unquoted field (quote the whole field and double the quote)"),
    ])
    func errors(_ line: String, _ column: Int, _ field: Int, _ message: String) {
        #expect(throws: CSVError(column: column, field: field, message: message)) {
            try splitCSVLine(line)
        }
    }

    @Test("a splitter reused across lines forgets the previous one")
    func reuse() throws {
        var s = CSVSplitter()
        try s.split(Array("\"long, quoted\",b,c,d".utf8))
        #expect(s.count == 4)
        try s.split(Array("x,y".utf8)[...])
        #expect(s.strings == ["x", "y"])
        #expect(Array(s[1]) == [UInt8(ascii: "y")])
    }

    @Test("escaping quotes only what needs it", arguments: [
        ("plain", "plain"), ("", ""), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("line\nbreak", "\"line\nbreak\""), ("cr\r", "\"cr\r\""), (" spaced ", " spaced "),
    ])
    func escape(_ field: String, _ escaped: String) {
        #expect(csvEscape(field) == escaped)
    }

    @Test("rows written with csvRow split back to the same fields")
    func rowRoundTrip() throws {
        let fields = ["t", "a,b", "\"q\"", "", "https://x.com/?a=1,2", "é"]
        #expect(try splitCSVLine(csvRow(fields)) == fields)
    }
}
