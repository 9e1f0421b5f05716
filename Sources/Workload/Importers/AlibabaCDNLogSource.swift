/// Alibaba Cloud CDN offline logs (the hourly gzip files the console offers for download).
///
/// A line (Alibaba Cloud, "Download offline logs"):
/// `[9/Jun/2015:01:58:09 +0800] 10.10.10.10 - 1542 "-" "GET http://www.aliyun.com/index.html" 200 191 2830 MISS "Mozilla/5.0 …" "text/html"`
/// — time, client IP, proxy IP, response time (ms), Referer, method and absolute URL, status,
/// request size, response size, cache status, User-Agent, content type. Fields after these are ignored.
///
/// The format names no POP and carries no `Origin`: requests go to `options.defaultPOP` or
/// the client's POP in a `client_prefix` map, and the page origin comes from a cross-site Referer.
public final class AlibabaCDNLogSource: AccessLogSource {
    /// The offline format in nginx notation, as the importer reads it.
    static let format = #"[$time_local] $remote_addr $proxy_addr $response_time_ms "$http_referer" "$request" $status $request_length $body_bytes_sent $cache_status "$http_user_agent" "$sent_http_content_type""#
    private let pattern: LogPattern

    /// Opens Alibaba Cloud CDN offline logs.
    /// - Parameter paths: the files, read in this order as one log; gzip files are decompressed.
    /// - Throws: `TraceError` when a file cannot be read.
    public init(paths: [String], options: AccessLogOptions = AccessLogOptions()) throws(TraceError) {
        pattern = try LogPattern(AlibabaCDNLogSource.format)
        try super.init(format: .alibabaCDN, paths: paths, options: options)
    }

    override func parse(_ line: ArraySlice<UInt8>) -> LineOutcome {
        pattern.match(line, into: &fields)
    }
}
