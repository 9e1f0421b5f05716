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
    let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    if size > limit {
        throw FileReadError(path: path, message: "is \(size >> 20) MiB; \(kind) is at most \(limit >> 20) MiB (is it a trace?)")
    }
    // Read to the end through a handle, not `FileManager.contents`, which fails on a pipe
    // (`<(zstd -dc part-0.json.zst)`, /dev/stdin): a pipe has no size, so the limit is checked
    // as it is read.
    guard let handle = FileHandle(forReadingAtPath: path) else { throw FileReadError(path: path, message: "cannot be read") }
    defer { try? handle.close() }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(size)
    do {
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            bytes += chunk
            if bytes.count > limit {
                throw FileReadError(path: path, message: "holds more than \(limit >> 20) MiB; \(kind) is at most \(limit >> 20) MiB (is it a trace?)")
            }
        }
    } catch let error as FileReadError {
        throw error
    } catch {
        throw FileReadError(path: path, message: "cannot be read (\(error.localizedDescription))")
    }
    return bytes
}
