import Testing
@testable import HTTPModel

let pageA = try! WebOrigin(parsing: "http://127.0.0.1:8001")

/// What a browser does for one kind, loaded with GET from a cross-origin page.
struct KindCase: Sendable, CustomTestStringConvertible {
    let kind: ResourceKind
    let mode: RequestMode
    let credentials: CredentialsMode
    /// `Origin` sent and the response CORS-checked (the two go together for a cross-origin GET).
    let checked: Bool
    let source: String
    var testDescription: String { "\(kind.rawValue) (\(source))" }
}

let kindCases: [KindCase] = [
    .init(kind: .font, mode: .cors, credentials: .sameOrigin, checked: true,
          source: "CSS Fonts 4 §4.9 font fetching: potentially CORS-enabled, Anonymous; browser-matrix.md §1 @font-face"),
    .init(kind: .img, mode: .noCORS, credentials: .include, checked: false,
          source: "HTML create a potential-CORS request, No CORS; browser-matrix.md §1 <img>"),
    .init(kind: .imgCORS, mode: .cors, credentials: .sameOrigin, checked: true,
          source: "HTML CORS settings attribute Anonymous; browser-matrix.md §1 <img crossorigin>"),
    .init(kind: .imgCORSCredentials, mode: .cors, credentials: .include, checked: true,
          source: "HTML CORS settings attribute Use Credentials; browser-matrix.md §1 <img crossorigin=use-credentials>"),
    .init(kind: .video, mode: .noCORS, credentials: .include, checked: false,
          source: "HTML create a potential-CORS request, No CORS; browser-matrix.md §1 <video> webm"),
    .init(kind: .videoCORS, mode: .cors, credentials: .sameOrigin, checked: true,
          source: "HTML media element crossorigin; browser-matrix.md §1 <video crossorigin>"),
    .init(kind: .script, mode: .noCORS, credentials: .include, checked: false,
          source: "HTML fetch a classic script, No CORS; browser-matrix.md §1 <script>"),
    .init(kind: .scriptCORS, mode: .cors, credentials: .sameOrigin, checked: true,
          source: "HTML fetch a classic script with crossorigin; browser-matrix.md §1 <script crossorigin>"),
    .init(kind: .moduleScript, mode: .cors, credentials: .sameOrigin, checked: true,
          source: "HTML fetch a single module script: mode cors; browser-matrix.md §1 <script type=module>"),
    .init(kind: .stylesheet, mode: .noCORS, credentials: .include, checked: false,
          source: "HTML link rel=stylesheet, No CORS; browser-matrix.md §1 <link rel=stylesheet>"),
    .init(kind: .stylesheetCORS, mode: .cors, credentials: .sameOrigin, checked: true,
          source: "HTML link crossorigin; browser-matrix.md §1 <link rel=stylesheet crossorigin>"),
    .init(kind: .fetch, mode: .cors, credentials: .sameOrigin, checked: true,
          source: "Fetch Request constructor: fallback mode cors, credentials same-origin; browser-matrix.md §1 fetch()"),
    .init(kind: .fetchCredentials, mode: .cors, credentials: .include, checked: true,
          source: "Fetch RequestInit credentials 'include'; browser-matrix.md §1 fetch() credentials:'include'"),
    .init(kind: .fetchNoCORS, mode: .noCORS, credentials: .sameOrigin, checked: false,
          source: "Fetch main fetch: no-cors ⇒ opaque tainting; browser-matrix.md §1 fetch() mode:'no-cors'"),
    .init(kind: .xhr, mode: .cors, credentials: .sameOrigin, checked: true,
          source: "XHR send(): cors mode, withCredentials false ⇒ same-origin; browser-matrix.md §1 XMLHttpRequest GET"),
    .init(kind: .xhrCredentials, mode: .cors, credentials: .include, checked: true,
          source: "XHR withCredentials attribute ⇒ include; browser-matrix.md §1 XMLHttpRequest withCredentials"),
    .init(kind: .other, mode: .noCORS, credentials: .include, checked: false,
          source: "ResourceKind.other doc: a no-cors element load (HTML No CORS default)"),
]

