import Foundation
import Testing
import TestSupport

/// A shipped sample log, its import arguments, and what the trace and summary must hold.
struct ImportCase: Sendable, CustomTestStringConvertible {
    var name: String
    var args: [String]
    var records: Int
    var firstRows: [String]
    var summary: [String]
    var testDescription: String { name }
}

let importCases: [ImportCase] = [
    ImportCase(name: "nginx combined sample with --site",
               args: ["--format", "nginx-combined", "scenarios/logs/nginx-combined.log", "--site", "https://static.example-cdn.com"],
               records: 20,
               firstRows: ["0,default,https://static.example-cdn.com/fonts/brand.woff2,https://www.example.com,font,GET,,48213",
                           "1,default,https://static.example-cdn.com/fonts/brand.woff2,https://shop.example.com,font,GET,,48213",
                           "1,default,https://static.example-cdn.com/img/hero%20banner.webp,https://www.example.com,img,GET,,183204",
                           "2,default,https://static.example-cdn.com/css/site.css?v=3,https://www.example.com,stylesheet,GET,,9120",
                           "2,default,https://static.example-cdn.com/fonts/icons.woff2,,font,GET,,12804"],
               summary: ["read 25 line(s) from 1 file(s) as nginx-combined; wrote 20 request(s) to ",
                         "skipped 4 line(s):",
                         #"scenarios/logs/nginx-combined.log:7: column '$request': "\x16\x03\x01"#,
                         "scenarios/logs/nginx-combined.log:11: column '$request': no request line",
                         "scenarios/logs/nginx-combined.log:16: column '$http_referer'",
                         "scenarios/logs/nginx-combined.log:24: column '$time_local'",
                         "page origin: 0 from an Origin field, 15 from a cross-site Referer, none for 5 (1 same-origin, 3 without Referer or Origin, 1 with a Referer that is not an http(s) URL)",
                         "time: 1 request(s) went back in time (by up to 1.000s)"]),
    ImportCase(name: "nginx with a custom log_format naming $http_origin",
               args: ["--format", "nginx-combined", "scenarios/logs/nginx-origin.log", "--log-format",
                      #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_origin" $host "$sent_http_content_type""#],
               records: 9,
               firstRows: ["0,default,https://static.example-cdn.com/fonts/brand.woff2,https://www.example.com,font,GET,,48213",
                           "0,default,https://static.example-cdn.com/img/hero.webp,https://www.example.com,img,GET,,183204",
                           "1,default,https://static.example-cdn.com/fonts/brand.woff2,https://shop.example.com,font,GET,,48213",
                           "2,default,https://static.example-cdn.com/fonts/icons.woff2,https://shop.example.com,font,GET,,12804",
                           "2,default,https://static.example-cdn.com/fonts/brand.woff2,null,font,GET,,48213"],
               summary: ["page origin: 6 from an Origin field, 2 from a cross-site Referer",
                         #"nginx-origin.log:9: column '$http_origin': "https://www.example.com/" is not a serialised origin"#]),
    ImportCase(name: "Alibaba CDN sample with a client_prefix POP map",
               args: ["--format", "alibaba-cdn", "scenarios/logs/alibaba-cdn.log", "--pop-map", "scenarios/logs/clients.csv"],
               records: 16,
               firstRows: ["0,hangzhou,https://static.example-cdn.com/fonts/brand.woff2,https://www.example.com,font,GET,,48213",
                           "1,frankfurt,https://static.example-cdn.com/fonts/brand.woff2,https://shop.example.com,font,GET,,48213",
                           "1,default,https://static.example-cdn.com/img/hero?w=640&fmt=webp,https://www.example.com,img,GET,,61220"],
               summary: ["wrote 16 request(s)", "skipped 2 line(s):", "alibaba-cdn.log:9:", "alibaba-cdn.log:11:",
                         "POPs: hangzhou, frankfurt, default (2 request(s) placed at 'default': no POP in the log or map)"]),
    ImportCase(name: "Alibaba CDN sample, one POP named with --pop",
               args: ["--format", "alibaba-cdn", "scenarios/logs/alibaba-cdn.log", "--pop", "hangzhou", "--no-referer-origin"],
               records: 16,
               firstRows: ["0,hangzhou,https://static.example-cdn.com/fonts/brand.woff2,,font,GET,,48213"],
               summary: ["page origin: 0 from an Origin field, 0 from a cross-site Referer, none for 16 (0 same-origin, 16 without Referer or Origin"]),
    ImportCase(name: "CloudFront sample with an edge POP map",
               args: ["--format", "cloudfront", "scenarios/logs/cloudfront.log", "--pop-map", "scenarios/logs/edges.csv"],
               records: 15,
               firstRows: ["0,virginia,https://static.example-cdn.com/fonts/brand.woff2,https://www.example.com,font,GET,,48213",
                           "1,frankfurt,https://static.example-cdn.com/fonts/brand.woff2,https://shop.example.com,font,GET,,48213",
                           "1,frankfurt,https://static.example-cdn.com/fonts/brand.woff2,https://www.example.com,font,GET,,48213",
                           "2,virginia,https://static.example-cdn.com/img/hero%20banner.webp,https://www.example.com,img,GET,,183204"],
               summary: ["cloudfront.log:10: 5 tab-separated field(s), expected 33", "cloudfront.log:21: column 'date'",
                         "POPs: virginia, frankfurt, tokyo, SFO5-C1\n"]),
]

@Test("trace import on the shipped sample logs", arguments: importCases)
func importSamples(_ c: ImportCase) throws {
    let dir = try makeTemporaryDirectory()
    let r = try runPopsim(["trace", "import"] + c.args + ["--out", dir + "/trace.csv"])
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(r.stdout.isEmpty)
    let lines = try String(contentsOfFile: dir + "/trace.csv", encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines.first == "t,pop,url,origin,kind,method,credentials,bytes")
    #expect(lines.count == 1 + c.records)
    #expect(Array(lines.dropFirst().prefix(c.firstRows.count)) == c.firstRows)
    for s in c.summary { #expect(r.stderr.contains(s), "stderr lacks \(s):\n\(r.stderr)") }
    #expect(filesIn(dir) == ["trace.csv"])
}

@Test("the imported trace replays: popsim run on a scenario whose workload is the nginx log itself")
func replayLogDirectly() throws {
    let r = try runPopsim(["run", "scenarios/logs/replay-nginx.json", "--no-out"])
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(r.stdout.contains("scenario replay-nginx: 20 requests, 1 POP, 2 variants"))
    #expect(r.stdout.contains("variant cdn-star"))
}

@Test("gzip logs are imported through gzip -dc")
func importGzip() throws {
    let dir = try makeTemporaryDirectory()
    let gz = Process()
    gz.executableURL = URL(fileURLWithPath: "/bin/sh")
    gz.arguments = ["-c", "gzip -c scenarios/logs/cloudfront.log > '\(dir)/cf.log.gz'"]
    gz.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
    try gz.run()
    gz.waitUntilExit()
    let r = try runPopsim(["trace", "import", "--format", "cloudfront", dir + "/cf.log.gz", "scenarios/logs/cloudfront.log",
                           "--max-backwards", "20s", "--out", dir + "/cf.csv"])
    #expect(r.status == 0, "stderr: \(r.stderr)")
    #expect(r.stderr.contains("read 42 line(s) from 2 file(s) as cloudfront; wrote 30 request(s)"))
    #expect(r.stderr.contains("\(dir)/cf.log.gz:10: 5 tab-separated field(s)"))
}

/// Arguments that must fail with exit 2, what stderr must say, and no trace left behind.
struct BadImport: Sendable, CustomTestStringConvertible {
    var name: String
    var args: [String]
    var message: String
    var testDescription: String { name }
}

let badImports: [BadImport] = [
    BadImport(name: "unknown format", args: ["--format", "apache", "scenarios/logs/nginx-combined.log"],
              message: "popsim: error: unknown format 'apache' for '--format' (formats: alibaba-cdn, nginx-combined, cloudfront)"),
    BadImport(name: "no format", args: ["scenarios/logs/nginx-combined.log"], message: "popsim: error: missing --format"),
    BadImport(name: "no log", args: ["--format", "cloudfront"], message: "popsim: error: missing LOG"),
    BadImport(name: "missing file", args: ["--format", "nginx-combined", "scenarios/logs/nginx-combined.log", "scenarios/logs/nope.log"],
              message: "popsim: error: scenarios/logs/nope.log: no such file or directory"),
    BadImport(name: "a directory", args: ["--format", "alibaba-cdn", "scenarios/logs"],
              message: "popsim: error: scenarios/logs: is a directory, not a file"),
    BadImport(name: "--strict stops at the first bad line", args: ["--format", "nginx-combined", "--strict", "scenarios/logs/nginx-combined.log"],
              message: #"popsim: error: scenarios/logs/nginx-combined.log:7: column '$request': "\x16\x03\x01"#),
    BadImport(name: "the wrong format: every line skipped, nothing written",
              args: ["--format", "cloudfront", "scenarios/logs/nginx-combined.log"],
              message: "popsim: error: no requests found in scenarios/logs/nginx-combined.log as cloudfront logs; nothing written"),
    BadImport(name: "--log-format with a format that is not nginx",
              args: ["--format", "alibaba-cdn", "--log-format", "$request", "scenarios/logs/alibaba-cdn.log"],
              message: "popsim: error: '--log-format' applies to nginx-combined logs only"),
    BadImport(name: "a log_format without a time",
              args: ["--format", "nginx-combined", "--log-format", #"$remote_addr "$request""#, "scenarios/logs/nginx-combined.log"],
              message: "popsim: error: log_format: the format has no time variable"),
    BadImport(name: "a bad POP map names its line",
              args: ["--format", "alibaba-cdn", "--pop-map", "scenarios/logs/alibaba-cdn.log", "scenarios/logs/alibaba-cdn.log"],
              message: "popsim: error: scenarios/logs/alibaba-cdn.log:1: header"),
    BadImport(name: "--site that is not an origin", args: ["--format", "nginx-combined", "--site", "static.example.com", "scenarios/logs/nginx-combined.log"],
              message: "popsim: error: --site: \"static.example.com\" is not a serialised origin"),
    BadImport(name: "a time further back than --max-backwards",
              args: ["--format", "nginx-combined", "--max-backwards", "0s", "scenarios/logs/nginx-combined.log"],
              message: "popsim: error: scenarios/logs/nginx-combined.log:9: column '$time_local': 1.000s earlier than line 8"),
]

@Test("bad input: exit 2, a message naming the problem, no trace written", arguments: badImports)
func badImport(_ c: BadImport) throws {
    let dir = try makeTemporaryDirectory()
    let r = try runPopsim(["trace", "import"] + c.args + ["--out", dir + "/trace.csv"])
    #expect(r.status == 2)
    #expect(r.stderr.contains(c.message), "stderr: \(r.stderr)")
    // Nothing that reads as a finished import: the page-origin and POP lines of the summary came
    // before the error of a --strict or too-far-back import (QA pass, stop 34).
    #expect(!r.stderr.contains("page origin:") && !r.stderr.contains("  POPs:") && !r.stderr.contains("wrote"), "stderr: \(r.stderr)")
    if c.name.hasPrefix("--strict") || c.name.hasPrefix("a time further back") {
        #expect(r.stderr.contains("stopped after ") && r.stderr.contains("; nothing written\n"), "stderr: \(r.stderr)")
    }
    #expect(filesIn(dir).isEmpty)
}

@Test("missing --out is a usage error; trace --help lists import")
func usage() throws {
    let r = try runPopsim(["trace", "import", "--format", "cloudfront", "scenarios/logs/cloudfront.log"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("popsim: error: missing --out TRACE"))
    #expect(r.stderr.contains("Usage: popsim trace import --format"))
    let help = try runPopsim(["trace", "--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("import   Turn CDN or web-server access logs into a trace (CSV or .pstrace)."))
    let importHelp = try runPopsim(["trace", "import", "--help"])
    #expect(importHelp.stdout.contains("--no-referer-origin"))
    #expect(importHelp.stdout.contains("--to FORMAT"))
    #expect(importHelp.stdout.contains("--out /tmp/cf.pstrace"))
}

@Test("--out NAME.pstrace writes the .pstrace that converting the CSV import gives, byte for byte", arguments: importCases)
func importToPstrace(_ c: ImportCase) throws {
    let dir = try makeTemporaryDirectory()
    let csv = try runPopsim(["trace", "import"] + c.args + ["--out", dir + "/trace.csv"])
    #expect(csv.status == 0, "stderr: \(csv.stderr)")
    let direct = try runPopsim(["trace", "import"] + c.args + ["--out", dir + "/direct.pstrace"])
    #expect(direct.status == 0, "stderr: \(direct.stderr)")
    #expect(direct.stderr.contains("wrote \(c.records) request(s) to \(dir)/direct.pstrace"), "\(direct.stderr)")
    // The same summary, skips and all, whatever the trace's format.
    #expect(direct.stderr.replacingOccurrences(of: "direct.pstrace", with: "trace.csv") == csv.stderr)
    let converted = try runPopsim(["trace", "convert", dir + "/trace.csv", dir + "/converted.pstrace"])
    #expect(converted.status == 0, "stderr: \(converted.stderr)")
    let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/direct.pstrace"))
    let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/converted.pstrace"))
    #expect(a.starts(with: Array("PSTRACE".utf8)))
    #expect(a == b)
    #expect(filesIn(dir) == ["converted.pstrace", "direct.pstrace", "trace.csv"])
}

@Test("--to chooses the format whatever --out is named; a name that says none stays CSV")
func importFormatChoice() throws {
    let dir = try makeTemporaryDirectory()
    let log = ["--format", "cloudfront", "scenarios/logs/cloudfront.log", "--pop-map", "scenarios/logs/edges.csv"]
    let forced = try runPopsim(["trace", "import"] + log + ["--to", "popsim", "--out", dir + "/day.trace"])
    #expect(forced.status == 0, "stderr: \(forced.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/day.trace")).starts(with: Array("PSTRACE".utf8)))
    let plain = try runPopsim(["trace", "import"] + log + ["--out", dir + "/day.log-trace"])
    #expect(plain.status == 0, "stderr: \(plain.stderr)")
    #expect(try String(contentsOfFile: dir + "/day.log-trace", encoding: .utf8).hasPrefix("t,pop,url,origin,kind,method,credentials,bytes\n"))
    // oracleGeneral: 24-byte records, and the notes on what it does not keep.
    let og = try runPopsim(["trace", "import"] + log + ["--out", dir + "/day.oracleGeneral"])
    #expect(og.status == 0, "stderr: \(og.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/day.oracleGeneral")).count == 15 * 24)
    #expect(og.stderr.contains("note: oracleGeneral keeps object ids, sizes and whole seconds only"), "\(og.stderr)")
    // A replay of the imported .pstrace counts the requests the import wrote.
    let scenario = """
    {"version": 1, "name": "imported", "pops": [{"id": "virginia", "capacity": "1GB"}, {"id": "frankfurt", "capacity": "1GB"},
     {"id": "tokyo", "capacity": "1GB"}, {"id": "SFO5-C1", "capacity": "1GB"}],
     "origins": [{"id": "bucket", "type": "oss", "cors": {"rules": [{"allowedOrigins": ["*"], "allowedMethods": ["GET"]}]}}],
     "domains": [{"host": "static.example-cdn.com", "origin": "bucket", "ttl": "1h"}],
     "variants": {"pass-through": {}}, "workload": {"trace": "day.trace"}}
    """
    try scenario.write(toFile: dir + "/imported.json", atomically: true, encoding: .utf8)
    let run = try runPopsim(["run", dir + "/imported.json", "--no-out"])
    #expect(run.status == 0, "stderr: \(run.stderr)")
    #expect(run.stdout.contains("scenario imported: 15 requests, 4 POPs, 1 variant"), "\(run.stdout)")
    #expect(filesIn(dir) == ["day.log-trace", "day.oracleGeneral", "day.trace", "imported.json"])
}

@Test("a bad --to is a usage error and writes nothing")
func importBadTo() throws {
    let dir = try makeTemporaryDirectory()
    let r = try runPopsim(["trace", "import", "--format", "cloudfront", "scenarios/logs/cloudfront.log", "--to", "nginx-combined",
                           "--out", dir + "/day.csv"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("popsim: error: --to: unknown format 'nginx-combined' (popsim reads it but does not write it)"), "\(r.stderr)")
    #expect(filesIn(dir).isEmpty)
}
