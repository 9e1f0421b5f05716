#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// nginx `log_format` strings compiled into a line matcher: literal text between `$variables`.
// The Alibaba Cloud CDN offline format is written in the same notation and uses the same matcher.

/// A compiled nginx `log_format`: the literal text before the first variable, then each
/// variable with the literal text that follows it.
///
/// A line matches by reading each variable's value up to the first occurrence of the text
/// that follows it. A variable between double quotes (`"$http_user_agent"`) ends at the first
/// closing text not escaped by a backslash, so `\"` (Apache) and `\x22` (nginx) inside a value
/// are data. The last variable with no text after it takes the rest of the line; text after
/// the format's end is ignored (a log with extra fields appended still reads). Two variables
/// need text between them, except before `$request_uri` or `$uri`, which start at the first `/`
/// (`$scheme://$host$request_uri`).
struct LogPattern: Sendable {
    /// What popsim takes from a variable.
    enum Role: Sendable, Equatable {
        case timeLocal, timeISO8601, msec
        case client
        case request, method, requestURI, uri, args
        case status, bodyBytes, bytesSent
        case referer, origin
        case host, httpHost, serverName, scheme
        case contentType
        case ignored
    }

    /// A variable as the format is read: its name and the literal after it as they are.
    private struct Draft {
        var name: String
        var role: Role
        var quoted: Bool
        var after: [UInt8]
        var endsAtSlash = false
    }

    /// A variable of the compiled format. Plain values only — its name and the literal after it
    /// are places in `names` and `literals` — so that the loop over a line's fields copies no
    /// references (it retained and released a string and an array per field and line: a tenth
    /// of an import's time).
    struct Field: Sendable {
        /// Its `$name`, for messages: `names[name]`.
        var name: Int
        var role: Role
        /// Between double quotes: backslash escapes are honoured while looking for the end.
        var quoted: Bool
        /// The literal text that ends the value, `literals[afterStart..<afterEnd]`; empty for
        /// the last variable.
        var afterStart: Int
        var afterEnd: Int
        /// Followed directly by `$request_uri` or `$uri` (`$host$request_uri`): the value ends
        /// before the first `/`, which starts the next one.
        var endsAtSlash = false
    }

    /// The format as given.
    let text: String
    let prefix: [UInt8]
    let fields: [Field]
    /// The variables' `$name`s, by `Field.name`.
    let names: [String]
    /// The literals after the variables, one after the other.
    let literals: [UInt8]

    /// The role of each nginx variable popsim reads; any other variable is matched and ignored.
    static let roles: [String: Role] = [
        "time_local": .timeLocal, "time_iso8601": .timeISO8601, "msec": .msec,
        "remote_addr": .client,
        "request": .request, "request_method": .method, "request_uri": .requestURI, "uri": .uri,
        "args": .args, "query_string": .args,
        "status": .status, "body_bytes_sent": .bodyBytes, "bytes_sent": .bytesSent,
        "http_referer": .referer, "http_origin": .origin,
        "host": .host, "http_host": .httpHost, "server_name": .serverName, "scheme": .scheme,
        "sent_http_content_type": .contentType,
    ]

