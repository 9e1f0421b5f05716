import HTTPModel
import Workload

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

    @inlinable
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
///
/// Threads: one thread adds (the run's reader); simulation threads may read any id they were
/// handed through a synchronising queue after it was added — entries never move or change
/// (`AppendOnlyArray`).
public final class Catalog: @unchecked Sendable {
    /// A URL as the trace spells it, with its domain and where its path and query lie in it.
    ///
    /// The path and the path with query are views of `text` (UTF-8 offsets, not strings of
    /// their own): a trace has millions of distinct URLs, and two more strings each were a heap
    /// allocation and 64 bytes per URL (a fifth of a run's peak memory on a trace of a million
    /// URLs), for texts a run reads a few times per URL.
    public struct URLInfo: Sendable {
        /// The URL as the trace spells it.
        public let text: String
        public let domain: Int
        /// The UTF-8 offset in `text` where the path begins (where the query begins, or the
        /// end, when the URL has no path).
        @usableFromInline let pathStart: UInt32
        /// The UTF-8 offset in `text` of the query's `?`, or the length of `text` when it has
        /// none; the top bit marks a URL without a path ("https://host?v=1"), whose path is "/".
        @usableFromInline let queryField: UInt32

        @usableFromInline static var noPathBit: UInt32 { 1 << 31 }

        /// `pathStart` and `queryStart` are UTF-8 offsets in `text` at ASCII bytes (or its end);
        /// `hasPath` false when the text has no path before the query or the end.
        init(text: String, domain: Int, pathStart: Int, queryStart: Int, hasPath: Bool) {
            precondition(pathStart <= queryStart && queryStart <= text.utf8.count && text.utf8.count < Int(Self.noPathBit),
                         "internal error: URL offsets out of range")
            self.text = text
            self.domain = domain
            self.pathStart = UInt32(pathStart)
            self.queryField = UInt32(queryStart) | (hasPath ? 0 : Self.noPathBit)
        }

        /// Whether the URL has a query (a `?`, even with nothing after it).
        @inlinable public var hasQuery: Bool { Int(queryField & ~Self.noPathBit) < text.utf8.count }

        /// Path with query, as the cache key sees it ("/" before the query of a URL without path).
        public var pathAndQuery: Substring {
            if queryField & Self.noPathBit != 0 { return Substring("/" + slice(Int(pathStart), text.utf8.count)) }
            return slice(Int(pathStart), text.utf8.count)
        }

        /// Path without query ("/" for a URL without path).
        public var path: Substring {
            if queryField & Self.noPathBit != 0 { return "/" }
            return slice(Int(pathStart), Int(queryField))
        }

        private func slice(_ start: Int, _ end: Int) -> Substring {
            let u = text.utf8
            return Substring(u[u.index(u.startIndex, offsetBy: start)..<u.index(u.startIndex, offsetBy: end)])
        }

        /// Calls `body` with the UTF-8 bytes of the path, or of the path with query: what
        /// `path` and `pathAndQuery` spell, without making a `Substring` of each (a few hundred
        /// instructions apiece, for code that runs once per distinct URL of a trace).
        func withPathBytes<R>(includingQuery: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            let start = Int(pathStart), query = Int(queryField & ~Self.noPathBit)
            if queryField & Self.noPathBit != 0 {
                // "/" and the query: not in the text as such.
                var bytes: [UInt8] = [UInt8(ascii: "/")]
                if includingQuery { bytes += text.utf8.dropFirst(query) }
                return bytes.withUnsafeBufferPointer(body)
            }
            return withTextBytes { t in body(UnsafeBufferPointer(rebasing: t[start..<(includingQuery ? t.count : query)])) }
        }

        /// Calls `body` with the UTF-8 bytes of `text`, in place.
        func withTextBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            if let r = text.utf8.withContiguousStorageIfAvailable(body) { return r }
            var t = text
            return t.withUTF8(body)
        }

        /// Where the path begins in `text`, as `withTextBytes` counts; nil for a URL without a
        /// path, whose path "/" is not in its text.
        var pathOffset: Int? { queryField & Self.noPathBit != 0 ? nil : Int(pathStart) }
    }

    @usableFromInline let urlStore = AppendOnlyArray<URLInfo>()
    @usableFromInline let originStore = AppendOnlyArray<WebOrigin>()
    @usableFromInline let methodStore = AppendOnlyArray<String>()
    private let domainHosts: [String]
    /// `domainHosts` as bytes, for the byte-wise parse.
    private let domainHostBytes: [[UInt8]]
#if DEBUG
    /// Every URL text added, to check that none is added twice.
    private var addedTexts: Set<String> = []
