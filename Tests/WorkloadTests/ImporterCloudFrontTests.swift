import Testing
import HTTPModel
@testable import Workload

/// A CloudFront line with the documented 33 fields: `-` everywhere except the given ones.
func cloudFrontLine(_ values: [String: String], fields: [String] = CloudFrontLogSource.standardFields) -> String {
    let defaults = ["date": "2024-03-10", "time": "01:00:00", "x-edge-location": "IAD89-C3", "sc-bytes": "48650",
                    "c-ip": "203.0.113.7", "cs-method": "GET", "cs(Host)": "d111111abcdef8.cloudfront.net",
                    "cs-uri-stem": "/fonts/brand.woff2", "sc-status": "200", "cs(Referer)": "https://www.example.com/",
                    "cs(User-Agent)": "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)", "x-edge-result-type": "Miss",
                    "x-host-header": "static.example-cdn.com", "cs-protocol": "https", "sc-content-type": "font/woff2",
                    "sc-content-len": "48213"]
    return fields.map { values[$0] ?? defaults[$0] ?? "-" }.joined(separator: "\t")
}

let cloudFrontHeader = "#Version: 1.0\n#Fields: " + CloudFrontLogSource.standardFields.joined(separator: " ") + "\n"

@Suite("Importer: CloudFront standard logs")
struct ImporterCloudFrontTests {
    static let cases: [LineCase] = [
        LineCase(name: "AWS's field order: edge location is the POP, x-host-header the host",
                 line: cloudFrontLine([:]),
                 row: "0.000s IAD89-C3 https://static.example-cdn.com/fonts/brand.woff2 https://www.example.com font GET 48213"),
        LineCase(name: "the viewer's %20 is logged as %2520: decoded once, it is %20 again",
                 line: cloudFrontLine(["cs-uri-stem": "/img/hero%2520banner.webp", "sc-content-type": "-", "sc-content-len": "183204"]),
                 row: "0.000s IAD89-C3 https://static.example-cdn.com/img/hero%20banner.webp https://www.example.com img GET 183204"),
        LineCase(name: "query string; encoded Referer and content type",
                 line: cloudFrontLine(["cs-uri-stem": "/css/site.css", "cs-uri-query": "v=3&lang=zh%2520CN", "cs(Referer)": "https://shop.example.com/cart%3Fstep=2",
                                       "sc-content-type": "text/css;%20charset=utf-8"]),
                 row: "0.000s IAD89-C3 https://static.example-cdn.com/css/site.css?v=3&lang=zh%20CN https://shop.example.com stylesheet GET 48213"),
        LineCase(name: "no x-host-header: the distribution's domain; http; IPv6 client",
                 line: cloudFrontLine(["x-host-header": "-", "cs-protocol": "http", "c-ip": "2001:db8:85a3::8a2e:370:7334"]),
                 row: "0.000s IAD89-C3 http://d111111abcdef8.cloudfront.net/fonts/brand.woff2 https://www.example.com font GET 48213"),
        LineCase(name: "wss is https for the URL",
                 line: cloudFrontLine(["cs-protocol": "wss", "cs-uri-stem": "/socket", "sc-content-type": "-"]),
                 row: "0.000s IAD89-C3 https://static.example-cdn.com/socket https://www.example.com other GET 48213"),
        LineCase(name: "a range request (206) carries no object size",
                 line: cloudFrontLine(["cs-uri-stem": "/video/intro.mp4", "sc-status": "206", "sc-content-type": "video/mp4",
                                       "sc-range-start": "0", "sc-range-end": "1048575", "sc-content-len": "1048576"]),
                 row: "0.000s IAD89-C3 https://static.example-cdn.com/video/intro.mp4 https://www.example.com video GET -"),
        LineCase(name: "status 000 (the viewer went away) carries no size",
                 line: cloudFrontLine(["sc-status": "000", "sc-content-len": "-", "sc-bytes": "0"]),
                 row: "0.000s IAD89-C3 https://static.example-cdn.com/fonts/brand.woff2 https://www.example.com font GET -"),
        LineCase(name: "no sc-content-len: sc-bytes",
                 line: cloudFrontLine(["sc-content-len": "-", "sc-bytes": "48650"]),
                 row: "0.000s IAD89-C3 https://static.example-cdn.com/fonts/brand.woff2 https://www.example.com font GET 48650"),
        LineCase(name: "same-origin Referer: no page origin",
                 line: cloudFrontLine(["cs(Referer)": "https://static.example-cdn.com/css/site.css%3Fv=3"]),
                 row: "0.000s IAD89-C3 https://static.example-cdn.com/fonts/brand.woff2 - font GET 48213"),
        LineCase(name: "too few fields: skipped",
                 line: "broken\tline", row: nil, skip: "2 tab-separated field(s), expected 33 (as #Fields names them)"),
        LineCase(name: "month 13: skipped",
                 line: cloudFrontLine(["date": "2024-13-10"]), row: nil,
                 skip: #"date: "2024-13-10" "01:00:00" is not a date and time like 2019-12-04 21:02:31"#),
    ]

    @Test("standard log lines, odd ones included", arguments: cases)
    func lines(_ c: LineCase) throws {
        let (rows, skip) = try importLine(cloudFrontHeader + c.line, .cloudfront)
        #expect(rows == (c.row.map { [$0] } ?? []))
        #expect(skip == c.skip)
    }

    @Test("fields are found by the #Fields line, in any order and number; without one, AWS's order")
    func fieldsByName() throws {
        let fields = ["time", "date", "cs-uri-stem", "cs-method", "x-host-header", "cs(Referer)", "x-edge-location"]
        let log = "#Version: 1.0\n#Fields: " + fields.joined(separator: " ") + "\n"
            + cloudFrontLine(["time": "01:00:02", "cs-uri-stem": "/a.woff2"], fields: fields) + "\n"
            + "#Fields: date time x-edge-location cs-method cs-uri-stem sc-content-type\n"
            + cloudFrontLine(["time": "01:00:03", "cs-uri-stem": "/b", "sc-content-type": "image/png"],
                             fields: ["date", "time", "x-edge-location", "cs-method", "cs-uri-stem", "sc-content-type"]) + "\n"
        let (_, rows, _) = try importLog(log, .cloudfront)
        #expect(rows == ["0.000s IAD89-C3 https://static.example-cdn.com/a.woff2 https://www.example.com font GET -",
                         "1.000s IAD89-C3 /b - img GET -"])
        // No header at all (stripped with grep -v '^#'): the documented order.
        let (_, bare, _) = try importLog(cloudFrontLine([:]) + "\n", .cloudfront)
        #expect(bare == ["0.000s IAD89-C3 https://static.example-cdn.com/fonts/brand.woff2 https://www.example.com font GET 48213"])
    }

    @Test("a #Fields line without cs-uri-stem stops the import at the first line after it")
    func fieldsWithoutURL() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("cf.log", "#Fields: date time cs-method\n2024-03-10\t01:00:00\tGET\n")
        let source = try CloudFrontLogSource(paths: [path])
        #expect(throws: TraceError(file: path, line: 2, column: nil, message: "the #Fields line has no cs-uri-stem field, so no line can be read")) {
            _ = try source.next()
        }
    }

    @Test("edge locations map to POPs by prefix; unmapped edges keep their name")
    func edgeMap() throws {
        let map = try POPMap(text: "edge,pop\nIAD,virginia\nIAD89-C3,virginia-3\nFRA,frankfurt\n", file: "edges.csv")
        let log = cloudFrontHeader + ["IAD89-C3", "IAD12-P1", "FRA56-P1", "NRT57-P2"].enumerated().map { i, edge in
            cloudFrontLine(["time": "01:00:0\(i)", "x-edge-location": edge])
        }.joined(separator: "\n")
        let (source, rows, _) = try importLog(log, .cloudfront, options: options { $0.popMap = map })
        #expect(rows.map { $0.split(separator: " ")[1] } == ["virginia-3", "virginia", "frankfurt", "NRT57-P2"])
        #expect(source.stats.defaultPOP == 0)
    }
}
