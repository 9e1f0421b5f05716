/// A command-line option a command accepts.
struct OptionSpec {
    var name: String
    /// Placeholder shown in help (`VALUE`); nil for a flag without value.
    var value: String?
    var repeatable = false
    var help: String
}

/// What a subcommand takes, and the help text generated from it.
struct CommandSpec {
    var name: String
    var summary: String
    var usage: String
    var options: [OptionSpec]
    var details: String = ""
    var examples: [String] = []
    /// The command this one is a subcommand of (`trace` for `trace gen`), for messages.
    var parent: String? = nil

    /// `gen` under `trace` is `trace gen`: how the user types it after `popsim`.
    var fullName: String { parent.map { "\($0) \(name)" } ?? name }

    var help: String {
        var s = "\(summary)\n\nUsage: \(usage)\n"
        if !details.isEmpty { s += "\n\(details)\n" }
        if !options.isEmpty {
            s += "\nOptions:\n"
            let shown = options.map { o in o.value.map { "\(o.name) \($0)" } ?? o.name }
            let width = shown.map(\.count).max() ?? 0
            for (o, label) in zip(options, shown) {
                s += "  \(label)\(String(repeating: " ", count: width - label.count))  \(o.help)\(o.repeatable ? " (repeatable)" : "")\n"
            }
            s += "  -h, --help\(String(repeating: " ", count: max(0, width - 10)))  Show this help.\n"
        }
        if !examples.isEmpty {
            s += "\nExamples:\n" + examples.map { "  \($0)\n" }.joined()
        }
        return s
    }
}

/// A usage mistake: reported with the command's usage line, exit code 2.
struct UsageError: Error {
    var message: String
}

/// Parsed arguments: positionals in order, option values by name.
struct Arguments {
    var positional: [String] = []
    var values: [String: [String]] = [:]
    var wantsHelp = false

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { values[name] != nil }

    /// Parses `args` against `spec`: `--name value`, `--name=value`, flags, `--` ends options.
    static func parse(_ args: [String], spec: CommandSpec) throws(UsageError) -> Arguments {
        var out = Arguments()
        var i = 0
        var optionsEnded = false
        while i < args.count {
            let arg = args[i]
            i += 1
            if optionsEnded || !arg.hasPrefix("-") || arg == "-" {
                out.positional.append(arg)
                continue
            }
            if arg == "--" { optionsEnded = true; continue }
            if arg == "-h" || arg == "--help" { out.wantsHelp = true; continue }
            var name = arg, inline: String? = nil
            if let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            guard let option = spec.options.first(where: { $0.name == name }) else {
                let known = spec.options.map(\.name)
                let hint = known.first { $0.hasPrefix(name) || name.hasPrefix($0) }.map { " (did you mean '\($0)'?)" } ?? ""
                throw UsageError(message: "unknown option '\(name)' for 'popsim \(spec.fullName)'\(hint)")
            }
            if option.value == nil {
                guard inline == nil else { throw UsageError(message: "option '\(name)' takes no value") }
                out.values[name, default: []].append("")
            } else {
                let value: String
                if let inline { value = inline } else {
                    guard i < args.count else { throw UsageError(message: "option '\(name)' needs a value (\(option.value!))") }
                    value = args[i]
                    i += 1
                }
                if !option.repeatable, out.values[name] != nil {
                    throw UsageError(message: "option '\(name)' given twice")
                }
                out.values[name, default: []].append(value)
            }
        }
        return out
    }
}
