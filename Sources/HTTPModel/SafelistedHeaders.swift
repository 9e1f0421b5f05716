/// Fetch's request-side CORS lists: which methods and author headers a cross-origin request may
/// carry without a preflight, and which headers a page cannot set at all.
///
/// Everything here follows the WHATWG Fetch standard (https://fetch.spec.whatwg.org/, sections
/// "Methods" and "Headers"); Chromium (`services/network/public/cpp/cors/cors.cc`) implements the
/// same rules. Header values are handled as bytes (their UTF-8 form), as Fetch handles them.
public enum CORSSafelist {
    /// Fetch "normalize a method": `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` and `PUT` are
    /// upper-cased when they match case-insensitively; every other method stays as typed, so
    /// `patch` is sent (and must be allowed) as `patch`.
    public static func normalizedMethod(_ method: String) -> String {
        for known in ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"] where method.caseInsensitiveEquals(known) {
            return known
        }
        return method
    }

    /// Fetch "CORS-safelisted method": exactly `GET`, `HEAD` or `POST` (normalise first).
    public static func isSafelistedMethod(_ method: String) -> Bool {
        method == "GET" || method == "HEAD" || method == "POST"
    }

    /// Fetch "CORS-safelisted request-header" for one (name, value) pair.
    ///
    /// Only `accept`, `accept-language`, `content-language`, `content-type` (with a form, multipart
    /// or plain-text essence) and a simple `range` (`bytes=N-` or `bytes=N-M`) qualify, each with a
    /// value of at most 128 bytes. The 1024-byte total rule needs the whole list: see
    /// ``unsafeRequestHeaderNames(_:)``.
    public static func isSafelistedRequestHeader(name: String, value: String) -> Bool {
        let bytes = Array(value.utf8)
        if bytes.count > 128 { return false }
        switch name.lowercasedASCII {
        case "accept":
            return !bytes.contains(where: isCORSUnsafeRequestHeaderByte)
        case "accept-language", "content-language":
            return bytes.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || [0x20, 0x2A, 0x2C, 0x2D, 0x2E, 0x3B, 0x3D].contains(byte)
            }
        case "content-type":
            if bytes.contains(where: isCORSUnsafeRequestHeaderByte) { return false }
            guard let essence = mimeEssence(of: bytes) else { return false }
            return essence == "application/x-www-form-urlencoded" || essence == "multipart/form-data" || essence == "text/plain"
        case "range":
            return isSimpleRangeHeaderValue(bytes)
        default:
            return false
        }
    }

    /// Fetch "CORS-unsafe request-header names": the names of the headers that are not safelisted,
    /// plus every safelisted one when the safelisted values total more than 1024 bytes; byte-lowercased,
    /// without duplicates, sorted (Fetch "convert header names to a sorted-lowercase set").
    ///
    /// - Complexity: O(*n* log *n*) in the number of header lines.
    public static func unsafeRequestHeaderNames(_ headers: HeaderFields) -> [String] {
        var unsafe: Set<String> = []
        var potentiallyUnsafe: Set<String> = []
        var safelistedValueSize = 0
        for field in headers {
            if isSafelistedRequestHeader(name: field.name, value: field.value) {
                potentiallyUnsafe.insert(field.name.lowercasedASCII)
                safelistedValueSize += field.value.utf8.count
            } else {
                unsafe.insert(field.name.lowercasedASCII)
            }
        }
        if safelistedValueSize > 1024 { unsafe.formUnion(potentiallyUnsafe) }
        return unsafe.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Fetch "no-CORS-safelisted request-header": the only author headers a no-cors request keeps.
    public static func isNoCORSSafelistedRequestHeader(name: String, value: String) -> Bool {
        ["accept", "accept-language", "content-language", "content-type"].contains(name.lowercasedASCII)
            && isSafelistedRequestHeader(name: name, value: value)
    }

    /// Fetch "CORS non-wildcard request-header name": `Authorization` is never covered by
    /// `Access-Control-Allow-Headers: *`.
    public static func isNonWildcardRequestHeaderName(_ name: String) -> Bool {
        name.caseInsensitiveEquals("authorization")
    }

    /// Fetch "forbidden request-header": a header a page cannot set (the `Headers` object drops it
    /// silently), such as `Origin`, `Cookie`, `Host`, anything starting with `Sec-` or `Proxy-`, or a
    /// method-override header naming `CONNECT`, `TRACE` or `TRACK`.
    public static func isForbiddenRequestHeader(name: String, value: String) -> Bool {
        let lower = name.lowercasedASCII
        if forbiddenRequestHeaderNames.contains(lower) { return true }
        if lower.hasPrefix("proxy-") || lower.hasPrefix("sec-") { return true }
        if lower == "x-http-method" || lower == "x-http-method-override" || lower == "x-method-override" {
            return value.split(separator: ",").contains { item in
                let method = String(item).trimmingHTTPWhitespace
                return ["CONNECT", "TRACE", "TRACK"].contains { method.caseInsensitiveEquals($0) }
            }
        }
        return false
    }

    static let forbiddenRequestHeaderNames: Set<String> = [
        "accept-charset", "accept-encoding", "access-control-request-headers", "access-control-request-method",
        "connection", "content-length", "cookie", "cookie2", "date", "dnt", "expect", "host", "keep-alive",
        "origin", "referer", "set-cookie", "te", "trailer", "transfer-encoding", "upgrade", "via",
    ]

    /// Fetch "CORS-unsafe request-header byte".
    static func isCORSUnsafeRequestHeaderByte(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09) || byte == 0x7F
            || [0x22, 0x28, 0x29, 0x3A, 0x3C, 0x3E, 0x3F, 0x40, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D].contains(byte)
    }

    /// The essence (`type/subtype`, lower case) of a MIME type, per MIME Sniffing "parse a MIME
    /// type" steps 1–10; parameters never make parsing fail, so they are not read.
    static func mimeEssence(of bytes: [UInt8]) -> String? {
        var input = ArraySlice(bytes)
        while let first = input.first, first.isHTTPWhitespace { input = input.dropFirst() }
        while let last = input.last, last.isHTTPWhitespace { input = input.dropLast() }
        guard let slash = input.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let type = input[..<slash]
        var subtype = input[input.index(after: slash)...]
        if let semicolon = subtype.firstIndex(of: UInt8(ascii: ";")) { subtype = subtype[..<semicolon] }
        while let last = subtype.last, last.isHTTPWhitespace { subtype = subtype.dropLast() }
        guard !type.isEmpty, type.allSatisfy(\.isHTTPTokenByte), !subtype.isEmpty, subtype.allSatisfy(\.isHTTPTokenByte)
        else { return nil }
        return String(decoding: type, as: UTF8.self).lowercasedASCII + "/" + String(decoding: subtype, as: UTF8.self).lowercasedASCII
    }

    /// Fetch "parse a single range header value" (whitespace not allowed) followed by the
    /// safelist's extra rule that the range has a start: `bytes=N-` or `bytes=N-M` with N ≤ M.
    static func isSimpleRangeHeaderValue(_ bytes: [UInt8]) -> Bool {
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")),
              String(decoding: bytes[..<equals], as: UTF8.self).caseInsensitiveEquals("bytes")
        else { return false }
        let spec = bytes[(equals + 1)...]
        guard let dash = spec.firstIndex(of: UInt8(ascii: "-")) else { return false }
        let start = spec[..<dash], end = spec[(dash + 1)...]
        guard !start.isEmpty, start.allSatisfy(\.isASCIIDigitByte), end.allSatisfy(\.isASCIIDigitByte) else { return false }
        if end.isEmpty { return true }
        return !decimalGreaterThan(start, end)
    }

    /// Compares two runs of ASCII digits as decimal numbers of any length.
    private static func decimalGreaterThan(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        let x = a.drop { $0 == UInt8(ascii: "0") }, y = b.drop { $0 == UInt8(ascii: "0") }
        if x.count != y.count { return x.count > y.count }
        return y.lexicographicallyPrecedes(x)
    }
}

