import HTTPModel
import Testing

/// One rule set and the console findings expected, as `severity code@path`.
struct CDNValidationCase: Sendable, CustomTestStringConvertible {
    let source: String
    let rules: [CDNResponseHeaderRule]
    let expected: [String]
    var testDescription: String { source }
}

private let seed = "seed (Alibaba CDN configure-cors)"
private let acao = HeaderName.allowOrigin
private let acam = HeaderName.allowMethods

private func origin(_ value: String, validation: Bool = true, duplicates: Bool = false,
                    operation: HeaderOperation = .add) -> CDNResponseHeaderRule {
    CDNResponseHeaderRule(operation: operation, header: acao, value: value, allowDuplicates: duplicates, corsValidation: validation)
}

private func methods(_ value: String) -> CDNResponseHeaderRule {
    CDNResponseHeaderRule(header: acam, value: value)
}

private let validationCases: [CDNValidationCase] = [
    // Accepted configurations.
    CDNValidationCase(source: "\(seed) Example 1 value is accepted", rules: [origin("http://example.com,https://aliyundoc.com")], expected: []),
    CDNValidationCase(source: "\(seed) Example 2 value is accepted", rules: [origin("http://*.aliyundoc.com")], expected: []),
    CDNValidationCase(source: "\(seed) header value examples: '*' with validation", rules: [origin("*")], expected: []),
    CDNValidationCase(source: "\(seed) header value examples: '*' without validation", rules: [origin("*", validation: false)], expected: []),
    CDNValidationCase(source: "\(seed) header value examples: a single origin without validation",
                      rules: [origin("http://www.aliyun.com", validation: false)], expected: []),
    CDNValidationCase(source: "\(seed) escape example is accepted with validation", rules: [origin("http://doc.aliyun%-example.com")], expected: []),
    CDNValidationCase(source: "\(seed) methods: GET,POST,PUT is accepted", rules: [methods("GET, POST,PUT")], expected: []),
    CDNValidationCase(source: "\(seed) both rules of the page together are accepted",
                      rules: [origin("https://aliyun.com,http://www.aliyun.com"), methods("GET")], expected: []),
    CDNValidationCase(source: "VOD page: Delete needs no value",
                      rules: [CDNResponseHeaderRule(operation: .delete, header: acao, value: "")], expected: []),
    // Refusals.
    CDNValidationCase(source: "\(seed) FAQ: https://*.iflyvoice.cn,https://*.xxx.com — one wildcard domain only",
                      rules: [origin("https://*.iflyvoice.cn,https://*.xxx.com")],
                      expected: ["error multiple_wildcard_domains_not_supported@responseHeaders[0].value"]),
    CDNValidationCase(source: "SEMANTICS §5 [ambiguous]: a wildcard domain mixed with exact origins",
                      rules: [origin("http://*.aliyundoc.com,https://aliyun.com")],
                      expected: ["error wildcard_domain_must_be_sole_value@responseHeaders[0].value"]),
    CDNValidationCase(source: "popsim: '*' inside a list is refused",
                      rules: [origin("*,https://aliyun.com")],
                      expected: ["error star_must_be_sole_value@responseHeaders[0].value"]),
    CDNValidationCase(source: "\(seed) 'only a wildcard or a single origin' without validation: a comma list",
                      rules: [origin("http://example.com,https://aliyundoc.com", validation: false)],
                      expected: ["error multiple_values_require_cors_validation@responseHeaders[0].value"]),
    CDNValidationCase(source: "\(seed) 'only a wildcard or a single origin' without validation: a wildcard domain",
                      rules: [origin("http://*.aliyundoc.com", validation: false)],
                      expected: ["error multiple_values_require_cors_validation@responseHeaders[0].value"]),
    CDNValidationCase(source: "\(seed) 'Set this parameter to Add to enable the CORS validation feature'",
                      rules: [origin("https://aliyun.com", operation: .modify)],
                      expected: ["error cors_validation_requires_add_operation@responseHeaders[0].operation"]),
    CDNValidationCase(source: "\(seed) 'You must set Access-Control-Allow-Origin to use the cross-origin validation feature'",
                      rules: [CDNResponseHeaderRule(header: acam, value: "GET", corsValidation: true)],
                      expected: ["error cors_validation_requires_acao_header@responseHeaders[0].header"]),
    CDNValidationCase(source: "\(seed) methods: DELETE is not supported",
                      rules: [methods("GET,DELETE")],
                      expected: ["error unsupported_method_value@responseHeaders[0].value"]),
    CDNValidationCase(source: "\(seed) methods: 'get' is not GET (browsers compare case-sensitively)",
                      rules: [methods("get")],
                      expected: ["error unsupported_method_value@responseHeaders[0].value"]),
    CDNValidationCase(source: "\(seed) methods: PATCH and an empty item are two findings",
                      rules: [methods("GET,,PATCH")],
                      expected: ["error unsupported_method_value@responseHeaders[0].value",
                                 "error unsupported_method_value@responseHeaders[0].value"]),
    CDNValidationCase(source: "console: an empty Header Value",
                      rules: [origin("  ")], expected: ["error empty_header_value@responseHeaders[0].value"]),
    CDNValidationCase(source: "SEMANTICS §5 invalid_acao_value root cause: a value without a scheme",
                      rules: [origin("www.aliyun.com")], expected: ["error invalid_origin_value@responseHeaders[0].value"]),
    CDNValidationCase(source: "WebOrigin: an origin has no path (trailing '/')",
                      rules: [origin("http://example.com/", validation: false)],
                      expected: ["error invalid_origin_value@responseHeaders[0].value"]),
    CDNValidationCase(source: "\(seed) wildcard domain form: 'http://a*.example.com' is not scheme://*.domain",
                      rules: [origin("http://a*.example.com")], expected: ["error invalid_origin_value@responseHeaders[0].value"]),
    CDNValidationCase(source: "Fetch: 'null' as an allowed origin",
                      rules: [origin("null", validation: false)], expected: ["error invalid_origin_value@responseHeaders[0].value"]),
    CDNValidationCase(source: "console: a trailing comma leaves an empty entry",
                      rules: [origin("http://example.com,")], expected: ["error invalid_origin_value@responseHeaders[0].value"]),
    // Warnings.
    CDNValidationCase(source: "\(seed) 'Allow Duplicates and CORS Validation settings are mutually exclusive'",
                      rules: [origin("http://example.com", duplicates: true)],
                      expected: ["warning allow_duplicates_disables_validation@responseHeaders[0].allowDuplicates",
                                 "warning duplicate_acao_risk@responseHeaders[0].allowDuplicates"]),
    CDNValidationCase(source: "SEMANTICS §3.2: Allow Duplicates Yes on ACAO risks two ACAO lines",
                      rules: [origin("*", validation: false, duplicates: true)],
                      expected: ["warning duplicate_acao_risk@responseHeaders[0].allowDuplicates"]),
    CDNValidationCase(source: "\(seed) 'you must escape it by replacing - with %-'",
                      rules: [origin("http://doc.aliyun-example.com")],
                      expected: ["warning unescaped_hyphen@responseHeaders[0].value"]),
    CDNValidationCase(source: "\(seed) escape: a hyphen in a wildcard domain needs %- too",
                      rules: [origin("https://*.my-site.com")],
                      expected: ["warning unescaped_hyphen@responseHeaders[0].value"]),
    CDNValidationCase(source: "SEMANTICS §3.5 (5): %- without validation is emitted literally",
                      rules: [origin("http://doc.aliyun%-example.com", validation: false)],
                      expected: ["warning escaped_hyphen_without_validation@responseHeaders[0].value"]),
    CDNValidationCase(source: "SEMANTICS §3.5 (5): a bare hyphen without validation is fine",
                      rules: [origin("http://doc.aliyun-example.com", validation: false)], expected: []),
    CDNValidationCase(source: "\(seed) 'mutually exclusive' + escape: %- goes out literally when duplicates switch validation off",
                      rules: [origin("http://doc.aliyun%-example.com", duplicates: true)],
                      expected: ["warning escaped_hyphen_without_validation@responseHeaders[0].value",
                                 "warning allow_duplicates_disables_validation@responseHeaders[0].allowDuplicates",
                                 "warning duplicate_acao_risk@responseHeaders[0].allowDuplicates"]),
    CDNValidationCase(source: "Fetch byte-exact compare: browsers send lower case, so http://Example.com never matches",
                      rules: [origin("http://Example.com")], expected: ["warning non_canonical_origin@responseHeaders[0].value"]),
    CDNValidationCase(source: "Fetch byte-exact compare: browsers drop the default port, https://aliyun.com:443 never matches",
                      rules: [origin("https://aliyun.com:443", validation: false)],
                      expected: ["warning non_canonical_origin@responseHeaders[0].value"]),
    CDNValidationCase(source: "create-a-custom-http-response-header: several rules on one header, the last wins",
                      rules: [origin("*", validation: false), methods("GET"), origin("https://aliyun.com")],
                      expected: ["warning several_rules_same_header@responseHeaders[2].header"]),
    CDNValidationCase(source: "paths carry the rule index: findings on rule 1 only",
                      rules: [origin("https://aliyun.com"), origin("https://*.a.cn,https://*.b.cn", operation: .replace)],
                      expected: ["error cors_validation_requires_add_operation@responseHeaders[1].operation",
                                 "error multiple_wildcard_domains_not_supported@responseHeaders[1].value",
                                 "warning several_rules_same_header@responseHeaders[1].header"]),
]

