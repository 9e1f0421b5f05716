import HTTPModel
import Reports
import Scenario
import Simulation
import Testing
import TestSupport

/// What one variant of a shipped scenario must produce, derived by hand from its trace.
struct Expected: Sendable, CustomTestStringConvertible {
    var scenario: String
    var variant: String
    var checked: Int
    var failures: Int
    var reasons: [String: Int] = [:]
    var hits: Int? = nil
    var misses: Int? = nil
    var collapsed: Int? = nil
    /// How the numbers follow from the trace and the seed's rules.
    var derivation: String
    var testDescription: String { "\(scenario) / \(variant): \(derivation)" }
}

func runShipped(_ name: String) throws -> RunResult {
    let scenario = try Scenario.load(path: repoPath("scenarios/\(name).json"))
    return try ScenarioRun.run(scenario)
}

let expectations: [Expected] = [
    // Requests 1 s apart, RTT 40 ms: each fill completes before the next request.
    Expected(scenario: "pass-through-two-origins", variant: "pass-through", checked: 8, failures: 4,
             reasons: ["acao_mismatch": 4], hits: 6, misses: 2,
             derivation: "brand.woff2 filled by www (A,B,A,B ⇒ both B fail); icons.woff2 filled by shop (B,A,A,B ⇒ both A fail) — seed FAQ: pass-through caches the first Origin"),
    Expected(scenario: "pass-through-two-origins", variant: "cdn-star", checked: 8, failures: 0, hits: 6, misses: 2,
             derivation: "the CDN's * replaces the cached echo on every response"),
    Expected(scenario: "pass-through-two-origins", variant: "cdn-list", checked: 8, failures: 0, hits: 6, misses: 2,
             derivation: "validation echoes each listed requester's own Origin, even on a HIT"),
    Expected(scenario: "no-origin-poisons-fonts", variant: "pass-through", checked: 5, failures: 5,
             reasons: ["missing_acao": 5], hits: 5, misses: 2,
             derivation: "the font URL is filled by a no-cors request without Origin ⇒ 3 font loads get no ACAO; the image by a plain <img> ⇒ 2 crossorigin loads get none"),
    Expected(scenario: "no-origin-poisons-fonts", variant: "cdn-star", checked: 5, failures: 0,
             derivation: "* is added whatever the filler sent"),
    Expected(scenario: "several-pops-several-fills", variant: "pass-through", checked: 8, failures: 4,
             reasons: ["acao_mismatch": 2, "missing_acao": 2], misses: 3,
             derivation: "hangzhou filled by www, frankfurt by shop, virginia without Origin: at 10 s www fails at frankfurt (mismatch) and virginia (missing); at 20 s shop fails at hangzhou and virginia"),
    Expected(scenario: "several-pops-several-fills", variant: "cdn-list", checked: 8, failures: 0,
             derivation: "per-request echo at every POP"),
    Expected(scenario: "cdn-star", variant: "cdn-star", checked: 5, failures: 2, reasons: ["wildcard_with_credentials": 2],
             derivation: "the two credentialed fetches get * — Fetch CORS check step 3 allows * only without credentials"),
    Expected(scenario: "cdn-star", variant: "cdn-list-credentials", checked: 5, failures: 0,
             derivation: "exact echo + Access-Control-Allow-Credentials: true passes credentialed and anonymous loads"),
    Expected(scenario: "exact-list-validation", variant: "cdn-list", checked: 8, failures: 4, reasons: ["missing_acao": 4],
             derivation: "seed Example 1: http://example.com and https://aliyundoc.com echoed; http://aliyundoc.com (scheme) and http://aliyun.com (domain) get no header — twice each"),
    Expected(scenario: "wildcard-domain", variant: "wildcard", checked: 10, failures: 8, reasons: ["missing_acao": 8],
             derivation: "seed Example 2: only http://demo.aliyundoc.com is echoed; demo.example.com (domain), https://demo (scheme), a.b (one label), the bare domain get nothing — twice each"),
    Expected(scenario: "wildcard-domain", variant: "wildcard-lua", checked: 10, failures: 6, reasons: ["missing_acao": 6],
             derivation: "SEMANTICS 3.5: as a Lua pattern, * becomes .* and also matches the two-label http://a.b.aliyundoc.com"),
    Expected(scenario: "allow-duplicates", variant: "duplicates-yes", checked: 5, failures: 3, reasons: ["multiple_acao_values": 3],
             derivation: "brand.woff2 filled with the bucket's echo, the CDN adds * ⇒ two ACAO lines for 3 loads; icons.woff2 filled without Origin ⇒ only * ⇒ 2 pass"),
    Expected(scenario: "allow-duplicates", variant: "duplicates-no", checked: 5, failures: 0,
             derivation: "Allow Duplicates no: the CDN's * replaces the bucket's header"),
    // 18 rounds 10 s apart at two POPs; www at even rounds, shop at odd; TTL 1 h (no expiry in 3 min).
    Expected(scenario: "rule-added-without-purge", variant: "no-purge", checked: 36, failures: 18, reasons: ["acao_mismatch": 18],
             derivation: "objects cached at 0 s under pass-through keep their headers after the rule (seed FAQ: must purge) ⇒ all 9 shop loads fail at both POPs"),
    Expected(scenario: "rule-added-without-purge", variant: "with-purge", checked: 36, failures: 8, reasons: ["acao_mismatch": 8],
             derivation: "purge at 90 s after the rule reached both POPs ⇒ shop fails at 10, 30, 50, 70 s at each POP only"),
    Expected(scenario: "rule-added-without-purge", variant: "serve-time-rules", checked: 36, failures: 7, reasons: ["acao_mismatch": 7],
             derivation: "serve-time rules take effect on arrival: hangzhou (60 s) fails shop at 10, 30, 50; frankfurt (90 s) at 10, 30, 50, 70"),
    Expected(scenario: "several-domains-one-bucket", variant: "static-only", checked: 6, failures: 1, reasons: ["acao_mismatch": 1],
             derivation: "img.example-cdn.com relies on pass-through: filled by www, shop's load there fails"),
    Expected(scenario: "several-domains-one-bucket", variant: "both-domains", checked: 6, failures: 0,
             derivation: "the CDN rule on each domain"),
    Expected(scenario: "fonts-vs-video", variant: "no-cors-config", checked: 4, failures: 4, reasons: ["missing_acao": 4],
             derivation: "seed FAQ: no CORS anywhere ⇒ 3 fonts fail, 2 plain <video> loads are unchecked, the <video crossorigin> fails"),
    Expected(scenario: "fonts-vs-video", variant: "cdn-star", checked: 4, failures: 0, derivation: "* on every response"),
    Expected(scenario: "vary-honoured", variant: "vary-ignored", checked: 12, failures: 8, reasons: ["acao_mismatch": 8], hits: 11, misses: 1,
             derivation: "one copy filled by www: the 8 loads from shop and blog fail"),
    Expected(scenario: "vary-honoured", variant: "vary-honoured", checked: 12, failures: 0, hits: 9, misses: 3,
             derivation: "Vary: Origin honoured ⇒ one copy per Origin: 3 origin fetches, no failure"),
    Expected(scenario: "vary-honoured", variant: "vary-bypass", checked: 12, failures: 0, hits: 0, misses: 12,
             derivation: "responses with Vary: Origin are not cached ⇒ every load goes to the bucket"),
    Expected(scenario: "vary-honoured", variant: "cdn-star", checked: 12, failures: 0, hits: 11, misses: 1,
             derivation: "one copy, * on every response"),
]

