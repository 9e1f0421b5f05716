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

/// The bundle an unsharded `popsim run SCENARIO --out results` writes, by relative path.
private func referenceBundle(_ scenario: String) throws -> [String: Data] {
    let dir = try makeTemporaryDirectory()
    let r = try runPopsim(["run", scenario, "--out", "results", "--quiet"], in: dir)
    #expect(r.status == 0, "\(r.stderr)")
    return try fileContentsBelow(dir + "/results")
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
    let reference = try referenceBundle(scenario)
    for by in ["pop", "url"] {
        let data = try makeTemporaryDirectory()
        let shards = 3
        for i in (0..<shards).reversed() {
            let r = try shell(scripts[0], in: data, environment: ["JOB_COMPLETION_INDEX": "\(i)", "SHARDS": "\(shards)",
                                                                  "SHARD_BY": by, "SCENARIO": scenario])
            #expect(r.status == 0, "shard \(i): \(r.stderr)")
        }
        let r = try shell(scripts[1], in: data, environment: ["SHARDS": "\(shards)"])
        #expect(r.status == 0, "merge: \(r.stderr)")
        let got = try fileContentsBelow(data + "/results")
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
}
