/// A request as it reaches an origin server (after the CDN): method and the headers that matter.
public struct OriginRequest: Hashable, Sendable {
    public var method: String
    /// Request headers, `Origin` and `Access-Control-Request-*` among them.
    public var headers: HeaderFields
    public init(method: String = "GET", headers: HeaderFields = []) {
        self.method = method
        self.headers = headers
    }
}

/// An origin server's (or a POP's) response: status and headers; bodies do not matter here.
public struct OriginResponse: Hashable, Sendable {
    public var status: Int
    public var headers: HeaderFields
    public init(status: Int = 200, headers: HeaderFields = []) {
        self.status = status
        self.headers = headers
    }
}
