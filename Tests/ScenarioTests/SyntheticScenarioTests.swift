import HTTPModel
import Reports
import Scenario
import Simulation
import Testing
import TestSupport
import Workload

/// A small scenario around a synthetic block (given as the text inside `"synthetic": {…}`).
func syntheticScenario(_ block: String, seed: Int = 5, domains: String? = nil) -> String {
    """
    {
      "version": 1,
      "name": "synthetic-test",
      "seed": \(seed),
      "pops": [{"id": "hangzhou", "capacity": "1GB"}, {"id": "frankfurt", "capacity": "1GB"}],
      "origins": [{"id": "bucket", "type": "oss",
                   "cors": {"rules": [{"allowedOrigins": ["https://*.example.com"], "allowedMethods": ["GET"]}]}}],
      "domains": \(domains ?? #"[{"host": "static.example-cdn.com", "origin": "bucket"}]"#),
      "variants": {"pass-through": {}, "cdn-star": {"responseHeaders": [{"header": "Access-Control-Allow-Origin", "value": "*"}]}},
      "workload": {
        "synthetic": {
    \(block)
        }
      }
    }
    """
}

let minimalBlock = """
      "objects": 1000,
      "alpha": 0.8,
      "rate": 20,
      "requests": 5000,
      "origins": {"https://www.example.com": 1, "https://shop.example.com": 1},
      "kinds": {"font": 1}
"""

func decodeScenario(_ text: String) throws(ScenarioError) -> Scenario {
    try Scenario.decode(file: "s.json", bytes: Array(text.utf8))
}

func syntheticSpecOf(_ scenario: Scenario) throws -> SyntheticSpec {
    guard case .synthetic(let spec) = scenario.workload else {
        Issue.record("workload is not synthetic: \(scenario.workload)")
        throw ScenarioError(file: "", path: "", line: nil, message: "not synthetic")
    }
    return spec
}

@Suite("Scenario: synthetic workload")
struct SyntheticScenarioTests {
    @Test("a full block decodes into the spec, sizes and curve included")
    func fullBlock() throws {
        let block = """
              "objects": 20000, "alpha": 1.1, "rate": 12.5, "duration": "2h", "requests": 90000,
              "diurnal": {"hourly": [1,1,1,1,1,1,2,3,4,5,5,5,6,5,5,5,5,6,7,8,9,8,6,3]},
              "origins": {"HTTPS://WWW.EXAMPLE.COM:443": 3, "https://shop.example.com": 1},
              "noOriginShare": 0.2,
              "kinds": {"font": 3, "video": 1, "video-cors": 1},
              "pops": {"frankfurt": 1},
              "sizes": {"font": "40KB", "video-cors": {"distribution": "lognormal", "mean": "4MB", "sigma": 0.5}},
              "baseURL": "https://static.example-cdn.com/",
              "seed": 99
        """
        let spec = try syntheticSpecOf(try decodeScenario(syntheticScenario(block)))
        #expect(spec.objects == 20_000)
        #expect(spec.alpha == 1.1)
        #expect(spec.rate == 12.5)
        #expect(spec.duration == 7_200_000_000)
        #expect(spec.requests == 90_000)
        #expect(spec.diurnal == .hourly([1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 6, 5, 5, 5, 5, 6, 7, 8, 9, 8, 6, 3]))
        #expect(spec.origins == [.init("https://www.example.com", 3), .init("https://shop.example.com", 1)])
        #expect(spec.noOriginShare == 0.2)
        #expect(spec.kinds == [.init(.font, 3), .init(.video, 1), .init(.videoCORS, 1)])
        #expect(spec.pops == [.init("frankfurt", 1)])
        #expect(spec.sizes == [.init(.font, .fixed(40_000)), .init(.videoCORS, .lognormal(mean: 4_000_000, sigma: 0.5))])
        #expect(spec.baseURL == "https://static.example-cdn.com")
        #expect(spec.seed == 99)
    }

