// Which POP served a request, for logs that do not say: a small CSV mapping file.

/// A mapping from client address prefixes, or from edge names, to POP ids.
///
/// The file is CSV with a header naming its key column, then one mapping a line:
///
/// ```
/// client_prefix,pop          edge,pop
/// 203.0.113.0/24,hangzhou    IAD,virginia
/// 2001:db8::/32,frankfurt    FRA56-P1,frankfurt
/// 198.51.100.7,hangzhou
/// ```
///
/// - `client_prefix`: an IPv4 or IPv6 address with an optional `/length` (none: the one
///   address). The longest prefix containing the client's address wins; IPv4-mapped IPv6
///   clients (`::ffff:203.0.113.9`) match IPv4 prefixes.
/// - `edge`: an edge location as the log writes it (CloudFront `x-edge-location`, such as
///   `IAD89-C3`), or its start (`IAD`): the longest entry the edge starts with wins.
///
/// Blank lines and lines starting with `#` are ignored.
public struct POPMap: Sendable, Equatable {
    /// What the map is keyed on.
    public enum Key: String, Sendable, CaseIterable {
        case clientPrefix = "client_prefix"
        case edge
    }

    public let key: Key
    /// The file it was read from, for messages.
    public let file: String
    /// The POP ids the map names, in first-seen order.
    public private(set) var popNames: [String] = []
    // client_prefix: (network, length) ⇒ index in popNames; lengths tried longest first.
    private var prefixes: [IPPrefix: Int] = [:]
    private var lengths: [Int] = []
    // edge: entries as (bytes, index in popNames), longest first.
    private var edges: [([UInt8], Int)] = []

    /// Reads a map file.
    /// - Throws: `TraceError` naming the file and line of the first bad entry.
    public init(path: String) throws(TraceError) {
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch { throw TraceError(file: path, line: 0, column: nil, message: error.message) }
        var lines: [(Int, String)] = []
        do {
            while let line = try reader.nextLine() { lines.append((reader.lineNumber, String(decoding: line, as: UTF8.self))) }
        } catch {
            throw TraceError(file: path, line: 0, column: nil, message: error.message)
        }
        try self.init(lines: lines, file: path)
    }

