import Scenario
import Simulation
import Workload

/// One file of a results bundle: its path inside the bundle and its bytes.
public struct BundleFile: Sendable, Equatable {
    public var path: String
    public var contents: String
    public init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
    /// FNV-1a 64 of the bytes, as 16 hex digits.
    public var hash: String { hex64(fnv1a64(contents.utf8)) }
}

/// What `popsim run --out DIR` leaves in DIR: tables, charts, report, notebook and a manifest.
///
/// Everything is a pure function of the scenario file, its trace and the command line (as
/// typed, relative): no timestamps, no absolute paths, fixed decimals — the same inputs give
/// the same bytes, which is how the committed teaching exports are checked.
public enum ResultsBundle {
    /// Every file a bundle may hold, with what it is (README, report and manifest say the same).
    public static let fileDescriptions: [(String, String)] = [
        ("report.html", "the report: scenario, comparison, charts, failing URLs, the worst URL's timeline (open in a browser)"),
        ("analysis.ipynb", "Jupyter notebook that loads the tables with pandas and re-plots them with matplotlib"),
        ("summary.json", "counts per variant, POP, kind, page origin, reason and time window; rates derived"),
        ("cells.csv", "one row per variant × time window × POP × kind × page origin × failure reason"),
        ("timeseries.csv", "one row per variant and time window"),
        ("pops.csv", "one row per variant and POP: CORS and cache figures"),
        ("events.csv", "config changes, purges and prefetches as they took effect, per variant and POP"),
        ("urls.csv", "URLs with a CORS failure in some variant, one row per variant"),
        ("scenario.json", "a byte copy of the scenario file that was run"),
        ("charts/*.svg", "the report's charts as standalone SVG files"),
        ("manifest.json", "every file with its FNV-1a hash; scenario hash, seed, popsim version, command"),
    ]

    /// The bundle's files (the manifest last), in the order they should be written.
    /// - Parameter scenarioBytes: the scenario file as read (copied into the bundle).
    public static func files(_ c: ReportContext, scenarioBytes: [UInt8]) -> [BundleFile] {
        let r = c.result
        let figures = ReportCharts.all(r)
        var files = [
            BundleFile(path: "summary.json", contents: Summary.json(r)),
            BundleFile(path: "cells.csv", contents: Breakdown.cellsCSV(r)),
            BundleFile(path: "timeseries.csv", contents: Tables.timeSeriesCSV(r)),
            BundleFile(path: "pops.csv", contents: Tables.popsCSV(r)),
            BundleFile(path: "events.csv", contents: Tables.eventsCSV(r)),
            BundleFile(path: "urls.csv", contents: Tables.urlsCSV(r, urls: c.urls)),
            BundleFile(path: "scenario.json", contents: String(decoding: scenarioBytes, as: UTF8.self)),
        ]
        files += figures.map { BundleFile(path: $0.file, contents: $0.svg) }
        files.append(BundleFile(path: "report.html", contents: ReportHTML.page(c, figures: figures)))
        files.append(BundleFile(path: "analysis.ipynb", contents: Notebook.analysis(scenario: r.scenario, variants: r.variants.map(\.name),
                                                                                    scenarioFile: c.scenarioFile, command: c.command)))
        let manifest = Manifest(scenario: r.scenario.name, scenarioFile: c.scenarioFile, scenarioHash: r.scenario.contentHash,
                                seed: r.scenario.config.seed, command: c.command, requests: r.requests,
                                variants: r.variants.map(\.name), files: files.map { Manifest.Entry($0) }, inexact: c.inexact)
        files.append(BundleFile(path: "manifest.json", contents: manifest.json))
        return files
    }
}

