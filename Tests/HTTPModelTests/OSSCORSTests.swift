import HTTPModel
import Testing

/// One request to an OSS bucket and the exact response expected.
struct OSSCase: Sendable, CustomTestStringConvertible {
    let source: String
    let config: OSSCORSConfiguration
    let request: OriginRequest
    let base: HeaderFields
    let status: Int
    let headers: HeaderFields
    var testDescription: String { source }
}

private let putBucketCors = "OSS PutBucketCors"
private let ossOptions = "OSS Options (doc-detail/32004)"

private let acao = HeaderName.allowOrigin
private let acam = HeaderName.allowMethods
private let acah = HeaderName.allowHeaders
private let aceh = HeaderName.exposeHeaders
private let acma = HeaderName.maxAge

private let object: HeaderFields = [("Content-Type", "font/woff2"), ("Cache-Control", "max-age=86400")]

/// Three rules in order: an app origin, a wildcard domain, and a catch-all.
private let bucket = OSSCORSConfiguration(rules: [
    OSSCORSRule(allowedOrigins: ["https://app.example.com"], allowedMethods: ["GET", "PUT"],
                allowedHeaders: ["X-Custom-*", "content-type"], exposeHeaders: ["ETag", "x-oss-request-id"],
                maxAgeSeconds: 600),
    OSSCORSRule(allowedOrigins: ["http://*.example.com"], allowedMethods: ["GET"]),
    OSSCORSRule(allowedOrigins: ["*"], allowedMethods: ["GET", "HEAD"]),
])

/// No catch-all: an unlisted origin gets nothing.
private let strictBucket = OSSCORSConfiguration(rules: [
    OSSCORSRule(allowedOrigins: ["https://app.example.com"], allowedMethods: ["GET"]),
], responseVary: true)

private func get(_ origin: String?, method: String = "GET") -> OriginRequest {
    var headers: HeaderFields = []
    if let origin { headers.append(HeaderName.origin, origin) }
    return OriginRequest(method: method, headers: headers)
}

private func preflight(_ origin: String, _ method: String, headers: String? = nil) -> OriginRequest {
    var h: HeaderFields = [(HeaderName.origin, origin), (HeaderName.requestMethod, method)]
    if let headers { h.append(HeaderName.requestHeaders, headers) }
    return OriginRequest(method: "OPTIONS", headers: h)
}

private func with(_ base: HeaderFields, _ extra: (String, String)...) -> HeaderFields {
    var h = base
    for (name, value) in extra { h.append(name, value) }
    return h
}

