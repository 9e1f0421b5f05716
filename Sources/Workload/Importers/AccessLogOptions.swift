// How an access log becomes a trace: the choices a user makes, and the counts that show what
// the import had to guess.
import HTTPModel

/// The access-log formats popsim imports.
public enum AccessLogFormat: String, Sendable, CaseIterable {
    /// Alibaba Cloud CDN offline logs.
    case alibabaCDN = "alibaba-cdn"
    /// nginx's predefined `combined` format, or any nginx `log_format`.
    case nginxCombined = "nginx-combined"
    /// Amazon CloudFront standard logs (W3C extended, tab-separated).
    case cloudfront

    /// Opens `paths`, read one after the other as a single log, in this format.
    /// - Parameter logFormat: an nginx `log_format` string (nil: `combined`); other formats ignore it.
    /// - Throws: `TraceError` when a file cannot be read or `logFormat` does not parse.
    public func open(paths: [String], options: AccessLogOptions = AccessLogOptions(),
                     logFormat: String? = nil) throws(TraceError) -> AccessLogSource {
        switch self {
        case .alibabaCDN:
            return try AlibabaCDNLogSource(paths: paths, options: options)
        case .nginxCombined:
            return try NginxCombinedLogSource(paths: paths, logFormat: logFormat, options: options)
        case .cloudfront:
            return try CloudFrontLogSource(paths: paths, options: options)
        }
    }
}

/// The choices an import makes where a log is silent.
public struct AccessLogOptions: Sendable {
    /// Assigns POPs from client addresses or edge names; see `POPMap`.
    public var popMap: POPMap?
    /// The POP of requests whose POP neither the log nor the map gives.
    public var defaultPOP = "default"
    /// Whether a cross-site Referer's origin stands in for a missing `Origin` field.
    public var refererOrigin = true
    /// Whether the first line that cannot be read is an error rather than a counted skip.
    public var strict = false
    /// How far (µs) a record's time may go back before it is an error; records that go back
    /// less are given the previous record's time and counted in `AccessLogStats.clamped`.
    /// Logs are written when requests finish, by several workers, so they go back a little.
    public var maxBackwards: Int64 = 1_000_000
    /// The origin requests went to, for logs whose lines carry only a path (nginx without
    /// `$host`); it also gives the scheme when a log has a host but no scheme.
    public var site: WebOrigin?

    public init() {}
}

/// What an import counted besides its records and skips.
public struct AccessLogStats: Sendable, Equatable {
    /// Files opened so far.
    public var files = 0
    /// Lines read, header, comment and blank lines included.
    public var lines = 0
    /// Records returned.
    public var records = 0
    /// Records whose page origin came from the log's `Origin` field.
    public var originFromField = 0
    /// Records whose page origin is the origin of a cross-site Referer.
    public var originFromReferer = 0
    /// Of those, records whose URL had no host to compare with (a path-only log without `site`):
    /// the Referer was taken as cross-site.
    public var refererAssumedCrossSite = 0
    /// Records without a page origin because the Referer (or `Origin`) is the URL's own origin.
    public var sameOrigin = 0
    /// Records without a page origin because the line had neither `Origin` nor a Referer, or
    /// Referer inference was off.
    public var noReferer = 0
    /// Records without a page origin because the Referer is not an http(s) URL (`android-app://…`, garbage).
    public var unusableReferer = 0
    /// Records whose time went back (by at most `maxBackwards`) and was raised to the previous one's.
    public var clamped = 0
    /// The largest such step back, in µs.
    public var largestClamp: Int64 = 0
    /// Records given `defaultPOP` because neither the log nor the map named a POP.
    public var defaultPOP = 0

    public init() {}
}
