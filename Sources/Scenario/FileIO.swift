import Foundation
import Workload

/// The largest file `readWholeFile` reads: scenarios and rules are kilobytes, and a file this
/// big is a trace or a mistake, not something to hold in memory whole.
public let maxWholeFileBytes = 64 << 20

/// The largest partial result `merge` reads whole: a shard's part grows with the trace's
/// distinct URLs (about 11 bytes each: 153 MB for a day of 14M URLs split in two), so its bound
/// is the memory of the machine that merges, not `maxWholeFileBytes`.
public let maxPartialResultBytes = 1 << 40

/// Reads an input file (scenarios, rules, partial results) whole; traces are streamed elsewhere.
/// - Parameters:
///   - limit: the most bytes the file may have.
///   - kind: what such a file is, for the message when it is larger.
/// - Throws: `FileReadError` when the file is missing, a directory, unreadable or larger than
///   `limit`.
public func readWholeFile(_ path: String, limit: Int = maxWholeFileBytes,
                          kind: String = "a scenario or rules file") throws(FileReadError) -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw FileReadError(path: path, message: "no such file")
    }
    guard !isDirectory.boolValue else { throw FileReadError(path: path, message: "is a directory, not a file") }
    if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue > limit {
        throw FileReadError(path: path, message: "is \(size.intValue >> 20) MiB; \(kind) is at most \(limit >> 20) MiB (is it a trace?)")
    }
    guard let data = FileManager.default.contents(atPath: path) else { throw FileReadError(path: path, message: "cannot be read") }
    return [UInt8](data)
}
