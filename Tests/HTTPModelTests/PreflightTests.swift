import Testing
@testable import HTTPModel

private let A = "http://127.0.0.1:8001"
private let ACAO = HeaderName.allowOrigin
private let ACAC = HeaderName.allowCredentials
private let ACAM = HeaderName.allowMethods
private let ACAH = HeaderName.allowHeaders

// MARK: - When a preflight is needed, and what it carries

/// One request and whether it is preflighted; `unsafe` is the expected Access-Control-Request-Headers list.
struct PreflightNeedCase: Sendable, CustomTestStringConvertible {
    let request: BrowserRequest
    let preflight: Bool
    let requestMethod: String?
    let unsafe: [String]
    let source: String
    var testDescription: String { "\(request.method) \(request.headers.map { "\($0.name): \($0.value.prefix(24))" }): \(source)" }

    init(_ method: String = "GET", _ headers: HeaderFields = [], kind: ResourceKind = .fetch, page: WebOrigin? = pageA,
         preflight: Bool, method requestMethod: String? = nil, unsafe: [String] = [], source: String) {
        self.request = BrowserRequest(method: method, pageOrigin: page, kind: kind, headers: headers)
        self.preflight = preflight
        self.requestMethod = requestMethod ?? (preflight ? method : nil)
        self.unsafe = unsafe
        self.source = source
    }
}

private let ct = "Content-Type"
private func repeated(_ n: Int) -> String { String(repeating: "a", count: n) }

