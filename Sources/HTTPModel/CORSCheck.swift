// STUB — the browser-side helper replaces this file's bodies (signatures are the contract).

extension BrowserRequest {
    /// Whether the browser sends an `Origin` header on this request.
    public var sendsOriginHeader: Bool { fatalError("TODO") }
    /// Whether the browser runs the CORS check on the response.
    public var isCORSChecked: Bool { fatalError("TODO") }
    /// Whether a CORS-preflight (OPTIONS) request precedes the actual request.
    public var needsPreflight: Bool { fatalError("TODO") }
    /// The headers of the actual request as sent on the wire (Origin included when sent).
    public var wireHeaders: HeaderFields { fatalError("TODO") }
    /// The preflight request as it goes out (OPTIONS, Origin, ACRM, ACRH), or nil when none is needed.
    public var preflightRequest: OriginRequest? { fatalError("TODO") }
}

/// The browser's decisions on responses.
public enum Browser {
    /// The Fetch CORS check on one response: nil when it passes, else the reason.
    public static func corsCheck(_ headers: HeaderFields, requestOrigin: WebOrigin, credentials: CredentialsMode) -> FailureReason? {
        fatalError("TODO")
    }
    /// The preflight check on an OPTIONS response: nil when it passes, else the reason.
    public static func preflightCheck(_ response: OriginResponse, for request: BrowserRequest) -> FailureReason? {
        fatalError("TODO")
    }
    /// How long the browser caches a passed preflight, in seconds (default 5, capped as Chromium does).
    public static func preflightMaxAge(_ headers: HeaderFields) -> Int { fatalError("TODO") }
    /// The verdict on the actual response (the preflight, if any, is checked separately).
    public static func verdict(for request: BrowserRequest, response: HeaderFields) -> Verdict { fatalError("TODO") }
}
