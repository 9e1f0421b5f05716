import Foundation
import Testing
import HTTPModel
@testable import Workload

/// `AccessLogSource.readsAhead` (what `trace import` turns on) prepares up to 64 lines of a file
/// before it returns their records, so that their URLs' lookups overlap. Whatever it changes of
/// the timing, a reader that reads to the end or to an error must see what it saw one line at a
/// time: the same records with the same line numbers and file names, the same skips, stats and
/// ids, and the same error after the same records.
@Suite("Importer: reading ahead gives what reading a line at a time gives")
struct ImporterReadAheadTests {
    /// One record as a reader sees it: the row, the line it came from and the file named then.
    struct Seen: Equatable, CustomStringConvertible {
        var row: String
        var line: Int
        var file: String
        var description: String { "\(file):\(line) \(row)" }
    }

    /// What reading `paths` saw, one line at a time or ahead: the records until the end or the
    /// first error, that error, and the source's counts and ids at the end.
    struct Reading: Equatable {
        var seen: [Seen] = []
        var error: TraceError?
        var stats = AccessLogStats()
        var skips = SkipLog()
        var urls: [String] = []
        var pops: [String] = []
        var origins: [String] = []
    }

    static func read(_ paths: [String], _ format: AccessLogFormat, ahead: Bool, options: AccessLogOptions = AccessLogOptions()) throws -> Reading {
        let source = try format.open(paths: paths, options: options)
        source.readsAhead = ahead
        var reading = Reading()
        do {
            while let r = try source.next() { reading.seen.append(Seen(row: row(r, source), line: r.line, file: source.sourceName)) }
        } catch {
            reading.error = error
        }
        reading.stats = source.stats
        reading.skips = source.skips
        reading.urls = source.urls.allStrings
        reading.pops = source.pops.allStrings
        reading.origins = source.origins.allStrings
        return reading
    }

