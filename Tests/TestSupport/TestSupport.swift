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
    try runProcess(popsimExecutable(), arguments, in: directory)
}

/// Runs `executable` with `arguments` in `directory`, with these variables added to the
/// environment, standard input empty, and captures everything.
public func runProcess(_ executable: String, _ arguments: [String], in directory: String,
                       environment: [String: String] = [:]) throws -> CLIResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
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

/// The folder every `makeTemporaryDirectory` folder of this test process goes in, removed when
/// the process exits: the tests made some eighty folders a run and removed a few, and a
/// machine that ran the suite a few dozen times had thousands of them in its temporary folder.
private let testProcessFolder: String = {
    let path = NSTemporaryDirectory() + "/popsim-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: testProcessFolder) }
    return path
}()

/// A fresh empty folder, removed with the others when the test process exits.
public func makeTemporaryDirectory(_ label: String = "popsim-test") throws -> String {
    let path = testProcessFolder + "/\(label)-\(UUID().uuidString)"
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

/// Writes `empty.json` — the shipped several-POP scenario reading `empty.csv` — and `empty.csv`, a
/// trace of its header only, into `dir`: the empty workload `run` and `sweep` refuse.
public func writeEmptyWorkload(in dir: String) throws {
    let scenario = try String(contentsOfFile: repoPath("scenarios/several-pops-several-fills.json"), encoding: .utf8)
    let trace = scenario.range(of: #""trace": "[^"]*""#, options: .regularExpression)!
    try writeFile(dir, "empty.json", scenario.replacingCharacters(in: trace, with: #""trace": "empty.csv""#))
    try writeFile(dir, "empty.csv", "t,pop,url,origin,kind\n")
}

/// Every file under `dir` (not folders), as paths relative to it, sorted.
public func filesBelow(_ dir: String) -> [String] {
    let e = FileManager.default.enumerator(atPath: dir)
    var out: [String] = []
    while let p = e?.nextObject() as? String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir + "/" + p, isDirectory: &isDir), !isDir.boolValue { out.append(p) }
    }
    return out.sorted()
}

/// Every file under `dir`, by relative path, with its bytes: bundles compared byte for byte.
public func fileContentsBelow(_ dir: String) throws -> [String: Data] {
    var out: [String: Data] = [:]
    for p in filesBelow(dir) { out[p] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + p)) }
    return out
}

