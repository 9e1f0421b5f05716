import HTTPModel
import Testing

/// One Lua pattern match, with where the expectation comes from.
struct LuaCase: Sendable, CustomTestStringConvertible {
    let source: String
    let pattern: String
    let subject: String
    let anchored: Bool
    let expected: Bool
    init(_ source: String, _ pattern: String, _ subject: String, anchored: Bool = true, _ expected: Bool) {
        self.source = source
        self.pattern = pattern
        self.subject = subject
        self.anchored = anchored
        self.expected = expected
    }
    var testDescription: String { source }
}

private let lua51 = "Lua 5.1 manual §5.4.1"

private let luaCases: [LuaCase] = [
    // SEMANTICS.md §3.5 consequences, on the seed's own values (`*` already rewritten to `.*`).
    LuaCase("seed %- escape: http://doc.aliyun%-example.com matches the hyphenated origin",
            "http://doc.aliyun%-example.com", "http://doc.aliyun-example.com", true),
    LuaCase("SEMANTICS §3.5 (1): unescaped '-' is a quantifier, the real origin does not match",
            "http://doc.aliyun-example.com", "http://doc.aliyun-example.com", false),
    LuaCase("SEMANTICS §3.5 (2): unescaped '-' matches http://doc.aliyunexample.com (false positive)",
            "http://doc.aliyun-example.com", "http://doc.aliyunexample.com", true),
    LuaCase("SEMANTICS §3.5 (2): unescaped '-' matches http://doc.aliyuexample.com (zero n's)",
            "http://doc.aliyun-example.com", "http://doc.aliyuexample.com", true),
    LuaCase("seed Example 2 under Lua: http://.*.aliyundoc.com matches http://demo.aliyundoc.com",
            "http://.*.aliyundoc.com", "http://demo.aliyundoc.com", true),
    LuaCase("SEMANTICS §3.5 (3): '.' is any character, http://evil-aliyundoc.com matches",
            "http://.*.aliyundoc.com", "http://evil-aliyundoc.com", true),
    LuaCase("seed Example 2 under Lua: https://demo.aliyundoc.com does not match (scheme)",
            "http://.*.aliyundoc.com", "https://demo.aliyundoc.com", false),
    LuaCase("seed Example 2 under Lua, unanchored: https://demo.aliyundoc.com still does not match",
            "http://.*.aliyundoc.com", "https://demo.aliyundoc.com", anchored: false, false),
    LuaCase("SEMANTICS §3.5 (3): unanchored, http://demo.aliyundoc.com.evil.com matches",
            "http://demo.aliyundoc.com", "http://demo.aliyundoc.com.evil.com", anchored: false, true),
    LuaCase("SEMANTICS §3.5 (3): anchored, http://demo.aliyundoc.com.evil.com does not match",
            "http://demo.aliyundoc.com", "http://demo.aliyundoc.com.evil.com", false),
    LuaCase("SEMANTICS §3.5 (3): unanchored, an explicit port matches",
            "http://demo.aliyundoc.com", "http://demo.aliyundoc.com:8080", anchored: false, true),
    LuaCase("SEMANTICS §3.5 (4): raw '/*' is 'zero or more /', so the seed's own example would fail",
            "http://*.aliyundoc.com", "http://demo.aliyundoc.com", false),
    LuaCase("SEMANTICS §3.5 (4): with '*' rewritten to '.*', several labels match",
            "http://.*.aliyundoc.com", "http://a.b.aliyundoc.com", true),
    // Anchors.
    LuaCase("\(lua51): '^' anchors a find at the start", "^abc", "xabc", anchored: false, false),
    LuaCase("\(lua51): '^' anchored find, match at start", "^abc", "abcx", anchored: false, true),
    LuaCase("\(lua51): '$' at the end anchors at the end", "abc$", "xabc", anchored: false, true),
    LuaCase("\(lua51): '$' at the end, trailing text", "abc$", "abcx", anchored: false, false),
    LuaCase("\(lua51): '$' elsewhere is a literal", "a$b", "a$b", true),
    LuaCase("\(lua51): '^' elsewhere is a literal", "a^b", "a^b", true),
    // Classes and sets.
    LuaCase("\(lua51): %d+ found in text", "%d+", "port 8080", anchored: false, true),
    LuaCase("\(lua51): %d+ anchored against text", "%d+", "port 8080", false),
    LuaCase("\(lua51): [a-c]+ covers abcabc", "[a-c]+", "abcabc", true),
    LuaCase("\(lua51): [a-c]+ does not cover abcd", "[a-c]+", "abcd", false),
    LuaCase("\(lua51): [^%.]+ is one label", "[^%.]+", "demo", true),
    LuaCase("\(lua51): [^%.]+ rejects a dot", "[^%.]+", "a.b", false),
    LuaCase("\(lua51): ']' first in a set is a member", "[]]", "]", true),
    LuaCase("\(lua51): %u%l upper then lower", "%u%l", "Ab", true),
    LuaCase("\(lua51): %u%l rejects lower first", "%u%l", "ab", false),
    LuaCase("\(lua51): %x is a hex digit", "%x%x", "fF", true),
    LuaCase("\(lua51): %S+ rejects a space", "%S+", "a c", false),
    LuaCase("\(lua51): %. is a literal dot (no match on x)", "a%.b", "axb", false),
    LuaCase("\(lua51): %. is a literal dot", "a%.b", "a.b", true),
    LuaCase("\(lua51): %% is a literal percent", "100%%", "100%", true),
    LuaCase("\(lua51): %w class inside a set with a range", "[%w_-]+", "a_b-9", true),
    // Quantifiers.
    LuaCase("\(lua51): lazy a- still finds aaab", "a-b", "aaab", true),
    LuaCase("\(lua51): a?b matches b", "a?b", "b", true),
    LuaCase("\(lua51): a?b matches ab", "a?b", "ab", true),
    LuaCase("\(lua51): a?b does not match aab anchored", "a?b", "aab", false),
    LuaCase("\(lua51): a+ needs one a", "a+b", "b", false),
    LuaCase("\(lua51): captures do not change matching", "(a)(b)()", "ab", true),
    LuaCase("\(lua51): a quantifier after ')' is a literal", "(a)*", "a*", true),
    LuaCase("\(lua51): %b() balanced", "%b()", "(a(b)c)", true),
    LuaCase("\(lua51): %b() unbalanced", "%b()", "(a(b)c", false),
    LuaCase("\(lua51): %bxx ends at the next x", "%b''x", "'ab'x", true),
    LuaCase("\(lua51): %f frontier before a word", "%f[%a]%a+%f[%A]", "THE", true),
    LuaCase("\(lua51): %f frontier inside a word fails", "x%f[%a]", "xa", anchored: false, false),
    LuaCase("Lua 5.1 str_find_aux: no special characters ⇒ plain find, so ')' alone is no error", ")", "a)b", anchored: false, true),
    LuaCase("\(lua51): '.' is one byte, so é (2 bytes) is not '^.$'", "^.$", "é", anchored: false, false),
    // Adversarial inputs: a backtracking matcher takes O(n^k) or worse on these.
    LuaCase("adversarial: 16 a* then b over 20,000 a's (no match)",
            String(repeating: "a*", count: 16) + "b", String(repeating: "a", count: 20_000), false),
    LuaCase("adversarial: 16 .- then b over 20,000 a's, unanchored (no match)",
            String(repeating: ".-", count: 16) + "b", String(repeating: "a", count: 20_000), anchored: false, false),
    LuaCase("adversarial: rewritten wildcard entry http://.*-.*-.*-... against a long hyphen-free origin",
            "http://" + String(repeating: ".*-", count: 12) + "x.com",
            "http://" + String(repeating: "ab", count: 10_000) + ".com", anchored: false, false),
    LuaCase("adversarial: %b() over 20,000 unclosed '('",
            "%b()x", String(repeating: "(", count: 20_000), anchored: false, false),
    LuaCase("adversarial: 16 .* then b over 20,000 a's ending in b (match)",
            String(repeating: ".*", count: 16) + "b", String(repeating: "a", count: 20_000) + "b", true),
]

