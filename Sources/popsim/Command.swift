import Foundation

import Reports
import Scenario
import Workload

/// Where a command's text goes; stderr for diagnostics so stdout stays parseable.
enum Output {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("popsim: error: \(message)\n".utf8))
    }
    static func warning(_ message: String) {
        FileHandle.standardError.write(Data("popsim: warning: \(message)\n".utf8))
    }
    /// `popsim: interrupted at request N (t=…s); nothing written`.
    static func interrupted(_ i: Interrupted) {
        FileHandle.standardError.write(Data("popsim: \(i)\n".utf8))
    }
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }
}

/// A subcommand: its spec (options, help) and what it does with parsed arguments.
protocol Command {
    static var spec: CommandSpec { get }
    /// Runs with parsed arguments; returns the exit code.
    static func run(_ args: Arguments) throws -> Int32
    /// Parses raw arguments and runs; commands with subcommands dispatch here instead.
    static func main(_ raw: [String]) -> Int32
}

/// A failure the user can act on: printed as one error line, exit code 2.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Command {
    static func main(_ raw: [String]) -> Int32 {
        do {
            let args = try Arguments.parse(raw, spec: spec)
            if args.wantsHelp {
                print(spec.help, terminator: "")
                return 0
            }
            return try run(args)
        } catch let error as Interrupted {
            Output.interrupted(error)
            return error.exitStatus
        } catch let error as RunError where error.interruption != nil {
            Output.interrupted(error.interruption!)
            return error.interruption!.exitStatus
        } catch let error as UsageError {
            Output.error(error.message)
            FileHandle.standardError.write(Data("Usage: \(spec.usage)\nSee 'popsim \(spec.fullName) --help'.\n".utf8))
            return 2
        } catch {
            Output.error("\(error)")
            return 2
        }
    }

    /// Exactly `count` positionals, or a usage error naming what is missing.
    static func positionals(_ args: Arguments, _ names: String...) throws(UsageError) -> [String] {
        guard args.positional.count == names.count else {
            if args.positional.count < names.count {
                throw UsageError(message: "missing \(names[args.positional.count])")
            }
            throw UsageError(message: "unexpected argument '\(args.positional[names.count])'")
        }
        return args.positional
    }
}

/// A command whose first argument names a subcommand (`popsim trace gen`, `popsim export notebook`).
protocol CommandGroup: Command {
    /// The subcommands, each a `Command` whose spec name is its word after the group's.
    static var subcommands: [Command.Type] { get }
    /// What the group is for, in one line (the spec is built from it and the subcommands).
    static var groupName: String { get }
    static var groupSummary: String { get }
    static var groupExamples: [String] { get }
}

extension CommandGroup {
    static var groupExamples: [String] { [] }

    static var spec: CommandSpec {
        CommandSpec(
            name: groupName,
            summary: groupSummary,
            usage: "popsim \(groupName) <" + subcommands.map { $0.spec.name }.joined(separator: "|") + "> [options]",
            options: [],
            details: "Subcommands:\n" + subcommands.map { "  \($0.spec.name.padding(toLength: 9, withPad: " ", startingAt: 0))\($0.spec.summary)" }.joined(separator: "\n")
                + "\n\nRun 'popsim \(groupName) <subcommand> --help' for its options.",
            examples: groupExamples)
    }

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
            Output.error("unknown subcommand '\(groupName) \(word)' (subcommands: \(subcommands.map { $0.spec.name }.joined(separator: ", ")))")
            return 2
        }
        return sub.main(Array(raw.dropFirst()))
    }

    /// Never called: `main` dispatches to a subcommand.
    static func run(_ args: Arguments) throws -> Int32 { 2 }
}