    @Test("defaults: the scenario's seed, every POP equally, paths for one domain, sinusoid curve")
    func defaults() throws {
        let spec = try syntheticSpecOf(try decodeScenario(syntheticScenario(minimalBlock + #", "diurnal": {"amplitude": 0.5, "peakHour": 20}"#, seed: 31)))
        #expect(spec.seed == 31)
        #expect(spec.pops == [.init("hangzhou", 1), .init("frankfurt", 1)])
        #expect(spec.baseURL == "")
        #expect(spec.noOriginShare == 0)
        #expect(spec.sizes.isEmpty)
        #expect(spec.diurnal == .sinusoid(amplitude: 0.5, peakHour: 20))
    }

    @Test("runs end to end: the requests arrive, both POPs serve, * fixes what pass-through breaks (seed 5)")
    func runs() throws {
        let scenario = try decodeScenario(syntheticScenario(minimalBlock))
        let result = try ScenarioRun.run(scenario)
        #expect(result.requests == 5000)
        let passThrough = try #require(result.variants.first { $0.name == "pass-through" })
        let star = try #require(result.variants.first { $0.name == "cdn-star" })
        // Every request is a font from one of two sites: all CORS-checked.
        #expect(passThrough.total.corsChecked == 5000)
        #expect(passThrough.total.corsFailures > 0, "seed 5: two sites sharing cached fonts must collide")
        #expect(star.total.corsFailures == 0)
        #expect(passThrough.perPOP.allSatisfy { $0.requests > 2000 }, "seed 5: \(passThrough.perPOP.map(\.requests))")
        // The same scenario twice: the same counts.
        let again = try ScenarioRun.run(scenario)
        #expect(again.variants.map(\.total) == result.variants.map(\.total))
    }

    @Test("a block seed overrides the scenario's; another seed gives another run")
    func seeds() throws {
        let a = try ScenarioRun.run(try decodeScenario(syntheticScenario(minimalBlock, seed: 1)))
        let b = try ScenarioRun.run(try decodeScenario(syntheticScenario(minimalBlock + #", "seed": 1"#, seed: 2)))
        let c = try ScenarioRun.run(try decodeScenario(syntheticScenario(minimalBlock, seed: 2)))
        #expect(a.variants.map(\.total) == b.variants.map(\.total))
        #expect(a.variants.map(\.total) != c.variants.map(\.total))
    }

    @Test("the shipped synthetic-fonts-day: ~200k requests over a day; the list fails exactly blog's CORS loads")
    func shippedDay() throws {
        let scenario = try Scenario.load(path: repoPath("scenarios/synthetic-fonts-day.json"))
        let spec = try syntheticSpecOf(scenario)
        // Count, from the generator itself, the CORS-mode requests blog makes.
        let source = try SyntheticSource(spec: spec)
        let blog = try #require(source.origins.id(of: "https://blog.example.com"))
        var total = 0, blogCORS = 0
        while let r = try source.next() {
            total += 1
            if r.origin == blog && r.kind.mode == .cors { blogCORS += 1 }
        }
        let result = try ScenarioRun.run(scenario)
        #expect(result.requests == total)
        #expect(abs(Double(total) / (2.3 * 86_400) - 1) < 0.02, "seed 7: \(total) requests")
        let list = try #require(result.variants.first { $0.name == "cdn-list" })
        #expect(list.total.corsFailures == blogCORS, "seed 7")
        #expect(Dictionary(uniqueKeysWithValues: list.failuresByReason.map { ($0.key.rawValue, $0.value) }) == ["missing_acao": blogCORS])
        let star = try #require(result.variants.first { $0.name == "cdn-star" })
        #expect(star.total.corsFailures == 0)
        let pass = try #require(result.variants.first { $0.name == "pass-through" })
        #expect(pass.total.corsFailures > list.total.corsFailures, "seed 7: pass-through fails more than the list")
        #expect(Set(pass.failuresByReason.keys.map(\.rawValue)) == ["acao_mismatch", "missing_acao"])
    }

    @Test("errors name the key path and line", arguments: blockErrors)
    func errors(_ e: BlockError) {
        let (block, path, mentions) = (e.block, e.path, e.mentions)
        do {
            _ = try decodeScenario(syntheticScenario(block))
            Issue.record("decoded without error; expected \(path)")
        } catch {
            #expect(error.path == path, "\(error)")
            #expect(error.message.contains(mentions), "\(error)")
            #expect(error.line != nil, "\(error)")
        }
    }

    @Test("the error's line is the offending value's line")
    func errorLine() throws {
        let text = syntheticScenario(minimalBlock.replacingOccurrences(of: "\"font\": 1", with: "\"font\": -1"))
        let expectedLine = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("\"font\": -1") }! + 1
        #expect(throws: ScenarioError(file: "s.json", path: "workload.synthetic.kinds.font", line: expectedLine,
                                      message: "a weight must be a finite number ≥ 0 (found -1.0)")) {
            _ = try decodeScenario(text)
        }
    }

    @Test("workload shape errors: trace and synthetic together, neither, several domains without baseURL")
    func shapeErrors() {
        func check(_ text: String, _ path: String, _ mentions: String) {
            do {
                _ = try decodeScenario(text)
                Issue.record("decoded without error; expected \(path)")
            } catch {
                #expect(error.path == path, "\(error)")
                #expect(error.message.contains(mentions), "\(error)")
            }
        }
        let both = syntheticScenario(minimalBlock).replacingOccurrences(of: "\"workload\": {", with: "\"workload\": {\"trace\": \"t.csv\",")
        check(both, "workload.trace", "not both")
        let neither = syntheticScenario(minimalBlock).replacingOccurrences(of: "\"synthetic\": {", with: "\"format\": \"csv\", \"x\": {")
        check(neither, "workload.x", "unknown key")
        let domains = #"[{"host": "a.example-cdn.com", "origin": "bucket"}, {"host": "b.example-cdn.com", "origin": "bucket"}]"#
        check(syntheticScenario(minimalBlock, domains: domains), "workload.synthetic", "set \"baseURL\" to one of them (https://a.example-cdn.com, https://b.example-cdn.com)")
        // With a baseURL naming one of them it decodes and runs.
        let ok = syntheticScenario(minimalBlock + #", "baseURL": "https://b.example-cdn.com/static""#, domains: domains)
        #expect((try? ScenarioRun.run(try decodeScenario(ok)).requests) == 5000)
    }

    @Test("a workload with neither trace nor synthetic says what it needs")
    func emptyWorkload() {
        let bare = #"{"name": "x", "pops": [{"id": "a", "capacity": "1GB"}], "origins": [{"id": "o", "type": "plain"}], "domains": [{"host": "h.com", "origin": "o"}], "variants": {"v": {}}, "workload": {}}"#
        do {
            _ = try decodeScenario(bare)
            Issue.record("decoded an empty workload")
        } catch {
            #expect(error.path == "workload")
            #expect(error.message.contains("\"trace\" (a trace file) or \"synthetic\""), "\(error)")
        }
    }
}

/// A synthetic block that must be refused, with the key path and a phrase the error must have.
struct BlockError: Sendable, CustomTestStringConvertible {
    var block: String
    var path: String
    var mentions: String
    var testDescription: String { "\(path): \(mentions)" }
}

/// `minimalBlock` with `from` replaced by `to`.
func edit(_ from: String, _ to: String, _ path: String, _ mentions: String) -> BlockError {
    BlockError(block: minimalBlock.replacingOccurrences(of: from, with: to), path: path, mentions: mentions)
}

/// `minimalBlock` with more keys.
func add(_ extra: String, _ path: String, _ mentions: String) -> BlockError {
    BlockError(block: minimalBlock + extra, path: path, mentions: mentions)
}

let blockErrors: [BlockError] = [
    edit("\"alpha\": 0.8", "\"alpha\": 0", "workload.synthetic.alpha", "above 0"),
    edit("\"alpha\": 0.8", "\"alpha\": -0.5", "workload.synthetic.alpha", "above 0"),
    edit("\"alpha\": 0.8", "\"alpha\": \"high\"", "workload.synthetic.alpha", "expected a number"),
    edit("\"alpha\": 0.8", "\"alpah\": 0.8", "workload.synthetic.alpah", "did you mean \"alpha\""),
    edit("\"objects\": 1000", "\"objects\": 0", "workload.synthetic.objects", "at least 1"),
    edit("\"objects\": 1000", "\"objects\": 1.5", "workload.synthetic.objects", "expected an integer"),
    edit("\"rate\": 20", "\"rate\": 0", "workload.synthetic.rate", "above 0"),
    edit("\"requests\": 5000", "\"duration\": \"10\"", "workload.synthetic.duration", "missing unit"),
    edit("\"requests\": 5000", "\"duration\": \"-1h\"", "workload.synthetic.duration", "negative"),
    edit("\"requests\": 5000,", "", "workload.synthetic.duration", "or both"),
    edit("\"font\": 1", "\"font\": -1", "workload.synthetic.kinds.font", "≥ 0"),
    edit("\"font\": 1", "\"woff\": 1", "workload.synthetic.kinds.woff", "unknown kind \"woff\""),
    edit("\"font\": 1", "\"font\": 0", "workload.synthetic.kinds", "above 0"),
    edit("\"https://shop.example.com\": 1", "\"https://shop.example.com\": -3", "workload.synthetic.origins.https://shop.example.com", "≥ 0"),
    edit("\"https://shop.example.com\": 1", "\"shop.example.com\": 1", "workload.synthetic.origins.shop.example.com", "no scheme"),
    add(#", "pops": {"hangzhou": 1, "tokyo": 1}"#, "workload.synthetic.pops.tokyo", "unknown POP \"tokyo\" (POPs: hangzhou, frankfurt)"),
    add(#", "pops": {"hangzhou": -1}"#, "workload.synthetic.pops.hangzhou", "≥ 0"),
    add(#", "noOriginShare": 2"#, "workload.synthetic.noOriginShare", "between 0 and 1"),
    add(#", "diurnal": {"hourly": [1, 2]}"#, "workload.synthetic.diurnal.hourly", "24 values"),
    add(#", "diurnal": {"hourly": [1,1,1,-1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}"#, "workload.synthetic.diurnal.hourly[3]", "≥ 0"),
    add(#", "diurnal": {"amplitude": 0.5}"#, "workload.synthetic.diurnal", "missing required key \"peakHour\""),
    add(#", "diurnal": {"amplitude": 0.5, "peakHour": 24}"#, "workload.synthetic.diurnal.peakHour", "0 to 23"),
    add(#", "diurnal": {"amplitude": 1.5, "peakHour": 2}"#, "workload.synthetic.diurnal.amplitude", "between 0 and 1"),
    add(#", "diurnal": {"hourly": [], "peakHour": 2}"#, "workload.synthetic.diurnal.peakHour", "not both"),
    add(#", "sizes": {"font": "big"}"#, "workload.synthetic.sizes.font", "not a byte size"),
    add(#", "sizes": {"font": {"distribution": "normal"}}"#, "workload.synthetic.sizes.font.distribution", "not one of: fixed, uniform, lognormal"),
    add(#", "sizes": {"font": {"distribution": "uniform", "min": "10KB", "max": "1KB"}}"#, "workload.synthetic.sizes.font.max", "smaller than min"),
    add(#", "sizes": {"font": {"distribution": "lognormal", "mean": "1MB", "sd": 1}}"#, "workload.synthetic.sizes.font.sd", "unknown key"),
    add(#", "sizes": {"video": "1MB"}"#, "workload.synthetic.sizes.video", "no kind in \"kinds\" loads /video/"),
    add(#", "baseURL": "https://other.example.com""#, "workload.synthetic.baseURL", "not a domain of the scenario"),
    add(#", "baseURL": "static.example-cdn.com""#, "workload.synthetic.baseURL", "not an http(s) URL"),
    add(#", "seed": -1"#, "workload.synthetic.seed", "non-negative"),
]
