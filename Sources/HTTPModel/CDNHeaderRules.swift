/// The console's Operation field of "Modify Outgoing Response Header".
///
/// The seed documents only Add. popsim's reading of the others (the VOD page lists "add, delete,
/// change, or replace" without detail):
/// - `add`: see ``CDNResponseHeaderRule/allowDuplicates``.
/// - `delete`: every line of the header goes.
/// - `modify` (the console's "Change"): when the origin sent the header, every line of it takes
///   the configured value (the number of lines is kept); when it did not, nothing happens.
/// - `replace`: when the origin sent the header, its lines are replaced by one line carrying the
///   configured value; when it did not, nothing happens. Alibaba's Replace rewrites part of a
///   value (a "value to replace" and a replacement); a rule here has one value, so popsim
///   models it as replacing the whole value.
public enum HeaderOperation: String, Hashable, Sendable, CaseIterable {
    case add, delete, modify, replace
}

/// One "Modify Outgoing Response Header" rule, as typed in the Alibaba Cloud CDN console.
public struct CDNResponseHeaderRule: Hashable, Sendable {
    public var operation: HeaderOperation
    public var header: String
    public var value: String
    /// Add only. Yes: the origin's lines of the header stay and the configured one is appended.
    /// No: the configured line replaces them. Yes also switches CORS validation off (seed:
    /// "mutually exclusive"), silently.
    public var allowDuplicates: Bool
    /// The console's CORS switch; effective only as ``validatesOrigin`` says.
    public var corsValidation: Bool
    public init(operation: HeaderOperation = .add, header: String, value: String,
                allowDuplicates: Bool = false, corsValidation: Bool = false) {
        self.operation = operation
        self.header = header
        self.value = value
        self.allowDuplicates = allowDuplicates
        self.corsValidation = corsValidation
    }

    /// Whether the POP runs CORS validation for this rule: the switch is on, the operation is
    /// Add, the header is `Access-Control-Allow-Origin`, and Allow Duplicates is No.
    ///
    /// The console refuses validation on any other operation or header (seed: "CORS can be
    /// configured only when Operation is set to Add, and Response Header is set to
    /// Access-Control-Allow-Origin"); a rule that skipped the console gets the value verbatim.
    /// Allow Duplicates = Yes disables validation without an error (seed: "mutually exclusive. If
    /// you set Allow Duplicates to Yes, CORS validation is disabled").
    public var validatesOrigin: Bool {
        corsValidation && operation == .add && !allowDuplicates && header.caseInsensitiveEquals(HeaderName.allowOrigin)
    }
}

/// How a POP matches a request's `Origin` against a validated Header Value (SEMANTICS.md §3.5).
public enum OriginMatcher: Hashable, Sendable {
    /// Exact match or one wildcard domain whose `*` is a single label, anchored, `%-` read as `-`
    /// (the documented behaviour).
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
    ///
    /// Rules run top to bottom, each on the result of the one before, so with several rules on
    /// one header the last one wins (create-a-custom-http-response-header page). A validating
    /// rule that finds no match removes every ACAO line present at that point (the origin's and
    /// earlier rules') unless ``keepOriginACAOOnValidationMiss`` is set. The POP adds no
    /// `Vary: Origin` when it echoes: Alibaba documents none (SEMANTICS.md §3.8).
    ///
    /// Header names compare case-insensitively; an existing line keeps its spelling.
    public func apply(to originHeaders: HeaderFields, requestOrigin: String?) -> HeaderFields {
        var headers = originHeaders
        for rule in rules {
            apply(rule, to: &headers, requestOrigin: requestOrigin)
        }
        return headers
    }

    private func apply(_ rule: CDNResponseHeaderRule, to headers: inout HeaderFields, requestOrigin: String?) {
        switch rule.operation {
        case .add:
            if rule.validatesOrigin {
                switch CDNOriginValidation.decide(value: rule.value, requestOrigin: requestOrigin, matcher: matcher) {
                case .allowAll:
                    headers.set(rule.header, "*")
                case .echo(let origin):
                    headers.set(rule.header, origin)
                case .noMatch:
                    if !keepOriginACAOOnValidationMiss { headers.removeAll(rule.header) }
                }
            } else if rule.allowDuplicates {
                headers.append(rule.header, rule.value)
            } else {
                headers.set(rule.header, rule.value)
            }
        case .delete:
            headers.removeAll(rule.header)
        case .modify:
            guard headers.contains(rule.header) else { return }
            headers = HeaderFields(headers.fields.map { field in
                field.name.caseInsensitiveEquals(rule.header) ? HeaderField(field.name, rule.value) : field
            })
        case .replace:
            guard headers.contains(rule.header) else { return }
            headers.set(rule.header, rule.value)
        }
    }
}