/// `manifest.json`: what produced a bundle and what is in it, so the bundle can reproduce itself
/// and a reader can check that no file changed since.
public struct Manifest: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var bytes: Int
        /// FNV-1a 64 of the bytes, 16 hex digits.
        public var fnv1a64: String
        public init(path: String, bytes: Int, fnv1a64: String) {
            self.path = path
            self.bytes = bytes
            self.fnv1a64 = fnv1a64
        }
        public init(_ file: BundleFile) { self.init(path: file.path, bytes: file.contents.utf8.count, fnv1a64: file.hash) }
    }

    public var popsimVersion: String = Reports.popsimVersion
    public var scenario: String
    public var scenarioFile: String
    public var scenarioHash: String
    public var seed: UInt64
    public var command: String
    /// Why the figures may differ from what `command` gives, or nil (see `ReportContext.inexact`);
    /// written only when set, so an exact bundle's manifest is the unsharded run's.
    public var inexact: String?
    public var requests: Int
    public var variants: [String]
    /// Sorted by path when written.
    public var files: [Entry]

    public init(scenario: String, scenarioFile: String, scenarioHash: String, seed: UInt64, command: String, requests: Int,
                variants: [String], files: [Entry], inexact: String? = nil) {
        self.scenario = scenario
        self.scenarioFile = scenarioFile
        self.scenarioHash = scenarioHash
        self.seed = seed
        self.command = command
        self.requests = requests
        self.variants = variants
        self.files = files
        self.inexact = inexact
    }

    /// The manifest as JSON text (two-space indent, files sorted by path, trailing newline).
    public var json: String {
        let root: JSONValue = .obj([
            ("popsimVersion", .str(popsimVersion)),
            ("scenario", .str(scenario)),
            ("scenarioFile", .str(scenarioFile)),
            ("scenarioHash", .str(scenarioHash)),
            ("seed", .int(seed)),
            ("command", .str(command)),
        ] + (inexact.map { [("inexact", JSONValue.str($0))] } ?? []) + [
            ("requests", .int(requests)),
            ("variants", .arr(variants.map { .str($0) })),
            ("files", .arr(files.sorted { $0.path < $1.path }.map { f in
                .obj([("path", .str(f.path)), ("bytes", .int(f.bytes)), ("fnv1a64", .str(f.fnv1a64))])
            })),
        ])
        return root.serialized(indent: 2) + "\n"
    }

    /// Why a manifest could not be read.
    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses `manifest.json` text.
    public static func parse(_ bytes: [UInt8], file: String) throws(ReadError) -> Manifest {
        let root: JSONNode
        do { root = try parseJSON(bytes) } catch { throw ReadError(description: "\(file): invalid JSON: \(error)") }
        func string(_ key: String) throws(ReadError) -> String {
            guard let s = root[key]?.value.stringValue else { throw ReadError(description: "\(file): \"\(key)\" must be a string") }
            return s
        }
        func int(_ key: String) throws(ReadError) -> Int64 {
            guard let n = root[key]?.value.numberValue?.int else { throw ReadError(description: "\(file): \"\(key)\" must be an integer") }
            return n
        }
        guard let list = root["files"]?.value.arrayValue else { throw ReadError(description: "\(file): \"files\" must be an array") }
        var entries: [Entry] = []
        for item in list {
            guard let p = item["path"]?.value.stringValue, let b = item["bytes"]?.value.numberValue?.int,
                  let h = item["fnv1a64"]?.value.stringValue else {
                throw ReadError(description: "\(file): every entry of \"files\" has \"path\", \"bytes\" and \"fnv1a64\"")
            }
            entries.append(Entry(path: p, bytes: Int(b), fnv1a64: h))
        }
        var m = Manifest(scenario: try string("scenario"), scenarioFile: try string("scenarioFile"), scenarioHash: try string("scenarioHash"),
                         seed: UInt64(max(0, try int("seed"))), command: try string("command"), requests: Int(try int("requests")),
                         variants: (root["variants"]?.value.arrayValue ?? []).compactMap { $0.value.stringValue }, files: entries)
        m.popsimVersion = try string("popsimVersion")
        m.inexact = root["inexact"]?.value.stringValue
        return m
    }
}

/// 16 lower-case hex digits.
func hex64(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}
