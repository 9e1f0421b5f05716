import HTTPModel
import Testing

/// One response through a POP's header rules, and the exact header list expected.
struct CDNApplyCase: Sendable, CustomTestStringConvertible {
    let source: String
    let policy: CDNHeaderPolicy
    let originHeaders: HeaderFields
    let requestOrigin: String?
    let expected: HeaderFields
    var testDescription: String { source }
}

private let seed = "seed (Alibaba CDN configure-cors)"
private let acao = HeaderName.allowOrigin
private let acam = HeaderName.allowMethods

/// An Add rule on ACAO with CORS validation enabled and Allow Duplicates No.
private func validated(_ value: String, matcher: OriginMatcher = .documentedExact, keep: Bool = false) -> CDNHeaderPolicy {
    CDNHeaderPolicy(rules: [CDNResponseHeaderRule(header: acao, value: value, corsValidation: true)],
                    matcher: matcher, keepOriginACAOOnValidationMiss: keep)
}

/// An Add rule on ACAO with CORS validation disabled.
private func fixed(_ value: String, allowDuplicates: Bool = false) -> CDNHeaderPolicy {
    CDNHeaderPolicy(rules: [CDNResponseHeaderRule(header: acao, value: value, allowDuplicates: allowDuplicates)])
}

private func policy(_ rules: CDNResponseHeaderRule...) -> CDNHeaderPolicy { CDNHeaderPolicy(rules: rules) }

private let example1 = validated("http://example.com,https://aliyundoc.com")
private let example2 = validated("http://*.aliyundoc.com")
private let font: HeaderFields = [("Content-Type", "font/woff2")]
/// What OSS sent when the object was filled by a request from https://a.example (SEMANTICS §3.8).
private let ossFilledByA: HeaderFields = [("Content-Type", "font/woff2"), (acao, "https://a.example"),
                                          (acam, "GET"), (HeaderName.vary, "Origin")]

private func plus(_ base: HeaderFields, _ extra: (String, String)...) -> HeaderFields {
    var h = base
    for (name, value) in extra { h.append(name, value) }
    return h
}