@Test("CDN console refusals and warnings", arguments: validationCases)
func cdnValidates(_ c: CDNValidationCase) {
    let findings = CDNHeaderPolicy(rules: c.rules).validate()
    let got = findings.map { "\($0.severity.rawValue) \($0.code)@\($0.path)" }
    #expect(got.sorted() == c.expected.sorted(), "\(c.source)")
    #expect(findings.allSatisfy { !$0.message.isEmpty }, "\(c.source)")
}

@Test("messages name the seed's reason in plain words")
func cdnMessagesNameTheReason() {
    let findings = CDNHeaderPolicy(rules: [
        origin("https://*.iflyvoice.cn,https://*.xxx.com"),
        origin("http://doc.aliyun-example.com", duplicates: true),
        origin("http://doc.aliyun-example.com"),
    ]).validate()
    func message(_ code: String) -> String { findings.first { $0.code == code }?.message ?? "" }
    #expect(message("multiple_wildcard_domains_not_supported").contains("only one wildcard domain"))
    #expect(message("allow_duplicates_disables_validation").contains("mutually exclusive"))
    #expect(message("unescaped_hyphen").contains("%-"))
    #expect(message("duplicate_acao_risk").contains("multiple_acao_values"))
    #expect(findings.first?.description.hasPrefix("error[multiple_wildcard_domains_not_supported] responseHeaders[0].value: ") == true)
}
