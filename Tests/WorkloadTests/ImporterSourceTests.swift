import Foundation
import Testing
import HTTPModel
@testable import Workload

/// A combined line at `seconds` past 09:00:00 +0800 for `path`.
func combinedLine(_ seconds: Int, _ path: String = "/f.woff2", referer: String = "https://www.example.com/") -> String {
    let s = seconds % 60, m = seconds / 60
    let time = "10/Mar/2024:09:\(m < 10 ? "0" : "")\(m):\(s < 10 ? "0" : "")\(s) +0800"
    return #"203.0.113.7 - - [\#(time)] "GET \#(path) HTTP/1.1" 200 100 "\#(referer)" "UA""#
}

@Suite("Importer: skips, strict, time order, several files, gzip")
struct ImporterSourceTests {
    static let logWithBadLines = [
        combinedLine(0),
        "garbage",
        combinedLine(1),
        "",
        #"1.2.3.4 - - [10/Mar/2024:09:00:02 +0800] "-" 408 0 "-" "-""#,
        combinedLine(2),
        "also garbage",
        "more garbage",
        "still garbage",
        "last garbage",
        combinedLine(3),
    ].joined(separator: "\n")

    @Test("bad lines are counted with their line numbers; the first five are kept")
    func skipsCounted() throws {
        let (source, rows, _) = try importLog(Self.logWithBadLines, .nginxCombined)
        #expect(rows.count == 4)
        #expect(source.skips.count == 6)
        #expect(source.skips.first.map(\.line) == [2, 5, 7, 8, 9])
        #expect(source.skips.first[0].column == "$remote_addr")
        #expect(source.skips.first[1].message == "no request line (the client sent none: a timeout, or TLS to a plain-HTTP port)")
        #expect(source.skips.first.allSatisfy { $0.file.hasSuffix("access.log") })
        #expect(source.stats.lines == 11)
        #expect(source.stats.records == 4)
        #expect(source.skips.summary.hasPrefix("6 line(s) skipped (first: "))
    }

    @Test("strict: the first bad line is an error naming the file and line")
    func strict() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("access.log", Self.logWithBadLines)
        let source = try NginxCombinedLogSource(paths: [path], options: options { $0.strict = true })
        let first = try source.next()
        #expect(first?.line == 1)
        do {
            _ = try source.next()
            Issue.record("no error")
        } catch {
            #expect(error.file == path)
            #expect(error.line == 2)
            #expect(error.column == "$remote_addr")
            #expect(error.description == "\(path):2: column '$remote_addr': no ' - ' after it (the line is cut short or not in this format)")
        }
    }

    @Test("times: µs from the first record; up to 1s back is clamped and counted; more is an error")
    func timeOrder() throws {
        let lines = [combinedLine(10), combinedLine(12), combinedLine(11), combinedLine(12), combinedLine(13), combinedLine(11)]
        let dir = TemporaryDirectory()
        let path = dir.file("access.log", lines.joined(separator: "\n"))
        let source = try NginxCombinedLogSource(paths: [path])
        var times: [Int64] = []
        do {
            while let r = try source.next() { times.append(r.time) }
            Issue.record("no error")
        } catch {
            #expect(error.description == "\(path):6: column '$time_local': 2.000s earlier than line 5; a log may go back by at most 1.000s (sort it by time, or give its files in time order)")
        }
        #expect(times == [0, 2_000_000, 2_000_000, 2_000_000, 3_000_000])
        #expect(source.stats.clamped == 1)
        #expect(source.stats.largestClamp == 1_000_000)

        let (lenient, lenientRows, _) = try importLog(lines.joined(separator: "\n"), .nginxCombined, options: options { $0.maxBackwards = 5_000_000 })
        #expect(lenientRows.map { $0.split(separator: " ")[0] } == ["0.000s", "2.000s", "2.000s", "2.000s", "3.000s", "3.000s"])
        #expect(lenient.stats.clamped == 2)
    }

    @Test("several files are one log, in the order given; lines and errors name each file")
    func severalFiles() throws {
        let dir = TemporaryDirectory()
        let a = dir.file("a.log", combinedLine(0) + "\n" + combinedLine(1, "/b.png") + "\n")
        let b = dir.file("b.log", "bad\n" + combinedLine(2, "/b.png") + "\n")
        let source = try NginxCombinedLogSource(paths: [a, b])
        var seen: [(String, Int, Int64)] = []
        while let r = try source.next() { seen.append((source.sourceName, r.line, r.time)) }
        #expect(seen.map(\.0) == [a, a, b])
        #expect(seen.map(\.1) == [1, 2, 2])
        #expect(seen.map(\.2) == [0, 1_000_000, 2_000_000])
        #expect(source.urls.allStrings == ["/f.woff2", "/b.png"])
        #expect(source.skips.first.map { "\($0.file):\($0.line)" } == ["\(b):1"])
        #expect(source.stats.files == 2)

        // Out of order across files is the time error, naming the earlier file.
        let reversed = try NginxCombinedLogSource(paths: [b, a])
        do {
            while try reversed.next() != nil {}
            Issue.record("no error")
        } catch {
            #expect(error.description.hasPrefix("\(a):1: column '$time_local': 2.000s earlier than \(b):2;"))
        }
    }

    @Test("missing files and directories fail before any line is read", arguments: ["missing.log", "sub"])
    func unreadable(_ name: String) throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/sub", withIntermediateDirectories: true)
        let good = dir.file("good.log", combinedLine(0))
        #expect(throws: TraceError.self) { _ = try NginxCombinedLogSource(paths: [good, dir.path + "/" + name]) }
        do {
            _ = try CloudFrontLogSource(paths: [dir.path + "/" + name])
        } catch {
            #expect(error.line == 0)
            #expect(error.description.hasPrefix(dir.path + "/" + name + ": "))
            #expect(error.description.contains(name == "sub" ? "is a directory" : "no such file"))
        }
    }

    @Test("gzip logs are read through gzip -dc; a corrupt one is an error")
    func gzip() throws {
        let dir = TemporaryDirectory()
        let plain = dir.file("a.log", (0..<3).map { combinedLine($0) }.joined(separator: "\n") + "\n")
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/bin/sh")
        gz.arguments = ["-c", "gzip -c '\(plain)' > '\(dir.path)/a.log.gz'"]
        try gz.run()
        gz.waitUntilExit()
        let source = try NginxCombinedLogSource(paths: [dir.path + "/a.log.gz"])
        #expect(try readRows(source).count == 3)
        #expect(source.sourceName == dir.path + "/a.log.gz")

        // A gzip header followed by garbage.
        let bad = dir.file("bad.log.gz", [0x1F, 0x8B, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        let broken = try NginxCombinedLogSource(paths: [bad])
        #expect(throws: TraceError.self) { while try broken.next() != nil {} }
        // Stopping early leaves no stuck child behind (deinit ends it).
        let early = try NginxCombinedLogSource(paths: [dir.path + "/a.log.gz"])
        _ = try early.next()
    }

    @Test("memory grows with distinct names, not lines: 20 000 lines over 3 URLs intern 3")
    func boundedInterning() throws {
        let lines = (0..<20_000).map { combinedLine($0 / 1000, "/f\($0 % 3).woff2", referer: $0 % 2 == 0 ? "https://a.example.com/\($0)" : "-") }
        let (source, rows, _) = try importLog(lines.joined(separator: "\n"), .nginxCombined)
        #expect(rows.count == 20_000)
        #expect(source.urls.count == 3)
        #expect(source.origins.allStrings == ["https://a.example.com"])
        #expect(source.pops.count == 1)
        #expect(source.methods.count == 1)
    }
}
