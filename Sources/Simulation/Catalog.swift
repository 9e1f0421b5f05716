import HTTPModel

/// A request as the event loop sees it: integers only, resolved once by the reader.
public struct SimRequest: Sendable {
    public var seq: Int
    public var time: SimTime
    public var pop: Int
    public var url: UInt32
    /// The page origin (an id into `Catalog.origins`), nil when the request is same-origin.
    public var origin: UInt32?
    public var kind: ResourceKind
    public var credentials: CredentialsMode
    public var method: UInt32
    public var bytes: Int64?

    public init(seq: Int, time: SimTime, pop: Int, url: UInt32, origin: UInt32?, kind: ResourceKind,
                credentials: CredentialsMode? = nil, method: UInt32 = 0, bytes: Int64? = nil) {
        self.seq = seq
        self.time = time
        self.pop = pop
        self.url = url
        self.origin = origin
        self.kind = kind
        self.credentials = credentials ?? kind.defaultCredentials
        self.method = method
        self.bytes = bytes
    }
}

/// The strings behind the ids in requests, shared by every variant of a run.
///
/// Readers intern URLs, origins and methods as they meet them; the catalog holds the decoded
/// form (host, path, parsed origin) so that the event loop parses each string once.
public final class Catalog: @unchecked Sendable {
    public struct URLInfo: Sendable {
        public var text: String
        public var domain: Int
        /// Path with query, as the cache key sees it.
        public var pathAndQuery: String
        /// Path without query.
        public var path: String
    }

    public private(set) var urls: [URLInfo] = []
    public private(set) var origins: [WebOrigin] = []
    public private(set) var methods: [String] = ["GET"]
    private let domainHosts: [String]

    public init(domainHosts: [String]) {
        self.domainHosts = domainHosts
    }

    /// Why a URL cannot be served by any domain of the scenario.
    public struct URLError: Error, CustomStringConvertible {
        public let url: String
        public let reason: String
        public var description: String { "url \"\(url)\": \(reason)" }
    }

    /// Adds the URL with the next id; a path is allowed only when there is exactly one domain.
    @discardableResult
    public func addURL(_ text: String) throws(URLError) -> UInt32 {
        let host: String, rest: Substring
        if text.hasPrefix("/") {
            guard domainHosts.count == 1 else {
                throw URLError(url: text, reason: "a path needs exactly one domain in the scenario (there are \(domainHosts.count)); write the absolute URL")
            }
            host = domainHosts[0]
            rest = Substring(text)
        } else {
            guard let sep = text.firstRange(of: "://") else { throw URLError(url: text, reason: "neither an absolute URL nor a path") }
            let afterScheme = text[sep.upperBound...]
            let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
            host = afterScheme[..<slash].lowercased()
            rest = afterScheme[slash...]
        }
        guard let domain = domainHosts.firstIndex(of: host) else {
            throw URLError(url: text, reason: "host \"\(host)\" is not a domain of the scenario (domains: \(domainHosts.joined(separator: ", ")))")
        }
        var pathAndQuery = String(rest)
        if pathAndQuery.isEmpty || pathAndQuery.hasPrefix("?") { pathAndQuery = "/" + pathAndQuery }
        let path = pathAndQuery.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? pathAndQuery
        urls.append(URLInfo(text: text, domain: domain, pathAndQuery: pathAndQuery, path: path))
        return UInt32(urls.count - 1)
    }

    /// Adds a page origin with the next id.
    @discardableResult
    public func addOrigin(_ origin: WebOrigin) -> UInt32 {
        origins.append(origin)
        return UInt32(origins.count - 1)
    }

    /// Adds a method name with the next id (id 0 is always GET).
    @discardableResult
    public func addMethod(_ method: String) -> UInt32 {
        methods.append(method)
        return UInt32(methods.count - 1)
    }

    /// Finds or adds a URL (for events, which are few); the event loop itself never searches.
    public func urlID(for text: String) throws(URLError) -> UInt32 {
        if let i = urls.firstIndex(where: { $0.text == text }) { return UInt32(i) }
        return try addURL(text)
    }

    /// The id of an origin, adding it when new (for events and tests).
    public func originID(for origin: WebOrigin) -> UInt32 {
        if let i = origins.firstIndex(of: origin) { return UInt32(i) }
        return addOrigin(origin)
    }
}
