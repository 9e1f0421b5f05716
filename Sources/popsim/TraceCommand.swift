/// `popsim trace <subcommand>`: generate, import and convert traces.
enum TraceCommand: CommandGroup {
    /// (A constant list of metatypes: safe to share; Swift cannot prove metatypes Sendable.)
    nonisolated(unsafe) static let subcommands: [Command.Type] = [TraceGenCommand.self, TraceImportCommand.self, TraceConvertCommand.self]
    static let groupName = "trace"
    static let groupSummary = "Generate, import and convert request traces."
}
