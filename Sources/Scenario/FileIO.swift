import Foundation
import Workload

/// Reads a small input file (scenarios, rules) whole; traces are streamed elsewhere.
public func readWholeFile(_ path: String) throws(FileReadError) -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw FileReadError(path: path, message: "no such file")
    }
    guard !isDirectory.boolValue else { throw FileReadError(path: path, message: "is a directory, not a file") }
    guard let data = FileManager.default.contents(atPath: path) else { throw FileReadError(path: path, message: "cannot be read") }
    return [UInt8](data)
}