let preflightNeedCases: [PreflightNeedCase] = [
    .init(preflight: false, source: "Fetch CORS-safelisted method GET; browser-matrix.md §1 fetch() OPTIONS no"),
    .init("POST", [(ct, "text/plain")], preflight: false, source: "browser-matrix.md §1 fetch() POST text/plain (no preflight)"),
    .init("PUT", preflight: true, source: "browser-matrix.md §2 fetch_put: ACRM PUT, ACRH None"),
    .init("DELETE", preflight: true, source: "Fetch CORS-safelisted method: DELETE is not"),
    .init("put", preflight: true, method: "PUT", source: "Fetch normalize a method: put ⇒ PUT"),
    .init("post", preflight: false, source: "Fetch normalize a method: post ⇒ POST (safelisted)"),
    .init("patch", preflight: true, method: "patch", source: "Fetch normalize a method: patch is not normalised"),
    .init("Options", preflight: true, method: "OPTIONS", source: "Fetch normalize a method: OPTIONS upper-cased"),
    .init("GET", [("X-Test", "1")], preflight: true, unsafe: ["x-test"], source: "browser-matrix.md §2 fetch_hdr: ACRH x-test"),
    .init("POST", [(ct, "application/json")], preflight: true, unsafe: ["content-type"],
          source: "browser-matrix.md §2 fetch_json_post: ACRM POST, ACRH content-type"),
    .init("POST", [(ct, "text/plain;charset=UTF-8")], preflight: false, source: "Fetch CORS-safelisted request-header: essence text/plain"),
    .init("POST", [(ct, "Text/Plain")], preflight: false, source: "MIME Sniffing parse a MIME type: type and subtype lower-cased"),
    .init("POST", [(ct, "multipart/form-data; boundary=----x")], preflight: false, source: "Fetch CORS-safelisted request-header: multipart/form-data"),
    .init("POST", [(ct, "application/x-www-form-urlencoded")], preflight: false, source: "Fetch CORS-safelisted request-header: urlencoded"),
    .init("POST", [(ct, "text/plain; charset=\"utf-8\"")], preflight: true, unsafe: ["content-type"],
          source: "Fetch CORS-unsafe request-header byte 0x22 in content-type"),
    .init("POST", [(ct, "text/html")], preflight: true, unsafe: ["content-type"], source: "Fetch CORS-safelisted request-header: text/html is not"),
    .init("POST", [(ct, "text/plain garbage")], preflight: true, unsafe: ["content-type"], source: "MIME Sniffing: subtype must be a token"),
    .init("GET", [("Accept", "application/json")], preflight: false, source: "Fetch CORS-safelisted request-header: accept"),
    .init("GET", [("Accept", "text/{x}")], preflight: true, unsafe: ["accept"], source: "Fetch CORS-unsafe request-header byte 0x7B in accept"),
    .init("GET", [("Accept-Language", "en-US,en;q=0.9")], preflight: false, source: "Fetch safelist: accept-language bytes 0-9A-Za-z *,-.;="),
    .init("GET", [("Accept-Language", "en_US")], preflight: true, unsafe: ["accept-language"], source: "Fetch safelist: '_' not allowed in accept-language"),
    .init("GET", [("Content-Language", "de-DE")], preflight: false, source: "Fetch safelist: content-language"),
    .init("GET", [("Range", "bytes=0-")], preflight: false, source: "Fetch simple range header value bytes=N-"),
    .init("GET", [("Range", "bytes=0-499")], preflight: false, source: "Fetch simple range header value bytes=N-M"),
    .init("GET", [("Range", "Bytes=10-10")], preflight: false, source: "Fetch parse a single range header value: unit case-insensitive"),
    .init("GET", [("Range", "bytes=-500")], preflight: true, unsafe: ["range"], source: "Fetch safelist: suffix range (rangeValue[0] null) is unsafe"),
    .init("GET", [("Range", "bytes=0-1,3-4")], preflight: true, unsafe: ["range"], source: "Fetch parse a single range header value: one range only"),
    .init("GET", [("Range", "bytes=5-2")], preflight: true, unsafe: ["range"], source: "Fetch parse a single range header value: start > end fails"),
    .init("GET", [("Range", "items=0-1")], preflight: true, unsafe: ["range"], source: "Fetch parse a single range header value: unit must be bytes"),
    .init("GET", [("Range", "bytes = 0-1")], preflight: true, unsafe: ["range"], source: "Fetch parse a single range header value: no whitespace"),
    .init("GET", [("Accept", repeated(128))], preflight: false, source: "Fetch safelist: value of 128 bytes is allowed"),
    .init("GET", [("Accept", repeated(129))], preflight: true, unsafe: ["accept"], source: "Fetch safelist: value longer than 128 bytes"),
    .init("GET", HeaderFields(Array(repeating: HeaderField("Content-Language", repeated(128)), count: 8)), preflight: false,
          source: "Fetch CORS-unsafe request-header names: 1024 bytes in total is still safe"),
    .init("GET", HeaderFields(Array(repeating: HeaderField("Content-Language", repeated(128)), count: 8) + [HeaderField("Accept", "x")]),
          preflight: true, unsafe: ["accept", "content-language"], source: "Fetch CORS-unsafe request-header names: > 1024 bytes makes all unsafe"),
    .init("GET", [("Authorization", "Bearer x")], preflight: true, unsafe: ["authorization"], source: "Fetch: Authorization is not safelisted"),
    .init("POST", [("X-B", "1"), ("x-a", "2"), (ct, "application/json"), ("X-A", "3")], preflight: true,
          unsafe: ["content-type", "x-a", "x-b"], source: "Fetch convert header names to a sorted-lowercase set"),
    .init("GET", [("Cookie", "a=1"), ("Sec-Test", "1"), ("Origin", "https://evil.example")], preflight: false,
          source: "Fetch forbidden request-header: dropped by Headers, never preflighted"),
    .init("GET", [("X-HTTP-Method-Override", "TRACE")], preflight: false, source: "Fetch forbidden request-header: override naming a forbidden method"),
    .init("GET", [("X-HTTP-Method-Override", "PATCH")], preflight: true, unsafe: ["x-http-method-override"],
          source: "Fetch forbidden request-header: override with an allowed method is an ordinary header"),
    .init("POST", [(ct, "  text/plain\t")], preflight: false, source: "Fetch Headers append: value normalised (HTTP whitespace stripped)"),
    .init("GET", [("X-Test", "1")], kind: .fetchNoCORS, preflight: false, source: "Fetch Headers guard request-no-cors: X-Test dropped"),
    .init("POST", [(ct, "application/json")], kind: .fetchNoCORS, preflight: false,
          source: "Fetch Headers guard request-no-cors: unsafe content-type dropped, no-cors never preflighted"),
    .init("PUT", page: nil, preflight: false, source: "Fetch main fetch: same-origin requests are never preflighted"),
    .init(kind: .imgCORS, preflight: false, source: "browser-matrix.md §1 <img crossorigin>: OPTIONS no"),
]

