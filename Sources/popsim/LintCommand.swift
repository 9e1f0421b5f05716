import Foundation
import HTTPModel
import Scenario

enum LintCommand: Command {
    static let spec = CommandSpec(
        name: "lint",
        summary: "Check a scenario's (or a rules file's) CDN and OSS rules as the consoles would, and flag the seed's risks.",
        usage: "popsim lint FILE [--json]",
        options: [OptionSpec(name: "--json", value: nil, help: "Print the findings as a JSON array.")],
        details: """
        FILE is a scenario (it has "variants") or a standalone rules file:
          {"responseHeaders": [{"header": "Access-Control-Allow-Origin", "value": "https://a.example.com,https://b.example.com", "corsValidation": true}]}
        Each finding has a severity, a stable code and the path of the rule. Exit status: 0 clean or warnings only,
        1 when there are errors (rules the console would refuse), 2 when FILE cannot be read.
        """,
        examples: ["popsim lint scenarios/exact-list-validation.json", "popsim lint scenarios/rules/two-wildcards.json"])

    static func run(_ args: Arguments) throws -> Int32 {
        let path = try positionals(args, "FILE")[0]
        let findings: [ConfigFinding]
        let bytes: [UInt8]
        do { bytes = try readWholeFile(path) } catch { throw InputError("\(error)") }
        do {
            if try configFileKind(file: path, bytes: bytes) == .scenario {
                findings = Lint.findings(for: try Scenario.decode(file: path, bytes: bytes))
            } else {
                findings = Lint.sorted(try RulesFile.decode(file: path, bytes: bytes).policy.validate())
            }
        } catch {
            throw InputError("\(error)")
        }
        let errors = findings.filter { $0.severity == .error }.count
        if args.has("--json") {
            let items = findings.map { f in
                "{\"severity\": \(jsonString(f.severity.rawValue)), \"code\": \(jsonString(f.code)), \"path\": \(jsonString(f.path)), \"message\": \(jsonString(f.message))}"
            }
            print(items.isEmpty ? "[]" : "[\n  " + items.joined(separator: ",\n  ") + "\n]")
        } else {
            for f in findings {
                print("\(path): \(f.severity.rawValue)[\(f.code)]\(f.path.isEmpty ? "" : " \(f.path)"): \(f.message)")
            }
            print("\(errors) error(s), \(findings.count - errors) warning(s)")
        }
        return errors > 0 ? 1 : 0
    }
}

/// A JSON string literal (quotes and escapes), for the few hand-built JSON lines of the CLI.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
