import Foundation
import Testing
import TestSupport

/// A probe run and what its JSON must say.
struct ProbeCase: Sendable, CustomTestStringConvertible {
    var source: String
    var args: [String]
    var verdict: String
    var reason: String? = nil
    var acao: [String]
    var testDescription: String { source }
}

func acaoValues(_ json: [String: Any]) -> [String] {
    ((json["responseHeaders"] as? [[String]]) ?? []).filter { $0[0].lowercased() == "access-control-allow-origin" }.map { $0[1] }
}

let probeCases: [ProbeCase] = [
    ProbeCase(source: "seed Example 1: http://example.com is echoed",
              args: ["--acao", "http://example.com,https://aliyundoc.com", "--cors-validation", "on", "--origin", "http://example.com", "--kind", "font"],
              verdict: "pass", acao: ["http://example.com"]),
    ProbeCase(source: "seed Example 1: https://aliyundoc.com is echoed",
              args: ["--acao", "http://example.com,https://aliyundoc.com", "--cors-validation", "on", "--origin", "https://aliyundoc.com", "--kind", "font"],
              verdict: "pass", acao: ["https://aliyundoc.com"]),
    ProbeCase(source: "seed Example 1: http://aliyundoc.com gets no header (scheme mismatch)",
              args: ["--acao", "http://example.com,https://aliyundoc.com", "--cors-validation", "on", "--origin", "http://aliyundoc.com", "--kind", "font"],
              verdict: "fail", reason: "missing_acao", acao: []),
    ProbeCase(source: "seed Example 1: http://aliyun.com gets no header (domain mismatch)",
              args: ["--acao", "http://example.com,https://aliyundoc.com", "--cors-validation", "on", "--origin", "http://aliyun.com", "--kind", "font"],
              verdict: "fail", reason: "missing_acao", acao: []),
    ProbeCase(source: "seed Example 2: http://demo.aliyundoc.com matches http://*.aliyundoc.com",
              args: ["--acao", "http://*.aliyundoc.com", "--cors-validation", "on", "--origin", "http://demo.aliyundoc.com"],
              verdict: "pass", acao: ["http://demo.aliyundoc.com"]),
    ProbeCase(source: "seed Example 2: https://demo.aliyundoc.com does not (scheme)",
              args: ["--acao", "http://*.aliyundoc.com", "--cors-validation", "on", "--origin", "https://demo.aliyundoc.com"],
              verdict: "fail", reason: "missing_acao", acao: []),
    ProbeCase(source: "seed: validation off returns the configured value always",
              args: ["--acao", "https://a.example.com", "--origin", "https://b.example.com", "--kind", "font"],
              verdict: "fail", reason: "acao_mismatch", acao: ["https://a.example.com"]),
    ProbeCase(source: "seed: Allow Duplicates yes keeps the origin's header and adds the configured one ⇒ two values (Fetch 'get' joins them)",
              args: ["--acao", "*", "--allow-duplicates", "yes", "--origin-acao", "https://a.example.com", "--origin", "https://a.example.com", "--kind", "font"],
              verdict: "fail", reason: "multiple_acao_values", acao: ["https://a.example.com", "*"]),
    ProbeCase(source: "seed: Allow Duplicates no replaces the origin's header",
              args: ["--acao", "*", "--origin-acao", "https://a.example.com", "--origin", "https://b.example.com", "--kind", "font"],
              verdict: "pass", acao: ["*"]),
    ProbeCase(source: "seed FAQ: video without crossorigin is not CORS-checked",
              args: ["--origin", "https://a.example.com", "--kind", "video"],
              verdict: "unchecked", acao: []),
    ProbeCase(source: "seed FAQ: a font without CORS headers fails",
              args: ["--origin", "https://a.example.com", "--kind", "font"],
              verdict: "fail", reason: "missing_acao", acao: []),
    ProbeCase(source: "Fetch CORS check step 3: * with credentials include fails",
              args: ["--acao", "*", "--origin", "https://a.example.com", "--kind", "fetch", "--credentials", "include"],
              verdict: "fail", reason: "wildcard_with_credentials", acao: ["*"]),
    ProbeCase(source: "seed: the %- escape under validation matches a hyphenated origin",
              args: ["--acao", "http://doc.aliyun%-example.com", "--cors-validation", "on", "--origin", "http://doc.aliyun-example.com", "--kind", "font"],
              verdict: "pass", acao: ["http://doc.aliyun-example.com"]),
]

