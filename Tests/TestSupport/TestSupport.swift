import Foundation

/// The package's root folder, found from this file's path, so tests read `scenarios/` wherever they run.
public let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A path under the package root.
public func repoPath(_ relative: String) -> String { packageRoot + "/" + relative }

/// What a run of the `popsim` binary did.
public struct CLIResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// The built `popsim` executable, next to the test bundle in the build products folder.
public func popsimExecutable() -> String {
    let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = me.deletingLastPathComponent()
    // Inside a .xctest bundle the executable sits deeper on some platforms.
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("popsim").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir.deleteLastPathComponent()
    }
    return packageRoot + "/.build/debug/popsim"
}

/// Runs `popsim` with `arguments` in `directory` (the package root by default) and captures everything.
public func runPopsim(_ arguments: [String], in directory: String = packageRoot) throws -> CLIResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: popsimExecutable())
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read before waiting so a large output cannot fill the pipe and block the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                     stderr: String(decoding: stderr, as: UTF8.self))
}

/// A fresh empty folder under the system's temporary directory.
public func makeTemporaryDirectory(_ label: String = "popsim-test") throws -> String {
    let path = NSTemporaryDirectory() + "/\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `text` to `name` inside `directory` and returns its path.
@discardableResult
public func writeFile(_ directory: String, _ name: String, _ text: String) throws -> String {
    let path = directory + "/" + name
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

/// The names of the files in `directory`, sorted.
public func filesIn(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}
