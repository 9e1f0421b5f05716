import Testing
@testable import HTTPModel

/// One response against the Fetch CORS check; `nil` expects a pass.
struct CORSCheckCase: Sendable, CustomTestStringConvertible {
    let page: String
    let response: HeaderFields
    let credentials: CredentialsMode
    let expected: FailureReason?
    let source: String
    var testDescription: String { "\(source) [\(credentials.rawValue)] ⇒ \(expected?.rawValue ?? "pass")" }

    init(page: String = "http://127.0.0.1:8001", _ response: HeaderFields, _ credentials: CredentialsMode = .sameOrigin,
         _ expected: FailureReason?, source: String) {
        self.page = page
        self.response = response
        self.credentials = credentials
        self.expected = expected
        self.source = source
    }
}

private let A = "http://127.0.0.1:8001"
private let other = "http://127.0.0.1:8002"
private let ACAO = HeaderName.allowOrigin
private let ACAC = HeaderName.allowCredentials

let corsCheckCases: [CORSCheckCase] = [
    // browser-matrix.md §1 columns, non-credentialed (fetch(), @font-face, <img crossorigin>).
    .init([], .sameOrigin, .missingACAO, source: "browser-matrix.md §1 none; Fetch CORS check step 2"),
    .init([(ACAO, "*")], .sameOrigin, nil, source: "browser-matrix.md §1 star; Fetch CORS check step 3"),
    .init([(ACAO, "*"), ("Vary", "Origin")], .sameOrigin, nil, source: "browser-matrix.md §1 star_vary"),
    .init([(ACAO, A)], .sameOrigin, nil, source: "browser-matrix.md §1 page; Fetch CORS check step 4–5"),
    .init([(ACAO, A + "/")], .sameOrigin, .acaoMismatch, source: "browser-matrix.md §5 page_slash ⇒ AllowOriginMismatch"),
    .init([(ACAO, other)], .sameOrigin, .acaoMismatch, source: "browser-matrix.md §5 other ⇒ AllowOriginMismatch"),
    .init([(ACAO, "\(A), \(other)")], .sameOrigin, .multipleACAOValues, source: "browser-matrix.md §5 list ⇒ MultipleAllowOriginValues"),
    .init([(ACAO, "\(A),\(other)")], .sameOrigin, .multipleACAOValues, source: "Chromium cors.cc CheckAccess: find_first_of(\" ,\")"),
    .init([(ACAO, A), (ACAO, A)], .sameOrigin, .multipleACAOValues, source: "browser-matrix.md §5 dup_same; WPT cors/origin.htm doubleOrigin(origin, origin)"),
    .init([(ACAO, "*"), (ACAO, A)], .sameOrigin, .multipleACAOValues, source: "browser-matrix.md §5 dup_star_page"),
    .init([(ACAO, "*"), (ACAO, "*")], .sameOrigin, .multipleACAOValues, source: "WPT cors/origin.htm doubleOrigin('*','*')"),
    .init([(ACAO, A), ("access-control-allow-origin", A)], .sameOrigin, .multipleACAOValues,
          source: "Fetch header list get: names match case-insensitively, lines join"),
    .init([(ACAO, "null")], .sameOrigin, .acaoMismatch, source: "browser-matrix.md §5 null; WPT cors/origin.htm shouldFail('null')"),
    .init([(ACAO, "*"), (ACAC, "true")], .sameOrigin, nil, source: "browser-matrix.md §1 star_acac (non-credentialed passes)"),
    .init([(ACAO, A), (ACAC, "true")], .sameOrigin, nil, source: "browser-matrix.md §1 page_acac (same-origin credentials)"),
    .init([(ACAO, A), (ACAC, "true")], .omit, nil, source: "Fetch CORS check step 5: omit ignores ACAC"),
    .init([(ACAO, "*")], .omit, nil, source: "Fetch CORS check step 3: omit accepts *"),
    .init([(ACAO, A), (ACAC, "false")], .sameOrigin, nil, source: "Fetch CORS check step 5: ACAC only read for include"),
    // Credentialed (fetch include, XHR withCredentials, crossorigin=use-credentials).
    .init([], .include, .missingACAO, source: "browser-matrix.md §5 none ⇒ MissingAllowOriginHeader for fetch_cred"),
    .init([(ACAO, "*")], .include, .wildcardWithCredentials, source: "browser-matrix.md §5 star ⇒ WildcardOriginNotAllowed"),
    .init([(ACAO, "*"), (ACAC, "true")], .include, .wildcardWithCredentials,
          source: "browser-matrix.md §5 star_acac ⇒ WildcardOriginNotAllowed; Fetch CORS check step 3"),
    .init([(ACAO, A)], .include, .missingOrInvalidACAC, source: "browser-matrix.md §5 page ⇒ InvalidAllowCredentials"),
    .init([(ACAO, A), ("Vary", "Origin")], .include, .missingOrInvalidACAC, source: "browser-matrix.md §5 page_vary ⇒ InvalidAllowCredentials"),
    .init([(ACAO, A), (ACAC, "true")], .include, nil, source: "browser-matrix.md §1 page_acac, the only credentialed pass"),
    .init([(ACAO, A), (ACAC, "TRUE")], .include, .missingOrInvalidACAC, source: "Fetch ACAC ABNF %s\"true\" (case-sensitive)"),
    .init([(ACAO, A), (ACAC, "false")], .include, .missingOrInvalidACAC, source: "Fetch CORS check step 7"),
    .init([(ACAO, A), (ACAC, " true\t")], .include, nil, source: "RFC 9110 §5.5: OWS around a field value is not part of it"),
    .init([(ACAO, A), (ACAC, "true"), (ACAC, "true")], .include, .missingOrInvalidACAC, source: "Fetch header list get: \"true, true\" ≠ true"),
    .init([(ACAO, A + "/"), (ACAC, "true")], .include, .acaoMismatch, source: "Chromium CheckAccess: origin mismatch before ACAC"),
    .init([(ACAO, "null"), (ACAC, "true")], .include, .acaoMismatch, source: "WPT cors/origin.htm shouldFail('null') with credentials"),
    // Whitespace and byte-exactness.
    .init([(ACAO, " *  ")], .sameOrigin, nil, source: "WPT cors/origin.htm shouldPass(' *  ')"),
    .init([(ACAO, "\t" + A)], .sameOrigin, nil, source: "WPT cors/origin.htm shouldPass('\\t'+origin)"),
    .init([(ACAO, A + " ")], .sameOrigin, nil, source: "RFC 9110 §5.5 trailing OWS stripped"),
    .init([(ACAO, "http://127.0.0.1: 8001")], .sameOrigin, .multipleACAOValues, source: "Chromium CheckAccess: a space inside the value"),
    .init(page: "https://www.example.com", [(ACAO, "https://WWW.EXAMPLE.COM")], .sameOrigin, .acaoMismatch,
          source: "Fetch CORS check step 4: byte-exact, host case differs"),
    .init(page: "https://www.example.com", [(ACAO, "HTTPS://www.example.com")], .sameOrigin, .acaoMismatch,
          source: "Fetch CORS check step 4: byte-exact, scheme case differs"),
    .init(page: "https://www.example.com", [(ACAO, "https://www.example.com:443")], .sameOrigin, .acaoMismatch,
          source: "SEMANTICS §1.2 step 4: explicit default port fails"),
    .init(page: "https://www.example.com", [(ACAO, "http://www.example.com")], .sameOrigin, .acaoMismatch,
          source: "SEMANTICS §3.4 Example 1: scheme must match"),
    .init(page: "https://www.example.com", [(ACAO, "https://*.example.com")], .sameOrigin, .acaoMismatch,
          source: "WPT cors/origin.htm shouldFail(\"http://*.\"+domain)"),
    .init(page: "https://www.example.com:8443", [(ACAO, "https://www.example.com:8443")], .sameOrigin, nil,
          source: "RFC 6454 §6.2: a non-default port is part of the origin"),
    // Invalid values (Chromium builds a GURL to tell them from mismatches).
    .init([(ACAO, "127.0.0.1:8001")], .sameOrigin, .invalidACAOValue, source: "Chromium CheckAccess: GURL without a scheme is invalid"),
    .init([(ACAO, "")], .sameOrigin, .invalidACAOValue, source: "Chromium CheckAccess: empty ACAO is present but not a URL"),
    .init([(ACAO, "https://")], .sameOrigin, .invalidACAOValue, source: "URL Standard: special scheme with empty host fails"),
    .init([(ACAO, "http://127.0.0.1:99999")], .sameOrigin, .invalidACAOValue, source: "URL Standard port state: out of range"),
    .init([(ACAO, "Null")], .sameOrigin, .invalidACAOValue, source: "Chromium CheckAccess: only exact \"null\" is special-cased"),
    .init([(ACAO, "http://1.2.3.256")], .sameOrigin, .invalidACAOValue, source: "URL Standard IPv4 parser: part out of range"),
    // The opaque origin.
    .init(page: "null", [(ACAO, "null")], .sameOrigin, nil, source: "Chromium cors_unittest.cc result3: null matches an opaque origin"),
    .init(page: "null", [(ACAO, "*")], .sameOrigin, nil, source: "Fetch CORS check step 3 for an opaque origin"),
]

