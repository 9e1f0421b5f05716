// STUB — the origin/CDN helper replaces this file's bodies (signatures are the contract).

/// The console's Operation field of "Modify Outgoing Response Header".
public enum HeaderOperation: String, Hashable, Sendable, CaseIterable {
    case add, delete, modify, replace
}

/// One "Modify Outgoing Response Header" rule, as typed in the Alibaba Cloud CDN console.
public struct CDNResponseHeaderRule: Hashable, Sendable {
    public var operation: HeaderOperation
    public var header: String
    public var value: String
    public var allowDuplicates: Bool
    public var corsValidation: Bool
    public init(operation: HeaderOperation = .add, header: String, value: String,
                allowDuplicates: Bool = false, corsValidation: Bool = false) {
        self.operation = operation
        self.header = header
        self.value = value
        self.allowDuplicates = allowDuplicates
        self.corsValidation = corsValidation
    }
}

/// How a POP matches a request's `Origin` against a validated Header Value (SEMANTICS.md §3.5).
public enum OriginMatcher: Hashable, Sendable {
    /// Exact match or one wildcard domain, anchored, `%-` read as `-` (the documented behaviour).
    case documentedExact
    /// Lua-pattern emulation: `%` escapes, `-` and `.` are magic, `*` becomes `.*`.
    case luaPattern(anchored: Bool)
}

/// A CDN domain's outgoing response header rules, applied top to bottom.
public struct CDNHeaderPolicy: Hashable, Sendable {
    public var rules: [CDNResponseHeaderRule]
    public var matcher: OriginMatcher
    /// When validation finds no match: false (default) removes the origin's ACAO, true leaves it
    /// (SEMANTICS.md §3.4 [AMBIGUOUS]).
    public var keepOriginACAOOnValidationMiss: Bool
    public init(rules: [CDNResponseHeaderRule] = [], matcher: OriginMatcher = .documentedExact,
                keepOriginACAOOnValidationMiss: Bool = false) {
        self.rules = rules
        self.matcher = matcher
        self.keepOriginACAOOnValidationMiss = keepOriginACAOOnValidationMiss
    }

    /// The headers the POP sends: the origin's (cached) headers with the rules applied for a
    /// request whose `Origin` header is `requestOrigin` (nil: no `Origin` header).
    public func apply(to originHeaders: HeaderFields, requestOrigin: String?) -> HeaderFields { fatalError("TODO") }

    /// What the console would refuse (errors) and risks (warnings), with paths like `responseHeaders[0].value`.
    public func validate() -> [ConfigFinding] { fatalError("TODO") }
}
