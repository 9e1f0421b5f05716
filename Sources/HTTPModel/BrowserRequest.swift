/// A request as the page makes it: what the browser decides about `Origin`, preflight and the
/// CORS check follows from these fields alone (Fetch standard §3.2, §4.1, §4.8).
public struct BrowserRequest: Hashable, Sendable {
    public var method: String
    /// The page's origin; nil when the request is same-origin (no CORS check, no `Origin` on GET).
    public var pageOrigin: WebOrigin?
    public var kind: ResourceKind
    public var credentials: CredentialsMode
    /// Author request headers (`fetch(url, {headers})`), which decide whether a preflight is needed.
    public var headers: HeaderFields

    public init(method: String = "GET", pageOrigin: WebOrigin?, kind: ResourceKind,
                credentials: CredentialsMode? = nil, headers: HeaderFields = []) {
        self.method = method
        self.pageOrigin = pageOrigin
        self.kind = kind
        self.credentials = credentials ?? kind.defaultCredentials
        self.headers = headers
    }
}
