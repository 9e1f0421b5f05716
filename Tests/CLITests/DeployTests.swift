import Foundation
import Testing
import TestSupport

// The Kubernetes Job and the Slurm script run here as their engines would run them: the same
// commands, with the index variables those engines set. Their bundles must be the unsharded run's.

/// Runs `command` with `/bin/sh -c` in `directory`, popsim first on PATH, with `environment` added.
private func shell(_ command: String, in directory: String, environment: [String: String]) throws -> CLIResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    env["PATH"] = URL(fileURLWithPath: popsimExecutable()).deletingLastPathComponent().path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

/// The bundle an unsharded `popsim run SCENARIO --out OUT` writes, by relative path (the bundle
/// records its folder as given, in the command that reproduces it).
private func referenceBundle(_ scenario: String, out: String = "results") throws -> [String: Data] {
    let dir = try makeTemporaryDirectory()
    let r = try runPopsim(["run", scenario, "--out", out, "--quiet"], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    return try fileContentsBelow(dir + "/" + out)
}

/// The `args` script of each container in a Job manifest: the folded (`>-`) block after `args:`.
private func jobScripts(_ yaml: String) -> [String] {
    var scripts: [String] = []
    var current: [String]? = nil
    var indent = 0
    for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
        let text = String(line)
        let leading = text.prefix { $0 == " " }.count
        if var block = current {
            if !text.trimmingCharacters(in: .whitespaces).isEmpty && leading > indent {
                block.append(text.trimmingCharacters(in: .whitespaces))
                current = block
                continue
            }
            scripts.append(block.joined(separator: " "))
            current = nil
        }
        if text.trimmingCharacters(in: .whitespaces) == "- >-" {
            current = []
            indent = leading
        }
    }
    if let block = current { scripts.append(block.joined(separator: " ")) }
    return scripts
}

@Test("deploy/kubernetes/indexed-job.yaml: each index's command, then the merge Job's, give the unsharded bundle")
func kubernetesIndexedJob() throws {
    let yaml = try String(contentsOfFile: repoPath("deploy/kubernetes/indexed-job.yaml"), encoding: .utf8)
    #expect(yaml.contains("completionMode: Indexed"))
    #expect(yaml.contains("completions: 8") && yaml.contains("{name: SHARDS, value: \"8\"}"), "completions and SHARDS agree")
    let scripts = jobScripts(yaml)
    try #require(scripts.count == 2, "a shard script and a merge script: \(scripts)")
    #expect(scripts[0].contains("${JOB_COMPLETION_INDEX}"))
    let scenario = repoPath("scenarios/several-pops-several-fills.json")
    let reference = try referenceBundle(scenario, out: "results/r1")
    for by in ["pop", "url"] {
        let data = try makeTemporaryDirectory()
        let shards = 3
        // An earlier run's parts (another RUN, more shards) on the same volume: never merged.
        for i in 0..<5 {
            let r = try shell(scripts[0], in: data, environment: ["JOB_COMPLETION_INDEX": "\(i)", "SHARDS": "5", "SHARD_BY": "url",
                                                                  "SCENARIO": scenario, "RUN": "earlier"])
            #expect(r.status == 0, "earlier shard \(i): \(r.stderr)")
        }
        let env = ["SHARDS": "\(shards)", "SHARD_BY": by, "SCENARIO": scenario, "RUN": "r1"]
        for i in (1..<shards).reversed() {
            let r = try shell(scripts[0], in: data, environment: env.merging(["JOB_COMPLETION_INDEX": "\(i)"]) { $1 })
            #expect(r.status == 0, "shard \(i): \(r.stderr)")
        }
        // Part 0 is not there yet: the merge waits (stopped here after 2 s), whatever else lies in parts/.
        let waiting = try shell("timeout 2 /bin/sh -c '\(scripts[1].replacingOccurrences(of: "'", with: "'\\''"))'", in: data, environment: env)
        #expect(waiting.status == 124, "the merge waits for part-0: \(waiting.status) \(waiting.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data + "/results/r1"))
        let last = try shell(scripts[0], in: data, environment: env.merging(["JOB_COMPLETION_INDEX": "0"]) { $1 })
        #expect(last.status == 0, "shard 0: \(last.stderr)")
        let r = try shell(scripts[1], in: data, environment: env)
        #expect(r.status == 0, "merge: \(r.stderr)")
        let got = try fileContentsBelow(data + "/results/r1")
        #expect(got.keys.sorted() == reference.keys.sorted(), "by \(by)")
        for (path, bytes) in reference where got[path] != bytes { Issue.record("by \(by): \(path) differs from the unsharded run's") }
    }
}

