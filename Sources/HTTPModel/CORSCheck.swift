// The browser side of CORS: what a request carries, whether it is checked or preflighted, and the
// Fetch CORS check on a response (SEMANTICS.md §1.1–1.3).

extension BrowserRequest {
    /// The method as the browser sends it (Fetch "normalize a method": `put` ⇒ `PUT`, `patch` stays).
    public var normalizedMethod: String { CORSSafelist.normalizedMethod(method) }

    /// The author headers the browser keeps, as the `Headers` object does (Fetch `Headers` "append"):
    /// values lose leading and trailing HTTP whitespace, forbidden request-headers (`Origin`,
    /// `Cookie`, `Sec-*`, …) are dropped, and in mode `no-cors` (guard `request-no-cors`) only
    /// no-CORS-safelisted headers stay (`Accept`, `Accept-Language`, `Content-Language`,
    /// `Content-Type` with safelisted values, judged on the value combined so far).
    public var authorHeaders: HeaderFields {
        var kept = HeaderFields()
        for field in headers {
            let value = field.value.trimmingHTTPWhitespace
            if CORSSafelist.isForbiddenRequestHeader(name: field.name, value: value) { continue }
            if kind.mode == .noCORS {
                let combined = kept.get(field.name).map { $0 + ", " + value } ?? value
                guard CORSSafelist.isNoCORSSafelistedRequestHeader(name: field.name, value: combined) else { continue }
            }
            kept.append(field.name, value)
        }
        return kept
    }

    /// Fetch "CORS-unsafe request-header names" of ``authorHeaders``: sorted, lower-cased, distinct.
    public var corsUnsafeHeaderNames: [String] { CORSSafelist.unsafeRequestHeaderNames(authorHeaders) }

    /// Whether the browser sends an `Origin` header on this request.
    ///
    /// Fetch "append a request Origin header": always when the response tainting is `cors` (a
    /// cross-origin request in mode `cors`), and for other requests only when the method is neither
    /// `GET` nor `HEAD`. That is why a CDN sees no `Origin` on `<img>` or `<video>` without
    /// `crossorigin`. A same-origin request (`pageOrigin == nil`) is modelled without `Origin`: popsim
    /// does not know the page's origin then. Referrer policy (which can turn the value into `null`)
    /// is not modelled.
    public var sendsOriginHeader: Bool {
        guard pageOrigin != nil else { return false }
        if isCORSChecked { return true }
        let method = normalizedMethod
        return method != "GET" && method != "HEAD"
    }

    /// Whether the browser runs the CORS check on the response: mode `cors` and a cross-origin page
    /// (Fetch main fetch: same-origin requests get basic tainting, no-cors requests opaque tainting).
    public var isCORSChecked: Bool { kind.mode == .cors && pageOrigin != nil }

    /// Whether a CORS-preflight (OPTIONS) request precedes the actual request.
    ///
    /// Fetch main fetch step "CORS-preflight": a CORS-checked request whose method is not
    /// CORS-safelisted or that carries a CORS-unsafe request-header. The browser's preflight cache
    /// is not consulted here: a cached grant can make the preflight unnecessary.
    public var needsPreflight: Bool {
        isCORSChecked && (!CORSSafelist.isSafelistedMethod(normalizedMethod) || !corsUnsafeHeaderNames.isEmpty)
    }

    /// The headers of the actual request as sent on the wire: ``authorHeaders``, then `Origin` when sent.
    public var wireHeaders: HeaderFields {
        var wire = authorHeaders
        if sendsOriginHeader, let pageOrigin { wire.append(HeaderName.origin, pageOrigin.serialized) }
        return wire
    }

    /// The preflight request as it goes out, or nil when none is needed.
    ///
    /// Fetch "CORS-preflight fetch" steps 1–5: `OPTIONS` with `Accept: */*`,
    /// `Access-Control-Request-Method` (the normalised method) and, when there are CORS-unsafe
    /// request-header names, `Access-Control-Request-Headers` (joined with `,`, no space); `Origin`
    /// is appended because the preflight's tainting is `cors`. It never carries credentials.
    public var preflightRequest: OriginRequest? {
        guard needsPreflight, let pageOrigin else { return nil }
        var headers: HeaderFields = [("Accept", "*/*"), (HeaderName.requestMethod, normalizedMethod)]
        let unsafe = corsUnsafeHeaderNames
        if !unsafe.isEmpty { headers.append(HeaderName.requestHeaders, unsafe.joined(separator: ",")) }
        headers.append(HeaderName.origin, pageOrigin.serialized)
        return OriginRequest(method: "OPTIONS", headers: headers)
    }
}

