import Testing
import HTTPModel
@testable import Workload

@Suite("Importer: Alibaba Cloud CDN offline logs")
struct ImporterAlibabaTests {
    static let cases: [LineCase] = [
        LineCase(name: "the Alibaba Cloud doc's example line: absolute URL, text/html, no Referer",
                 line: #"[9/Jun/2015:01:58:09 +0800] 10.10.10.10 - 1542 "-" "GET http://www.aliyun.com/index.html" 200 191 2830 MISS "Mozilla/5.0 (compatible; AhrefsBot/5.0; +http://example.com/robot/)" "text/html""#,
                 row: "0.000s default http://www.aliyun.com/index.html - other GET 2830"),
        LineCase(name: "font by content type, page origin from a cross-site Referer",
                 line: #"[10/Mar/2024:00:00:00 +0800] 203.0.113.7 - 12 "https://www.example.com/" "GET https://static.example-cdn.com/fonts/brand.woff2" 200 312 48213 MISS \#(chromeUA) "font/woff2""#,
                 row: "0.000s default https://static.example-cdn.com/fonts/brand.woff2 https://www.example.com font GET 48213"),
        LineCase(name: "image by content type where the URL has no extension; IPv6 client",
                 line: #"[10/Mar/2024:00:00:00 +0800] 2408:8207:2470:5c70::1 - 41 "https://www.example.com/" "GET https://static.example-cdn.com/img/hero?w=640&fmt=webp" 200 305 61220 MISS "UA" "image/webp""#,
                 row: "0.000s default https://static.example-cdn.com/img/hero?w=640&fmt=webp https://www.example.com img GET 61220"),
        LineCase(name: "octet-stream says nothing: the extension makes it a font; same-origin Referer",
                 line: #"[10/Mar/2024:00:00:00 +0800] 203.0.113.7 - 5 "https://static.example-cdn.com/css/site.css?v=3" "GET https://static.example-cdn.com/fonts/icons.woff2" 200 301 12804 HIT "UA" "application/octet-stream""#,
                 row: "0.000s default https://static.example-cdn.com/fonts/icons.woff2 - font GET 12804"),
        LineCase(name: "scheme and host in capitals and a default port are normalised",
                 line: #"[10/Mar/2024:00:00:00 +0800] 203.0.113.7 - 2 "https://WWW.Example.com:443/" "GET HTTPS://Static.Example-CDN.com:443/css/Site.css?v=3" 200 330 9120 HIT "UA" "text/css; charset=utf-8""#,
                 row: "0.000s default https://static.example-cdn.com/css/Site.css?v=3 https://www.example.com stylesheet GET 9120"),
        LineCase(name: "escaped quotes inside the User-Agent; 304 carries no size",
                 line: #"[10/Mar/2024:00:00:00 +0800] 203.0.113.90 - 1 "https://blog.example.com/p" "GET https://static.example-cdn.com/img/logo.svg" 304 350 0 HIT "Mozilla/5.0 (compatible; \"Feedly\" Fetcher/1.0)" "image/svg+xml""#,
                 row: "0.000s default https://static.example-cdn.com/img/logo.svg https://blog.example.com img GET -"),
        LineCase(name: "percent-encoded non-ASCII path kept as sent",
                 line: #"[10/Mar/2024:00:00:00 +0800] 203.0.113.7 - 9 "-" "GET https://static.example-cdn.com/fonts/%E6%80%9D%E6%BA%90.woff2" 200 333 2048000 MISS "UA" "font/woff2""#,
                 row: "0.000s default https://static.example-cdn.com/fonts/%E6%80%9D%E6%BA%90.woff2 - font GET 2048000"),
        LineCase(name: "HLS manifest and the request line's protocol, when logged, are read",
                 line: #"[10/Mar/2024:00:00:00 +0800] 2001:db8::1 - 7 "https://www.example.com/live" "GET https://static.example-cdn.com/live/index.m3u8 HTTP/1.1" 200 290 812 MISS "UA" "application/vnd.apple.mpegurl""#,
                 row: "0.000s default https://static.example-cdn.com/live/index.m3u8 https://www.example.com video GET 812"),
        LineCase(name: "missing content type ('-'): the extension decides",
                 line: #"[10/Mar/2024:00:00:00 +0800] 2001:db8::1 - 15 "-" "GET https://static.example-cdn.com/live/seg-00042.ts" 200 296 376000 MISS "UA" "-""#,
                 row: "0.000s default https://static.example-cdn.com/live/seg-00042.ts - video GET 376000"),
        LineCase(name: "a line cut inside the time: skipped",
                 line: "[10/Mar/2024:00:00:0", row: nil,
                 skip: "$time_local: no '] ' after it (the line is cut short or not in this format)"),
        LineCase(name: "a request field without a URL: skipped",
                 line: #"[10/Mar/2024:00:00:04 +0800] 203.0.113.7 - 4 "-" "GET" 400 12 0 MISS "-" "text/html""#,
                 row: nil, skip: #"$request: "GET" is not a request line (METHOD TARGET PROTOCOL)"#),
        LineCase(name: "a URL whose host is not a host: skipped",
                 line: #"[10/Mar/2024:00:00:04 +0800] 203.0.113.7 - 4 "-" "GET https://exa mple.com/a" 400 12 0 MISS "-" "text/html""#,
                 row: nil, skip: #"$request: "https://exa mple.com/a" does not start with an http(s) scheme and a valid host"#),
        LineCase(name: "an nginx combined line is not an Alibaba line",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET / HTTP/1.1" 200 1 "-" "-""#,
                 row: nil, skip: "the line does not start with '[' (is it in this format?)"),
    ]

    @Test("offline log lines, odd ones included", arguments: cases)
    func lines(_ c: LineCase) throws {
        let (rows, skip) = try importLine(c.line, .alibabaCDN)
        #expect(rows == (c.row.map { [$0] } ?? []))
        #expect(skip == c.skip)
    }

    @Test("the offline format has no POP: one default POP, renamed with --pop, or a client_prefix map")
    func pops() throws {
        let log = #"""
        [10/Mar/2024:00:00:00 +0800] 203.0.113.7 - 1 "-" "GET https://s.example.com/a.png" 200 1 10 HIT "UA" "image/png"
        [10/Mar/2024:00:00:01 +0800] 198.51.100.23 - 1 "-" "GET https://s.example.com/a.png" 200 1 10 HIT "UA" "image/png"
        [10/Mar/2024:00:00:02 +0800] ::ffff:203.0.113.200 - 1 "-" "GET https://s.example.com/a.png" 200 1 10 HIT "UA" "image/png"
        [10/Mar/2024:00:00:03 +0800] 2001:db8:1::5 - 1 "-" "GET https://s.example.com/a.png" 200 1 10 HIT "UA" "image/png"
        [10/Mar/2024:00:00:04 +0800] 192.0.2.1 - 1 "-" "GET https://s.example.com/a.png" 200 1 10 HIT "UA" "image/png"
        """#
        let (plain, plainRows, _) = try importLog(log, .alibabaCDN, options: options { $0.defaultPOP = "hangzhou" })
        #expect(plainRows.map { $0.split(separator: " ")[1] } == ["hangzhou", "hangzhou", "hangzhou", "hangzhou", "hangzhou"])
        #expect(plain.stats.defaultPOP == 5)

        let map = try POPMap(text: "client_prefix,pop\n203.0.113.0/24,hangzhou\n198.51.100.0/24,frankfurt\n2001:db8::/32,frankfurt\n2001:db8:1::/48,singapore\n",
                             file: "clients.csv")
        let (mapped, rows, _) = try importLog(log, .alibabaCDN, options: options { $0.popMap = map })
        #expect(rows.map { $0.split(separator: " ")[1] } == ["hangzhou", "frankfurt", "hangzhou", "singapore", "default"])
        #expect(mapped.stats.defaultPOP == 1)
        #expect(mapped.pops.allStrings == ["hangzhou", "frankfurt", "singapore", "default"])
    }
}
