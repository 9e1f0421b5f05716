/// One OSS bucket CORS rule (PutBucketCors `CORSRule`).
public struct OSSCORSRule: Hashable, Sendable {
    public var allowedOrigins: [String]
    public var allowedMethods: [String]
    public var allowedHeaders: [String]
    public var exposeHeaders: [String]
    public var maxAgeSeconds: Int?
    public init(allowedOrigins: [String], allowedMethods: [String], allowedHeaders: [String] = [],
                exposeHeaders: [String] = [], maxAgeSeconds: Int? = nil) {
        self.allowedOrigins = allowedOrigins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAgeSeconds = maxAgeSeconds
    }
}

/// A bucket's CORS configuration, evaluated the way OSS evaluates it.
///
/// Sources: OSS PutBucketCors (rules in order, first match wins, the three match conditions),
/// OSS Options (preflight answers, 403 when not allowed) and SEMANTICS.md §2.
public struct OSSCORSConfiguration: Hashable, Sendable {
    public var rules: [OSSCORSRule]
    public var responseVary: Bool
    /// Whether a matching `*` AllowedOrigin answers with the request's origin (OSS, the default)
    /// or a literal `*` (S3). SEMANTICS.md §2.2 [AMBIGUOUS].
    public var starRuleEchoesOrigin: Bool
    public init(rules: [OSSCORSRule] = [], responseVary: Bool = false, starRuleEchoesOrigin: Bool = true) {
        self.rules = rules
        self.responseVary = responseVary
        self.starRuleEchoesOrigin = starRuleEchoesOrigin
    }

    /// The bucket's response to `request`; `base` are the object's own headers (Content-Type,
    /// Cache-Control, …) that a GET/HEAD carries whatever CORS decides.
    ///
    /// - A preflight is an `OPTIONS` request carrying both `Origin` and
    ///   `Access-Control-Request-Method`. Allowed: 200 with ACAO, ACAM (the requested method),
    ///   ACAH (the requested header names, when any, joined with ", "), ACEH and ACMA, and no `base` headers (a
    ///   preflight is not the object). Not allowed, or no rules (CORS disabled): 403 without
    ///   CORS headers.
    /// - Anything else is served: 200 with `base`, plus ACAO, ACAM (the rule's methods), ACEH and
    ///   ACMA when `Origin` is present and a rule matches. An `OPTIONS` without ACRM is served this
    ///   way too, and since `OPTIONS` is never an AllowedMethod it gets no CORS headers.
    /// - `responseVary` adds `Vary: Origin` to every response, 403s included ("regardless of
    ///   whether the request is a cross-origin request or whether the cross-origin request
    ///   succeeds").
    ///
    /// ACAO is the request's `Origin` as sent; with `starRuleEchoesOrigin == false` a match won by
    /// a bare `*` entry answers `*` instead, on preflights as on actual requests (S3 does both).
    public func respond(to request: OriginRequest, base: HeaderFields = []) -> OriginResponse {
        let origin = request.headers.values(HeaderName.origin).first
        let requestedMethod = request.headers.values(HeaderName.requestMethod).first
        let requestedHeaders = Self.headerList(request.headers.get(HeaderName.requestHeaders))
        var response: OriginResponse
        if request.method == "OPTIONS", let origin, let requestedMethod {
            if let match = firstMatch(origin: origin, method: requestedMethod, headers: requestedHeaders) {
                var headers: HeaderFields = []
                headers.append(HeaderName.allowOrigin, allowOriginValue(origin, match))
                headers.append(HeaderName.allowMethods, requestedMethod)
                if !requestedHeaders.isEmpty {
                    headers.append(HeaderName.allowHeaders, requestedHeaders.joined(separator: ", "))
                }
                Self.appendExposeAndMaxAge(match.rule, to: &headers)
                response = OriginResponse(status: 200, headers: headers)
            } else {
                response = OriginResponse(status: 403, headers: [])
            }
        } else {
            var headers = base
            if let origin, let match = firstMatch(origin: origin, method: request.method, headers: requestedHeaders) {
                headers.append(HeaderName.allowOrigin, allowOriginValue(origin, match))
                headers.append(HeaderName.allowMethods, match.rule.allowedMethods.joined(separator: ", "))
                Self.appendExposeAndMaxAge(match.rule, to: &headers)
            }
            response = OriginResponse(status: 200, headers: headers)
        }
        if responseVary, !Self.varies(response.headers, on: HeaderName.origin) {
            response.headers.append(HeaderName.vary, HeaderName.origin)
        }
        return response
    }

    /// The first rule that allows `origin`, `method` and every one of `headers`, with the
    /// AllowedOrigin entry that matched (the first in the rule's order).
    ///
    /// AllowedOrigin compares case-sensitively: OSS documents case-insensitivity only for
    /// AllowedHeader ("大小写不敏感"), and browsers send `Origin` in lower case anyway, so a
    /// rule typed `https://Example.com` never matches. Methods compare exactly, as HTTP methods do.
    func firstMatch(origin: String, method: String, headers: [String]) -> (index: Int, rule: OSSCORSRule, allowedOrigin: String)? {
        for (index, rule) in rules.enumerated() {
            guard let entry = rule.allowedOrigins.first(where: { Glob.matches(origin, pattern: $0) }) else { continue }
            guard rule.allowedMethods.contains(method) else { continue }
            let headersAllowed = headers.allSatisfy { header in
                rule.allowedHeaders.contains { Glob.matches(header, pattern: $0, caseInsensitive: true) }
            }
            guard headersAllowed else { continue }
            return (index, rule, entry)
        }
        return nil
    }

    private func allowOriginValue(_ origin: String, _ match: (index: Int, rule: OSSCORSRule, allowedOrigin: String)) -> String {
        match.allowedOrigin == "*" && !starRuleEchoesOrigin ? "*" : origin
    }

    private static func appendExposeAndMaxAge(_ rule: OSSCORSRule, to headers: inout HeaderFields) {
        if !rule.exposeHeaders.isEmpty {
            headers.append(HeaderName.exposeHeaders, rule.exposeHeaders.joined(separator: ", "))
        }
        if let maxAge = rule.maxAgeSeconds {
            headers.append(HeaderName.maxAge, String(maxAge))
        }
    }

    /// `Access-Control-Request-Headers` split into names: commas separate, blanks are dropped.
    static func headerList(_ value: String?) -> [String] {
        guard let value else { return [] }
        return value.split(separator: ",").map { $0.trimmingHTTPWhitespace() }.filter { !$0.isEmpty }
    }

    /// Whether some `Vary` line already lists `name`.
    static func varies(_ headers: HeaderFields, on name: String) -> Bool {
        headers.values(HeaderName.vary).contains { value in
            value.split(separator: ",").contains { $0.trimmingHTTPWhitespace().caseInsensitiveEquals(name) }
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (HTTP's OWS).
    func trimmingHTTPWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
