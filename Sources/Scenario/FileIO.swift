import Foundation
import Workload

/// The largest file `readWholeFile` reads: scenarios and rules are kilobytes, and a file this
/// big is a trace or a mistake, not something to hold in memory whole.
public let maxWholeFileBytes = 64 << 20

/// Reads a small input file (scenarios, rules) whole; traces are streamed elsewhere.
/// - Throws: `FileReadError` when the file is missing, a directory, unreadable or larger than
///   `maxWholeFileBytes`.
public func readWholeFile(_ path: String) throws(FileReadError) -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw FileReadError(path: path, message: "no such file")
    }
    guard !isDirectory.boolValue else { throw FileReadError(path: path, message: "is a directory, not a file") }
    if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue > maxWholeFileBytes {
        throw FileReadError(path: path, message: "is \(size.intValue >> 20) MiB; a scenario or rules file is at most \(maxWholeFileBytes >> 20) MiB (is it a trace?)")
    }
    guard let data = FileManager.default.contents(atPath: path) else { throw FileReadError(path: path, message: "cannot be read") }
    return [UInt8](data)
}