@Test("needsPreflight and the preflight request", arguments: preflightNeedCases)
func preflightNeed(_ c: PreflightNeedCase) throws {
    #expect(c.request.needsPreflight == c.preflight)
    #expect(c.request.corsUnsafeHeaderNames == c.unsafe)
    let preflight = c.request.preflightRequest
    #expect((preflight != nil) == c.preflight)
    guard let preflight else { return }
    #expect(preflight.method == "OPTIONS")
    #expect(preflight.headers.get(HeaderName.origin) == A)
    #expect(preflight.headers.get(HeaderName.requestMethod) == c.requestMethod)
    #expect(preflight.headers.get(HeaderName.requestHeaders) == (c.unsafe.isEmpty ? nil : c.unsafe.joined(separator: ",")))
    #expect(!preflight.headers.contains("Cookie") && !preflight.headers.contains("Authorization"), "a preflight never carries credentials")
}

@Test("the preflight request as Chromium sends it (browser-matrix.md §2 fetch_hdr)")
func preflightRequestShape() throws {
    let request = BrowserRequest(pageOrigin: pageA, kind: .fetchCredentials, headers: [("X-Test", "1")])
    let preflight = try #require(request.preflightRequest)
    #expect(preflight.headers.fields == [
        HeaderField("Accept", "*/*"), HeaderField(HeaderName.requestMethod, "GET"),
        HeaderField(HeaderName.requestHeaders, "x-test"), HeaderField(HeaderName.origin, A),
    ])
}

@Test("wire headers drop forbidden names and add Origin once (Fetch Headers guard request; append a request Origin header)")
func wireHeaders() {
    let request = BrowserRequest(method: "POST", pageOrigin: pageA, kind: .fetch,
                                 headers: [("Origin", "https://evil.example"), ("X-Test", " 1 "), ("Host", "x")])
    #expect(request.wireHeaders.fields == [HeaderField("X-Test", "1"), HeaderField("Origin", A)])
    #expect(request.authorHeaders.fields == [HeaderField("X-Test", "1")])
}

@Test("no-cors requests keep only no-CORS-safelisted headers (Fetch Headers guard request-no-cors)")
func noCORSHeaders() {
    let request = BrowserRequest(method: "POST", pageOrigin: pageA, kind: .fetchNoCORS,
                                 headers: [("Content-Type", "text/plain"), ("X-Test", "1"), ("Accept", "a"), ("Range", "bytes=0-")])
    #expect(request.wireHeaders.fields == [HeaderField("Content-Type", "text/plain"), HeaderField("Accept", "a"), HeaderField("Origin", A)])
    #expect(!request.needsPreflight)
}

// MARK: - The preflight check

/// One OPTIONS response against the request it precedes; `nil` expects a pass.
struct PreflightCheckCase: Sendable, CustomTestStringConvertible {
    let request: BrowserRequest
    let response: OriginResponse
    let expected: FailureReason?
    let source: String
    var testDescription: String { "\(source) ⇒ \(expected?.rawValue ?? "pass")" }
}

/// browser-matrix.md §2's requests.
private let fetchHdr = BrowserRequest(pageOrigin: pageA, kind: .fetch, headers: [("X-Test", "1")])
private let fetchPut = BrowserRequest(method: "PUT", pageOrigin: pageA, kind: .fetch, headers: [("Content-Type", "text/plain")])
private let fetchJSONPost = BrowserRequest(method: "POST", pageOrigin: pageA, kind: .fetch, headers: [("Content-Type", "application/json")])
private let fetchHdrCred = BrowserRequest(pageOrigin: pageA, kind: .fetchCredentials, headers: [("X-Test", "1")])

