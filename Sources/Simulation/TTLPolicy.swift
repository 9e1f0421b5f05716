import HTTPModel
import Workload

/// How long a POP keeps an object: the domain's cache rules first, then the origin's
/// `Cache-Control`, then the domain's default — the order CDN consoles document.
public enum TTLPolicy {
    /// TTL in µs for `path`; 0 means the object is not cached.
    public static func ttl(path: Substring, domain: DomainSpec, originCacheControl: String?) -> Int64 {
        ttl(domain: domain, originCacheControl: originCacheControl) { matches($0, path: path) }
    }

    /// The order itself: the first of the domain's rules that `matches` the path, then the
    /// origin's `Cache-Control`, then the domain's default.
    @inline(__always)
    private static func ttl(domain: DomainSpec, originCacheControl: String?, where matches: (TTLRule.Match) -> Bool) -> Int64 {
        for rule in domain.ttlRules where matches(rule.match) {
            return rule.ttl
        }
        if let cc = originCacheControl, let fromOrigin = ttl(cacheControl: cc) {
            return fromOrigin
        }
        return domain.defaultTTL
    }

    package static func matches(_ match: TTLRule.Match, path: Substring) -> Bool {
        switch match {
        case .prefix(let p): return path.hasPrefix(p)
        case .fileExtension(let ext):
            if let match = asciiExtensionMatches(path, ext) { return match }
            let last = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
            guard let dot = last.lastIndex(of: ".") else { return false }
            return String(last[last.index(after: dot)...]).caseInsensitiveEquals(ext)
        }
    }

    /// The extension match on an ASCII path's bytes — what follows the last `.` of the last
    /// segment, compared with `ext` ignoring ASCII case — without the segments array and the
    /// strings of the general match (run once per distinct URL and rule: a million times on a
    /// large trace). nil when the path is not ASCII, where a character may span several bytes
    /// and the general match decides.
    package static func asciiExtensionMatches(_ path: Substring, _ ext: String) -> Bool? {
        var path = path
        return path.withUTF8 { asciiExtensionMatches(UnsafeRawBufferPointer($0), ext) }
    }

    /// `asciiExtensionMatches` on the path's bytes.
    package static func asciiExtensionMatches(_ p: UnsafeRawBufferPointer, _ ext: String) -> Bool? {
        var dot = -1
        for (i, b) in p.enumerated() {
            if b >= 0x80 { return nil }
            if b == UInt8(ascii: "/") { dot = -1 } else if b == UInt8(ascii: ".") { dot = i }
        }
        guard dot >= 0 else { return false }
        var ext = ext
        return ext.withUTF8 { e in asciiCaseInsensitiveEquals(p[(dot + 1)...], e) }
    }

    /// `ttl(path:domain:originCacheControl:)` for a path of printable ASCII given as bytes, when
    /// the domain's prefixes are printable ASCII too (the caller checks: `hasPrintablePrefixes`):
    /// then a byte is a `Character` and the tests on bytes answer as those on strings, with no
    /// string made of the path (run once per distinct URL).
    package static func ttl(printablePath path: UnsafeRawBufferPointer, domain: DomainSpec, originCacheControl: String?) -> Int64 {
        ttl(domain: domain, originCacheControl: originCacheControl) { match in
            switch match {
            case .prefix(let p): hasBytePrefix(path, p)
            case .fileExtension(let ext): asciiExtensionMatches(path, ext)!
            }
        }
    }

    /// Whether every prefix rule of the domain is printable ASCII (see `ttl(printablePath:…)`).
    package static func hasPrintablePrefixes(_ domain: DomainSpec) -> Bool {
        domain.ttlRules.allSatisfy { rule in
            if case .prefix(let p) = rule.match { return isPrintableASCII(p) }
            return true
        }
    }

    /// Whether `bytes` begins with the UTF-8 of `prefix`.
    package static func hasBytePrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: String) -> Bool {
        var prefix = prefix
        return prefix.withUTF8 { p in p.count <= bytes.count && sameBytes(UnsafeRawBufferPointer(p), UnsafeRawBufferPointer(rebasing: bytes[..<p.count])) }
    }

    /// What a shared cache reads from `Cache-Control` (RFC 9111 §5.2.2): `no-store`, `no-cache` and
    /// `private` forbid keeping it; `s-maxage` wins over `max-age`. nil when it says nothing about time.
    public static func ttl(cacheControl: String) -> Int64? {
        var maxAge: Int64? = nil, sMaxAge: Int64? = nil
        for directive in cacheControl.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0].trimmingASCIIWhitespace()).lowercased()
            // Digits beyond Int64 are still a (huge) number of seconds: 2^31 below.
            let digits = parts.count > 1 ? parts[1].trimmingASCIIWhitespace().filter { $0 != "\"" } : ""
            let value: Int64? = Int64(digits) ?? (!digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber } ? Int64.max : nil)
            switch name {
            case "no-store", "no-cache", "private": return 0
            case "max-age": maxAge = value
            case "s-maxage": sMaxAge = value
            default: break
            }
        }
        // RFC 9111 §1.2.2: a delta-seconds beyond what a cache represents counts as 2^31 seconds.
        return (sMaxAge ?? maxAge).map { min(max(0, $0), 1 << 31) * 1_000_000 }
    }
}