@Test("Fetch CORS check with Chromium's reasons", arguments: corsCheckCases)
func corsCheck(_ c: CORSCheckCase) throws {
    let origin = try WebOrigin(parsing: c.page)
    #expect(Browser.corsCheck(c.response, requestOrigin: origin, credentials: c.credentials) == c.expected)
}

/// The verdict on the actual response for a whole request.
struct VerdictCase: Sendable, CustomTestStringConvertible {
    let request: BrowserRequest
    let response: HeaderFields
    let verdict: Verdict
    let source: String
    var testDescription: String { "\(request.kind.rawValue): \(source)" }
}

let verdictCases: [VerdictCase] = [
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .img), response: [], verdict: .unchecked,
          source: "browser-matrix.md §1 <img> none ⇒ OK (no-cors)"),
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .video), response: [(ACAO, "*"), (ACAO, "*")], verdict: .unchecked,
          source: "browser-matrix.md §1 <video> dup headers ⇒ OK·taint (headers ignored)"),
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .font), response: [], verdict: .fail(.missingACAO),
          source: "SEMANTICS §1.1 seed FAQ: fonts fail, videos work"),
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .font), response: [(ACAO, A)], verdict: .pass,
          source: "browser-matrix.md §1 @font-face page ⇒ OK"),
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .imgCORSCredentials), response: [(ACAO, "*"), (ACAC, "true")],
          verdict: .fail(.wildcardWithCredentials), source: "browser-matrix.md §1 <img crossorigin=use-credentials> star_acac ⇒ BLOCK"),
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .xhrCredentials), response: [(ACAO, A), (ACAC, "true")],
          verdict: .pass, source: "browser-matrix.md §1 XMLHttpRequest withCredentials page_acac ⇒ OK"),
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .moduleScript), response: [(ACAO, A), (ACAO, other)],
          verdict: .fail(.multipleACAOValues), source: "browser-matrix.md §4 module: contains multiple values"),
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .fetchNoCORS), response: [], verdict: .unchecked,
          source: "browser-matrix.md §1 fetch() mode:'no-cors' ⇒ OK·opaque"),
    .init(request: BrowserRequest(pageOrigin: nil, kind: .fetch), response: [], verdict: .unchecked,
          source: "Fetch main fetch: same-origin basic tainting"),
]

@Test("Browser.verdict(for:response:)", arguments: verdictCases)
func verdict(_ c: VerdictCase) {
    #expect(Browser.verdict(for: c.request, response: c.response) == c.verdict)
}

@Test("preflightVariant maps every CORS-check reason (Chromium preflight_controller.cc)")
func preflightVariantMapping() {
    let mapped: [FailureReason: FailureReason] = [
        .missingACAO: .preflightMissingACAO, .acaoMismatch: .preflightACAOMismatch,
        .multipleACAOValues: .preflightMultipleACAOValues, .invalidACAOValue: .preflightInvalidACAOValue,
        .wildcardWithCredentials: .preflightWildcardWithCredentials, .missingOrInvalidACAC: .preflightMissingOrInvalidACAC,
    ]
    for reason in FailureReason.allCases {
        #expect(reason.preflightVariant == (mapped[reason] ?? reason))
    }
}