/// browser-matrix.md §2's OPTIONS responses (columns).
private let matchHeaders: HeaderFields = [(ACAO, A), (ACAH, "x-test, content-type"), (ACAM, "PUT")]
private let preflightColumns: [(String, OriginResponse)] = [
    ("opt_bare", OriginResponse(status: 204)),
    ("opt_acao_only", OriginResponse(status: 204, headers: [(ACAO, A)])),
    ("opt_match", OriginResponse(status: 204, headers: matchHeaders)),
    ("opt_hdr_upper", OriginResponse(status: 204, headers: [(ACAO, A), (ACAH, "X-TEST, CONTENT-TYPE"), (ACAM, "PUT")])),
    ("opt_acam_lower", OriginResponse(status: 204, headers: [(ACAO, A), (ACAH, "x-test, content-type"), (ACAM, "put")])),
    ("opt_acam_get_post", OriginResponse(status: 204, headers: [(ACAO, A), (ACAH, "x-test, content-type"), (ACAM, "GET, POST")])),
    ("opt_acah_wrong", OriginResponse(status: 204, headers: [(ACAO, A), (ACAH, "x-other"), (ACAM, "PUT")])),
    ("opt_wild", OriginResponse(status: 204, headers: [(ACAO, "*"), (ACAH, "*"), (ACAM, "*")])),
    ("opt_wild_acac", OriginResponse(status: 204, headers: [(ACAO, "*"), (ACAH, "*"), (ACAM, "*"), (ACAC, "true")])),
    ("opt_page_acac_wild", OriginResponse(status: 204, headers: [(ACAO, A), (ACAC, "true"), (ACAH, "*"), (ACAM, "*")])),
    ("opt_page_acac_match", OriginResponse(status: 204, headers: HeaderFields(matchHeaders.fields + [HeaderField(ACAC, "true")]))),
    ("opt_404", OriginResponse(status: 404, headers: matchHeaders)),
    ("opt_200", OriginResponse(status: 200, headers: matchHeaders)),
]

/// The outcome per column for each §2 row, in `preflightColumns` order (nil = OK), from §2 and §5.
private let preflightRows: [(String, BrowserRequest, [FailureReason?])] = [
    ("GET + X-Test", fetchHdr, [.preflightMissingACAO, .headerNotAllowed, nil, nil, nil, nil, .headerNotAllowed,
                                nil, nil, nil, nil, .preflightInvalidStatus, nil]),
    ("PUT", fetchPut, [.preflightMissingACAO, .methodNotAllowed, nil, nil, .methodNotAllowed, .methodNotAllowed, nil,
                       nil, nil, nil, nil, .preflightInvalidStatus, nil]),
    ("POST application/json", fetchJSONPost, [.preflightMissingACAO, .headerNotAllowed, nil, nil, nil, nil, .headerNotAllowed,
                                               nil, nil, nil, nil, .preflightInvalidStatus, nil]),
    ("GET + X-Test include", fetchHdrCred, [.preflightMissingACAO, .preflightMissingOrInvalidACAC, .preflightMissingOrInvalidACAC,
                                            .preflightMissingOrInvalidACAC, .preflightMissingOrInvalidACAC, .preflightMissingOrInvalidACAC,
                                            .preflightMissingOrInvalidACAC, .preflightWildcardWithCredentials,
                                            .preflightWildcardWithCredentials, .headerNotAllowed, nil,
                                            .preflightMissingOrInvalidACAC, .preflightMissingOrInvalidACAC]),
]

let matrixPreflightCases: [PreflightCheckCase] = preflightRows.flatMap { row, request, outcomes in
    zip(preflightColumns, outcomes).map { column, expected in
        PreflightCheckCase(request: request, response: column.1, expected: expected,
                           source: "browser-matrix.md §2/§5 \(row) × \(column.0)")
    }
}

private func options(_ headers: HeaderFields, status: Int = 204) -> OriginResponse { OriginResponse(status: status, headers: headers) }
private let authorization = BrowserRequest(pageOrigin: pageA, kind: .fetch, headers: [("Authorization", "Bearer x")])
private let putInclude = BrowserRequest(method: "PUT", pageOrigin: pageA, kind: .fetchCredentials)
private let patch = BrowserRequest(method: "patch", pageOrigin: pageA, kind: .fetch)