@Test("Lua pattern matching", arguments: luaCases)
func luaPatternMatches(_ c: LuaCase) throws {
    let pattern = try LuaPattern(c.pattern)
    #expect(pattern.matches(c.subject, anchored: c.anchored) == c.expected, "\(c.source)")
}

/// A pattern Lua 5.1 refuses, with the error popsim reports.
struct LuaErrorCase: Sendable, CustomTestStringConvertible {
    let source: String
    let pattern: String
    let expected: LuaPatternError
    var testDescription: String { source }
}

private let luaErrorCases: [LuaErrorCase] = [
    LuaErrorCase(source: "\(lua51): a trailing '%' is malformed", pattern: "abc%", expected: .malformed("ends with '%'")),
    LuaErrorCase(source: "\(lua51): an unclosed set is malformed", pattern: "[abc", expected: .malformed("missing ']'")),
    LuaErrorCase(source: "\(lua51): an unclosed capture", pattern: "(abc", expected: .malformed("unfinished capture")),
    LuaErrorCase(source: "\(lua51): ')' without '('", pattern: "a.)", expected: .malformed("invalid pattern capture")),
    LuaErrorCase(source: "\(lua51): %b needs two characters", pattern: "%b(", expected: .malformed("missing arguments to '%b'")),
    LuaErrorCase(source: "\(lua51): %f needs a set", pattern: "%fx", expected: .malformed("missing '[' after '%f' in pattern")),
    LuaErrorCase(source: "popsim: back-references are not emulated", pattern: "(a)%1", expected: .unsupported("back-reference %1")),
]

@Test("Lua patterns Lua itself refuses", arguments: luaErrorCases)
func luaPatternErrors(_ c: LuaErrorCase) {
    #expect(throws: c.expected, "\(c.source)") { try LuaPattern(c.pattern) }
}