    /// Parses a map from text (`file` names it in errors).
    public init(text: String, file: String) throws(TraceError) {
        var lines: [(Int, String)] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            lines.append((i + 1, line.hasSuffix("\r") ? String(line.dropLast()) : String(line)))
        }
        try self.init(lines: lines, file: file)
    }

    private init(lines: [(Int, String)], file: String) throws(TraceError) {
        self.file = file
        func fail(_ line: Int, _ column: String?, _ message: String) -> TraceError {
            TraceError(file: file, line: line, column: column, message: message)
        }
        let content = lines.filter { !$0.1.allSatisfy { $0 == " " || $0 == "\t" } && !$0.1.hasPrefix("#") }
        guard let (headerLine, headerText) = content.first else {
            throw fail(0, nil, "empty POP map (expected a header 'client_prefix,pop' or 'edge,pop')")
        }
        let header: [String]
        do { header = try splitCSVLine(headerText.hasPrefix("\u{FEFF}") ? String(headerText.dropFirst()) : headerText) } catch {
            throw fail(headerLine, nil, "header: \(error)")
        }
        guard header.count == 2, header[1] == "pop", let key = Key(rawValue: header[0]) else {
            throw fail(headerLine, nil, "header is \"\(headerText)\" (expected 'client_prefix,pop' or 'edge,pop')")
        }
        self.key = key
        var index: [String: Int] = [:]
        var seenEdges: [String: Int] = [:]
        for (number, text) in content.dropFirst() {
            let fields: [String]
            do { fields = try splitCSVLine(text) } catch { throw fail(number, nil, "\(error)") }
            guard fields.count == 2 else { throw fail(number, nil, "expected 2 fields (\(key.rawValue),pop), found \(fields.count)") }
            let (k, pop) = (fields[0].trimmingSpaces, fields[1].trimmingSpaces)
            guard !pop.isEmpty else { throw fail(number, "pop", "empty (every entry names a POP)") }
            let popIndex: Int
            if let i = index[pop] { popIndex = i } else {
                popIndex = popNames.count
                index[pop] = popIndex
                popNames.append(pop)
            }
            switch key {
            case .clientPrefix:
                guard let prefix = IPPrefix(parsing: k) else {
                    throw fail(number, key.rawValue, "\"\(k)\" is not an IP address or prefix (such as 203.0.113.0/24 or 2001:db8::/32)")
                }
                if let other = prefixes[prefix], other != popIndex {
                    throw fail(number, key.rawValue, "\"\(k)\" is mapped twice, to \(popNames[other]) and \(pop)")
                }
                prefixes[prefix] = popIndex
                if !lengths.contains(prefix.length) { lengths.append(prefix.length) }
            case .edge:
                guard !k.isEmpty else { throw fail(number, key.rawValue, "empty (expected an edge location such as IAD89-C3, or its start such as IAD)") }
                if let other = seenEdges[k], other != popIndex {
                    throw fail(number, key.rawValue, "\"\(k)\" is mapped twice, to \(popNames[other]) and \(pop)")
                }
                seenEdges[k] = popIndex
                edges.append((Array(k.utf8), popIndex))
            }
        }
        guard !popNames.isEmpty else { throw fail(headerLine, nil, "the map has a header but no entries") }
        lengths.sort(by: >)
        edges.sort { $0.0.count > $1.0.count }
    }

    /// The index in `popNames` of the POP for a client address as logged, or nil when the
    /// address is not an IP address or no prefix contains it.
    public func popIndex(forClient address: some Collection<UInt8>) -> Int? {
        guard key == .clientPrefix, let ip = IPAddress(parsing: address) else { return nil }
        for length in lengths {
            if let i = prefixes[IPPrefix(ip.masked(to: length), length: length)] { return i }
        }
        return nil
    }

    /// The index in `popNames` of the POP for an edge name, or nil when no entry matches.
    public func popIndex(forEdge edge: some Collection<UInt8>) -> Int? {
        guard key == .edge else { return nil }
        for (entry, index) in edges where edge.starts(with: entry) { return index }
        return nil
    }

    public static func == (a: POPMap, b: POPMap) -> Bool {
        a.key == b.key && a.file == b.file && a.popNames == b.popNames && a.prefixes == b.prefixes
            && a.edges.elementsEqual(b.edges, by: { $0.0 == $1.0 && $0.1 == $1.1 })
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// An IPv6 address, IPv4 addresses held as IPv4-mapped (`::ffff:a.b.c.d`).
struct IPAddress: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    /// Parses dotted IPv4 or RFC 4291 IPv6 text (`::` compression, an IPv4 tail, optional
    /// brackets); nil otherwise. A zone (`%eth0`) is ignored.
    init?(parsing text: some Collection<UInt8>) {
        var bytes = Array(text)
        if bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") { bytes = Array(bytes.dropFirst().dropLast()) }
        if let zone = bytes.firstIndex(of: UInt8(ascii: "%")) { bytes = Array(bytes[..<zone]) }
        if !bytes.contains(UInt8(ascii: ":")) {
            guard let v4 = IPAddress.ipv4(bytes[...]) else { return nil }
            high = 0
            low = 0xFFFF_0000_0000 | UInt64(v4)
            return
        }
        // Split on ':'; one empty run marks '::'.
        var groups: [UInt16] = []
        var tail: [UInt16] = []
        var afterGap = false
        var parts = bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map { $0 }
        // '::' at either end yields two empty parts; fold them into one gap marker.
        if parts.count >= 2, parts[0].isEmpty, parts[1].isEmpty { parts.removeFirst() }
        if parts.count >= 2, parts[parts.count - 1].isEmpty, parts[parts.count - 2].isEmpty { parts.removeLast() }
        for (k, part) in parts.enumerated() {
            if part.isEmpty {
                guard !afterGap else { return nil }
                afterGap = true
                continue
            }
            if k == parts.count - 1, part.contains(UInt8(ascii: ".")) {
                guard let v4 = IPAddress.ipv4(part) else { return nil }
                let pair = [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                if afterGap { tail += pair } else { groups += pair }
                continue
            }
            guard part.count <= 4, let v = UInt16(String(decoding: part, as: UTF8.self), radix: 16) else { return nil }
            if afterGap { tail.append(v) } else { groups.append(v) }
        }
        if afterGap {
            guard groups.count + tail.count <= 7 else { return nil }
            groups += Array(repeating: 0, count: 8 - groups.count - tail.count) + tail
        }
        guard groups.count == 8 else { return nil }
        high = groups[0..<4].reduce(0) { $0 << 16 | UInt64($1) }
        low = groups[4..<8].reduce(0) { $0 << 16 | UInt64($1) }
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    private static func ipv4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            let n = p.reduce(0) { $0 * 10 + UInt32($1 - 0x30) }
            guard n <= 255 else { return nil }
            v = v << 8 | n
        }
        return v
    }

    /// The address with all but the first `length` bits (of 128) cleared.
    func masked(to length: Int) -> IPAddress {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits)) }
        return IPAddress(high: high & mask(length), low: low & mask(length - 64))
    }
}

/// A network: an address with its host bits cleared and a prefix length of 0…128 (IPv4
/// prefixes are stored as IPv4-mapped, 96 + their length).
struct IPPrefix: Hashable, Sendable {
    var network: IPAddress
    var length: Int

    init(_ network: IPAddress, length: Int) {
        self.network = network
        self.length = length
    }

    init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let isV4 = !parts[0].contains(":")
        guard let address = IPAddress(parsing: Array(parts[0].utf8)) else { return nil }
        let maxLength = isV4 ? 32 : 128
        var length = maxLength
        if parts.count == 2 {
            guard let n = Int(parts[1]), parts[1].allSatisfy(\.isASCII), (0...maxLength).contains(n) else { return nil }
            length = n
        }
        if isV4 { length += 96 }
        network = address.masked(to: length)
        self.length = length
    }
}
