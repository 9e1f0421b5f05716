import Testing
import HTTPModel
@testable import Workload

@Suite("Importer: kind, origin, time and POP inference")
struct ImporterInferenceTests {
    @Test("kind from content type, else extension; a font by either is a font", arguments: [
        // (content type, URL path, kind)
        ("font/woff2", "/a.woff2", ResourceKind.font),
        ("application/font-woff", "/a", .font),
        ("application/x-font-ttf", "/a.bin", .font),
        ("application/vnd.ms-fontobject", "/a.eot", .font),
        ("application/octet-stream", "/fonts/a.WOFF2", .font),
        ("text/plain", "/fonts/a.otf", .font),
        ("text/html", "/fonts/a.ttf?v=1", .font),
        ("image/png", "/a.woff", .font),
        ("", "/a.woff", .font),
        ("image/webp", "/img/hero", .img),
        ("IMAGE/SVG+XML; charset=utf-8", "/logo", .img),
        ("", "/a.JPEG", .img),
        ("", "/a.avif", .img),
        ("video/mp4", "/v", .video),
        ("audio/mpeg", "/a.mp3", .video),
        ("application/vnd.apple.mpegurl", "/live/index", .video),
        ("application/x-mpegURL", "/live/index", .video),
        ("video/mp2t", "/seg", .video),
        ("", "/seg-1.ts", .video),
        ("", "/v.webm", .video),
        ("", "/live/index.m3u8?token=a.js", .video),
        ("application/dash+xml", "/m", .video),
        ("application/javascript", "/a", .script),
        ("text/javascript; charset=utf-8", "/a", .script),
        ("", "/js/app.js", .script),
        ("", "/js/app.mjs", .moduleScript),
        ("text/css", "/a", .stylesheet),
        ("", "/css/site.css", .stylesheet),
        ("application/json", "/api/x", .other),
        ("text/html", "/index.html", .other),
        ("", "/", .other),
        ("", "/dir.v2/file", .other),
        ("", "/a.woff2/", .other),
        ("application/octet-stream", "/download.bin", .other),
        ("text/css", "/a.png", .stylesheet),
    ])
    func kinds(_ contentType: String, _ path: String, _ expected: ResourceKind) {
        let byType = contentType.isEmpty ? nil : kind(forContentType: Array(contentType.utf8))
        #expect(inferKind(contentType: byType, extension: kind(forPath: Array(path.utf8))) == expected)
    }

    /// (URL target, Referer or `-`, Origin field or `-`, expected page origin or `-`).
    static let originCases: [(String, String, String, String)] = [
        ("https://cdn.example.com/f.woff2", "https://www.example.com/page?x=1", "-", "https://www.example.com"),
        ("https://cdn.example.com/f.woff2", "https://cdn.example.com/css/a.css", "-", "-"),
        ("https://cdn.example.com/f.woff2", "https://CDN.example.com:443/css/a.css", "-", "-"),
        ("https://cdn.example.com/f.woff2", "http://cdn.example.com/", "-", "http://cdn.example.com"),
        ("https://cdn.example.com/f.woff2", "https://cdn.example.com:8443/", "-", "https://cdn.example.com:8443"),
        ("https://cdn.example.com/f.woff2", "https://www.example.com", "-", "https://www.example.com"),
        ("https://cdn.example.com/f.woff2", "https://[2001:db8::1]:8080/x", "-", "https://[2001:db8::1]:8080"),
        ("https://cdn.example.com/f.woff2", "android-app://com.example/", "-", "-"),
        ("https://cdn.example.com/f.woff2", "www.example.com/page", "-", "-"),
        ("https://cdn.example.com/f.woff2", "https://user:pw@www.example.com/", "-", "-"),
        ("https://cdn.example.com/f.woff2", "-", "-", "-"),
        ("https://cdn.example.com/f.woff2", "https://www.example.com/", "https://shop.example.com", "https://shop.example.com"),
        ("https://cdn.example.com/f.woff2", "-", "null", "null"),
        ("https://cdn.example.com/f.woff2", "-", "HTTPS://Shop.Example.com:443", "https://shop.example.com"),
        ("https://cdn.example.com/f.woff2", "-", "https://cdn.example.com", "-"),
        ("https://cdn.example.com/f.woff2", "-", "chrome-extension://abcdef", "chrome-extension://abcdef"),
    ]