private let applyCases: [CDNApplyCase] = [
    // Seed Example 1: a comma list with validation.
    CDNApplyCase(source: "\(seed) Example 1: Origin http://example.com gets ACAO: http://example.com",
                 policy: example1, originHeaders: font, requestOrigin: "http://example.com",
                 expected: plus(font, (acao, "http://example.com"))),
    CDNApplyCase(source: "\(seed) Example 1: Origin https://aliyundoc.com gets ACAO: https://aliyundoc.com",
                 policy: example1, originHeaders: font, requestOrigin: "https://aliyundoc.com",
                 expected: plus(font, (acao, "https://aliyundoc.com"))),
    CDNApplyCase(source: "\(seed) Example 1: Origin http://aliyundoc.com gets no header (scheme mismatch)",
                 policy: example1, originHeaders: font, requestOrigin: "http://aliyundoc.com", expected: font),
    CDNApplyCase(source: "\(seed) Example 1: Origin http://aliyun.com gets no header (domain mismatch)",
                 policy: example1, originHeaders: font, requestOrigin: "http://aliyun.com", expected: font),
    CDNApplyCase(source: "SEMANTICS §3.4 [INFERRED]: a list with no Origin header adds no ACAO",
                 policy: example1, originHeaders: font, requestOrigin: nil, expected: font),
    CDNApplyCase(source: "\(seed): entries are trimmed — 'http://example.com , https://aliyundoc.com'",
                 policy: validated("http://example.com , https://aliyundoc.com"), originHeaders: font,
                 requestOrigin: "https://aliyundoc.com", expected: plus(font, (acao, "https://aliyundoc.com"))),
    CDNApplyCase(source: "\(seed) 'exactly matches': an explicit port must be listed",
                 policy: validated("https://aliyundoc.com:8443"), originHeaders: font,
                 requestOrigin: "https://aliyundoc.com", expected: font),
    CDNApplyCase(source: "\(seed) 'exactly matches': a listed port matches",
                 policy: validated("https://aliyundoc.com:8443"), originHeaders: font,
                 requestOrigin: "https://aliyundoc.com:8443", expected: plus(font, (acao, "https://aliyundoc.com:8443"))),
    CDNApplyCase(source: "Fetch: Origin 'null' (sandboxed page) matches no listed origin",
                 policy: example1, originHeaders: font, requestOrigin: "null", expected: font),
    // Seed Example 2: one wildcard domain.
    CDNApplyCase(source: "\(seed) Example 2: Origin http://demo.aliyundoc.com gets ACAO: http://demo.aliyundoc.com",
                 policy: example2, originHeaders: font, requestOrigin: "http://demo.aliyundoc.com",
                 expected: plus(font, (acao, "http://demo.aliyundoc.com"))),
    CDNApplyCase(source: "\(seed) Example 2: Origin http://demo.example.com gets no header (domain)",
                 policy: example2, originHeaders: font, requestOrigin: "http://demo.example.com", expected: font),
    CDNApplyCase(source: "\(seed) Example 2: Origin https://demo.aliyundoc.com gets no header (scheme)",
                 policy: example2, originHeaders: font, requestOrigin: "https://demo.aliyundoc.com", expected: font),
    CDNApplyCase(source: "popsim reading: the bare domain http://aliyundoc.com does not fit http://*.aliyundoc.com",
                 policy: example2, originHeaders: font, requestOrigin: "http://aliyundoc.com", expected: font),
    CDNApplyCase(source: "SEMANTICS §3.5 documentedExact: '*' is one label — http://a.b.aliyundoc.com gets nothing",
                 policy: example2, originHeaders: font, requestOrigin: "http://a.b.aliyundoc.com", expected: font),
    CDNApplyCase(source: "SEMANTICS §3.5 luaPattern: '*' → '.*' — http://a.b.aliyundoc.com is echoed",
                 policy: validated("http://*.aliyundoc.com", matcher: .luaPattern(anchored: true)), originHeaders: font,
                 requestOrigin: "http://a.b.aliyundoc.com", expected: plus(font, (acao, "http://a.b.aliyundoc.com"))),
    CDNApplyCase(source: "SEMANTICS §3.5 (3) documentedExact: http://evil-aliyundoc.com gets nothing",
                 policy: example2, originHeaders: font, requestOrigin: "http://evil-aliyundoc.com", expected: font),
    CDNApplyCase(source: "SEMANTICS §3.5 (3) luaPattern: '.' is any character — http://evil-aliyundoc.com is echoed",
                 policy: validated("http://*.aliyundoc.com", matcher: .luaPattern(anchored: true)), originHeaders: font,
                 requestOrigin: "http://evil-aliyundoc.com", expected: plus(font, (acao, "http://evil-aliyundoc.com"))),
    CDNApplyCase(source: "SEMANTICS §3.5 (3) luaPattern unanchored: http://demo.aliyundoc.com.evil.com is echoed",
                 policy: validated("http://*.aliyundoc.com", matcher: .luaPattern(anchored: false)), originHeaders: font,
                 requestOrigin: "http://demo.aliyundoc.com.evil.com",
                 expected: plus(font, (acao, "http://demo.aliyundoc.com.evil.com"))),
    CDNApplyCase(source: "SEMANTICS §3.5 luaPattern anchored: http://demo.aliyundoc.com.evil.com gets nothing",
                 policy: validated("http://*.aliyundoc.com", matcher: .luaPattern(anchored: true)), originHeaders: font,
                 requestOrigin: "http://demo.aliyundoc.com.evil.com", expected: font),
    CDNApplyCase(source: "\(seed) Example 2 under luaPattern: https://demo.aliyundoc.com still gets nothing",
                 policy: validated("http://*.aliyundoc.com", matcher: .luaPattern(anchored: false)), originHeaders: font,
                 requestOrigin: "https://demo.aliyundoc.com", expected: font),
    CDNApplyCase(source: "popsim reading: a wildcard domain with a port needs that port",
                 policy: validated("https://*.example.com:8443"), originHeaders: font,
                 requestOrigin: "https://a.example.com", expected: font),
    CDNApplyCase(source: "popsim reading: a wildcard domain with a port echoes a matching origin",
                 policy: validated("https://*.example.com:8443"), originHeaders: font,
                 requestOrigin: "https://a.example.com:8443", expected: plus(font, (acao, "https://a.example.com:8443"))),
    CDNApplyCase(source: "SEMANTICS §3.4 [INFERRED]: a wildcard domain with no Origin adds no ACAO",
                 policy: example2, originHeaders: font, requestOrigin: nil, expected: font),
    // The %- escape.
    CDNApplyCase(source: "\(seed) escape: http://doc.aliyun%-example.com echoes http://doc.aliyun-example.com (documentedExact)",
                 policy: validated("http://doc.aliyun%-example.com"), originHeaders: font,
                 requestOrigin: "http://doc.aliyun-example.com", expected: plus(font, (acao, "http://doc.aliyun-example.com"))),
    CDNApplyCase(source: "\(seed) escape under luaPattern: %- is a literal hyphen, the origin is echoed",
                 policy: validated("http://doc.aliyun%-example.com", matcher: .luaPattern(anchored: true)), originHeaders: font,
                 requestOrigin: "http://doc.aliyun-example.com", expected: plus(font, (acao, "http://doc.aliyun-example.com"))),
    CDNApplyCase(source: "SEMANTICS §3.5 (1) luaPattern: unescaped http://doc.aliyun-example.com gets no ACAO",
                 policy: validated("http://doc.aliyun-example.com", matcher: .luaPattern(anchored: true)), originHeaders: font,
                 requestOrigin: "http://doc.aliyun-example.com", expected: font),
    CDNApplyCase(source: "SEMANTICS §3.5 (2) luaPattern: unescaped value echoes http://doc.aliyunexample.com (false positive)",
                 policy: validated("http://doc.aliyun-example.com", matcher: .luaPattern(anchored: true)), originHeaders: font,
                 requestOrigin: "http://doc.aliyunexample.com", expected: plus(font, (acao, "http://doc.aliyunexample.com"))),
    CDNApplyCase(source: "SEMANTICS §3.5 documentedExact: an unescaped hyphen still matches exactly",
                 policy: validated("http://doc.aliyun-example.com"), originHeaders: font,
                 requestOrigin: "http://doc.aliyun-example.com", expected: plus(font, (acao, "http://doc.aliyun-example.com"))),
    CDNApplyCase(source: "SEMANTICS §3.5 (5): validation off sends %- literally",
                 policy: fixed("http://doc.aliyun%-example.com"), originHeaders: font,
                 requestOrigin: "http://doc.aliyun-example.com", expected: plus(font, (acao, "http://doc.aliyun%-example.com"))),
    // '*' and validation off.
    CDNApplyCase(source: "\(seed): validation on, value '*' ⇒ ACAO: * even without an Origin header",
                 policy: validated("*"), originHeaders: font, requestOrigin: nil, expected: plus(font, (acao, "*"))),
    CDNApplyCase(source: "\(seed): validation on, value '*' ⇒ ACAO: * whatever the Origin",
                 policy: validated("*"), originHeaders: font, requestOrigin: "https://any.example",
                 expected: plus(font, (acao, "*"))),
    CDNApplyCase(source: "\(seed): validation off, '*' is sent without an Origin header too",
                 policy: fixed("*"), originHeaders: font, requestOrigin: nil, expected: plus(font, (acao, "*"))),
    CDNApplyCase(source: "\(seed): validation off always returns the configured origin, whatever the Origin",
                 policy: fixed("https://www.aliyun.com"), originHeaders: font, requestOrigin: "https://other.example",
                 expected: plus(font, (acao, "https://www.aliyun.com"))),
    // Allow Duplicates.
    CDNApplyCase(source: "\(seed) Allow Duplicates Yes: the origin's ACAO stays and the configured one is added",
                 policy: fixed("*", allowDuplicates: true), originHeaders: ossFilledByA, requestOrigin: "https://b.example",
                 expected: plus(ossFilledByA, (acao, "*"))),
    CDNApplyCase(source: "\(seed) 'mutually exclusive': Allow Duplicates Yes disables validation — the list goes out verbatim",
                 policy: CDNHeaderPolicy(rules: [CDNResponseHeaderRule(header: acao, value: "http://example.com,https://aliyundoc.com",
                                                                       allowDuplicates: true, corsValidation: true)]),
                 originHeaders: font, requestOrigin: "http://example.com",
                 expected: plus(font, (acao, "http://example.com,https://aliyundoc.com"))),
    CDNApplyCase(source: "\(seed) 'mutually exclusive': with Allow Duplicates Yes, %- goes out literally and the origin's ACAO stays",
                 policy: CDNHeaderPolicy(rules: [CDNResponseHeaderRule(header: acao, value: "http://doc.aliyun%-example.com",
                                                                       allowDuplicates: true, corsValidation: true)]),
                 originHeaders: [(acao, "http://doc.aliyun-example.com")], requestOrigin: "http://doc.aliyun-example.com",
                 expected: [(acao, "http://doc.aliyun-example.com"), (acao, "http://doc.aliyun%-example.com")]),
    CDNApplyCase(source: "\(seed) Allow Duplicates No: the configured ACAO replaces the origin's",
                 policy: fixed("*"), originHeaders: ossFilledByA, requestOrigin: "https://b.example",
                 expected: [("Content-Type", "font/woff2"), (acao, "*"), (acam, "GET"), (HeaderName.vary, "Origin")]),
    // Overriding OSS (seed: "the CORS configuration in the CDN console overrides the CORS configuration in the OSS console").
    CDNApplyCase(source: "\(seed) CDN overrides OSS: a listed origin replaces the ACAO cached from another origin",
                 policy: validated("https://a.example,https://b.example"), originHeaders: ossFilledByA,
                 requestOrigin: "https://b.example",
                 expected: [("Content-Type", "font/woff2"), (acao, "https://b.example"), (acam, "GET"), (HeaderName.vary, "Origin")]),
    CDNApplyCase(source: "SEMANTICS §3.4 [AMBIGUOUS] default: a validation miss removes OSS's cached ACAO",
                 policy: validated("https://a.example,https://b.example"), originHeaders: ossFilledByA,
                 requestOrigin: "https://c.example",
                 expected: [("Content-Type", "font/woff2"), (acam, "GET"), (HeaderName.vary, "Origin")]),
    CDNApplyCase(source: "SEMANTICS §3.4 [AMBIGUOUS] switch: keepOriginACAOOnValidationMiss passes OSS's ACAO through",
                 policy: validated("https://a.example,https://b.example", keep: true), originHeaders: ossFilledByA,
                 requestOrigin: "https://c.example", expected: ossFilledByA),
    CDNApplyCase(source: "SEMANTICS §3.4: a request without Origin on an object OSS filled with ACAO — removed by default",
                 policy: example1, originHeaders: ossFilledByA, requestOrigin: nil,
                 expected: [("Content-Type", "font/woff2"), (acam, "GET"), (HeaderName.vary, "Origin")]),
    CDNApplyCase(source: "HeaderFields: the rule's header name matches case-insensitively, the line keeps its spelling",
                 policy: policy(CDNResponseHeaderRule(header: "access-control-allow-origin", value: "https://a.example",
                                                      corsValidation: true)),
                 originHeaders: [("ACCESS-CONTROL-ALLOW-ORIGIN", "https://z.example")], requestOrigin: "https://a.example",
                 expected: [("ACCESS-CONTROL-ALLOW-ORIGIN", "https://a.example")]),
    // Methods rule.
    CDNApplyCase(source: "\(seed) methods: the ACAM rule replaces the origin's ACAM like any other header",
                 policy: policy(CDNResponseHeaderRule(header: acam, value: "GET,POST,PUT")), originHeaders: ossFilledByA,
                 requestOrigin: "https://a.example",
                 expected: [("Content-Type", "font/woff2"), (acao, "https://a.example"), (acam, "GET,POST,PUT"), (HeaderName.vary, "Origin")]),
    CDNApplyCase(source: "\(seed) methods: ACAM with Allow Duplicates Yes adds a second ACAM line",
                 policy: policy(CDNResponseHeaderRule(header: acam, value: "GET", allowDuplicates: true)), originHeaders: [(acam, "PUT")],
                 requestOrigin: nil, expected: [(acam, "PUT"), (acam, "GET")]),
    CDNApplyCase(source: "\(seed) methods + origin: both rules apply, top to bottom",
                 policy: policy(CDNResponseHeaderRule(header: acao, value: "http://example.com", corsValidation: true),
                                CDNResponseHeaderRule(header: acam, value: "GET,POST")),
                 originHeaders: font, requestOrigin: "http://example.com",
                 expected: plus(font, (acao, "http://example.com"), (acam, "GET,POST"))),
    // Several rules on one header: the last one wins.
    CDNApplyCase(source: "create-a-custom-http-response-header: rules run top to bottom, the last ACAO rule wins (miss removes)",
                 policy: policy(CDNResponseHeaderRule(header: acao, value: "*"),
                                CDNResponseHeaderRule(header: acao, value: "https://a.example", corsValidation: true)),
                 originHeaders: font, requestOrigin: "https://b.example", expected: font),
    CDNApplyCase(source: "create-a-custom-http-response-header: rules run top to bottom, the last ACAO rule wins (match echoes)",
                 policy: policy(CDNResponseHeaderRule(header: acao, value: "*"),
                                CDNResponseHeaderRule(header: acao, value: "https://a.example", corsValidation: true)),
                 originHeaders: font, requestOrigin: "https://a.example", expected: plus(font, (acao, "https://a.example"))),
    // Delete, modify, replace.
    CDNApplyCase(source: "VOD configure-http-response-headers: Delete removes every line of the header",
                 policy: policy(CDNResponseHeaderRule(operation: .delete, header: acao, value: "")),
                 originHeaders: [(acao, "https://a.example"), ("Content-Type", "font/woff2"), (acao, "*")],
                 requestOrigin: "https://a.example", expected: font),
    CDNApplyCase(source: "VOD configure-http-response-headers: Delete of an absent header changes nothing",
                 policy: policy(CDNResponseHeaderRule(operation: .delete, header: acao, value: "")),
                 originHeaders: font, requestOrigin: nil, expected: font),
    CDNApplyCase(source: "popsim reading of Change (modify): every existing line takes the value, count kept",
                 policy: policy(CDNResponseHeaderRule(operation: .modify, header: acao, value: "*")),
                 originHeaders: [(acao, "https://a.example"), ("Content-Type", "font/woff2"), (acao, "https://b.example")],
                 requestOrigin: nil, expected: [(acao, "*"), ("Content-Type", "font/woff2"), (acao, "*")]),
    CDNApplyCase(source: "popsim reading of Change (modify): an absent header is not added",
                 policy: policy(CDNResponseHeaderRule(operation: .modify, header: acao, value: "*")),
                 originHeaders: font, requestOrigin: "https://a.example", expected: font),
    CDNApplyCase(source: "popsim reading of Replace: existing lines become one line with the value",
                 policy: policy(CDNResponseHeaderRule(operation: .replace, header: acao, value: "*")),
                 originHeaders: [(acao, "https://a.example"), ("Content-Type", "font/woff2"), (acao, "https://b.example")],
                 requestOrigin: nil, expected: [(acao, "*"), ("Content-Type", "font/woff2")]),
    CDNApplyCase(source: "popsim reading of Replace: an absent header is not added",
                 policy: policy(CDNResponseHeaderRule(operation: .replace, header: acao, value: "*")),
                 originHeaders: font, requestOrigin: "https://a.example", expected: font),
    CDNApplyCase(source: "\(seed) 'only when Operation is Add': validation on a Modify rule does nothing, the value is used",
                 policy: policy(CDNResponseHeaderRule(operation: .modify, header: acao, value: "https://a.example", corsValidation: true)),
                 originHeaders: [(acao, "https://z.example")], requestOrigin: "https://b.example",
                 expected: [(acao, "https://a.example")]),
    CDNApplyCase(source: "\(seed) 'only ... Access-Control-Allow-Origin': validation on another header is ignored",
                 policy: policy(CDNResponseHeaderRule(header: acam, value: "GET,POST", corsValidation: true)),
                 originHeaders: font, requestOrigin: nil, expected: plus(font, (acam, "GET,POST"))),
    CDNApplyCase(source: "no rules: the origin's headers pass unchanged",
                 policy: CDNHeaderPolicy(), originHeaders: ossFilledByA, requestOrigin: "https://b.example",
                 expected: ossFilledByA),
]

@Test("CDN outgoing response header rules", arguments: applyCases)
func cdnApplies(_ c: CDNApplyCase) {
    #expect(c.policy.apply(to: c.originHeaders, requestOrigin: c.requestOrigin) == c.expected, "\(c.source)")
}

@Test("validatesOrigin: only Add + ACAO + validation on + Allow Duplicates No")
func validatesOriginOnlyWhenEffective() {
    #expect(CDNResponseHeaderRule(header: acao, value: "*", corsValidation: true).validatesOrigin)
    #expect(!CDNResponseHeaderRule(header: acao, value: "*", allowDuplicates: true, corsValidation: true).validatesOrigin)
    #expect(!CDNResponseHeaderRule(operation: .replace, header: acao, value: "*", corsValidation: true).validatesOrigin)
    #expect(!CDNResponseHeaderRule(header: acam, value: "GET", corsValidation: true).validatesOrigin)
    #expect(!CDNResponseHeaderRule(header: acao, value: "*").validatesOrigin)
}