private let ossCases: [OSSCase] = [
    OSSCase(source: "\(putBucketCors): GET from a listed origin gets the rule's headers, echoed origin",
            config: bucket, request: get("https://app.example.com"), base: object, status: 200,
            headers: with(object, (acao, "https://app.example.com"), (acam, "GET, PUT"),
                          (aceh, "ETag, x-oss-request-id"), (acma, "600"))),
    OSSCase(source: "\(putBucketCors): first match wins — the app rule, not the catch-all, answers",
            config: OSSCORSConfiguration(rules: [
                OSSCORSRule(allowedOrigins: ["https://app.example.com"], allowedMethods: ["GET"], exposeHeaders: ["ETag"]),
                OSSCORSRule(allowedOrigins: ["*"], allowedMethods: ["GET", "HEAD"], maxAgeSeconds: 5),
            ]),
            request: get("https://app.example.com"), base: [], status: 200,
            headers: [(acao, "https://app.example.com"), (acam, "GET"), (aceh, "ETag")]),
    OSSCase(source: "\(putBucketCors): one '*' inside an AllowedOrigin matches any run (several labels)",
            config: bucket, request: get("http://a.b.example.com"), base: [], status: 200,
            headers: [(acao, "http://a.b.example.com"), (acam, "GET")]),
    OSSCase(source: "\(putBucketCors): http://*.example.com does not match the bare domain (needs the dot)",
            config: OSSCORSConfiguration(rules: [OSSCORSRule(allowedOrigins: ["http://*.example.com"], allowedMethods: ["GET"])]),
            request: get("http://example.com"), base: object, status: 200, headers: object),
    OSSCase(source: "\(putBucketCors): a '*' entry is a wildcard over the whole origin, scheme included",
            config: OSSCORSConfiguration(rules: [OSSCORSRule(allowedOrigins: ["*example.com"], allowedMethods: ["GET"])]),
            request: get("https://evil-example.com"), base: [], status: 200,
            headers: [(acao, "https://evil-example.com"), (acam, "GET")]),
    OSSCase(source: "\(ossOptions): a '*' rule echoes the request origin (default)",
            config: bucket, request: get("https://other.org"), base: [], status: 200,
            headers: [(acao, "https://other.org"), (acam, "GET, HEAD")]),
    OSSCase(source: "SEMANTICS §2.2 [AMBIGUOUS] S3 mode: a '*' rule answers a literal '*'",
            config: OSSCORSConfiguration(rules: bucket.rules, starRuleEchoesOrigin: false),
            request: get("https://other.org"), base: [], status: 200,
            headers: [(acao, "*"), (acam, "GET, HEAD")]),
    OSSCase(source: "SEMANTICS §2.2 S3 mode: a specific entry still echoes",
            config: OSSCORSConfiguration(rules: bucket.rules, starRuleEchoesOrigin: false),
            request: get("https://app.example.com"), base: [], status: 200,
            headers: [(acao, "https://app.example.com"), (acam, "GET, PUT"), (aceh, "ETag, x-oss-request-id"), (acma, "600")]),
    OSSCase(source: "SEMANTICS §2.2 S3 mode: the preflight of a '*' rule answers '*' too",
            config: OSSCORSConfiguration(rules: bucket.rules, starRuleEchoesOrigin: false),
            request: preflight("https://other.org", "HEAD"), base: object, status: 200,
            headers: [(acao, "*"), (acam, "HEAD")]),
    OSSCase(source: "\(ossOptions): a GET without Origin is served with no CORS headers",
            config: bucket, request: get(nil), base: object, status: 200, headers: object),
    OSSCase(source: "\(ossOptions): HEAD from any origin under the catch-all",
            config: bucket, request: get("https://other.org", method: "HEAD"), base: object, status: 200,
            headers: with(object, (acao, "https://other.org"), (acam, "GET, HEAD"))),
    OSSCase(source: "\(putBucketCors): method mismatch — PUT is allowed by no rule matching this origin",
            config: bucket, request: get("http://a.example.com", method: "PUT"), base: object, status: 200, headers: object),
    OSSCase(source: "\(putBucketCors): methods compare exactly — 'get' is not GET",
            config: strictBucket, request: get("https://app.example.com", method: "get"), base: [], status: 200,
            headers: [(HeaderName.vary, "Origin")]),
    OSSCase(source: "\(putBucketCors): AllowedOrigin compares case-sensitively (only AllowedHeader is case-insensitive)",
            config: OSSCORSConfiguration(rules: [OSSCORSRule(allowedOrigins: ["https://App.example.com"], allowedMethods: ["GET"])]),
            request: get("https://app.example.com"), base: object, status: 200, headers: object),
    OSSCase(source: "\(ossOptions): allowed preflight answers ACAO, the requested method and headers, ACEH, ACMA",
            config: bucket, request: preflight("https://app.example.com", "PUT", headers: "X-Custom-Token, Content-Type"),
            base: object, status: 200,
            headers: [(acao, "https://app.example.com"), (acam, "PUT"), (acah, "X-Custom-Token, Content-Type"),
                      (aceh, "ETag, x-oss-request-id"), (acma, "600")]),
    OSSCase(source: "\(putBucketCors): AllowedHeader matches case-insensitively with one '*'",
            config: bucket, request: preflight("https://app.example.com", "GET", headers: "x-custom-a,x-CUSTOM-b"),
            base: [], status: 200,
            headers: [(acao, "https://app.example.com"), (acam, "GET"), (acah, "x-custom-a, x-CUSTOM-b"),
                      (aceh, "ETag, x-oss-request-id"), (acma, "600")]),
    OSSCase(source: "\(ossOptions): preflight for a method no rule allows ⇒ 403 without CORS headers",
            config: bucket, request: preflight("https://app.example.com", "DELETE"), base: object, status: 403, headers: []),
    OSSCase(source: "\(putBucketCors): an ACRH header no AllowedHeader covers ⇒ no rule matches ⇒ 403",
            config: bucket, request: preflight("https://app.example.com", "PUT", headers: "x-other"), base: [], status: 403, headers: []),
    OSSCase(source: "\(putBucketCors): a rule with no AllowedHeader allows no requested header (authorization) ⇒ 403",
            config: bucket, request: preflight("https://other.org", "GET", headers: "authorization"), base: [], status: 403, headers: []),
    OSSCase(source: "\(putBucketCors): AllowedHeader '*' allows any requested header",
            config: OSSCORSConfiguration(rules: [OSSCORSRule(allowedOrigins: ["*"], allowedMethods: ["PUT"], allowedHeaders: ["*"])]),
            request: preflight("https://other.org", "PUT", headers: "authorization, x-anything"), base: [], status: 200,
            headers: [(acao, "https://other.org"), (acam, "PUT"), (acah, "authorization, x-anything")]),
    OSSCase(source: "\(ossOptions): preflight without ACRH gets no ACAH",
            config: bucket, request: preflight("https://other.org", "GET"), base: [], status: 200,
            headers: [(acao, "https://other.org"), (acam, "GET")]),
    OSSCase(source: "\(ossOptions): CORS disabled (no rules) ⇒ a preflight gets 403",
            config: OSSCORSConfiguration(), request: preflight("https://app.example.com", "GET"), base: object, status: 403, headers: []),
    OSSCase(source: "\(ossOptions): CORS disabled ⇒ a GET with Origin is served without CORS headers",
            config: OSSCORSConfiguration(), request: get("https://app.example.com"), base: object, status: 200, headers: object),
    OSSCase(source: "\(ossOptions): OPTIONS without Access-Control-Request-Method is not a preflight (no CORS headers)",
            config: bucket, request: get("https://app.example.com", method: "OPTIONS"), base: object, status: 200, headers: object),
    OSSCase(source: "ResponseVary (Terraform alicloud_oss_bucket_cors): Vary: Origin on a non-matching GET",
            config: strictBucket, request: get("https://evil.example.net"), base: object, status: 200,
            headers: with(object, (HeaderName.vary, "Origin"))),
    OSSCase(source: "ResponseVary: Vary: Origin on a GET without Origin",
            config: strictBucket, request: get(nil), base: object, status: 200,
            headers: with(object, (HeaderName.vary, "Origin"))),
    OSSCase(source: "ResponseVary: Vary: Origin on a refused preflight (403)",
            config: strictBucket, request: preflight("https://evil.example.net", "GET"), base: object, status: 403,
            headers: [(HeaderName.vary, "Origin")]),
    OSSCase(source: "ResponseVary: Vary: Origin after the CORS headers on a match",
            config: strictBucket, request: get("https://app.example.com"), base: [], status: 200,
            headers: [(acao, "https://app.example.com"), (acam, "GET"), (HeaderName.vary, "Origin")]),
    OSSCase(source: "ResponseVary: an object that already varies on Origin gets no second Vary line",
            config: strictBucket, request: get(nil), base: [(HeaderName.vary, "Accept-Encoding, origin")], status: 200,
            headers: [(HeaderName.vary, "Accept-Encoding, origin")]),
    OSSCase(source: "ResponseVary: Vary: Accept-Encoding stays and Vary: Origin is added",
            config: strictBucket, request: get(nil), base: [(HeaderName.vary, "Accept-Encoding")], status: 200,
            headers: [(HeaderName.vary, "Accept-Encoding"), (HeaderName.vary, "Origin")]),
    OSSCase(source: "ResponseVary off (default): no Vary at all",
            config: bucket, request: get("https://nowhere.example"), base: [], status: 200,
            headers: [(acao, "https://nowhere.example"), (acam, "GET, HEAD")]),
]