let morePreflightCases: [PreflightCheckCase] = [
    .init(request: authorization, response: options([(ACAO, "*"), (ACAH, "*")]), expected: .headerNotAllowed,
          source: "Fetch CORS-preflight fetch step 7.6: * never covers Authorization (CORS non-wildcard request-header name)"),
    .init(request: authorization, response: options([(ACAO, "*"), (ACAH, "*, Authorization")]), expected: nil,
          source: "Fetch CORS-preflight fetch step 7.6: Authorization listed explicitly"),
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .fetch, headers: [("Authorization", "x"), ("X-Test", "1")]),
          response: options([(ACAO, A), (ACAH, "authorization")]), expected: .headerNotAllowed,
          source: "Fetch CORS-preflight fetch step 7.7: every unsafe name must be listed"),
    .init(request: putInclude, response: options([(ACAO, A), (ACAC, "true"), (ACAM, "*")]), expected: .methodNotAllowed,
          source: "Fetch CORS-preflight fetch step 7.5: ACAM * only without credentials"),
    .init(request: putInclude, response: options([(ACAO, A), (ACAC, "true"), (ACAM, "PUT, *")]), expected: nil,
          source: "Fetch CORS-preflight fetch step 7.5: method listed"),
    .init(request: BrowserRequest(method: "PUT", pageOrigin: pageA, kind: .fetch), response: options([(ACAO, A), (ACAM, "*")]),
          expected: nil, source: "WPT fetch/api/cors/cors-preflight-star.any.js: ACAM * without credentials"),
    .init(request: putInclude, response: options([(ACAO, A), (ACAM, "PUT")]), expected: .preflightMissingOrInvalidACAC,
          source: "Fetch CORS-preflight fetch step 7: CORS check with the request's credentials mode"),
    .init(request: BrowserRequest(method: "put", pageOrigin: pageA, kind: .fetch), response: options([(ACAO, A), (ACAM, "PUT")]),
          expected: nil, source: "Fetch normalize a method: put is sent and checked as PUT"),
    .init(request: patch, response: options([(ACAO, A), (ACAM, "PATCH")]), expected: .methodNotAllowed,
          source: "Fetch CORS-preflight fetch step 7.5: byte-exact, patch ≠ PATCH"),
    .init(request: patch, response: options([(ACAO, A), (ACAM, "patch")]), expected: nil,
          source: "Fetch CORS-preflight fetch step 7.5: patch listed as sent"),
    .init(request: fetchPut, response: options([(ACAO, A), (ACAM, "GET POST")]), expected: .invalidAllowMethods,
          source: "Fetch extract header list values: #method, a space is not a separator"),
    .init(request: fetchPut, response: options([(ACAO, A), (ACAM, "PUT;")]), expected: .invalidAllowMethods,
          source: "Chromium preflight_result.cc ParseAccessControlAllowList: IsToken"),
    .init(request: fetchHdr, response: options([(ACAO, A), (ACAM, "GET POST"), (ACAH, "x-test")]), expected: .invalidAllowMethods,
          source: "Fetch CORS-preflight fetch step 7.3: a parse failure is a network error even for GET"),
    .init(request: fetchPut, response: options([(ACAO, A), (ACAM, "GET,,PUT, ")]), expected: nil,
          source: "RFC 9110 §5.6.1: empty list elements are ignored"),
    .init(request: fetchPut, response: options([(ACAO, A), (ACAM, "GET"), (ACAM, "PUT")]), expected: nil,
          source: "Fetch extract header list values: every line contributes"),
    .init(request: fetchHdr, response: options([(ACAO, A), (ACAH, "x-test;")]), expected: .invalidAllowHeaders,
          source: "Fetch extract header list values: #field-name, ';' is not a tchar"),
    .init(request: fetchJSONPost, response: options([(ACAO, A), (ACAH, "Content-Type")]), expected: nil,
          source: "Fetch CORS-preflight fetch step 7.7: header names compare case-insensitively"),
    .init(request: fetchHdr, response: options([(ACAO, A), (ACAH, "x-test")], status: 299), expected: nil,
          source: "Fetch ok status: 200 to 299"),
    .init(request: fetchHdr, response: options([(ACAO, A), (ACAH, "x-test")], status: 301), expected: .preflightInvalidStatus,
          source: "Fetch ok status: a redirect is not ok"),
    .init(request: fetchHdr, response: options([(ACAO, A + "/"), (ACAH, "x-test")]), expected: .preflightACAOMismatch,
          source: "browser-matrix.md §5 page_slash ⇒ PreflightAllowOriginMismatch"),
    .init(request: fetchHdr, response: options([(ACAO, A), (ACAO, A), (ACAH, "x-test")]), expected: .preflightMultipleACAOValues,
          source: "browser-matrix.md §5 dup_same ⇒ PreflightMultipleAllowOriginValues"),
    .init(request: fetchHdr, response: options([(ACAO, "null"), (ACAH, "x-test")]), expected: .preflightACAOMismatch,
          source: "browser-matrix.md §5 null ⇒ PreflightAllowOriginMismatch"),
    .init(request: fetchHdr, response: options([(ACAO, "127.0.0.1:8001"), (ACAH, "x-test")]), expected: .preflightInvalidACAOValue,
          source: "Chromium preflight_controller.cc: kInvalidAllowOriginValue ⇒ kPreflightInvalidAllowOriginValue"),
    .init(request: BrowserRequest(method: "PUT", pageOrigin: nil, kind: .fetch), response: options([]), expected: nil,
          source: "Fetch main fetch: a same-origin request has no preflight to fail"),
]