    /// Compiles a format: the string of an nginx `log_format` directive, either bare
    /// (`$remote_addr - … "$http_user_agent"`) or the whole directive as written in
    /// nginx.conf (`log_format main '$remote_addr …' '… $http_origin';`), whose quoted parts
    /// are joined.
    /// - Throws: `TraceError` (file `log_format`) when the format has no time variable, no
    ///   request variable, or two variables with nothing between them.
    init(_ format: String) throws(TraceError) {
        func fail(_ message: String) -> TraceError { TraceError(file: "log_format", line: 0, column: nil, message: message) }
        text = format
        let body = LogPattern.directiveBody(format)
        var prefix: [UInt8] = []
        var fields: [Draft] = []
        var literal: [UInt8] = []
        let bytes = Array(body.utf8)
        var i = 0
        func isNameByte(_ c: UInt8) -> Bool { c.isASCIIAlphaByte || c.isASCIIDigitByte || c == UInt8(ascii: "_") }
        while i < bytes.count {
            let c = bytes[i]
            var name: [UInt8]?
            if c == UInt8(ascii: "$"), i + 1 < bytes.count {
                if bytes[i + 1] == UInt8(ascii: "{"), let close = bytes[(i + 2)...].firstIndex(of: UInt8(ascii: "}")) {
                    name = Array(bytes[(i + 2)..<close])
                    i = close + 1
                } else if isNameByte(bytes[i + 1]) {
                    var j = i + 1
                    while j < bytes.count, isNameByte(bytes[j]) { j += 1 }
                    name = Array(bytes[(i + 1)..<j])
                    i = j
                }
            }
            guard let name else {
                literal.append(c)
                i += 1
                continue
            }
            let nameText = String(decoding: name, as: UTF8.self)
            let role = LogPattern.roles[nameText] ?? .ignored
            if fields.isEmpty {
                prefix = literal
            } else if literal.isEmpty, role == .requestURI || role == .uri {
                fields[fields.count - 1].endsAtSlash = true
            } else {
                guard !literal.isEmpty else {
                    throw fail("$\(fields[fields.count - 1].name.dropFirst()) and $\(nameText) have nothing between them, so a line cannot be split between them")
                }
                fields[fields.count - 1].after = literal
                fields[fields.count - 1].quoted = fields[fields.count - 1].quoted && literal.first == UInt8(ascii: "\"")
            }
            let before = fields.isEmpty ? prefix : literal
            fields.append(Draft(name: "$" + nameText, role: role, quoted: before.last == UInt8(ascii: "\""), after: []))
            literal = []
        }
        guard !fields.isEmpty else { throw fail("\"\(format)\" names no variables") }
        fields[fields.count - 1].after = literal
        fields[fields.count - 1].quoted = fields[fields.count - 1].quoted && literal.first == UInt8(ascii: "\"")
        let roles = fields.map(\.role)
        guard roles.contains(where: { [.timeLocal, .timeISO8601, .msec].contains($0) }) else {
            throw fail("the format has no time variable ($time_local, $time_iso8601 or $msec)")
        }
        guard roles.contains(where: { [.request, .requestURI, .uri].contains($0) }) else {
            throw fail("the format has no request variable ($request, or $request_uri / $uri with $request_method)")
        }
        if !roles.contains(.request), !roles.contains(.method) {
            throw fail("the format has $request_uri or $uri but no $request_method")
        }
        self.prefix = prefix
        var literals: [UInt8] = []
        self.fields = fields.enumerated().map { k, d in
            let start = literals.count
            literals += d.after
            return Field(name: k, role: d.role, quoted: d.quoted, afterStart: start, afterEnd: literals.count, endsAtSlash: d.endsAtSlash)
        }
        names = fields.map(\.name)
        self.literals = literals
    }

    /// The format string inside a `log_format name [escape=…] '…' '…';` directive, or the text
    /// itself when it is not one (without surrounding single quotes).
    static func directiveBody(_ text: String) -> String {
        var s = Substring(text)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true || s.last == ";" { s = s.dropLast() }
        guard s.hasPrefix("log_format ") || s.hasPrefix("log_format\t") else {
            if s.count >= 2, s.first == "'", s.last == "'" { return String(s.dropFirst().dropLast()) }
            return String(s)
        }
        // Join the quoted parts; the name and escape= are not quoted.
        var out = ""
        var quote: Character?
        var escaped = false
        for ch in s {
            if let q = quote {
                if escaped { out.append(ch); escaped = false } else if ch == "\\" { escaped = true } else if ch == q { quote = nil } else { out.append(ch) }
            } else if ch == "'" || ch == "\"" {
                quote = ch
            }
        }
        return out
    }

    /// Reads `line` into `f`.
    func match(_ line: ArraySlice<UInt8>, into f: inout LogFields) -> LineOutcome {
        guard line.starts(with: prefix) else {
            return .bad(column: nil, message: "the line does not start with '\(String(decoding: prefix, as: UTF8.self))' (is it in this format?)")
        }
        var pos = line.startIndex + prefix.count
        var state = MatchState()
        for field in fields {
            let start = pos
            let end: Int
            if field.endsAtSlash {
                guard let slash = line[pos...].firstIndex(of: UInt8(ascii: "/")) else {
                    return .bad(column: names[field.name], message: "no '/' after it, where the request URI should start")
                }
                end = slash
                pos = slash
            } else if field.afterStart == field.afterEnd {
                end = line.endIndex
                pos = end
            } else {
                let (a, b) = (field.afterStart, field.afterEnd)
                let found = literals.withUnsafeBufferPointer {
                    findLiteral(UnsafeBufferPointer(rebasing: $0[a..<b]), in: line, from: pos, escapes: field.quoted)
                }
                guard let found else {
                    return .bad(column: names[field.name], message: "no '\(String(decoding: literals[a..<b], as: UTF8.self))' after it (the line is cut short or not in this format)")
                }
                end = found
                pos = found + (b - a)
            }
            if field.role == .ignored { continue }
            let value = line[start..<end]
            if let problem = assign(value, field, &f, &state) { return problem }
        }
        if state.targetRank == 1, let args = state.args {
            f.target.append(UInt8(ascii: "?"))
            appendUnescaped(args, to: &f.target)
        }
        return .record
    }