@Test("probe --json follows the seed and the Fetch standard", arguments: probeCases)
func probeJSON(_ c: ProbeCase) throws {
    let r = try runPopsim(["probe", "--json"] + c.args)
    #expect(r.status == 0, "stderr: \(r.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(json["verdict"] as? String == c.verdict)
    #expect(json["reason"] as? String == c.reason)
    #expect(acaoValues(json) == c.acao)
}

@Test("probe: a PUT through an OSS bucket is preflighted; the OSS rule answers the OPTIONS (OSS Options API)")
func probePreflightOSS() throws {
    let r = try runPopsim(["probe", "--json", "--oss-cors", "scenarios/rules/oss-cors.json", "--origin", "https://www.example.com", "--method", "PUT"])
    #expect(r.status == 0, "stderr: \(r.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let preflight = try #require(json["preflight"] as? [String: Any])
    #expect(preflight["verdict"] as? String == "pass")
    #expect(json["verdict"] as? String == "pass")
}

@Test("probe: a DELETE the bucket does not allow fails at the preflight with a 403 (OSS Options API)")
func probePreflightRefused() throws {
    let r = try runPopsim(["probe", "--json", "--oss-cors", "scenarios/rules/oss-cors.json", "--origin", "https://www.example.com", "--method", "DELETE"])
    #expect(r.status == 0)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(json["verdict"] as? String == "fail")
    #expect((json["reason"] as? String)?.hasPrefix("preflight_") == true)
}

@Test("probe: a rule the console refuses prints its code and exits 2 (seed FAQ: several wildcard domains)")
func probeRefusedRule() throws {
    let r = try runPopsim(["probe", "--json", "--acao", "https://*.iflyvoice.cn,https://*.xxx.com", "--cors-validation", "on", "--origin", "https://a.iflyvoice.cn"])
    #expect(r.status == 2)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let error = try #require(json["error"] as? [String: Any])
    #expect(error["code"] as? String == "multiple_wildcard_domains_not_supported")
}

@Test("probe: text output shows curl-like header lines and a verdict line")
func probeText() throws {
    let r = try runPopsim(["probe", "--acao", "*", "--origin", "https://www.example.com", "--kind", "font"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("< Access-Control-Allow-Origin: *"))
    #expect(r.stdout.contains("> Origin: https://www.example.com"))
    #expect(r.stdout.contains("verdict: pass"))
}

/// Bad input: a clear error naming what is wrong, exit 2.
struct BadProbe: Sendable, CustomTestStringConvertible {
    var args: [String]
    var mentions: String
    var testDescription: String { args.joined(separator: " ") }
}

@Test("probe: bad input exits 2 with a clear message", arguments: [
    BadProbe(args: ["--origin", "https://a.example.com/"], mentions: "trailing"),
    BadProbe(args: ["--origin", "a.example.com"], mentions: "scheme"),
    BadProbe(args: ["--kind", "woff"], mentions: "unknown kind \"woff\""),
    BadProbe(args: ["--bogus"], mentions: "unknown option '--bogus'"),
    BadProbe(args: ["--origin-acao", ""], mentions: "empty"),
    BadProbe(args: ["--origin-header", "X-Test:"], mentions: "empty value"),
    BadProbe(args: ["--credentials", "always"], mentions: "omit, same-origin, include"),
    BadProbe(args: ["--cors-validation", "maybe", "--acao", "*"], mentions: "on or off"),
    BadProbe(args: ["--cors-validation", "on"], mentions: "give --acao"),
    BadProbe(args: ["--oss-cors", "/nonexistent/cors.json"], mentions: "/nonexistent/cors.json"),
    BadProbe(args: ["--acao"], mentions: "needs a value"),
])
func probeBadInput(_ c: BadProbe) throws {
    let r = try runPopsim(["probe"] + c.args)
    #expect(r.status == 2)
    #expect(r.stderr.contains(c.mentions), "stderr: \(r.stderr)")
    #expect(r.stdout.isEmpty)
}

@Test("unknown command and no command exit 2; --help and --version exit 0")
func topLevel() throws {
    #expect(try runPopsim(["frobnicate"]).status == 2)
    #expect(try runPopsim([]).status == 2)
    let help = try runPopsim(["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("probe"))
    #expect(try runPopsim(["--version"]).stdout.hasPrefix("popsim "))
    for command in ["run", "compare", "explain", "lint", "probe"] {
        let r = try runPopsim([command, "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Usage: popsim \(command)"))
        #expect(r.stdout.contains("Examples:"))
    }
}
