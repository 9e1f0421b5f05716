import Testing
import HTTPModel
@testable import Workload

/// One log line and what it must import to: a row, or a skip with its message.
struct LineCase: Sendable, CustomTestStringConvertible {
    var name: String
    var line: String
    var row: String?
    var skip: String? = nil
    var testDescription: String { name }
}

let site = try! WebOrigin(parsing: "https://static.example-cdn.com")

@Suite("Importer: nginx combined and custom log_format")
struct ImporterNginxTests {
    static let combinedCases: [LineCase] = [
        LineCase(name: "nginx doc's combined line: cross-site Referer gives the page origin",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET /fonts/brand.woff2 HTTP/2.0" 200 48213 "https://www.example.com/" \#(chromeUA)"#,
                 row: "0.000s default https://static.example-cdn.com/fonts/brand.woff2 https://www.example.com font GET 48213"),
        LineCase(name: "IPv6 client, remote_user set, percent-encoded path kept as sent",
                 line: #"2001:db8:85a3::8a2e:370:7334 - alice [10/Mar/2024:09:00:00 +0800] "GET /img/hero%20banner.webp?w=640 HTTP/1.1" 200 183204 "https://shop.example.com/p?id=1" "Firefox""#,
                 row: "0.000s default https://static.example-cdn.com/img/hero%20banner.webp?w=640 https://shop.example.com img GET 183204"),
        LineCase(name: "'-' Referer: no page origin",
                 line: #"192.0.2.44 - - [10/Mar/2024:09:00:00 +0800] "GET /fonts/brand.woff2 HTTP/1.1" 200 48213 "-" "curl/8.4.0""#,
                 row: "0.000s default https://static.example-cdn.com/fonts/brand.woff2 - font GET 48213"),
        LineCase(name: "same-origin Referer (a stylesheet on the CDN loads the font): no page origin",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET /fonts/icons.woff2 HTTP/2.0" 200 12804 "https://static.example-cdn.com/css/site.css?v=3" "UA""#,
                 row: "0.000s default https://static.example-cdn.com/fonts/icons.woff2 - font GET 12804"),
        LineCase(name: "nginx \\x22 escapes in the UA and Apache \\\" escapes both stay inside the quotes",
                 line: #"203.0.113.90 - - [10/Mar/2024:09:00:00 +0800] "GET /img/logo.svg HTTP/1.1" 200 900 "https://blog.example.com/" "Feedly \x22Fetcher\x22 \"v2\" 1.0""#,
                 row: "0.000s default https://static.example-cdn.com/img/logo.svg https://blog.example.com img GET 900"),
        LineCase(name: "a raw space in the target (nginx logs what it got) is percent-encoded; 400 has no object size",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET /img/a b.png HTTP/1.1" 400 150 "-" "UA""#,
                 row: "0.000s default https://static.example-cdn.com/img/a%20b.png - img GET -"),
        LineCase(name: "nginx's \\xHH escape of a non-ASCII byte in the target becomes %HH",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET /fonts/\xE6\x80\x9D.woff2 HTTP/1.1" 200 10 "-" "UA""#,
                 row: "0.000s default https://static.example-cdn.com/fonts/%E6%80%9D.woff2 - font GET 10"),
        LineCase(name: "206 range and 304 carry no object size; HEAD neither",
                 line: #"198.51.100.23 - - [10/Mar/2024:09:00:00 +0800] "HEAD /video/intro.mp4 HTTP/2.0" 200 0 "https://shop.example.com/" "UA""#,
                 row: "0.000s default https://static.example-cdn.com/video/intro.mp4 https://shop.example.com video HEAD -"),
        LineCase(name: "absolute-form target (a proxy request) keeps its own host",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET HTTP://Img.Example-CDN.com:80/x.png HTTP/1.1" 200 5 "https://www.example.com/" "UA""#,
                 row: "0.000s default http://img.example-cdn.com/x.png https://www.example.com img GET 5"),
        LineCase(name: "a Referer that is not http(s) gives no origin",
                 line: #"198.51.100.77 - - [10/Mar/2024:09:00:00 +0800] "GET /fonts/brand.woff2 HTTP/2.0" 200 48213 "android-app://com.example.shop/" "UA wv""#,
                 row: "0.000s default https://static.example-cdn.com/fonts/brand.woff2 - font GET 48213"),
        LineCase(name: "a Referer on http is another origin than the https URL",
                 line: #"198.51.100.77 - - [10/Mar/2024:09:00:00 +0800] "GET /fonts/brand.woff2 HTTP/2.0" 200 48213 "http://static.example-cdn.com/page" "UA""#,
                 row: "0.000s default https://static.example-cdn.com/fonts/brand.woff2 http://static.example-cdn.com font GET 48213"),
        LineCase(name: "extra fields after combined's last are ignored",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET /js/app.js HTTP/2.0" 200 30211 "https://www.example.com/" "UA" 0.003 HIT"#,
                 row: "0.000s default https://static.example-cdn.com/js/app.js https://www.example.com script GET 30211"),
        LineCase(name: "TLS handshake bytes sent to the HTTP port: skipped",
                 line: #"45.83.64.1 - - [10/Mar/2024:09:00:00 +0800] "\x16\x03\x01\x02\x00\x01" 400 157 "-" "-""#,
                 row: nil, skip: #"$request: "\x16\x03\x01\x02\x00\x01" is not a request line (METHOD TARGET PROTOCOL)"#),
        LineCase(name: "an empty request (408): skipped",
                 line: #"192.0.2.10 - - [10/Mar/2024:09:00:00 +0800] "-" 408 0 "-" "-""#,
                 row: nil, skip: "$request: no request line (the client sent none: a timeout, or TLS to a plain-HTTP port)"),
        LineCase(name: "a line cut short: skipped, naming the field",
                 line: #"198.51.100.23 - - [10/Mar/2024:09:00:00 +0800] "GET /fonts/brand.woff2 HTTP/2.0" 200 48213 "https://shop.exam"#,
                 row: nil, skip: #"$http_referer: no '" "' after it (the line is cut short or not in this format)"#),
        LineCase(name: "hour 25: skipped",
                 line: #"203.0.113.7 - - [10/Mar/2024:25:00:00 +0800] "GET / HTTP/1.1" 200 1 "-" "-""#,
                 row: nil, skip: #"$time_local: "10/Mar/2024:25:00:00 +0800" is not a time like 10/Oct/2000:13:55:36 -0700"#),
        LineCase(name: "a status that is not a number: skipped",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET / HTTP/1.1" OK 1 "-" "-""#,
                 row: nil, skip: #"$status: "OK" is not an HTTP status"#),
        LineCase(name: "a target that is neither a path nor a URL (CONNECT): skipped",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "CONNECT example.com:443 HTTP/1.1" 400 0 "-" "-""#,
                 row: nil, skip: #"$request: request target "example.com:443" is neither a path nor an absolute http(s) URL"#),
        LineCase(name: "a method with a character no method has: skipped",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "G(T / HTTP/1.1" 400 0 "-" "-""#,
                 row: nil, skip: "$request: method \"G(T\" has '(', which an HTTP method cannot contain"),
        LineCase(name: "a path starting with // needs the site to be a URL",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET //evil.example/x HTTP/1.1" 200 1 "-" "-""#,
                 row: "0.000s default https://static.example-cdn.com//evil.example/x - other GET 1"),
        LineCase(name: "a line in another format: skipped",
                 line: "[10/Mar/2024:09:00:00 +0800] 203.0.113.7 - 12 \"-\" \"GET http://a.com/\" 200 1 2 HIT \"-\" \"text/html\"",
                 row: nil, skip: #"$remote_user: no ' [' after it (the line is cut short or not in this format)"#),
    ]

    @Test("combined lines, odd ones included", arguments: combinedCases)
    func combined(_ c: LineCase) throws {
        let (rows, skip) = try importLine(c.line, .nginxCombined, options: options { $0.site = site })
        #expect(rows == (c.row.map { [$0] } ?? []))
        #expect(skip == c.skip)
    }

    @Test("without --site the URL is a path and a Referer is taken as cross-site (counted)")
    func pathOnly() throws {
        let log = #"""
        203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET /fonts/icons.woff2 HTTP/2.0" 200 12804 "https://static.example-cdn.com/css/site.css" "UA"
        203.0.113.7 - - [10/Mar/2024:09:00:01 +0800] "GET /fonts/brand.woff2?v=2 HTTP/2.0" 200 48213 "https://www.example.com/" "UA"
        """#
        let (source, rows, _) = try importLog(log, .nginxCombined)
        #expect(rows == ["0.000s default /fonts/icons.woff2 https://static.example-cdn.com font GET 12804",
                         "1.000s default /fonts/brand.woff2?v=2 https://www.example.com font GET 48213"])
        #expect(source.stats.refererAssumedCrossSite == 2)
        let (_, skip) = try importLine(#"1.2.3.4 - - [10/Mar/2024:09:00:00 +0800] "GET //evil.example/x HTTP/1.1" 200 1 "-" "-""#, .nginxCombined)
        #expect(skip == #"$request: path "//evil.example/x" starts with '//', which a trace cannot hold without a host (give the site)"#)
        #expect(source.stats.originFromReferer == 2)
    }

    @Test("--no-referer-origin: no page origins at all")
    func refererOff() throws {
        let line = #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET /f.woff2 HTTP/2.0" 200 1 "https://www.example.com/" "UA""#
        let (source, rows, _) = try importLog(line, .nginxCombined, options: options { $0.refererOrigin = false; $0.site = site })
        #expect(rows == ["0.000s default https://static.example-cdn.com/f.woff2 - font GET 1"])
        #expect(source.stats.noReferer == 1)
        #expect(source.origins.count == 0)
    }

    static let customFormat = #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_origin" $host "$sent_http_content_type""#

    static let customCases: [LineCase] = [
        LineCase(name: "$http_origin wins over the Referer (font from a CDN stylesheet)",
                 line: #"198.51.100.23 - - [10/Mar/2024:09:00:00 +0800] "GET /fonts/icons.woff2 HTTP/2.0" 200 12804 "https://static.example-cdn.com/css/site.css" "UA" "https://shop.example.com" static.example-cdn.com "application/octet-stream""#,
                 row: "0.000s default https://static.example-cdn.com/fonts/icons.woff2 https://shop.example.com font GET 12804"),
        LineCase(name: "Origin '-' (a no-cors image sends none): the Referer stands in",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET /img/hero HTTP/2.0" 200 183204 "https://www.example.com/" "UA" "-" static.example-cdn.com "image/webp""#,
                 row: "0.000s default https://static.example-cdn.com/img/hero https://www.example.com img GET 183204"),
        LineCase(name: "Origin null (sandboxed page)",
                 line: #"192.0.2.80 - - [10/Mar/2024:09:00:00 +0800] "GET /f.woff2 HTTP/2.0" 200 1 "-" "UA" "null" static.example-cdn.com "font/woff2""#,
                 row: "0.000s default https://static.example-cdn.com/f.woff2 null font GET 1"),
        LineCase(name: "$host in capitals; content type with parameters",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET /css/site HTTP/2.0" 200 9120 "https://www.example.com/" "UA" "-" STATIC.Example-CDN.com "text/css; charset=utf-8""#,
                 row: "0.000s default https://static.example-cdn.com/css/site https://www.example.com stylesheet GET 9120"),
        LineCase(name: "an Origin equal to the URL's origin is same-origin: no page origin",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "POST /api/x HTTP/2.0" 200 7 "-" "UA" "https://static.example-cdn.com" static.example-cdn.com "application/json""#,
                 row: "0.000s default https://static.example-cdn.com/api/x - other POST 7"),
        LineCase(name: "an Origin with a path: skipped with the reason",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET /f.woff2 HTTP/2.0" 200 1 "-" "UA" "https://www.example.com/" static.example-cdn.com "font/woff2""#,
                 row: nil, skip: #"$http_origin: "https://www.example.com/" is not a serialised origin: trailing '/' (an origin has no path)"#),
        LineCase(name: "a host with a space: skipped",
                 line: #"203.0.113.7 - - [10/Mar/2024:09:00:00 +0800] "GET /f.woff2 HTTP/2.0" 200 1 "-" "UA" "-" bad_host! "font/woff2""#,
                 row: nil, skip: #"$host: "https://bad_host!" is not an http(s) scheme and a valid host"#),
    ]

    @Test("a custom log_format with $http_origin, $host and $sent_http_content_type", arguments: customCases)
    func custom(_ c: LineCase) throws {
        let (rows, skip) = try importLine(c.line, .nginxCombined, logFormat: Self.customFormat)
        #expect(rows == (c.row.map { [$0] } ?? []))
        #expect(skip == c.skip)
    }

    @Test("other time variables and split request variables")
    func otherVariables() throws {
        let format = #"$msec $request_method $scheme://$http_host$uri?$args $status $bytes_sent "$http_referer""#
        let log = """
        1710032400.125 GET https://static.example-cdn.com:8443/a.woff2?v=1 200 1000 "https://www.example.com/x"
        1710032400.5 GET http://static.example-cdn.com/b.png?- 200 5 "-"
        """
        let (_, rows, _) = try importLog(log, .nginxCombined, logFormat: format)
        #expect(rows == ["0.000s default https://static.example-cdn.com:8443/a.woff2?v=1 https://www.example.com font GET 1000",
                         "0.375s default http://static.example-cdn.com/b.png - img GET 5"])
        let iso = #"[$time_iso8601] "$request" $status"#
        let (_, isoRows, _) = try importLog("[2024-03-10T09:00:00+08:00] \"GET /a HTTP/1.1\" 200\n[2024-03-10T01:00:01Z] \"GET /a HTTP/1.1\" 200\n",
                                            .nginxCombined, logFormat: iso)
        #expect(isoRows == ["0.000s default /a - other GET -", "1.000s default /a - other GET -"])
    }

    @Test("the whole log_format directive from nginx.conf is accepted")
    func directive() throws {
        let directive = #"""
        log_format cors '$remote_addr [$time_local] "$request" '
                        '$status "$http_origin"';
        """#
        let pattern = try LogPattern(directive)
        #expect(pattern.names == ["$remote_addr", "$time_local", "$request", "$status", "$http_origin"])
        let (_, rows, _) = try importLog(#"1.2.3.4 [10/Mar/2024:09:00:00 +0800] "GET /f.woff2 HTTP/1.1" 200 "https://a.example.com""# + "\n",
                                         .nginxCombined, logFormat: directive)
        #expect(rows == ["0.000s default /f.woff2 https://a.example.com font GET -"])
    }

    @Test("formats that cannot be read are refused with the reason", arguments: [
        (#"$remote_addr "$request""#, "log_format: the format has no time variable ($time_local, $time_iso8601 or $msec)"),
        (#"[$time_local] $status"#, "log_format: the format has no request variable ($request, or $request_uri / $uri with $request_method)"),
        (#"[$time_local] $request_uri"#, "log_format: the format has $request_uri or $uri but no $request_method"),
        (#"[$time_local] "$request"$status$body_bytes_sent"#, "log_format: $status and $body_bytes_sent have nothing between them, so a line cannot be split between them"),
        ("no variables here", "log_format: \"no variables here\" names no variables"),
    ])
    func badFormats(_ format: String, _ message: String) {
        #expect(throws: TraceError(file: "log_format", line: 0, column: nil, message: String(message.dropFirst("log_format: ".count)))) {
            _ = try LogPattern(format)
        }
    }
}
