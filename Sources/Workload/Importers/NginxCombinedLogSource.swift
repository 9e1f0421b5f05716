/// nginx access logs in the predefined `combined` format, or in any `log_format` the user gives.
///
/// `combined` (nginx `ngx_http_log_module`) is
/// `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`:
/// no host, no content type, no POP and no `Origin`. So by default URLs are paths (or URLs on
/// `options.site`), the kind comes from the extension, every request goes to
/// `options.defaultPOP` (or the client's POP in a `client_prefix` map), and the page origin
/// comes from a cross-site Referer.
///
/// A custom `log_format` can add what combined lacks; popsim reads `$http_origin` (the
/// `Origin` header: the page origin when present), `$host` / `$http_host` / `$server_name` and
/// `$scheme` (absolute URLs), `$sent_http_content_type` (the kind), `$request_method` with
/// `$request_uri` or `$uri` + `$args` (instead of `$request`), `$time_iso8601` or `$msec`
/// (instead of `$time_local`), and `$bytes_sent` (when `$body_bytes_sent` is absent). Other
/// variables are matched and ignored.
public final class NginxCombinedLogSource: AccessLogSource {
    /// nginx's predefined `combined` format.
    public static let combinedFormat =
        #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#

    /// The format lines are read with.
    public var logFormat: String { pattern.text }
    private let pattern: LogPattern

    /// Opens nginx logs.
    /// - Parameters:
    ///   - paths: the files, read in this order as one log; gzip files are decompressed.
    ///   - logFormat: an nginx `log_format` string, bare or as the whole directive; nil for `combined`.
    /// - Throws: `TraceError` when a file cannot be read or the format does not compile.
    public init(paths: [String], logFormat: String? = nil, options: AccessLogOptions = AccessLogOptions()) throws(TraceError) {
        pattern = try LogPattern(logFormat ?? NginxCombinedLogSource.combinedFormat)
        try super.init(format: .nginxCombined, paths: paths, options: options)
    }

    override func parse(_ line: ArraySlice<UInt8>) -> LineOutcome {
        pattern.match(line, into: &fields)
    }
}
