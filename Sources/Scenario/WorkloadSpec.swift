import Workload

/// Where a scenario's requests come from.
public enum WorkloadSpec: Sendable, CustomStringConvertible {
    /// A trace file, resolved against the scenario's folder, in one of the `TraceFormat`s
    /// (which live in Workload, beside their readers and writers).
    case trace(path: String, format: TraceFormat, options: TraceReadOptions = TraceReadOptions())
    /// Requests generated on the fly (`"workload": {"synthetic": {…}}`).
    case synthetic(SyntheticSpec)

    /// Opens the workload as a stream of requests.
    public func open() throws(TraceError) -> any TraceSource {
        switch self {
        case let .trace(path, format, options):
            return try openTraceSource(path: path, format: format, options: options)
        case let .synthetic(spec):
            do { return try SyntheticSource(spec: spec) } catch {
                throw TraceError(file: "workload.synthetic", line: 0, column: nil, message: error.description)
            }
        }
    }

    /// Whether the workload can be read a second time (the report's timeline replays it): not
    /// a trace given as a pipe (`"trace": "/dev/stdin"`), which its first reading used up.
    public var canBeReadAgain: Bool {
        guard case let .trace(path, _, _) = self else { return true }
        return !isStream(path)
    }

    public var description: String {
        switch self {
        case .trace(let path, _, _): return path
        case .synthetic(let spec): return spec.description
        }
    }
}
