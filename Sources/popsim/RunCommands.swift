import Foundation
import HTTPModel
import Reports
import Scenario
import Simulation
import Workload

/// Loads a scenario to run, or throws a located error. A scenario whose rules the CDN or OSS
/// console would refuse is not run: no real POP could be in that state (see `popsim lint`).
func loadScenario(_ path: String) throws -> Scenario {
    let scenario: Scenario
    do { scenario = try Scenario.load(path: path) } catch { throw InputError("\(error)") }
    let refused = Lint.findings(for: scenario).filter { $0.severity == .error }
    if !refused.isEmpty {
        let list = refused.map { "  \($0.path): [\($0.code)] \($0.message)" }.joined(separator: "\n")
        throw InputError("\(path): the console would refuse \(refused.count) rule(s); fix them first (popsim lint \(path)):\n\(list)")
    }
    return scenario
}

/// Runs a scenario, streaming the audit log when asked, and writes the results folder.
/// Output files appear only when the whole run succeeded (temp files, then rename).
func runAndWrite(_ scenario: Scenario, only: [String]?, args: Arguments,
                 observer extra: ((RequestOutcome) -> Void)? = nil) throws -> RunResult {
    var audit: AtomicFileWriter? = nil
    var writeError: FileWriteError? = nil
    if let path = args.value("--requests-out") {
        audit = try AtomicFileWriter(path: path)
        try audit!.write(Audit.header + "\n")
    }
    let pops = scenario.config.pops.map(\.id)
    let names = scenario.config.variants.map(\.name)
    var catalog: Catalog? = nil
    let result: RunResult
    do {
        result = try ScenarioRun.run(scenario, only: only, observer: { o in
            extra?(o)
            guard let writer = audit, writeError == nil, let catalog else { return }
            do throws(FileWriteError) {
                try writer.write(Audit.line(o, variantName: names[o.variant], popName: pops[o.request.pop], catalog: catalog) + "\n")
            } catch {
                writeError = error
            }
        }, catalogReady: { catalog = $0 })
    } catch {
        audit?.abort()
        throw InputError("\(error)")
    }
    if let writeError {
        audit?.abort()
        throw InputError("\(writeError)")
    }
    if let out = args.value("--out") {
        do {
            try writeFileAtomically(out + "/summary.json", contents: Summary.json(result))
            try writeFileAtomically(out + "/cells.csv", contents: Breakdown.cellsCSV(result))
        } catch {
            audit?.abort()
            throw InputError("\(error)")
        }
    }
    try audit?.commit()
    return result
}

enum RunCommand: Command {
    static let spec = CommandSpec(
        name: "run",
        summary: "Replay a scenario's workload through its variants and report CORS failures and cache figures.",
        usage: "popsim run SCENARIO [--variant NAME]... [--out DIR] [--requests-out FILE]",
        options: [
            OptionSpec(name: "--variant", value: "NAME", repeatable: true, help: "Run only this variant."),
            OptionSpec(name: "--out", value: "DIR", help: "Write DIR/summary.json (counts per variant, POP, kind, page origin, reason and time window) and DIR/cells.csv (the tidy table)."),
            OptionSpec(name: "--requests-out", value: "FILE", help: "Write the audit CSV: seq,t,variant,pop,url,origin,kind,cache,acao,verdict,reason."),
        ],
        details: """
        Every request of the trace goes through each variant's POP caches. The summary gives, per variant,
        the CORS-checked requests, the failures by reason, hit ratio, origin fetches and latency.
        """,
        examples: [
            "popsim run scenarios/pass-through-two-origins.json",
            "popsim run scenarios/pass-through-two-origins.json --variant pass-through --requests-out /tmp/audit.csv",
            "popsim run scenarios/rule-added-without-purge.json --out /tmp/results",
        ])

    static func run(_ args: Arguments) throws -> Int32 {
        let path = try positionals(args, "SCENARIO")[0]
        let scenario = try loadScenario(path)
        let only = args.has("--variant") ? args.all("--variant") : nil
        let result = try runAndWrite(scenario, only: only, args: args)
        print(Summary.text(result), terminator: "")
        return 0
    }
}

