// swift-tools-version:6.0
// popsim — a discrete-event simulator of CDN POP caches and the CORS failures they cause.
// No package dependencies: the Swift toolchain only (the user's requirement).
import PackageDescription

let package = Package(
    name: "popsim",
    products: [
        .executable(name: "popsim", targets: ["popsim"]),
        .library(name: "HTTPModel", targets: ["HTTPModel"]),
    ],
    targets: [
        // Pure CORS/HTTP rules: origins, header lists, the browser check, OSS and CDN rules.
        .target(name: "HTTPModel"),
        // One function: a prefetch hint, from the compiler's builtins (hence -parse-stdlib).
        .target(name: "Prefetch", swiftSettings: [.unsafeFlags(["-parse-stdlib"])]),
        // Trace readers and writers, interning, small parsing helpers (JSON, durations, sizes).
        .target(name: "Workload", dependencies: ["HTTPModel", "Prefetch"]),
        // The event loop: time, events, caches, POPs, origins.
        .target(name: "Simulation", dependencies: ["HTTPModel", "Workload", "Prefetch"]),
        // Scenario files: decode, validate, build a simulation.
        .target(name: "Scenario", dependencies: ["HTTPModel", "Workload", "Simulation"]),
        // Summaries, comparison tables, JSON/CSV writers, narrated timelines.
        .target(name: "Reports", dependencies: ["HTTPModel", "Workload", "Simulation", "Scenario"]),
        // The thin command-line front end.
        .executableTarget(name: "popsim", dependencies: ["HTTPModel", "Workload", "Simulation", "Scenario", "Reports"]),

        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // The fuzz targets' bodies: built with libFuzzer by fuzz/run.sh, replayed on fuzz/corpus/ by FuzzCorpusTests.
        .target(name: "FuzzHarness", dependencies: ["HTTPModel", "Workload", "Scenario"], path: "fuzz/Harness"),
        .testTarget(name: "HTTPModelTests", dependencies: ["HTTPModel", "TestSupport"]),
        .testTarget(name: "WorkloadTests", dependencies: ["Workload", "TestSupport"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Workload", "HTTPModel", "TestSupport"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "Simulation", "Reports", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Scenario", "Simulation", "Workload", "HTTPModel", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
        .testTarget(name: "FuzzCorpusTests", dependencies: ["FuzzHarness", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