@Test("every kind's mode, credentials, Origin and CORS check", arguments: kindCases)
func kindDecisions(_ c: KindCase) {
    #expect(c.kind.mode == c.mode)
    #expect(c.kind.defaultCredentials == c.credentials)
    let request = BrowserRequest(pageOrigin: pageA, kind: c.kind)
    #expect(request.credentials == c.credentials)
    #expect(request.isCORSChecked == c.checked)
    #expect(request.sendsOriginHeader == c.checked)
    #expect(request.wireHeaders.get("Origin") == (c.checked ? "http://127.0.0.1:8001" : nil))
    #expect(request.needsPreflight == false, "a plain GET is never preflighted")
    // What the matrix measured: no-cors loads are unchecked whatever the headers; cors loads fail without ACAO.
    #expect(Browser.verdict(for: request, response: []) == (c.checked ? .fail(.missingACAO) : .unchecked))
}

@Test("all 17 kinds are covered by the table (ResourceKind.allCases)")
func kindTableIsComplete() {
    #expect(Set(kindCases.map(\.kind)) == Set(ResourceKind.allCases))
    #expect(ResourceKind.allCases.count == 17)
}

/// A request that is not the kind's default: credentials override, method, same-origin page.
struct RequestVariantCase: Sendable, CustomTestStringConvertible {
    let request: BrowserRequest
    let credentials: CredentialsMode
    let sendsOrigin: Bool
    let checked: Bool
    let source: String
    var testDescription: String { source }
}

let requestVariantCases: [RequestVariantCase] = [
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .fetch, credentials: .include), credentials: .include,
          sendsOrigin: true, checked: true, source: "Fetch RequestInit credentials overrides the default"),
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .fetch, credentials: .omit), credentials: .omit,
          sendsOrigin: true, checked: true, source: "Fetch credentials 'omit' is still a CORS request"),
    .init(request: BrowserRequest(pageOrigin: pageA, kind: .img, credentials: .omit), credentials: .omit,
          sendsOrigin: false, checked: false, source: "Fetch main fetch: credentials do not change no-cors tainting"),
    .init(request: BrowserRequest(method: "POST", pageOrigin: pageA, kind: .fetchNoCORS), credentials: .sameOrigin,
          sendsOrigin: true, checked: false, source: "Fetch append a request Origin header: no-cors POST sends Origin"),
    .init(request: BrowserRequest(method: "HEAD", pageOrigin: pageA, kind: .fetchNoCORS), credentials: .sameOrigin,
          sendsOrigin: false, checked: false, source: "Fetch append a request Origin header: no-cors HEAD does not"),
    .init(request: BrowserRequest(method: "post", pageOrigin: pageA, kind: .other), credentials: .include,
          sendsOrigin: true, checked: false, source: "Fetch normalize a method (post ⇒ POST), then Origin for non-GET/HEAD"),
    .init(request: BrowserRequest(pageOrigin: nil, kind: .font), credentials: .sameOrigin,
          sendsOrigin: false, checked: false, source: "Fetch main fetch: same-origin ⇒ basic tainting, no CORS check"),
    .init(request: BrowserRequest(pageOrigin: nil, kind: .fetchCredentials), credentials: .include,
          sendsOrigin: false, checked: false, source: "Fetch main fetch: same-origin fetch is not CORS-checked"),
]

@Test("credentials override, method and same-origin variants", arguments: requestVariantCases)
func requestVariants(_ c: RequestVariantCase) {
    #expect(c.request.credentials == c.credentials)
    #expect(c.request.sendsOriginHeader == c.sendsOrigin)
    #expect(c.request.isCORSChecked == c.checked)
    #expect(c.request.wireHeaders.contains("Origin") == c.sendsOrigin)
    #expect((Browser.verdict(for: c.request, response: []) == .unchecked) == !c.checked)
}

/// Kind names as traces and scenarios spell them.
struct KindNameCase: Sendable, CustomTestStringConvertible {
    let name: String
    let kind: ResourceKind?
    let source: String
    var testDescription: String { "\"\(name)\" (\(source))" }
}

let kindNameCases: [KindNameCase] = [
    .init(name: "img-cors-credentials", kind: .imgCORSCredentials, source: "ResourceKind raw value"),
    .init(name: "module-script", kind: .moduleScript, source: "ResourceKind raw value"),
    .init(name: "IMG", kind: nil, source: "ResourceKind names are case-sensitive"),
    .init(name: "font ", kind: nil, source: "ResourceKind names are not trimmed"),
]

@Test("ResourceKind(parsing:)", arguments: kindNameCases)
func kindNames(_ c: KindNameCase) throws {
    if let kind = c.kind {
        #expect(try ResourceKind(parsing: c.name) == kind)
    } else {
        let error = #expect(throws: KindParseError.self) { try ResourceKind(parsing: c.name) }
        #expect(error?.description.contains("img-cors") == true, "the error lists the valid names")
    }
}