@Test("Browser.preflightCheck against the measured matrix", arguments: matrixPreflightCases)
func preflightMatrix(_ c: PreflightCheckCase) {
    #expect(c.request.needsPreflight)
    #expect(Browser.preflightCheck(c.response, for: c.request) == c.expected)
}

@Test("Browser.preflightCheck edge cases", arguments: morePreflightCases)
func preflightEdges(_ c: PreflightCheckCase) {
    #expect(Browser.preflightCheck(c.response, for: c.request) == c.expected)
}

@Test("preflight OK but actual response without ACAO still fails (browser-matrix.md §2 opt_ok_actual_none)")
func preflightThenActual() {
    #expect(Browser.preflightCheck(OriginResponse(status: 204, headers: matchHeaders), for: fetchHdr) == nil)
    #expect(Browser.verdict(for: fetchHdr, response: []) == .fail(.missingACAO))
}

// MARK: - Max-age

struct MaxAgeCase: Sendable, CustomTestStringConvertible {
    let values: [String]
    let seconds: Int
    let source: String
    var testDescription: String { "\(values) ⇒ \(seconds)s (\(source))" }
}

let maxAgeCases: [MaxAgeCase] = [
    .init(values: [], seconds: 5, source: "Fetch CORS-preflight fetch step 7.8: default 5 when absent"),
    .init(values: ["600"], seconds: 600, source: "Fetch Access-Control-Max-Age delta-seconds"),
    .init(values: ["7200"], seconds: 7200, source: "Chromium preflight_result.cc kMaxTimeout = 2 hours"),
    .init(values: ["86400"], seconds: 7200, source: "MDN Access-Control-Max-Age: Chromium caps at 7200"),
    .init(values: ["0"], seconds: 0, source: "Fetch: 0 means the result is not cached"),
    .init(values: ["abc"], seconds: 5, source: "Chromium ParseAccessControlMaxAge: unparsable ⇒ kDefaultTimeout"),
    .init(values: [""], seconds: 5, source: "Chromium ParseAccessControlMaxAge: empty ⇒ kDefaultTimeout"),
    .init(values: ["1.5"], seconds: 5, source: "Fetch delta-seconds = 1*DIGIT"),
    .init(values: ["-1"], seconds: 0, source: "Chromium ParseAccessControlMaxAge: negative ⇒ 0 (not cached)"),
    .init(values: [" 60 "], seconds: 60, source: "RFC 9110 §5.5: OWS around the value"),
    .init(values: ["60", "60"], seconds: 5, source: "Fetch extract header list values: single-value header on two lines fails"),
    .init(values: ["99999999999999999999"], seconds: 5, source: "Chromium base::StringToInt64 overflow fails ⇒ default"),
]

@Test("Browser.preflightMaxAge", arguments: maxAgeCases)
func maxAge(_ c: MaxAgeCase) {
    let headers = HeaderFields(c.values.map { HeaderField(HeaderName.maxAge, $0) } + [HeaderField(ACAO, "*")])
    #expect(Browser.preflightMaxAge(headers) == c.seconds)
}
