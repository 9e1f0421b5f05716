import Workload

/// Where a scenario's requests come from.
public enum WorkloadSpec: Sendable, CustomStringConvertible {
    /// A trace file, resolved against the scenario's folder.
    case trace(path: String, format: TraceFormat)
    /// Requests generated on the fly (`"workload": {"synthetic": {…}}`).
    case synthetic(SyntheticSpec)

    /// Opens the workload as a stream of requests.
    public func open() throws(TraceError) -> any TraceSource {
        switch self {
        case let .trace(path, format):
            switch format {
            case .csv: return try TraceCSVReader(path: path)
            // Access logs replay with the default import options (referer inference on, one POP
            // named "default"); `popsim trace import` offers the others.
            case .alibabaCDN: return try AccessLogFormat.alibabaCDN.open(paths: [path])
            case .nginxCombined: return try AccessLogFormat.nginxCombined.open(paths: [path])
            case .cloudfront: return try AccessLogFormat.cloudfront.open(paths: [path])
            }
        case let .synthetic(spec):
            do { return try SyntheticSource(spec: spec) } catch {
                throw TraceError(file: "workload.synthetic", line: 0, column: nil, message: error.description)
            }
        }
    }

    public var description: String {
        switch self {
        case .trace(let path, _): return path
        case .synthetic(let spec): return spec.description
        }
    }
}

/// The trace formats popsim reads.
public enum TraceFormat: String, Sendable, CaseIterable {
    /// `t,pop,url,origin,kind[,method,credentials,bytes]` with a header row.
    case csv
    /// Alibaba Cloud CDN offline access logs.
    case alibabaCDN = "alibaba-cdn"
    /// nginx access logs in the `combined` format.
    case nginxCombined = "nginx-combined"
    /// Amazon CloudFront standard access logs.
    case cloudfront

    /// The format a file name suggests (`.csv` and anything unknown: CSV).
    public static func guess(fromPath path: String) -> TraceFormat {
        .csv
    }
}
