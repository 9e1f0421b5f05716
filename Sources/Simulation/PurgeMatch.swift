import Workload

/// Which cached objects a purge removes, tested on each object's URL.
///
/// A purge tests every object a POP holds — up to millions — so the target is turned into
/// bytes once and each URL is compared in place, with no string made of it. The bytes answer
/// as `String`'s `==` and `hasPrefix` would when the target, the URL and the domain's
/// `scheme://host` are printable ASCII (a byte is then a `Character`); otherwise the test
/// falls back to strings (`matchesAsStrings`, the reference), which compare canonically
/// equivalent spellings as equal.
struct PurgeMatch {
    let target: PurgeTarget
    /// The purge's domain, nil for all.
    let domain: Int?
    let domains: [DomainSpec]
    /// The target URL's or prefix's bytes, when printable ASCII.
    private let pattern: [UInt8]?
    /// Per domain, `scheme://host` as bytes, when printable ASCII.
    private let origins: [[UInt8]?]

    init(_ target: PurgeTarget, domain: Int?, domains: [DomainSpec]) {
        self.target = target
        self.domain = domain
        self.domains = domains
        switch target {
        case .url(let text), .prefix(let text): pattern = isPrintableASCII(text) ? Array(text.utf8) : nil
        case .all: pattern = nil
        }
        origins = domains.map { d in
            let origin = "\(d.scheme)://\(d.host)"
            return isPrintableASCII(origin) ? Array(origin.utf8) : nil
        }
    }

    /// Whether the purge removes the object of URL `info`.
    func matches(_ info: Catalog.URLInfo) -> Bool {
        if let domain, info.domain != domain { return false }
        if case .all = target { return true }
        guard let pattern, let origin = origins[info.domain],
              info.withTextBytes({ isPrintableASCII(UnsafeRawBufferPointer($0)) }) else {
            return Self.matchesAsStrings(info, target, domain, domains)
        }
        let isPrefix: Bool
        if case .prefix = target { isPrefix = true } else { isPrefix = false }
        return pattern.withUnsafeBytes { p in
            if p.first == UInt8(ascii: "/") {
                if isPrefix { return info.withPathBytes(includingQuery: false) { Self.starts(UnsafeRawBufferPointer($0), with: p) } }
                return info.withPathBytes(includingQuery: true) { sameBytes(UnsafeRawBufferPointer($0), p) }
                    || info.withPathBytes(includingQuery: false) { sameBytes(UnsafeRawBufferPointer($0), p) }
            }
            // The URL as spelt, or its canonical form: the domain's scheme://host and its path with query.
            let text = info.bytes.rawBytes
            return origin.withUnsafeBytes { o in
                info.withPathBytes(includingQuery: true) { pq in
                    let pathAndQuery = UnsafeRawBufferPointer(pq)
                    if isPrefix { return Self.starts(text, with: p) || Self.starts(o, pathAndQuery, with: p) }
                    return sameBytes(text, p)
                        || (p.count == o.count + pathAndQuery.count && Self.starts(o, pathAndQuery, with: p))
                }
            }
        }
    }

    /// Whether `bytes` begins with `prefix`.
    private static func starts(_ bytes: UnsafeRawBufferPointer, with prefix: UnsafeRawBufferPointer) -> Bool {
        prefix.count <= bytes.count && sameBytes(UnsafeRawBufferPointer(rebasing: bytes[..<prefix.count]), prefix)
    }

    /// Whether `a` followed by `b` begins with `prefix`.
    private static func starts(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, with prefix: UnsafeRawBufferPointer) -> Bool {
        if prefix.count <= a.count { return starts(a, with: prefix) }
        return sameBytes(a, UnsafeRawBufferPointer(rebasing: prefix[..<a.count]))
            && starts(b, with: UnsafeRawBufferPointer(rebasing: prefix[a.count...]))
    }

    /// The test on strings: whether a purge of `target` on `domain` removes the object of `info`.
    static func matchesAsStrings(_ info: Catalog.URLInfo, _ target: PurgeTarget, _ domain: Int?, _ domains: [DomainSpec]) -> Bool {
        if let domain, info.domain != domain { return false }
        func canonical() -> String {
            let d = domains[info.domain]
            return "\(d.scheme)://\(d.host)\(info.pathAndQuery)"
        }
        switch target {
        case .all: return true
        case .url(let u): return u.hasPrefix("/") ? info.pathAndQuery == u || info.path == u : info.text == u || canonical() == u
        case .prefix(let p): return p.hasPrefix("/") ? info.path.hasPrefix(p) : (info.text.hasPrefix(p) || canonical().hasPrefix(p))
        }
    }
}