    /// Which of several variables for one thing won so far: `$request` over `$request_uri`
    /// over `$uri` (+ `$args`); `$host` over `$http_host` over `$server_name`.
    private struct MatchState {
        var targetRank = 0
        var hostRank = 0
        var args: ArraySlice<UInt8>?
    }

    private func assign(_ value: ArraySlice<UInt8>, _ field: Field, _ f: inout LogFields, _ state: inout MatchState) -> LineOutcome? {
        let dash = value.count == 1 && value.first == UInt8(ascii: "-")
        switch field.role {
        case .timeLocal, .timeISO8601, .msec:
            let t: Int64?
            switch field.role {
            case .timeLocal: t = parseCLFTime(value)
            case .timeISO8601: t = parseISO8601Time(value)
            default: t = parseEpochSeconds(value)
            }
            guard let t else {
                let example = field.role == .timeLocal ? "10/Oct/2000:13:55:36 -0700" : field.role == .msec ? "1433786289.123" : "2000-10-10T13:55:36-07:00"
                return .bad(column: names[field.name], message: "\(shown(value)) is not a time like \(example)")
            }
            f.time = t
            f.timeField = names[field.name]
        case .client:
            if !dash { f.client += value }
        case .request:
            state.targetRank = 3
            f.targetField = names[field.name]
            f.target.removeAll(keepingCapacity: true)
            f.method.removeAll(keepingCapacity: true)
            appendUnescaped(value, to: &f.target)
            if f.target.isEmpty || f.target == [UInt8(ascii: "-")] {
                return .bad(column: names[field.name], message: "no request line (the client sent none: a timeout, or TLS to a plain-HTTP port)")
            }
            guard let space = f.target.firstIndex(of: 0x20) else {
                return .bad(column: names[field.name], message: "\(shownRaw(value)) is not a request line (METHOD TARGET PROTOCOL)")
            }
            f.method += f.target[..<space]
            f.target.removeSubrange(...space)
            // The protocol is the last word when it is one; a target with spaces keeps them.
            if let last = f.target.lastIndex(of: 0x20), f.target[(last + 1)...].starts(with: "HTTP/".utf8) {
                f.target.removeSubrange(last...)
            }
        case .method:
            if !dash, f.method.isEmpty { f.method += value }
        case .requestURI, .uri:
            let rank = field.role == .requestURI ? 2 : 1
            if rank > state.targetRank, !dash {
                state.targetRank = rank
                f.targetField = names[field.name]
                f.target.removeAll(keepingCapacity: true)
                appendUnescaped(value, to: &f.target)
            }
        case .args:
            if !dash, !value.isEmpty { state.args = value }
        case .status:
            if dash { return nil }
            guard let n = decimal(value), n < 1000 else {
                return .bad(column: names[field.name], message: "\(shown(value)) is not an HTTP status")
            }
            f.status = Int(n)
        case .bodyBytes, .bytesSent:
            if dash { return nil }
            guard let n = decimal(value) else {
                return .bad(column: names[field.name], message: "\(shown(value)) is not a number of bytes")
            }
            if field.role == .bodyBytes || f.bytes == nil { f.bytes = n }
        case .referer:
            if !dash { appendUnescaped(value, to: &f.referer) }
        case .origin:
            f.originField = names[field.name]
            if !dash { appendUnescaped(value, to: &f.origin) }
        case .host, .httpHost, .serverName:
            let rank = field.role == .host ? 3 : field.role == .httpHost ? 2 : 1
            if !dash, !value.isEmpty, rank > state.hostRank {
                state.hostRank = rank
                f.hostField = names[field.name]
                f.host.removeAll(keepingCapacity: true)
                appendUnescaped(value, to: &f.host)
            }
        case .scheme:
            if !dash { f.scheme += value }
        case .contentType:
            if !dash { appendUnescaped(value, to: &f.contentType) }
        case .ignored:
            break
        }
        return nil
    }
}