extension FailureReason {
    /// The reason Chromium reports when this CORS-check failure happens on a preflight response
    /// (`preflight_controller.cc` maps `kX` to `kPreflightX`); other reasons are returned unchanged.
    public var preflightVariant: FailureReason {
        switch self {
        case .missingACAO: return .preflightMissingACAO
        case .acaoMismatch: return .preflightACAOMismatch
        case .multipleACAOValues: return .preflightMultipleACAOValues
        case .invalidACAOValue: return .preflightInvalidACAOValue
        case .wildcardWithCredentials: return .preflightWildcardWithCredentials
        case .missingOrInvalidACAC: return .preflightMissingOrInvalidACAC
        default: return self
        }
    }
}

/// The browser's decisions on responses.
public enum Browser {
    /// The Fetch CORS check on one response: nil when it passes, else the reason.
    ///
    /// Fetch "CORS check" (https://fetch.spec.whatwg.org/#concept-cors-check) with Chromium's
    /// classification order (`cors.cc` `CheckAccess`, SEMANTICS.md §1.2):
    /// 1. ACAO is `*`: passes unless credentials are `include` (`wildcard_with_credentials`, even
    ///    with `Access-Control-Allow-Credentials: true`).
    /// 2. ACAO absent: `missing_acao`.
    /// 3. ACAO not byte-equal to the request origin: `multiple_acao_values` if it contains a space or
    ///    a comma (two ACAO lines always land here: "get" joins them with `", "`), `acao_mismatch`
    ///    for `null`, `invalid_acao_value` if it is not a URL at all, else `acao_mismatch`.
    /// 4. Credentials `include`: ACAC must be exactly `true`, else `missing_or_invalid_acac`.
    ///
    /// Each header line loses its surrounding spaces and tabs before lines are joined, as an HTTP
    /// parser strips OWS around a field value.
    public static func corsCheck(_ headers: HeaderFields, requestOrigin: WebOrigin, credentials: CredentialsMode) -> FailureReason? {
        guard let allowOrigin = combinedValue(of: HeaderName.allowOrigin, in: headers) else { return .missingACAO }
        if allowOrigin == "*" {
            return credentials == .include ? .wildcardWithCredentials : nil
        }
        if allowOrigin != requestOrigin.serialized {
            return classifyMismatch(allowOrigin)
        }
        if credentials == .include, combinedValue(of: HeaderName.allowCredentials, in: headers) != "true" {
            return .missingOrInvalidACAC
        }
        return nil
    }

    /// Why an ACAO value that is neither `*` nor the request origin fails (Chromium `CheckAccess`).
    static func classifyMismatch(_ value: String) -> FailureReason {
        if value.utf8.contains(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ",") }) { return .multipleACAOValues }
        if value == "null" { return .acaoMismatch }
        if !URLValidity.isValidAbsoluteURL(value) { return .invalidACAOValue }
        return .acaoMismatch
    }

    /// Fetch "get" over a header list whose values were stripped of OWS: the trimmed values of
    /// every line named `name`, joined with `", "`, or nil when there is no such line.
    static func combinedValue(of name: String, in headers: HeaderFields) -> String? {
        let values = headers.values(name)
        return values.isEmpty ? nil : values.map(\.trimmingOWS).joined(separator: ", ")
    }

    /// The verdict on the actual response (the preflight, if any, is checked separately).
    ///
    /// `.unchecked` for a request the browser does not CORS-check (no-cors or same-origin), else
    /// `.pass` or `.fail` with the ``corsCheck(_:requestOrigin:credentials:)`` reason.
    public static func verdict(for request: BrowserRequest, response: HeaderFields) -> Verdict {
        guard request.isCORSChecked, let origin = request.pageOrigin else { return .unchecked }
        if let reason = corsCheck(response, requestOrigin: origin, credentials: request.credentials) {
            return .fail(reason)
        }
        return .pass
    }
}