    @Test("page origin: Origin field, else a cross-site Referer's origin", arguments: originCases)
    func origins(_ url: String, _ referer: String, _ origin: String, _ expected: String) throws {
        let line = #"1.2.3.4 [10/Mar/2024:09:00:00 +0800] "GET \#(url) HTTP/1.1" "\#(referer)" "\#(origin)""#
        let (rows, skip) = try importLine(line, .nginxCombined, logFormat: #"$remote_addr [$time_local] "$request" "$http_referer" "$http_origin""#)
        #expect(skip == nil)
        #expect(rows.first?.split(separator: " ")[3] == Substring(expected))
    }

    @Test("CLF times with offsets, as UTC", arguments: [
        ("10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36Z"),
        ("9/Jun/2015:01:58:09 +0800", "2015-06-08T17:58:09Z"),
        ("01/Jan/1970:00:00:00 +0000", "1970-01-01T00:00:00Z"),
        ("29/Feb/2024:23:59:59 +0530", "2024-02-29T18:29:59Z"),
        ("31/Dec/2023:23:30:00 -0100", "2024-01-01T00:30:00Z"),
        ("10/oct/2000:13:55:36.250 +0000", "2000-10-10T13:55:36.250Z"),
    ])
    func clf(_ text: String, _ utc: String) throws {
        #expect(parseCLFTime(Array(text.utf8)[...]) == parseISO8601Time(Array(utc.utf8)[...]))
        #expect(parseCLFTime(Array(text.utf8)[...]) != nil)
    }

    @Test("W3C date and time (UTC) and epoch seconds")
    func w3c() throws {
        #expect(parseW3CTime(date: Array("1970-01-02".utf8)[...], time: Array("00:00:01".utf8)[...]) == 86_401_000_000)
        #expect(parseW3CTime(date: Array("2019-12-04".utf8)[...], time: Array("21:02:31".utf8)[...]) == 1_575_493_351_000_000)
        #expect(parseW3CTime(date: Array("2019-12-04".utf8)[...], time: Array("21:02:31.125".utf8)[...]) == 1_575_493_351_125_000)
        #expect(parseEpochSeconds(Array("1575493351.125".utf8)[...]) == 1_575_493_351_125_000)
        #expect(parseISO8601Time(Array("2019-12-05T05:02:31+08:00".utf8)[...]) == 1_575_493_351_000_000)
    }

    @Test("times that are not times", arguments: [
        "31/Jun/2015:01:58:09 +0800", "29/Feb/2023:00:00:00 +0000", "10/Foo/2000:13:55:36 -0700", "10/Oct/2000:13:55:36",
        "10/Oct/2000:13:55:36 +07", "10/Oct/2000 13:55:36 -0700", "10/Oct/2000:24:00:00 +0000", "[10/Oct/2000:13:55:36 -0700]",
        "100/Oct/2000:13:55:36 -0700", "10/Oct/2000:13:55:36 -0700 ",
    ])
    func badCLF(_ text: String) {
        #expect(parseCLFTime(Array(text.utf8)[...]) == nil)
    }

    @Test("POP map files: errors name the file and line", arguments: [
        ("", "clients.csv: empty POP map (expected a header 'client_prefix,pop' or 'edge,pop')"),
        ("ip,pop\n1.2.3.4,a\n", "clients.csv:1: header is \"ip,pop\" (expected 'client_prefix,pop' or 'edge,pop')"),
        ("client_prefix,pop\n1.2.3.0/33,a\n", "clients.csv:2: column 'client_prefix': \"1.2.3.0/33\" is not an IP address or prefix (such as 203.0.113.0/24 or 2001:db8::/32)"),
        ("client_prefix,pop\n# comment\n\n1.2.3.0/24\n", "clients.csv:4: expected 2 fields (client_prefix,pop), found 1"),
        ("client_prefix,pop\n1.2.3.0/24,\n", "clients.csv:2: column 'pop': empty (every entry names a POP)"),
        ("client_prefix,pop\n1.2.3.0/24,a\n1.2.3.9/24,b\n", "clients.csv:3: column 'client_prefix': \"1.2.3.9/24\" is mapped twice, to a and b"),
        ("edge,pop\n", "clients.csv:1: the map has a header but no entries"),
    ])
    func badMaps(_ text: String, _ message: String) {
        do {
            _ = try POPMap(text: text, file: "clients.csv")
            Issue.record("no error")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("client prefixes: the longest containing prefix wins, IPv4 and IPv6", arguments: [
        ("203.0.113.7", "narrow"), ("203.0.113.200", "wide"), ("203.0.112.1", "-"), ("::ffff:203.0.113.7", "narrow"),
        ("2001:db8::1", "v6"), ("2001:db8:1:2::1", "v6-48"), ("[2001:db8::1]", "v6"), ("fe80::1%eth0", "-"),
        ("10.1.2.3", "ten"), ("10.200.0.1", "-"), ("garbage", "-"), ("1.2.3", "-"), ("1:2:3:4:5:6:7:8:9", "-"),
    ])
    func prefixes(_ client: String, _ pop: String) throws {
        let map = try POPMap(text: "client_prefix,pop\n203.0.113.0/24,wide\n203.0.113.0/25,narrow\n2001:db8::/32,v6\n2001:db8:1::/48,v6-48\n10.1.0.0/16,ten\n",
                             file: "m.csv")
        #expect(map.popIndex(forClient: Array(client.utf8)).map { map.popNames[$0] } ?? "-" == pop)
    }

    @Test("IPv6 text forms parse to the same address")
    func ipv6Forms() {
        let forms = ["2001:db8:0:0:0:0:0:1", "2001:db8::1", "2001:DB8::0:1", "2001:0db8:0000::1"]
        let parsed = forms.map { IPAddress(parsing: Array($0.utf8)) }
        #expect(parsed.allSatisfy { $0 != nil && $0 == parsed[0] })
        #expect(IPAddress(parsing: Array("::".utf8)) == IPAddress(high: 0, low: 0))
        #expect(IPAddress(parsing: Array("::ffff:1.2.3.4".utf8)) == IPAddress(parsing: Array("1.2.3.4".utf8)))
        #expect(IPAddress(parsing: Array("1::2::3".utf8)) == nil)
    }
}
