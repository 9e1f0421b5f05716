// The CORS-preflight response check and its cache lifetime (SEMANTICS.md §1.4).

extension Browser {
    /// The preflight check on an OPTIONS response: nil when it passes, else the reason.
    ///
    /// Fetch "CORS-preflight fetch" step 7 in Chromium's order (`preflight_controller.cc`,
    /// `preflight_result.cc`):
    /// 1. the CORS check, run with the **actual** request's credentials mode, its failures reported
    ///    as the `preflight_*` reasons (so a credentialed request needs the exact origin and
    ///    `Access-Control-Allow-Credentials: true` on the OPTIONS response too);
    /// 2. an ok status (200–299), else `preflight_invalid_status`;
    /// 3. `Access-Control-Allow-Methods` and `Access-Control-Allow-Headers` parse as comma lists of
    ///    tokens, else `invalid_allow_methods` / `invalid_allow_headers`;
    /// 4. the method is safelisted, listed (case-sensitively), or covered by `*` without
    ///    credentials, else `method_not_allowed`;
    /// 5. every CORS-unsafe header name is listed (case-insensitively) or covered by `*` without
    ///    credentials, and `Authorization` is never covered by `*`, else `header_not_allowed`.
    ///
    /// A request without a page origin (same-origin) is never preflighted: the result is nil.
    public static func preflightCheck(_ response: OriginResponse, for request: BrowserRequest) -> FailureReason? {
        guard let origin = request.pageOrigin else { return nil }
        let include = request.credentials == .include
        if let reason = corsCheck(response.headers, requestOrigin: origin, credentials: request.credentials) {
            return reason.preflightVariant
        }
        guard (200...299).contains(response.status) else { return .preflightInvalidStatus }
        guard let methods = allowList(HeaderName.allowMethods, in: response.headers) else { return .invalidAllowMethods }
        guard let headerNames = allowList(HeaderName.allowHeaders, in: response.headers) else { return .invalidAllowHeaders }

        let method = request.normalizedMethod
        if !methods.contains(method), !CORSSafelist.isSafelistedMethod(method), include || !methods.contains("*") {
            return .methodNotAllowed
        }

        func listed(_ name: String) -> Bool { headerNames.contains { $0.caseInsensitiveEquals(name) } }
        let authorHeaders = request.authorHeaders
        if authorHeaders.contains(where: { CORSSafelist.isNonWildcardRequestHeaderName($0.name) && !listed($0.name) }) {
            return .headerNotAllowed
        }
        let wildcard = !include && headerNames.contains("*")
        if CORSSafelist.unsafeRequestHeaderNames(authorHeaders).contains(where: { !listed($0) && !wildcard }) {
            return .headerNotAllowed
        }
        return nil
    }

    /// How long the browser caches a passed preflight, in seconds (default 5, capped as Chromium does).
    ///
    /// Chromium `preflight_result.cc` `ParseAccessControlMaxAge`: a value that is not an integer
    /// (after `base::StringToInt64`, which takes an optional sign) gives the default 5 s, a negative
    /// one 0 (do not cache), and anything from 7200 up is capped at 7200 (two hours). Two header
    /// lines join into `"a, b"`, which is not an integer. Fetch differs on signs: it would read
    /// `-1` and `+60` as unparsable (5 s).
    public static func preflightMaxAge(_ headers: HeaderFields) -> Int {
        guard let text = combinedValue(of: HeaderName.maxAge, in: headers), let seconds = Int64(text) else { return 5 }
        if seconds < 0 { return 0 }
        return Int(min(seconds, 7200))
    }

    /// Fetch "extract header list values" for a `#token` list header: nil when a line does not
    /// parse, an empty list when the header is absent; empty list elements are skipped (RFC 9110 §5.6.1).
    static func allowList(_ name: String, in headers: HeaderFields) -> [String]? {
        var items: [String] = []
        for line in headers.values(name) {
            for element in line.split(separator: ",", omittingEmptySubsequences: false) {
                let item = String(element).trimmingOWS
                if item.isEmpty { continue }
                guard item.isHTTPToken else { return nil }
                items.append(item)
            }
        }
        return items
    }
}