enum CompareCommand: Command {
    static let spec = CommandSpec(
        name: "compare",
        summary: "Run every variant on the same workload and print them side by side, the best marked.",
        usage: "popsim compare SCENARIO [--out DIR] [--requests-out FILE]",
        options: [
            OptionSpec(name: "--out", value: "DIR", help: "Write DIR/summary.json and DIR/cells.csv."),
            OptionSpec(name: "--requests-out", value: "FILE", help: "Write the audit CSV of every variant."),
        ],
        examples: ["popsim compare scenarios/pass-through-two-origins.json"])

    static func run(_ args: Arguments) throws -> Int32 {
        let path = try positionals(args, "SCENARIO")[0]
        let result = try runAndWrite(try loadScenario(path), only: nil, args: args)
        print(Summary.comparison(result), terminator: "")
        return 0
    }
}

enum ExplainCommand: Command {
    static let spec = CommandSpec(
        name: "explain",
        summary: "Narrate one URL's timeline: who filled each POP's cache, with which headers, and what each browser made of it.",
        usage: "popsim explain SCENARIO --url URL [--pop ID] [--variant NAME]",
        options: [
            OptionSpec(name: "--url", value: "URL", help: "The URL as the trace writes it (absolute, or a path)."),
            OptionSpec(name: "--pop", value: "ID", help: "Only this POP."),
            OptionSpec(name: "--variant", value: "NAME", help: "Only this variant (default: all)."),
        ],
        examples: ["popsim explain scenarios/pass-through-two-origins.json --url /fonts/brand.woff2 --variant pass-through"])

    static func run(_ args: Arguments) throws -> Int32 {
        let path = try positionals(args, "SCENARIO")[0]
        guard let url = args.value("--url") else { throw UsageError(message: "missing --url URL") }
        let scenario = try loadScenario(path)
        var popFilter: Int? = nil
        if let pop = args.value("--pop") {
            guard let i = scenario.config.pops.firstIndex(where: { $0.id == pop }) else {
                throw InputError("no POP named \"\(pop)\" (POPs: \(scenario.config.pops.map(\.id).joined(separator: ", ")))")
            }
            popFilter = i
        }
        let only = args.value("--variant").map { [$0] }
        var catalog: Catalog? = nil
        var matches: [Bool] = []
        var lines: [Int: [String]] = [:]
        var counts: [Int: (Int, Int)] = [:]
        let result: RunResult
        do {
            result = try ScenarioRun.run(scenario, only: only, observer: { o in
                guard let catalog else { return }
                if let popFilter, o.request.pop != popFilter { return }
                let id = Int(o.request.url)
                while matches.count <= id {
                    let info = catalog.urls[matches.count]
                    matches.append(info.text == url || info.pathAndQuery == url)
                }
                guard matches[id] else { return }
                let domain = scenario.config.domains[catalog.urls[id].domain]
                let originName = scenario.config.origins[domain.origin].id
                lines[o.variant, default: []].append(Explain.sentence(o, popName: scenario.config.pops[o.request.pop].id,
                                                                      originName: originName, catalog: catalog))
                var c = counts[o.variant] ?? (0, 0)
                c.0 += 1
                if o.verdict.reason != nil { c.1 += 1 }
                counts[o.variant] = c
            }, catalogReady: { catalog = $0 })
        } catch {
            throw InputError("\(error)")
        }
        guard !counts.isEmpty else {
            throw InputError("no request for \"\(url)\"\(args.value("--pop").map { " at POP \($0)" } ?? "") in \(scenario.workload)")
        }
        var first = true
        for (i, v) in scenario.config.variants.enumerated() where result.variants.contains(where: { $0.name == v.name }) {
            if !first { print("") }
            first = false
            let (n, blocked) = counts[i] ?? (0, 0)
            print("variant \(v.name): \(url)\(args.value("--pop").map { " at \($0)" } ?? "") — \(n) requests, \(blocked) blocked")
            for line in lines[i] ?? [] { print("  " + line) }
        }
        return 0
    }
}
