import Foundation
import Reports
import Workload

/// popsim's entry point: find the subcommand, run it, map the outcome to an exit code
/// (0 ok, 1 findings such as lint errors, 2 bad input or usage, 70 an internal error — a bug —
/// and 130 or 143 when SIGINT or SIGTERM stopped it).
let arguments = Array(CommandLine.arguments.dropFirst())
// A file opened while standard output is closed takes fd 1, and /dev/stdout then names it
// (`trace convert day.pstrace /dev/stdout >&-` overwrote its input): closed streams are pointed
// at /dev/null first, and outputs naming them refused.
StandardStreams.reopenClosed()
// SIGINT and SIGTERM set a flag the long loops look at, so they stop cleanly: temporaries
// removed, nothing half-written, exit 130 or 143 (see `Interruption`).
Interruption.install()
// Tables of millions of objects are left for the exit to reclaim, not freed one by one.
ExitReclaims.process.turnOn()
let commands: [Command.Type] = [RunCommand.self, CompareCommand.self, ExplainCommand.self, LintCommand.self, ProbeCommand.self,
                                TraceCommand.self, CacheSimCommand.self, MRCCommand.self, SweepCommand.self, ExportCommand.self, MergeCommand.self]

@MainActor
func topLevelHelp() -> String {
    var s = """
    popsim \(popsimVersion) — simulate CDN POP caches and the CORS failures browsers see.

    Usage: popsim <command> [options]

    Commands:

    """
    for c in commands { s += "  \(c.spec.name.padding(toLength: 9, withPad: " ", startingAt: 0))\(c.spec.summary)\n" }
    s += """

    Run 'popsim <command> --help' for a command's options and examples.
    First steps:
      popsim run scenarios/pass-through-two-origins.json
      popsim probe --acao '*' --origin https://www.example.com --kind font

    """
    return s
}

guard let name = arguments.first else {
    FileHandle.standardError.write(Data(topLevelHelp().utf8))
    exit(2)
}
if name == "--help" || name == "-h" || name == "help" {
    print(topLevelHelp(), terminator: "")
    exit(0)
}
if name == "--version" || name == "version" {
    print("popsim \(popsimVersion)")
    exit(0)
}
guard let command = commands.first(where: { $0.spec.name == name }) else {
    Output.error("unknown command '\(name)' (commands: \(commands.map { $0.spec.name }.joined(separator: ", ")))")
    exit(2)
}
exit(command.main(Array(arguments.dropFirst())))
