/// Why a browser refused a response. Codes mirror Chromium's `CorsError` names in snake case
/// (services/network/public/mojom/cors.mojom), so reports line up with DevTools.
public enum FailureReason: String, Sendable, CaseIterable, Hashable, Comparable {
    case missingACAO = "missing_acao"
    case acaoMismatch = "acao_mismatch"
    case multipleACAOValues = "multiple_acao_values"
    case invalidACAOValue = "invalid_acao_value"
    case wildcardWithCredentials = "wildcard_with_credentials"
    case missingOrInvalidACAC = "missing_or_invalid_acac"
    case preflightInvalidStatus = "preflight_invalid_status"
    case preflightMissingACAO = "preflight_missing_acao"
    case preflightACAOMismatch = "preflight_acao_mismatch"
    case preflightMultipleACAOValues = "preflight_multiple_acao_values"
    case preflightInvalidACAOValue = "preflight_invalid_acao_value"
    case preflightWildcardWithCredentials = "preflight_wildcard_with_credentials"
    case preflightMissingOrInvalidACAC = "preflight_missing_or_invalid_acac"
    case methodNotAllowed = "method_not_allowed"
    case headerNotAllowed = "header_not_allowed"
    case invalidAllowMethods = "invalid_allow_methods"
    case invalidAllowHeaders = "invalid_allow_headers"

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// One sentence a person reads, saying what the browser saw.
    public var explanation: String {
        switch self {
        case .missingACAO: return "the response has no Access-Control-Allow-Origin header"
        case .acaoMismatch: return "Access-Control-Allow-Origin names another origin"
        case .multipleACAOValues: return "Access-Control-Allow-Origin carries several values, but only one is allowed"
        case .invalidACAOValue: return "Access-Control-Allow-Origin is not '*', 'null' or an origin"
        case .wildcardWithCredentials: return "Access-Control-Allow-Origin is '*' but the request carries credentials"
        case .missingOrInvalidACAC: return "credentials mode is 'include' but Access-Control-Allow-Credentials is not 'true'"
        case .preflightInvalidStatus: return "the preflight response status is not 2xx"
        case .preflightMissingACAO: return "the preflight response has no Access-Control-Allow-Origin header"
        case .preflightACAOMismatch: return "the preflight's Access-Control-Allow-Origin names another origin"
        case .preflightMultipleACAOValues: return "the preflight's Access-Control-Allow-Origin carries several values"
        case .preflightInvalidACAOValue: return "the preflight's Access-Control-Allow-Origin is not '*', 'null' or an origin"
        case .preflightWildcardWithCredentials: return "the preflight's Access-Control-Allow-Origin is '*' but the request carries credentials"
        case .preflightMissingOrInvalidACAC: return "the preflight lacks Access-Control-Allow-Credentials: true for a credentialed request"
        case .methodNotAllowed: return "the method is not in the preflight's Access-Control-Allow-Methods"
        case .headerNotAllowed: return "a request header is not in the preflight's Access-Control-Allow-Headers"
        case .invalidAllowMethods: return "the preflight's Access-Control-Allow-Methods does not parse"
        case .invalidAllowHeaders: return "the preflight's Access-Control-Allow-Headers does not parse"
        }
    }
}

/// What the browser made of a response.
public enum Verdict: Hashable, Sendable {
    /// The CORS check passed: the page can use the response.
    case pass
    /// The CORS check (or the preflight) failed: the load is blocked.
    case fail(FailureReason)
    /// A no-cors load: the browser does not check CORS headers (the response is opaque or tainted).
    case unchecked

    /// `pass`, `fail` or `unchecked`, as written in outputs.
    public var name: String {
        switch self {
        case .pass: return "pass"
        case .fail: return "fail"
        case .unchecked: return "unchecked"
        }
    }

    public var reason: FailureReason? {
        if case .fail(let r) = self { return r }
        return nil
    }
}

extension FailureReason {
    /// The case's position in `allCases`, for flat per-reason tables on hot paths.
    @inlinable public var ordinal: Int { Int(unsafeBitCast(self, to: UInt8.self)) }
}
