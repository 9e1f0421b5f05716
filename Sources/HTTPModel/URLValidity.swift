/// Whether a non-matching `Access-Control-Allow-Origin` value parses as an absolute URL.
///
/// Chromium only uses this to tell `kInvalidAllowOriginValue` from `kAllowOriginMismatch`
/// (`CheckAccess` builds a `GURL` from the value). popsim approximates `GURL::is_valid()` with the
/// failure conditions of the URL Standard's basic URL parser (https://url.spec.whatwg.org/#concept-basic-url-parser)
/// that an origin-like value can hit: no scheme, an empty or malformed host for a special scheme,
/// a forbidden host code point, a bad port, a malformed IPv4 or IPv6 address. **[INFERRED]**: IDNA
/// is not run (a non-ASCII host counts as valid), and `GURL` may differ from the URL Standard on
/// rare inputs. The outcome (the load fails) is the same either way; only the reason differs.
enum URLValidity {
    static let specialSchemes: Set<String> = ["http", "https", "ws", "wss", "ftp", "file"]

    static func isValidAbsoluteURL(_ text: String) -> Bool {
        // The parser strips leading/trailing C0 controls and spaces and removes tabs and newlines.
        var bytes = Array(text.utf8)
        while let first = bytes.first, first <= 0x20 { bytes.removeFirst() }
        while let last = bytes.last, last <= 0x20 { bytes.removeLast() }
        bytes.removeAll { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }

        // Scheme: ASCII alpha, then alphanumerics, '+', '-', '.', up to ':'.
        guard let first = bytes.first, first.isASCIIAlphaByte else { return false }
        var i = 1
        while i < bytes.count, bytes[i].isASCIIAlphaByte || bytes[i].isASCIIDigitByte || "+-.".utf8.contains(bytes[i]) { i += 1 }
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
        let scheme = String(decoding: bytes[..<i], as: UTF8.self).lowercasedASCII
        var rest = bytes[(i + 1)...]

        if scheme == "file" { return true }
        let isSpecial = specialSchemes.contains(scheme)
        if isSpecial {
            // Special schemes read any run of '/' and '\' as the start of the authority.
            rest = rest.drop { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }
        } else {
            guard rest.starts(with: "//".utf8) else { return true }  // an opaque path: always parses
            rest = rest.dropFirst(2)
        }
        let authorityEnd = rest.firstIndex { "/?#".utf8.contains($0) || (isSpecial && $0 == UInt8(ascii: "\\")) } ?? rest.endIndex
        var hostAndPort = rest[..<authorityEnd]
        if let at = hostAndPort.lastIndex(of: UInt8(ascii: "@")) {
            hostAndPort = hostAndPort[(at + 1)...]
            if hostAndPort.isEmpty { return false }  // credentials without a host
        }
        if hostAndPort.isEmpty { return !isSpecial }

        let host: ArraySlice<UInt8>
        var port: ArraySlice<UInt8> = []
        if hostAndPort.first == UInt8(ascii: "[") {
            guard let close = hostAndPort.firstIndex(of: UInt8(ascii: "]")) else { return false }
            host = hostAndPort[...close]
            let after = hostAndPort[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { return false }
                port = after.dropFirst()
            }
            guard isPlausibleIPv6(host.dropFirst().dropLast()) else { return false }
        } else {
            if let colon = hostAndPort.firstIndex(of: UInt8(ascii: ":")) {
                host = hostAndPort[..<colon]
                port = hostAndPort[(colon + 1)...]
            } else {
                host = hostAndPort
            }
            if isSpecial {
                guard isValidDomain(host) else { return false }
            } else {
                guard !host.contains(where: isForbiddenHostByte) else { return false }
            }
        }
        guard port.allSatisfy(\.isASCIIDigitByte) else { return false }
        if !port.isEmpty {
            let digits = port.drop { $0 == UInt8(ascii: "0") }
            guard digits.count <= 5, (Int(String(decoding: digits, as: UTF8.self)) ?? 0) <= 65535 else { return false }
        }
        return true
    }

    /// URL Standard "forbidden host code point".
    static func isForbiddenHostByte(_ b: UInt8) -> Bool {
        b == 0x00 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x20 || "#/:<>?@[\\]^|".utf8.contains(b)
    }

    /// A special-scheme host: non-empty, no forbidden domain code point, and a valid IPv4 address
    /// when its last label is numeric (URL Standard "ends in a number").
    static func isValidDomain(_ host: ArraySlice<UInt8>) -> Bool {
        guard !host.isEmpty else { return false }
        // Percent-decoding happens before the code point check; a lone '%' stays and is forbidden.
        var decoded: [UInt8] = []
        var i = host.startIndex
        while i < host.endIndex {
            if host[i] == UInt8(ascii: "%"), host.distance(from: i, to: host.endIndex) >= 3,
               let value = UInt8(String(decoding: host[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                decoded.append(value)
                i += 3
            } else {
                decoded.append(host[i])
                i += 1
            }
        }
        if decoded.isEmpty { return false }
        if decoded.contains(where: { isForbiddenHostByte($0) || $0 < 0x20 || $0 == 0x25 || $0 == 0x7F }) { return false }
        var labels = decoded.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if labels.count > 1, labels.last?.isEmpty == true { labels.removeLast() }
        guard let last = labels.last, !last.isEmpty, last.allSatisfy(\.isASCIIDigitByte) else { return true }
        // Ends in a (decimal) number: the whole host must be an IPv4 address. Hex and octal parts
        // are accepted as they parse, without range checks (rare in ACAO values).
        guard labels.count <= 4 else { return false }
        var parts: [Int] = []
        for label in labels {
            let text = String(decoding: label, as: UTF8.self)
            if text.hasPrefix("0x") || text.hasPrefix("0X") { return true }
            guard !text.isEmpty, text.utf8.allSatisfy(\.isASCIIDigitByte) else { return false }
            let digits = text.drop { $0 == "0" }
            guard digits.count <= 10, let value = Int(digits.isEmpty ? "0" : String(digits)) else { return false }
            parts.append(value)
        }
        if parts.dropLast().contains(where: { $0 > 255 }) { return false }
        let limit = 1 << (8 * (5 - parts.count))
        return parts.last! < limit
    }

    /// Loose IPv6 check: hex digits, ':' and '.', with at least one ':'.
    static func isPlausibleIPv6(_ text: ArraySlice<UInt8>) -> Bool {
        text.contains(UInt8(ascii: ":")) && text.allSatisfy { b in
            b.isASCIIDigitByte || (0x41...0x46).contains(b) || (0x61...0x66).contains(b) || b == UInt8(ascii: ":") || b == UInt8(ascii: ".")
        }
    }
}
