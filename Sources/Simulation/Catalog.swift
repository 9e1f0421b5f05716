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
    /// The text is bytes in an arena the catalog keeps (`ArenaText`, 8 bytes; the reader's
    /// interner's when the URL came from a trace, so the bytes are not copied), and the path and
    /// the path with query are offsets in it: a trace has millions of distinct URLs, and a
    /// `String` each was a heap object of about 96 bytes, for texts a run reads a few times per
    /// URL, as bytes. `text`, `path` and `pathAndQuery` make strings, for reports and messages.
    public struct URLInfo: Sendable {
        /// Where the URL's UTF-8 bytes are (valid UTF-8: an interner or `addURL(_:)` checked them).
        @usableFromInline let bytes: ArenaText
        public let domain: Int
        /// The UTF-8 offset in the text where the path begins (where the query begins, or the
        /// end, when the URL has no path).
        @usableFromInline let pathStart: UInt32
        /// The UTF-8 offset in the text of the query's `?`, or the text's length when it has
        /// none; the top bit marks a URL without a path ("https://host?v=1"), whose path is "/".
        @usableFromInline let queryField: UInt32

        @usableFromInline static var noPathBit: UInt32 { 1 << 31 }

        /// `pathStart` and `queryStart` are UTF-8 offsets in `text` at ASCII bytes (or its end);
        /// `hasPath` false when the text has no path before the query or the end.
        init(text: ArenaText, domain: Int, pathStart: Int, queryStart: Int, hasPath: Bool) {
            let count = text.count
            precondition(pathStart <= queryStart && queryStart <= count && count < Int(Self.noPathBit),
                         "internal error: URL offsets out of range")
            self.bytes = text
            self.domain = domain
            self.pathStart = UInt32(pathStart)
            self.queryField = UInt32(queryStart) | (hasPath ? 0 : Self.noPathBit)
        }

        /// The URL as the trace spells it (made each time: for reports and messages).
        public var text: String { bytes.string }

        /// Whether the URL has a query (a `?`, even with nothing after it).
        @inlinable public var hasQuery: Bool { Int(queryField & ~Self.noPathBit) < bytes.count }

        /// Path with query, as the cache key sees it ("/" before the query of a URL without path).
        public var pathAndQuery: Substring {
            withPathBytes(includingQuery: true) { Substring(String(decoding: $0, as: UTF8.self)) }
        }

        /// Path without query ("/" for a URL without path).
        public var path: Substring {
            withPathBytes(includingQuery: false) { Substring(String(decoding: $0, as: UTF8.self)) }
        }

        /// Calls `body` with the UTF-8 bytes of the path, or of the path with query: what
        /// `path` and `pathAndQuery` spell, without making a string of them.
        func withPathBytes<R>(includingQuery: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            let t = bytes.bytes
            let start = Int(pathStart), query = Int(queryField & ~Self.noPathBit)
            if queryField & Self.noPathBit != 0 {
                // "/" and the query: not in the text as such.
                if !includingQuery || query == t.count { return withUnsafeBytes(of: UInt8(ascii: "/")) { body($0.assumingMemoryBound(to: UInt8.self)) } }
                var bytes: [UInt8] = [UInt8(ascii: "/")]
                bytes += t[query...]
                return bytes.withUnsafeBufferPointer(body)
            }
            return body(UnsafeBufferPointer(rebasing: t[start..<(includingQuery ? t.count : query)]))
        }

        /// Calls `body` with the UTF-8 bytes of the text, in place.
        @inlinable
        public func withTextBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R { body(bytes.bytes) }

        /// Where the path begins in the text, as `withTextBytes` counts; nil for a URL without a
        /// path, whose path "/" is not in its text.
        var pathOffset: Int? { queryField & Self.noPathBit != 0 ? nil : Int(pathStart) }
    }

    @usableFromInline let urlStore = AppendOnlyArray<URLInfo>()
    @usableFromInline let originStore = AppendOnlyArray<WebOrigin>()
    @usableFromInline let methodStore = AppendOnlyArray<String>()
    private let domainHosts: [String]
    /// `domainHosts` as bytes, for the byte-wise parse.
    private let domainHostBytes: [[UInt8]]
    /// The texts of the URLs added as strings (`addURL(_:)`: events, tests); those of a trace
    /// stay in its reader's arena, which `arenas` keeps.
    private let ownTexts = TextArena()
    /// Every arena a URL's text is in besides `ownTexts`, kept while the catalog lives (its
    /// `URLInfo`s point into them). Written by the adding thread only; never read elsewhere.
    @exclusivity(unchecked) private var arenas: [TextArena] = []
    /// Whether every URL text added so far is ASCII (see `urlID(for:in:)`).
    @exclusivity(unchecked) private var allASCII = true
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
        try add(ownTexts.append(text))
    }

    /// `addURL(_:)` for a text in `arena` (a reader's interner's), which must be valid UTF-8:
    /// the catalog points at its bytes, without a copy, and keeps the arena.
    @discardableResult
    public func addURL(_ text: ArenaText, in arena: TextArena) throws(URLError) -> UInt32 {
        let id = try add(text)
        keep(arena)
        return id
    }

    private func add(_ text: ArenaText) throws(URLError) -> UInt32 {
#if DEBUG
        precondition(!addedTexts.contains(text.string), "Catalog.addURL: \"\(text.string)\" is already in the catalog")
#endif
        let info: URLInfo
        if let fast = Self.parsePrintableASCII(text, domainHosts: domainHostBytes) {
            info = fast
        } else {
            info = try Self.parse(text, domainHosts: domainHosts)
            if allASCII && !isASCII(text.rawBytes) { allASCII = false }
        }
#if DEBUG
        // Only once added: a refused text leaves the catalog as it was (a reader may offer it again).
        addedTexts.insert(text.string)
#endif
        let id = UInt32(urlStore.append(info))
        if lookup != nil { enter(id, text) }
        return id
    }

    private func keep(_ arena: TextArena) {
        if arenas.last !== arena && !arenas.contains(where: { $0 === arena }) { arenas.append(arena) }
    }

    /// How `urlID(for:)` finds texts once it has added a URL: by bytes while every text is ASCII
    /// (where `String`'s `==` compares bytes), else as before the texts were bytes, by `String`
    /// (canonically equivalent spellings match: "\u{212A}" is "K"), with the id last added for it.
    private enum Lookup {
        case bytes(TextIndex)
        case strings([String: UInt32])
    }

    /// Ids by text, from the first URL `urlID(for:)` adds (a prefetch event's, before the trace
    /// names it): a reader then finds the URLs an event added instead of adding them again.
    ///
    /// Written and read by the adding thread only: no run-time exclusivity check (two per URL).
    @exclusivity(unchecked) private var lookup: Lookup? = nil

    /// Whether `urlID(for:)` has added a URL: a reader must then look its new URLs up with it
    /// rather than add them (an event may have added one already).
    public var addsByLookup: Bool { lookup != nil }

    /// Enters URL `id` (`text`) in `lookup`, which is set.
    private func enter(_ id: UInt32, _ text: ArenaText) {
        switch lookup! {
        case .bytes(var index):
            guard allASCII else { lookup = .strings(idsByString()); return }
            lookup = nil // `index` is then the only reference: no copy of its table
            index.insert(id, hash: TextIndex.hash(text.rawBytes))
            lookup = .bytes(index)
        case .strings(var index):
            lookup = nil
            index[text.string] = id
            lookup = .strings(index)
        }
    }

    /// Every URL's id by its text as a `String`, the latest id for equal strings.
    private func idsByString() -> [String: UInt32] {
        var index: [String: UInt32] = [:]
        for (i, info) in urls.enumerated() { index[info.text] = UInt32(i) }
        return index
    }

    /// The general parse: the URL's domain (by its host, compared in lowercase), path with
    /// query and path, or why no domain of the scenario serves it.
    static func parse(_ bytes: ArenaText, domainHosts: [String]) throws(URLError) -> URLInfo {
        let text = bytes.string
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
        return URLInfo(text: bytes, domain: domain, pathStart: pathStart, queryStart: queryStart, hasPath: queryStart > pathStart)
    }

    /// `parse` on bytes, for the URLs traces are made of: printable ASCII (no space), where a
    /// byte is a character, so the result is the same as the general parse's. Nil when the
    /// text is not of that kind or does not parse (the general parse then says why). A trace
    /// with millions of distinct URLs runs this once per URL, so it works on the UTF-8 buffer
    /// directly (the generic `String.UTF8View` algorithms cost several times more).
    static func parsePrintableASCII(_ text: ArenaText, domainHosts: [[UInt8]]) -> URLInfo? {
        let slash = UInt8(ascii: "/"), question = UInt8(ascii: "?"), colon = UInt8(ascii: ":")
        let b = text.bytes
        do {
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
        var utf8 = text
        if let id = utf8.withUTF8({ find(UnsafeRawBufferPointer($0), string: text) }) { return id }
        return try addFound(ownTexts.append(text))
    }

    /// `urlID(for:)` for a text in `arena` (a reader's interner's): a URL added from it points
    /// at its bytes, and the catalog keeps the arena.
    public func urlID(for text: ArenaText, in arena: TextArena) throws(URLError) -> UInt32 {
        if let id = find(text.rawBytes, string: nil) { return id }
        let id = try addFound(text)
        keep(arena)
        return id
    }

    /// The id of the URL whose text is `raw` (as `String`s compare: see `Lookup`), if any;
    /// `string` is `raw` as a `String` when the caller has one.
    private func find(_ raw: UnsafeRawBufferPointer, string: String?) -> UInt32? {
        let ascii = isASCII(raw)
        switch lookup {
        case .bytes(let index)? where ascii:
            return index.find(raw, hash: TextIndex.hash(raw)) { catalogText($0) }
        case .bytes?:
            lookup = .strings(idsByString())
            return find(raw, string: string)
        case .strings(let index)?:
            return index[string ?? String(decoding: raw, as: UTF8.self)]
        case nil:
            // No index before the first add: a search, as events are few.
            if ascii && allASCII { return urls.firstIndex { sameBytes($0.bytes.rawBytes, raw) }.map(UInt32.init) }
            let s = string ?? String(decoding: raw, as: UTF8.self)
            return urls.firstIndex { $0.text == s }.map(UInt32.init)
        }
    }

    /// The bytes of URL `id`.
    private func catalogText(_ id: Int) -> UnsafeRawBufferPointer { urlStore[id].bytes.rawBytes }

    /// Adds a URL `find` did not find, and makes the index of ids by text on the first such add.
    private func addFound(_ text: ArenaText) throws(URLError) -> UInt32 {
        let id = try add(text)
        if lookup == nil {
            if allASCII {
                var index = TextIndex()
                for i in 0..<urls.count { index.insert(UInt32(i), hash: TextIndex.hash(catalogText(i))) }
                lookup = .bytes(index)
            } else {
                lookup = .strings(idsByString())
            }
        }
        return id
    }

    /// The id of an origin, adding it when new (for events and tests).
    public func originID(for origin: WebOrigin) -> UInt32 {
        if let i = origins.firstIndex(of: origin) { return UInt32(i) }
        return addOrigin(origin)
    }
}
