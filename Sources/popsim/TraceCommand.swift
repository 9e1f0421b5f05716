import Foundation

/// `popsim trace <subcommand>`: generate, import and convert traces.
enum TraceCommand: Command {
    /// The subcommands, each a `Command` whose spec name is its word after `trace`.
    /// (A constant list of metatypes: safe to share; Swift cannot prove metatypes Sendable.)
    nonisolated(unsafe) static let subcommands: [Command.Type] = [TraceGenCommand.self, TraceImportCommand.self, TraceConvertCommand.self]

    static let spec = CommandSpec(
        name: "trace",
        summary: "Generate, import and convert request traces.",
        usage: "popsim trace <" + subcommands.map { $0.spec.name }.joined(separator: "|") + "> [options]",
        options: [],
        details: "Subcommands:\n" + subcommands.map { "  \($0.spec.name.padding(toLength: 9, withPad: " ", startingAt: 0))\($0.spec.summary)" }.joined(separator: "\n")
            + "\n\nRun 'popsim trace <subcommand> --help' for its options.",
        examples: [])

    static func main(_ raw: [String]) -> Int32 {
        guard let word = raw.first, word != "--help", word != "-h" else {
            if raw.isEmpty {
                Output.error("missing subcommand")
                FileHandle.standardError.write(Data("Usage: \(spec.usage)\n".utf8))
                return 2
            }
            print(spec.help, terminator: "")
            return 0
        }
        guard let sub = subcommands.first(where: { $0.spec.name == word }) else {
            Output.error("unknown subcommand 'trace \(word)' (subcommands: \(subcommands.map { $0.spec.name }.joined(separator: ", ")))")
            return 2
        }
        return sub.main(Array(raw.dropFirst()))
    }

    static func run(_ args: Arguments) throws -> Int32 { 2 }
}
