import Foundation
import FuzzHarness
import Testing
import TestSupport

/// One committed fuzz input: its target and file.
struct CorpusInput: Sendable, CustomTestStringConvertible {
    var target: FuzzTarget
    var file: String
    var testDescription: String { "\(target.rawValue)/\(file)" }
}

/// Every file under fuzz/corpus/<target>/, for every target.
let corpusInputs: [CorpusInput] = FuzzTarget.allCases.flatMap { target in
    filesIn(repoPath("fuzz/corpus/\(target.rawValue)")).map { CorpusInput(target: target, file: $0) }
}

/// The regression corpus: inputs the fuzzers found interesting (crashes fixed since, hangs,
/// odd corners) and the seeds, replayed through the same bodies the libFuzzer entry points
/// call. Each must end in a value or a clean error; a crash or a broken property check stops
/// the test process, which names the input last started.
@Suite("Fuzz regression corpus")
struct FuzzCorpusTests {
    @Test("every target has a corpus")
    func everyTargetHasInputs() {
        for target in FuzzTarget.allCases {
            #expect(!filesIn(repoPath("fuzz/corpus/\(target.rawValue)")).isEmpty, "fuzz/corpus/\(target.rawValue) is empty")
        }
    }

    @Test("input ends in a value or a clean error", arguments: corpusInputs)
    func replay(_ input: CorpusInput) throws {
        let scratch = try makeTemporaryDirectory("popsim-fuzz-corpus")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: repoPath("fuzz/corpus/\(input.target.rawValue)/\(input.file)"))))
        switch input.target.run(bytes, scratch: scratch) {
        case .value(let summary): #expect(!summary.isEmpty)
        case .error(let message):
            #expect(!message.isEmpty)
            // A clean error is one line a user can read: no Swift runtime text in it.
            #expect(!message.contains("Fatal error"), "\(message)")
        }
    }
}