    /// A combined log of `count` lines from `start` seconds: URLs repeat (Zipf-like), one line
    /// in 23 is garbage (unless `garbage` is false; line `badAt` + 1 is), one in 31 goes back a
    /// second (clamped), one in 41 has an unusable Referer.
    static func log(count: Int, start: Int = 0, garbage: Bool = true, badAt: Int? = nil, farBackAt: Int? = nil) -> String {
        var lines: [String] = []
        var rng = SplitMix64(seed: 9)
        for i in 0..<count {
            let n = Int(rng.next() % 1000)
            let object = n * n / 1000
            let second = start + i / 3 - (i % 31 == 30 ? 1 : 0) - (i == farBackAt ? 120 : 0)
            let referer = i % 41 == 40 ? "android-app://x" : ["https://www.example.com/", "https://shop.example.com/a?b=1", "-"][i % 3]
            if (garbage && i % 23 == 22) || i == badAt {
                lines.append("garbage \(i)")
            } else {
                lines.append(combinedLine(second, "/assets/o\(object)\(object % 7 == 0 ? ".woff2" : ".png")\(object % 5 == 0 ? "?v=\(object % 3)" : "")",
                                          referer: referer))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let site = options { $0.site = try! WebOrigin(parsing: "https://static.example-cdn.com") }

    @Test("one file of 1,000 lines: the same records, lines, skips, stats and ids")
    func oneFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("access.log", Self.log(count: 1000))
        let single = try Self.read([path], .nginxCombined, ahead: false, options: Self.site)
        let ahead = try Self.read([path], .nginxCombined, ahead: true, options: Self.site)
        #expect(single.seen.count > 900)
        #expect(single.error == nil)
        #expect(single.stats.clamped > 0)
        #expect(single.skips.count == 1000 / 23)
        #expect(ahead == single)
    }

    @Test("three files, the middle one shorter than a batch: each record names its own file")
    func severalFiles() throws {
        let dir = TemporaryDirectory()
        let paths = [dir.file("a.log", Self.log(count: 150)), dir.file("b.log", Self.log(count: 20, start: 60)),
                     dir.file("c.log", Self.log(count: 130, start: 80))]
        let single = try Self.read(paths, .nginxCombined, ahead: false, options: Self.site)
        let ahead = try Self.read(paths, .nginxCombined, ahead: true, options: Self.site)
        #expect(Set(single.seen.map(\.file)) == Set(paths))
        #expect(single.seen.last?.file == paths[2])
        #expect(ahead == single)
    }

    @Test("--strict: the records before the first bad line, then its error — past the first batch and within it",
          arguments: [7, 150])
    func strict(_ badAt: Int) throws {
        let dir = TemporaryDirectory()
        let path = dir.file("access.log", Self.log(count: 300, garbage: false, badAt: badAt))
        var strict = Self.site
        strict.strict = true
        let single = try Self.read([path], .nginxCombined, ahead: false, options: strict)
        let ahead = try Self.read([path], .nginxCombined, ahead: true, options: strict)
        #expect(single.error?.line == badAt + 1)
        #expect(single.seen.count == badAt)
        #expect(ahead == single)
    }

    @Test("a time further back than --max-backwards: the same records, then the same error")
    func tooFarBack() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("access.log", Self.log(count: 400, start: 200, farBackAt: 200))
        let single = try Self.read([path], .nginxCombined, ahead: false, options: Self.site)
        let ahead = try Self.read([path], .nginxCombined, ahead: true, options: Self.site)
        #expect(single.error?.line == 201)
        #expect(single.error?.message.contains("earlier than line") == true)
        #expect(single.seen.count > 150)
        #expect(ahead == single)
    }

    @Test("CloudFront with content types and edges: the same kinds, POPs and records")
    func cloudFront() throws {
        var lines = ["#Version: 1.0",
                     "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end"]
        let edges = ["IAD89-C1", "FRA56-P2", "NRT12-C3"]
        let types = ["font/woff2", "image/png", "-", "text/css"]
        for i in 0..<300 {
            let second = i / 4
            let fields = ["2024-03-10", "01:0\(second / 60):\(second % 60 < 10 ? "0" : "")\(second % 60)", edges[i % 3], "\(1000 + i)", "203.0.113.\(i % 200)",
                          "GET", "d111.cloudfront.net", "/o\(i % 37).png", "200", i % 2 == 0 ? "https://www.example.com/" : "-", "UA", "-", "-", "Hit",
                          "id\(i)", "static.example-cdn.com", "https", "100", "0.01", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "Hit", "HTTP/2.0",
                          "-", "-", "443", "0.01", "Hit", types[i % 4], "\(1000 + i)", "-", "-"]
            lines.append(fields.joined(separator: "\t"))
        }
        let dir = TemporaryDirectory()
        let path = dir.file("cf.log", lines.joined(separator: "\n") + "\n")
        let single = try Self.read([path], .cloudfront, ahead: false)
        let ahead = try Self.read([path], .cloudfront, ahead: true)
        #expect(single.error == nil, "\(String(describing: single.error))")
        #expect(single.seen.count == 300)
        #expect(single.pops == edges)
        #expect(Set(single.seen.map { $0.row.split(separator: " ")[4] }) == ["font", "img", "stylesheet"])
        #expect(ahead == single)
    }
}

/// `findLiteral` of a needle in an array.
private func findLiteral(_ needle: [UInt8], in line: ArraySlice<UInt8>, from: Int, escapes: Bool) -> Int? {
    needle.withUnsafeBufferPointer { Workload.findLiteral($0, in: line, from: from, escapes: escapes) }
}

/// `findLiteral` finds a `log_format` literal with `memchr`; `findLiteralByteByByte` is its
/// definition (a backslash and the byte after it are one unit in a quoted value). Every line of
/// a set made of the bytes that matter — quotes, backslashes, spaces, brackets — from every
/// start, for each needle and both escape modes, must give the same answer.
@Test("findLiteral: the same as the byte-at-a-time definition, escapes and all")
func findLiteralAgreesWithDefinition() {
    let alphabet: [UInt8] = Array(#"\" ]ab"#.utf8)
    let needles: [[UInt8]] = [Array("\"".utf8), Array("\" \"".utf8), Array(" ".utf8), Array("] \"".utf8), Array("\\\"".utf8), Array("ab".utf8)]
    var rng = SplitMix64(seed: 27)
    var checked = 0
    for length in 0..<24 {
        for _ in 0..<300 {
            // Lines in the middle of a larger array: an ArraySlice's indices do not start at 0.
            let padding = Int(rng.next() % 5)
            var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: padding)
            for _ in 0..<length { bytes.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            bytes += [UInt8(ascii: "y"), UInt8(ascii: "y")]
            let line = bytes[padding..<(padding + length)]
            for needle in needles {
                for escapes in [false, true] {
                    for from in line.startIndex...line.endIndex {
                        let fast = findLiteral(needle, in: line, from: from, escapes: escapes)
                        let slow = findLiteralByteByByte(needle, in: line, from: from, escapes: escapes)
                        if fast != slow {
                            Issue.record("\(String(decoding: line, as: UTF8.self)) needle \(String(decoding: needle, as: UTF8.self)) from \(from) escapes \(escapes): \(String(describing: fast)) ≠ \(String(describing: slow))")
                            return
                        }
                        checked += 1
                    }
                }
            }
        }
    }
    #expect(checked > 1_000_000)
    // Cases spelt out: an escaped quote is data, an escaped backslash is not an escape.
    let line = Array(#"a\"b\\" c"#.utf8)[...]
    #expect(findLiteral(Array("\"".utf8), in: line, from: 0, escapes: true) == 6)
    #expect(findLiteral(Array("\"".utf8), in: line, from: 0, escapes: false) == 2)
    #expect(findLiteral(Array("\" ".utf8), in: line, from: 3, escapes: true) == 6)
}