@Test("OSS CORS responses", arguments: ossCases)
func ossResponds(_ c: OSSCase) {
    let response = c.config.respond(to: c.request, base: c.base)
    #expect(response.status == c.status, "\(c.source)")
    #expect(response.headers == c.headers, "\(c.source)")
}

/// One OSS configuration and the findings PutBucketCors would raise, as `code@path`.
struct OSSValidationCase: Sendable, CustomTestStringConvertible {
    let source: String
    let config: OSSCORSConfiguration
    let expected: [String]
    var testDescription: String { source }
}

private func rule(origins: [String] = ["https://app.example.com"], methods: [String] = ["GET"],
                  headers: [String] = [], expose: [String] = [], maxAge: Int? = nil) -> OSSCORSRule {
    OSSCORSRule(allowedOrigins: origins, allowedMethods: methods, allowedHeaders: headers, exposeHeaders: expose, maxAgeSeconds: maxAge)
}

private let ossValidationCases: [OSSValidationCase] = [
    OSSValidationCase(source: "\(putBucketCors): the three-rule bucket is valid", config: bucket, expected: []),
    OSSValidationCase(source: "\(putBucketCors): ten rules is the limit",
                      config: OSSCORSConfiguration(rules: Array(repeating: rule(), count: 10)), expected: []),
    OSSValidationCase(source: "\(putBucketCors): eleven rules is too many",
                      config: OSSCORSConfiguration(rules: Array(repeating: rule(), count: 11)),
                      expected: ["oss_too_many_rules@rules"]),
    OSSValidationCase(source: "OSS console: at most one '*' per AllowedOrigin",
                      config: OSSCORSConfiguration(rules: [rule(origins: ["https://app.example.com", "http://*.*.example.com"])]),
                      expected: ["oss_multiple_wildcards@rules[0].allowedOrigins[1]"]),
    OSSValidationCase(source: "OSS console: at most one '*' per AllowedHeader",
                      config: OSSCORSConfiguration(rules: [rule(), rule(headers: ["x-*-*"])]),
                      expected: ["oss_multiple_wildcards@rules[1].allowedHeaders[0]"]),
    OSSValidationCase(source: "OSS console: no '*' in ExposeHeader",
                      config: OSSCORSConfiguration(rules: [rule(expose: ["ETag", "*"])]),
                      expected: ["oss_wildcard_in_expose_header@rules[0].exposeHeaders[1]"]),
    OSSValidationCase(source: "\(putBucketCors): AllowedMethod is one of GET, PUT, DELETE, POST, HEAD",
                      config: OSSCORSConfiguration(rules: [rule(methods: ["GET", "PATCH", "OPTIONS", "get"])]),
                      expected: ["oss_unsupported_method@rules[0].allowedMethods[1]",
                                 "oss_unsupported_method@rules[0].allowedMethods[2]",
                                 "oss_unsupported_method@rules[0].allowedMethods[3]"]),
    OSSValidationCase(source: "OSS console: an AllowedOrigin must carry its scheme ('*' alone and *:// are fine)",
                      config: OSSCORSConfiguration(rules: [rule(origins: ["*", "*://cdn.example.com", "www.example.com", "*.example.com"])]),
                      expected: ["oss_origin_without_scheme@rules[0].allowedOrigins[2]",
                                 "oss_origin_without_scheme@rules[0].allowedOrigins[3]"]),
    OSSValidationCase(source: "\(putBucketCors): a rule needs an AllowedOrigin and an AllowedMethod",
                      config: OSSCORSConfiguration(rules: [rule(origins: [], methods: [])]),
                      expected: ["oss_empty_allowed_origins@rules[0].allowedOrigins",
                                 "oss_empty_allowed_methods@rules[0].allowedMethods"]),
    OSSValidationCase(source: "\(putBucketCors): MaxAgeSeconds cannot be negative",
                      config: OSSCORSConfiguration(rules: [rule(maxAge: -1), rule(maxAge: 0)]),
                      expected: ["oss_negative_max_age@rules[0].maxAgeSeconds"]),
]

@Test("OSS CORS configuration refusals", arguments: ossValidationCases)
func ossValidates(_ c: OSSValidationCase) {
    let findings = c.config.validate()
    #expect(findings.map { "\($0.code)@\($0.path)" }.sorted() == c.expected.sorted(), "\(c.source)")
    #expect(findings.allSatisfy { $0.severity == .error && $0.message.hasPrefix("OSS InvalidArgument: ") }, "\(c.source)")
}