@Test("deploy/slurm/array.sh: array tasks (SLURM_ARRAY_TASK_ID from SLURM_ARRAY_TASK_MIN) and --merge give the unsharded bundle")
func slurmArray() throws {
    let script = repoPath("deploy/slurm/array.sh")
    let scenario = repoPath("scenarios/several-pops-several-fills.json")
    let reference = try referenceBundle(scenario)
    let data = try makeTemporaryDirectory()
    let count = 4
    for task in 1...count {  // --array=1-4: indices are counted from the minimum
        let r = try shell("bash \(script) \(scenario)", in: data, environment: [
            "SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "\(count)", "SHARD_BY": "pop"])
        #expect(r.status == 0, "task \(task): \(r.stderr)")
    }
    #expect(filesIn(data + "/parts") == (0..<count).map { "part-\($0).json" })
    let r = try shell("bash \(script) --merge \(scenario)", in: data, environment: [:])
    #expect(r.status == 0, "merge: \(r.stderr)")
    let got = try fileContentsBelow(data + "/results")
    #expect(got.keys.sorted() == reference.keys.sorted())
    for (path, bytes) in reference where got[path] != bytes { Issue.record("\(path) differs from the unsharded run's") }
    let bad = try shell("bash \(script) \(scenario)", in: data, environment: [:])
    #expect(bad.status != 0 && bad.stderr.contains("run as an array job"))

    // Task 3 resubmitted alone (--array=3: a count of 1) would be shard 0/1 over part-0: refused.
    let alone = try shell("bash \(script) \(scenario)", in: data, environment: [
        "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_COUNT": "1"])
    #expect(alone.status == 2, "\(alone.stderr)")
    #expect(alone.stderr.contains("parts/part-0.json holds shard 0/4 by pop, not 0/1 by pop"), "\(alone.stderr)")
    // With SHARDS the task id is the shard: shard 2 of 4 redone, the same bytes.
    let before = try Data(contentsOf: URL(fileURLWithPath: data + "/parts/part-2.json"))
    let redo = try shell("bash \(script) \(scenario)", in: data, environment: [
        "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "2", "SLURM_ARRAY_TASK_COUNT": "1", "SHARDS": "4"])
    #expect(redo.status == 0, "\(redo.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: data + "/parts/part-2.json")) == before)
    // A stepped array numbers its tasks with gaps: refused without SHARDS.
    let stepped = try shell("bash \(script) \(scenario)", in: data, environment: [
        "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_STEP": "2"])
    #expect(stepped.status == 2 && stepped.stderr.contains("set SHARDS=N"), "\(stepped.stderr)")
    // A part of another run left in the folder (part-7 of 8) is not merged: part-0 says there are 4.
    try FileManager.default.copyItem(atPath: data + "/parts/part-3.json", toPath: data + "/parts/part-7.json")
    try FileManager.default.removeItem(atPath: data + "/results")
    let again = try shell("bash \(script) --merge \(scenario)", in: data, environment: [:])
    #expect(again.status == 0, "merge: \(again.stderr)")
    #expect(try fileContentsBelow(data + "/results") == reference)
    // A part-0 that is not a partial result: the merge says so, naming it.
    let junk = try makeTemporaryDirectory()
    try FileManager.default.createDirectory(atPath: junk + "/parts", withIntermediateDirectories: true)
    try writeFile(junk + "/parts", "part-0.json", "{}\n")
    let unreadable = try shell("bash \(script) --merge \(scenario)", in: junk, environment: [:])
    #expect(unreadable.status == 2 && unreadable.stderr.contains("parts/part-0.json has no readable \"shard\" line"), "\(unreadable.stderr)")
}

@Test("deploy/Dockerfile copies every folder Package.swift builds a target from (the image could not build without one)")
func dockerfileCopiesEveryTarget() throws {
    let package = try String(contentsOfFile: repoPath("Package.swift"), encoding: .utf8)
    let dockerfile = try String(contentsOfFile: repoPath("deploy/Dockerfile"), encoding: .utf8)
    let copied = dockerfile.split(separator: "\n").filter { $0.hasPrefix("COPY ") && !$0.contains("--from") }
        .compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }
    // Targets in the default folders, and every custom `path:`.
    var needed = ["Package.swift", "Sources", "Tests"]
    for match in package.matches(of: #/path: "([^"]+)"/#) { needed.append(String(match.1)) }
    #expect(needed.count > 3, "Package.swift has custom target paths: \(needed)")
    for path in needed {
        #expect(copied.contains { path == $0 || path.hasPrefix($0 + "/") }, "deploy/Dockerfile does not COPY \(path): \(copied)")
    }
}