/// The names of the files in `directory`, sorted.
public func filesIn(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

// MARK: - A scenario that exercises everything at once

/// Writes `stress.json` and its trace `stress.csv` into `directory` and returns the scenario's
/// path: five POPs (two edges under a parent tier, two alone), two domains, an OSS bucket that
/// varies on Origin and a plain origin, dynamic paths, short TTLs, no-store, five variants
/// (pass-through, a validated list, `*` keyed by Origin without query, Vary honoured, Vary
/// bypassed with serve-time rules on everything), and events of every kind (a rollout, purges
/// by prefix, URL and all, prefetches of a new and a known URL, per-variant and per-domain).
/// The trace is drawn from SplitMix64 with `seed`: methods that need preflights, credentials,
/// sizes, queries, upper-case hosts, requests without Origin.
/// - Parameters:
///   - capacity: each POP's cache, as the scenario writes it ("2MB" fills up; "10TB" never does).
///   - prefetches: whether the two prefetch events are in (without them, a run resolves requests
///     in batches unless an observer watches; see `Driver`).
@discardableResult
public func writeStressScenario(in directory: String, requests: Int = 20_000, seed: UInt64 = 42, capacity: String? = nil,
                                prefetches: Bool = true) throws -> String {
    var state = seed
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    let origins = ["https://www.example.com", "https://shop.example.com", "https://blog.example.com", "https://evil.test", "null",
                   "http://www.example.com:8080"]
    let kinds = ["font", "img", "img-cors", "img-cors-credentials", "video", "video-cors", "script", "script-cors", "fetch",
                 "fetch-credentials", "xhr", "xhr-credentials", "fetch-no-cors", "other", "stylesheet-cors"]
    let methods = Array(repeating: "GET", count: 30) + ["HEAD", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"]
    let shapes = ["/fonts/f%d.woff2", "/img/i%d.png", "/api/x%d", "/nocache/n%d.js", "/short/s%d.css", "/v/%d.mp4", "/data/d%d.json"]
    let paths = (0..<400).map { i in pick(shapes).replacingOccurrences(of: "%d", with: String(i)) }
    var lines = ["t,pop,url,origin,kind,method,credentials,bytes"]
    var t: UInt64 = 0
    for _ in 0..<requests {
        t += pick([0, 0, 0, 1, 2, 5, 10, 20, 50, 100, 400]) * 1000
        // Half the requests uniform, half skewed towards the first paths.
        let path = next() % 2 == 0 ? pick(paths) : paths[min(Int(next() % 20) * Int(next() % 20) / 4, paths.count - 1)]
        var url = (path.hasPrefix("/api/") ? "https://api.example-cdn.com" : "https://static.example-cdn.com") + path
        if next() % 10 == 0 { url += "?v=\(1 + next() % 3)" }
        if next() % 10 == 0 { url = url.replacingOccurrences(of: "static.example-cdn", with: "STATIC.Example-cdn") }
        let origin = next() % 10 == 0 ? "" : pick(origins)
        let bytes = next() % 10 < 6 ? "" : String(pick([100, 5_000, 200_000, 3_000_000, 40_000_000]))
        lines.append("\(t / 1_000_000).\(String(format: "%06d", t % 1_000_000)),\(pick(["a", "b", "p", "c", "d"])),\(url),\(origin),"
                     + "\(pick(kinds)),\(pick(methods)),\(pick(["", "", "", "", "omit", "include", "same-origin"])),\(bytes)")
    }
    try writeFile(directory, "stress.csv", lines.joined(separator: "\n") + "\n")
    func cap(_ small: String) -> String { capacity ?? small }
    let prefetchEvents = """
        {"at": "400s", "prefetch": {"url": "https://static.example-cdn.com/fonts/f999.woff2"}, "pops": ["d", "a"], "label": "prefetch new"},
        {"at": "450s", "prefetch": {"url": "https://static.example-cdn.com/fonts/f1.woff2"}, "label": "prefetch known"},

    """
    let scenario = """
    {
      "version": 1,
      "name": "stress",
      "description": "Every feature at once, for parallel/sequential and shard/merge equality.",
      "seed": 3,
      "window": "2m",
      "pops": [
        {"id": "p", "capacity": "\(cap("20MB"))", "originRTT": "100ms"},
        {"id": "a", "capacity": "\(cap("5MB"))", "originRTT": "40ms", "parent": "p", "parentRTT": "30ms"},
        {"id": "b", "capacity": "\(cap("50MB"))", "originRTT": "60ms", "parent": "p", "parentRTT": "20ms"},
        {"id": "c", "capacity": "\(cap("2MB"))", "originRTT": "10ms"},
        {"id": "d", "capacity": "\(cap("1GB"))", "originRTT": "200ms"}
      ],
      "origins": [
        {"id": "bucket", "type": "oss",
         "cors": {"rules": [{"allowedOrigins": ["https://*.example.com"], "allowedMethods": ["GET", "HEAD", "PUT"], "allowedHeaders": ["*"], "maxAgeSeconds": 60}],
                  "responseVary": true},
         "paths": [{"prefix": "/nocache/", "cacheControl": "no-store"}, {"prefix": "/short/", "cacheControl": "max-age=5"}, {"prefix": "/data/", "dynamic": true}],
         "objectSize": "300KB"},
        {"id": "api", "type": "plain", "headers": ["Access-Control-Allow-Origin: *", "Vary: Origin"],
         "paths": [{"prefix": "/api/", "dynamic": true}]}
      ],
      "domains": [
        {"host": "static.example-cdn.com", "origin": "bucket", "ttl": "10m", "cacheRules": [{"extension": "woff2", "ttl": "30d"}, {"prefix": "/img/", "ttl": "90s"}]},
        {"host": "api.example-cdn.com", "origin": "api", "ttl": "1m"}
      ],
      "variants": {
        "pass-through": {},
        "cdn-list": {"responseHeaders": [{"header": "Access-Control-Allow-Origin", "value": "https://www.example.com,https://shop.example.com", "corsValidation": true}]},
        "star-origin-key": {"responseHeaders": [{"header": "Access-Control-Allow-Origin", "value": "*"}], "cacheKey": {"origin": true, "query": false}},
        "honour": {"vary": "honour"},
        "bypass-serve-all": {"vary": "bypass", "ruleBinding": "serve", "scope": "all",
          "responseHeaders": [{"header": "Access-Control-Allow-Origin", "value": "https://www.example.com", "corsValidation": true}]}
      },
      "workload": {"trace": "stress.csv"},
      "events": [
        {"at": "100s", "configChange": {"responseHeaders": [{"header": "Access-Control-Allow-Origin", "value": "*"}]}, "rollout": {"a": "0s", "b": "30s", "c": "100s"}, "label": "add star"},
        {"at": "200s", "purge": {"prefix": "/fonts/"}, "pops": ["a", "c"], "delay": "5s", "label": "purge fonts"},
        {"at": "300s", "purge": {"url": "https://static.example-cdn.com/img/i5.png"}, "label": "purge one"},
        \(prefetches ? prefetchEvents : ""){"at": "500s", "purge": {"all": true}, "variants": ["honour", "cdn-list"], "label": "purge all"},
        {"at": "600s", "purge": {"prefix": "/img/"}, "domain": "static.example-cdn.com", "pops": ["p"], "label": "purge img at parent"},
        {"at": "700s", "configChange": {"responseHeaders": [{"header": "Access-Control-Allow-Origin", "value": "https://shop.example.com", "corsValidation": true}]}, "domain": "static.example-cdn.com", "variants": ["pass-through"], "label": "shop only"},
        {"at": "30000s", "purge": {"all": true}, "label": "after the end"}
      ]
    }
    """
    return try writeFile(directory, "stress.json", scenario)
}