@Test("shipped scenarios produce the hand-derived counts", arguments: expectations)
func shippedScenario(_ e: Expected) throws {
    let result = try runShipped(e.scenario)
    let v = try #require(result.variants.first { $0.name == e.variant })
    #expect(v.total.corsChecked == e.checked)
    #expect(v.total.corsFailures == e.failures)
    if !e.reasons.isEmpty {
        #expect(Dictionary(uniqueKeysWithValues: v.failuresByReason.map { ($0.key.rawValue, $0.value) }) == e.reasons)
    }
    if let h = e.hits { #expect(v.total.hits == h) }
    if let m = e.misses { #expect(v.total.misses == m) }
    if let c = e.collapsed { #expect(v.total.collapsed == c) }
}

@Test("per-POP failures: pass-through fails differently at each POP (seed FAQ: intermittent errors)")
func perPOPFailures() throws {
    let result = try runShipped("several-pops-several-fills")
    let v = try #require(result.variants.first { $0.name == "pass-through" })
    let pops = result.scenario.config.pops.map(\.id)
    let failures = Dictionary(uniqueKeysWithValues: zip(pops, v.perPOP.map(\.corsFailures)))
    #expect(failures == ["hangzhou": 1, "frankfurt": 1, "virginia": 2])
}

let shippedNames = ["pass-through-two-origins", "no-origin-poisons-fonts", "several-pops-several-fills", "cdn-star",
                    "exact-list-validation", "wildcard-domain", "allow-duplicates", "rule-added-without-purge",
                    "several-domains-one-bucket", "fonts-vs-video", "vary-honoured", "synthetic-fonts-day"]

@Test("invariants hold on every shipped scenario", arguments: shippedNames)
func invariants(_ name: String) throws {
    let result = try runShipped(name)
    let parentTier = result.scenario.config.pops.contains { $0.parent != nil }
    for v in result.variants {
        let t = v.total
        #expect(t.requests == result.requests)
        #expect(t.hits + t.misses + t.collapsed == t.requests)
        #expect(t.corsFailures <= t.corsChecked)
        #expect(t.originFetches <= t.misses)
        if !parentTier { #expect(t.originFetches == t.misses) }
        #expect(v.failuresByReason.values.reduce(0, +) == t.corsFailures)
        var cellSum = Tally()
        for c in v.cells.values { cellSum.add(c) }
        #expect(cellSum == t)
    }
}

@Test("same scenario twice ⇒ byte-identical summary and audit", arguments: shippedNames)
func determinism(_ name: String) throws {
    func once() throws -> String {
        let scenario = try Scenario.load(path: repoPath("scenarios/\(name).json"))
        var lines: [String] = []
        var catalog: Catalog? = nil
        let result = try ScenarioRun.run(scenario, observer: { o in
            lines.append(Audit.line(o, variantName: scenario.config.variants[o.variant].name,
                                    popName: scenario.config.pops[o.request.pop].id, catalog: catalog!))
        }, catalogReady: { catalog = $0 })
        return Summary.json(result) + Summary.text(result) + Summary.comparison(result) + lines.joined(separator: "\n")
    }
    #expect(try once() == once())
}

@Test("every shipped scenario passes lint without errors (the console would accept its rules)", arguments: shippedNames)
func shippedLint(_ name: String) throws {
    let scenario = try Scenario.load(path: repoPath("scenarios/\(name).json"))
    let errors = Lint.findings(for: scenario).filter { $0.severity == .error }
    #expect(errors.isEmpty, "\(errors)")
}

@Test("every scenario in scenarios/ is covered by the tests above")
func allShippedCovered() throws {
    let files = filesIn(repoPath("scenarios")).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
    #expect(files.sorted() == shippedNames.sorted())
}

@Test("decoding errors name the key path and line", arguments: [
    ("{\"name\": \"x\", \"pops\": [], \"origins\": [], \"domains\": [], \"variants\": {}, \"workload\": {\"trace\": \"t.csv\"}}", "pops: at least one POP is needed"),
    ("{\"name\": \"x\", \"pops\": [{\"id\": \"a\", \"capacity\": \"1GB\", \"originRTT\": \"fast\"}]}", "pops[0].originRTT"),
    ("{\"name\": \"x\", \"pops\": [{\"id\": \"a\", \"capacity\": \"1GB\", \"parent\": \"b\"}]}", "pops[0].parent: unknown POP \"b\""),
    ("[1, 2]", "expected an object, found an array"),
])
func decodingErrors(_ json: String, _ mentions: String) {
    do {
        _ = try Scenario.decode(file: "s.json", bytes: Array(json.utf8))
        Issue.record("decoded without error")
    } catch {
        #expect(error.description.contains(mentions), "\(error)")
    }
}