#endif

    /// The URLs added so far, by id.
    public var urls: AppendOnlyArrayPrefix<URLInfo> { urlStore.elements }
    /// The page origins added so far, by id.
    public var origins: AppendOnlyArrayPrefix<WebOrigin> { originStore.elements }
    /// The methods added so far, by id (0 is GET).
    public var methods: AppendOnlyArrayPrefix<String> { methodStore.elements }

    public init(domainHosts: [String]) {
        self.domainHosts = domainHosts
        domainHostBytes = domainHosts.map { Array($0.utf8) }
        methodStore.append("GET")
    }

    /// URL `id`, from any thread that was handed the id after it was added.
    @inlinable public func url(_ id: UInt32) -> URLInfo { urlStore[Int(id)] }
    /// Page origin `id`, from any thread that was handed the id after it was added.
    @inlinable public func origin(_ id: UInt32) -> WebOrigin { originStore[Int(id)] }
    /// Method `id`, from any thread that was handed the id after it was added.
    @inlinable public func method(_ id: UInt32) -> String { methodStore[Int(id)] }

    /// Why a URL cannot be served by any domain of the scenario.
    public struct URLError: Error, CustomStringConvertible {
        public let url: String
        public let reason: String
        public var description: String { "url \"\(url)\": \(reason)" }
    }

    /// Adds the URL with the next id; a path is allowed only when there is exactly one domain.
    ///
    /// The text must not be in the catalog already — ids are one per distinct text (readers
    /// intern them; `urlID(for:)` finds or adds, and readers call it once `addsByLookup` is
    /// true) — since the simulation takes two ids to be two texts. Debug builds check it.
    @discardableResult
    public func addURL(_ text: String) throws(URLError) -> UInt32 {
#if DEBUG
        precondition(addedTexts.insert(text).inserted, "Catalog.addURL: \"\(text)\" is already in the catalog")
#endif
        let info: URLInfo
        if let fast = Self.parsePrintableASCII(text, domainHosts: domainHostBytes) { info = fast } else { info = try Self.parse(text, domainHosts: domainHosts) }
        let id = UInt32(urlStore.append(info))
        idsByText?[text] = id
        return id
    }

    /// Ids by text, from the first URL `urlID(for:)` adds (a prefetch event's, before the trace
    /// names it): a reader then finds the URLs an event added instead of adding them again.
    ///
    /// Written and read by the adding thread only: no run-time exclusivity check (two per URL).
    @exclusivity(unchecked) private var idsByText: [String: UInt32]? = nil

    /// Whether `urlID(for:)` has added a URL: a reader must then look its new URLs up with it
    /// rather than add them (an event may have added one already).
    public var addsByLookup: Bool { idsByText != nil }

    /// The general parse: the URL's domain (by its host, compared in lowercase), path with
    /// query and path, or why no domain of the scenario serves it.
    static func parse(_ text: String, domainHosts: [String]) throws(URLError) -> URLInfo {
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
        let pathStart = text.utf8.distance(from: text.utf8.startIndex, to: rest.utf8.startIndex)
        let queryStart = rest.utf8.firstIndex(of: UInt8(ascii: "?")).map { text.utf8.distance(from: text.utf8.startIndex, to: $0) } ?? text.utf8.count
        return URLInfo(text: text, domain: domain, pathStart: pathStart, queryStart: queryStart, hasPath: queryStart > pathStart)
    }

    /// `parse` on bytes, for the URLs traces are made of: printable ASCII (no space), where a
    /// byte is a character, so the result is the same as the general parse's. Nil when the
    /// text is not of that kind or does not parse (the general parse then says why). A trace
    /// with millions of distinct URLs runs this once per URL, so it works on the UTF-8 buffer
    /// directly (the generic `String.UTF8View` algorithms cost several times more).
    static func parsePrintableASCII(_ text: String, domainHosts: [[UInt8]]) -> URLInfo? {
        let slash = UInt8(ascii: "/"), question = UInt8(ascii: "?"), colon = UInt8(ascii: ":")
        var bytes = text
        return bytes.withUTF8 { (b: UnsafeBufferPointer<UInt8>) -> URLInfo? in
            let n = b.count
            guard n > 0, Self.isPrintableWithoutSpace(b) else { return nil }
            func firstQuestion(from start: Int) -> Int { Self.firstIndex(of: question, or: question, in: b, from: start) ?? n }
            if b[0] == slash {
                guard domainHosts.count == 1 else { return nil }
                return URLInfo(text: text, domain: 0, pathStart: 0, queryStart: firstQuestion(from: 0), hasPath: true)
            }
            // "://" and the host up to the first '/' or '?'.
            var hostStart = -1
            var i = 0
            while i + 2 < n {
                if b[i] == colon && b[i + 1] == slash && b[i + 2] == slash { hostStart = i + 3; break }
                i += 1
            }
            guard hostStart >= 0 else { return nil }
            let hostEnd = Self.firstIndex(of: slash, or: question, in: b, from: hostStart) ?? n
            // A host spelt in lowercase — nearly always — is its own lowercase: one compare of
            // its bytes per domain; else byte by byte, lowercased.
            let host = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[hostStart..<hostEnd]))
            let hostIsLowercase = !Self.hasUppercase(host)
            guard let domain = domainHosts.firstIndex(where: { candidate in
                guard candidate.count == host.count else { return false }
                return candidate.withUnsafeBytes { c in
                    if hostIsLowercase { return sameBytes(c, host) }
                    for k in 0..<c.count where c[k] != host[k].asciiLowercased { return false }
                    return true
                }
            }) else { return nil }
            if hostEnd == n || b[hostEnd] == question {
                // No path: the cache key's path is "/".
                return URLInfo(text: text, domain: domain, pathStart: hostEnd, queryStart: hostEnd, hasPath: false)
            }
            return URLInfo(text: text, domain: domain, pathStart: hostEnd, queryStart: firstQuestion(from: hostEnd), hasPath: true)
        }
    }

    /// Whether every byte is printable ASCII other than space (0x21…0x7E), eight at a time: a
    /// byte below 0x21 makes `w − 0x21…` borrow into its high bit where `w`'s is clear, and one
    /// above 0x7E sets its high bit in `w + 0x01…` or has it set already (exact as a yes/no).
    static func isPrintableWithoutSpace(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let ones = repeatedByte(1), highs = repeatedByte(0x80)
        let n = b.count
        var i = 0
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if (((w &- ones &* 0x21) & ~w) | (w &+ ones) | w) & highs != 0 { return false }
                i += 8
            }
        }
        if i < n && n >= 8, let base = b.baseAddress {
            // The last eight bytes, overlapping the words before: a yes/no may read a byte twice.
            let w = UInt64(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
            return (((w &- ones &* 0x21) & ~w) | (w &+ ones) | w) & highs == 0
        }
        while i < n {
            if b[i] <= 0x20 || b[i] >= 0x7F { return false }
            i += 1
        }
        return true
    }

    /// Whether bytes of printable ASCII hold an uppercase letter (0x41…0x5A), eight at a time: a
    /// byte gets its high bit in `w + 0x3F…` when it is 0x41 or more, and in `w + 0x25…` when it
    /// is 0x5B or more; every byte is below 0x80, so neither sum carries into the next byte.
    static func hasUppercase(_ b: UnsafeRawBufferPointer) -> Bool {
        let n = b.count
        var i = 0
        if let base = b.baseAddress {
            let highs = repeatedByte(0x80)
            while i + 8 <= n {
                let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if (w &+ repeatedByte(0x3F)) & ~(w &+ repeatedByte(0x25)) & highs != 0 { return true }
                i += 8
            }
            if i < n && n >= 8 {
                // The last eight bytes, overlapping the words before.
                let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
                return (w &+ repeatedByte(0x3F)) & ~(w &+ repeatedByte(0x25)) & highs != 0
            }
        }
        while i < n {
            if b[i] >= 0x41 && b[i] <= 0x5A { return true }
            i += 1
        }
        return false
    }

    /// The first index from `start` of a byte equal to `x` or `y`, eight bytes at a time.
    static func firstIndex(of x: UInt8, or y: UInt8, in b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let px = repeatedByte(x), py = repeatedByte(y)
        let n = b.count
        var i = start
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let found = matchingBytes(w, px) | matchingBytes(w, py)
                if found != 0 { return i + found.trailingZeroBitCount / 8 }
                i += 8
            }
        }
        while i < n {
            if b[i] == x || b[i] == y { return i }
            i += 1
        }
        return nil
    }

    /// Adds a page origin with the next id.
    @discardableResult
    public func addOrigin(_ origin: WebOrigin) -> UInt32 {
        UInt32(originStore.append(origin))
    }

    /// Adds a method name with the next id (id 0 is always GET).
    @discardableResult
    public func addMethod(_ method: String) -> UInt32 {
        UInt32(methodStore.append(method))
    }

    /// Finds or adds a URL (for events, which are few); the event loop itself never searches.
    public func urlID(for text: String) throws(URLError) -> UInt32 {
        if let idsByText { if let id = idsByText[text] { return id } } else if let i = urls.firstIndex(where: { $0.text == text }) {
            return UInt32(i)
        }
        let id = try addURL(text)
        if idsByText == nil {
            var index: [String: UInt32] = [:]
            for (i, info) in urls.enumerated() { index[info.text] = UInt32(i) }
            idsByText = index
        }
        return id
    }

    /// The id of an origin, adding it when new (for events and tests).
    public func originID(for origin: WebOrigin) -> UInt32 {
        if let i = origins.firstIndex(of: origin) { return UInt32(i) }
        return addOrigin(origin)
    }
}
