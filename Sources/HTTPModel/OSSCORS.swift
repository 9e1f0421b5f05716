// STUB — the origin/CDN helper replaces this file's bodies (signatures are the contract).

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
    public func respond(to request: OriginRequest, base: HeaderFields = []) -> OriginResponse { fatalError("TODO") }

    /// What the OSS console/API would refuse (`InvalidArgument`), with paths like `rules[0].allowedOrigins[1]`.
    public func validate() -> [ConfigFinding] { fatalError("TODO") }
}
