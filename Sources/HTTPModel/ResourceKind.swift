/// Fetch's request mode (https://fetch.spec.whatwg.org/#concept-request-mode), the part that
/// matters here: whether the response is CORS-checked at all.
public enum RequestMode: String, Sendable, CaseIterable {
    case cors
    case noCORS = "no-cors"
}

/// Fetch's credentials mode (https://fetch.spec.whatwg.org/#concept-request-credentials-mode).
public enum CredentialsMode: String, Sendable, CaseIterable {
    case omit
    case sameOrigin = "same-origin"
    case include
}

/// What the page loads and how, named as traces, scenarios and flags name it.
///
/// The kind fixes the request mode and the default credentials mode, following HTML's
/// "create a potential-CORS request" and the CSS Fonts fetching rules: fonts and module scripts
/// are always CORS requests; `<img>`, `<video>`, classic scripts and stylesheets only with a
/// `crossorigin` attribute (the `-cors` kinds).
public enum ResourceKind: String, Sendable, CaseIterable, Hashable {
    case font
    case img
    case imgCORS = "img-cors"
    case imgCORSCredentials = "img-cors-credentials"
    case video
    case videoCORS = "video-cors"
    case script
    case scriptCORS = "script-cors"
    case moduleScript = "module-script"
    case stylesheet
    case stylesheetCORS = "stylesheet-cors"
    case fetch
    case fetchCredentials = "fetch-credentials"
    case fetchNoCORS = "fetch-no-cors"
    case xhr
    case xhrCredentials = "xhr-credentials"
    case other

    /// The request mode a browser uses for this kind.
    public var mode: RequestMode {
        switch self {
        case .img, .video, .script, .stylesheet, .fetchNoCORS, .other: return .noCORS
        default: return .cors
        }
    }

    /// The credentials mode a browser uses unless the page says otherwise.
    ///
    /// No-cors element loads (no `crossorigin`) use `include`; `crossorigin`/anonymous, fonts,
    /// module scripts and a default `fetch()` use `same-origin`; `use-credentials`,
    /// `credentials: 'include'` and `withCredentials` use `include`.
    @inlinable
    public var defaultCredentials: CredentialsMode {
        switch self {
        case .img, .video, .script, .stylesheet, .other: return .include
        case .imgCORSCredentials, .fetchCredentials, .xhrCredentials: return .include
        default: return .sameOrigin
        }
    }

    /// Parses a kind name, with an error that lists the valid names.
    public init(parsing name: String) throws(KindParseError) {
        guard let kind = ResourceKind(rawValue: name) else { throw KindParseError(input: name) }
        self = kind
    }
}

/// An unknown resource kind name.
public struct KindParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let input: String
    public var description: String {
        "unknown kind \"\(input)\" (expected one of: \(ResourceKind.allCases.map(\.rawValue).joined(separator: ", ")))"
    }
}

extension ResourceKind {
    /// The case's position in `allCases`, for flat per-kind tables on hot paths
    /// (`allCases` builds an array on every call; this does not).
    @inlinable public var ordinal: Int { Int(unsafeBitCast(self, to: UInt8.self)) }

    /// The case at `ordinal` in `allCases`, for columns that store kinds as bytes; `ordinal`
    /// must be one that `ordinal` gave.
    @inlinable public init(ordinal: UInt8) {
        assert(Int(ordinal) < Self.allCases.count, "no ResourceKind has ordinal \(ordinal)")
        self = unsafeBitCast(ordinal, to: ResourceKind.self)
    }
}

extension CredentialsMode {
    /// The case's position in `allCases`.
    @inlinable public var ordinal: Int { Int(unsafeBitCast(self, to: UInt8.self)) }

    /// The case at `ordinal` in `allCases`; `ordinal` must be one that `ordinal` gave.
    @inlinable public init(ordinal: UInt8) {
        assert(Int(ordinal) < Self.allCases.count, "no CredentialsMode has ordinal \(ordinal)")
        self = unsafeBitCast(ordinal, to: CredentialsMode.self)
    }
}
