import Foundation

/// Why a file could not be read, naming it.
public struct FileReadError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Reads a small input file (scenarios, rules) whole; traces are streamed elsewhere.
public func readWholeFile(_ path: String) throws(FileReadError) -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw FileReadError(path: path, reason: "no such file")
    }
    guard !isDirectory.boolValue else { throw FileReadError(path: path, reason: "is a directory, not a file") }
    guard let data = FileManager.default.contents(atPath: path) else { throw FileReadError(path: path, reason: "cannot be read") }
    return [UInt8](data)
}