extension UInt8 {
    /// HTTP whitespace (Fetch): tab, LF, CR, space.
    var isHTTPWhitespace: Bool { self == 0x09 || self == 0x0A || self == 0x0D || self == 0x20 }
    /// HTTP tab or space (the OWS of RFC 9110).
    var isHTTPTabOrSpace: Bool { self == 0x09 || self == 0x20 }
    /// 0–9.
    @inlinable public var isASCIIDigitByte: Bool { (0x30...0x39).contains(self) }
    /// A–Z or a–z.
    @inlinable public var isASCIIAlphaByte: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
    /// The byte with A–Z lowered to a–z and every other byte kept (Fetch "byte-lowercase"): the
    /// one ASCII case fold that header names, globs, Lua patterns and URL hosts all compare by.
    @inlinable public var asciiLowercased: UInt8 { (0x41...0x5A).contains(self) ? self | 0x20 : self }
    /// An RFC 9110 `tchar` (§5.6.2): a digit, a letter or one of ``!#$%&'*+-.^_`|~``. Header names,
    /// methods and the trace readers' method fields are tokens.
    @inlinable public var isHTTPTokenByte: Bool {
        switch self {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): return true
        default: return false
        }
    }
}

extension String {
    /// The string with ASCII upper-case letters lowered and everything else kept (Fetch "byte-lowercase").
    var lowercasedASCII: String {
        String(decoding: utf8.map(\.asciiLowercased), as: UTF8.self)
    }

    /// The string without leading and trailing HTTP whitespace (Fetch "normalize" a header value).
    var trimmingHTTPWhitespace: String { trimmingBytes(where: \.isHTTPWhitespace) }

    /// The string without leading and trailing spaces and tabs (OWS around a field value).
    var trimmingOWS: String { trimmingBytes(where: \.isHTTPTabOrSpace) }

    private func trimmingBytes(where isTrimmed: (UInt8) -> Bool) -> String {
        let bytes = utf8
        guard let first = bytes.firstIndex(where: { !isTrimmed($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isTrimmed($0) })!
        return String(decoding: bytes[first...last], as: UTF8.self)
    }

    /// Whether the whole string is an RFC 9110 token (non-empty, `tchar` only).
    var isHTTPToken: Bool { !isEmpty && utf8.allSatisfy(\.isHTTPTokenByte) }
}