/// The first occurrence of `needle` in `line` at or after `from`; with `escapes`, a byte after
/// a backslash never starts a match (scanning from `from`, a backslash and the byte after it
/// are one unit).
///
/// The needle's first byte is found with `memchr`, a word or more at a time: a quoted field
/// such as the User-Agent runs to a hundred bytes and more, and a byte-at-a-time loop over
/// them was the import's line splitting. A candidate is escaped when an odd run of
/// backslashes (within the scan) ends just before it: the byte before that run is a unit of
/// its own or the second of a pair, so the run starts pairing afresh.
func findLiteral(_ wanted: UnsafeBufferPointer<UInt8>, in line: ArraySlice<UInt8>, from: Int, escapes: Bool) -> Int? {
    let n = wanted.count
    precondition(n > 0, "findLiteral: an empty needle")
    let first = wanted[0]
    if escapes && first == UInt8(ascii: "\\") { return findLiteralByteByByte(Array(wanted), in: line, from: from, escapes: escapes) }
    return line.withUnsafeBufferPointer { buf -> Int? in
        guard let base = buf.baseAddress else { return nil }
        let offset = line.startIndex
        let last = buf.count - n
        let scanStart = from - offset
        var i = scanStart
        while i <= last {
            guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return nil }
            let j = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
            i = j + 1
            if escapes {
                var k = j
                while k > scanStart && base[k - 1] == UInt8(ascii: "\\") { k -= 1 }
                if (j - k) & 1 == 1 { continue }
            }
            var m = 1
            while m < n && base[j + m] == wanted[m] { m += 1 }
            if m == n { return j + offset }
        }
        return nil
    }
}

/// `findLiteral` a byte at a time: the definition the fast one is tested against, and its
/// way for a needle that starts with a backslash.
func findLiteralByteByByte(_ needle: [UInt8], in line: ArraySlice<UInt8>, from: Int, escapes: Bool) -> Int? {
    let first = needle[0]
    var i = from
    let last = line.endIndex - needle.count
    while i <= last {
        let c = line[i]
        if escapes && c == UInt8(ascii: "\\") {
            i += 2
            continue
        }
        if c == first {
            var k = 1
            while k < needle.count && line[i + k] == needle[k] { k += 1 }
            if k == needle.count { return i }
        }
        i += 1
    }
    return nil
}

/// A logged value as it stands in the log, in quotes: bytes outside printable ASCII as `\xHH`.
func shownRaw(_ value: ArraySlice<UInt8>) -> String {
    var out = "\""
    for c in value.prefix(80) {
        if c >= 0x20 && c < 0x7F { out.append(Character(Unicode.Scalar(c))) } else { out += "\\x" + hex(UInt32(c), width: 2) }
    }
    return out + (value.count > 80 ? "…\"" : "\"")
}

/// Digits as a number; nil for anything else (or more than 18 digits).
func decimal(_ bytes: ArraySlice<UInt8>) -> Int64? {
    guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
    var v: Int64 = 0
    for c in bytes {
        guard c.isASCIIDigitByte else { return nil }
        v = v * 10 + Int64(c - 0x30)
    }
    return v
}

/// Appends a logged value with the log's escapes undone: nginx's `\xHH` (its default escaping
/// of `"`, `\`, controls and non-ASCII), `\"` and `\\` (Apache), and `escape=json`'s `\uXXXX`.
/// Any other backslash is kept.
func appendUnescaped(_ value: ArraySlice<UInt8>, to out: inout [UInt8]) {
    guard value.contains(UInt8(ascii: "\\")) else {
        out += value
        return
    }
    var i = value.startIndex
    while i < value.endIndex {
        let c = value[i]
        if c == UInt8(ascii: "\\"), i + 1 < value.endIndex {
            let e = value[i + 1]
            if e == UInt8(ascii: "x"), i + 3 < value.endIndex, let h = hexValue(value[i + 2]), let l = hexValue(value[i + 3]) {
                out.append(h << 4 | l)
                i += 4
                continue
            }
            if e == UInt8(ascii: "u"), i + 5 < value.endIndex {
                var v: UInt32 = 0
                var ok = true
                for k in 2...5 {
                    guard let d = hexValue(value[i + k]) else { ok = false; break }
                    v = v << 4 | UInt32(d)
                }
                if ok, let scalar = Unicode.Scalar(v) {
                    out += Array(String(Character(scalar)).utf8)
                    i += 6
                    continue
                }
            }
            if e == UInt8(ascii: "\"") || e == UInt8(ascii: "\\") {
                out.append(e)
                i += 2
                continue
            }
        }
        out.append(c)
        i += 1
    }
}

func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x41...0x46: return c - 0x41 + 10
    case 0x61...0x66: return c - 0x61 + 10
    default: return nil
    }
}
