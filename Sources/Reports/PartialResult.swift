import HTTPModel
import Scenario
import Simulation
import Workload

/// What one shard of a run produced (`popsim run --shard I/N --out PART`): raw counts that
/// merge exactly (`popsim merge PART… --out DIR`), never rates.
///
/// A versioned JSON file: the scenario's name, file and hash, the seed, the variants, the shard,
/// the trace's request count, skipped lines and digest (every shard reads the whole trace, so
/// a merge can tell shards of different traces apart), the page
/// origins in id order (ids agree between shards because every shard reads every record), and
/// per variant the cells (variant × window × POP × kind × page origin × reason, every `Tally`
/// field), the latency histogram's buckets and exact sum, evictions, prefetches, the events as
/// applied, and the most bytes each POP's cache held. The per-URL arrays (requests, CORS-checked
/// requests, failures) are long, so they are written as one string of space-separated decimal
/// integers each (`"id requests checked id requests checked …"`), which reads back in one pass.
/// `parse` checks a part against itself — its per-URL counts against its requests and cells —
/// so that a part damaged or edited by hand is refused rather than merged.
public struct PartialResult: Sendable {
    public static let format = "popsim-partial-result"
    /// 2: with `traceDigest`.
    public static let version = 2

    public var popsimVersion: String
    public var scenarioName: String
    /// The scenario's path as the run was given it, relative to the directory it ran in.
    public var scenarioFile: String
    public var scenarioHash: String
    public var seed: UInt64
    /// The variants simulated, in the scenario's order.
    public var variantNames: [String]
    /// The `--variant` names given to the run (nil: all), for the reproducing command.
    public var variantOption: [String]?
    public var shard: Shard
    public var traceRequests: Int
    /// The digest of the whole trace the shard read (`RunResult.traceDigest`), 16 hex digits.
    public var traceDigest: String
    /// Requests this shard simulated.
    public var requests: Int
    public var skips: SkipLog
    /// Serialised page origins, by id.
    public var origins: [String]
    /// The per-URL sections: requests and CORS-checked requests per URL id, and the text of
    /// every URL that failed in some variant.
    public var urls: URLSections
    public var variants: [VariantResult]

    /// The partial result of a shard's run.
    /// - Parameters:
    ///   - only: the `--variant` names given (nil: all).
    ///   - scenarioFile: the scenario's path as given, relative to the current directory.
    public init(result: RunResult, only: [String]?, scenarioFile: String) {
        precondition(result.shard != nil, "a partial result comes from a shard's run")
        popsimVersion = Reports.popsimVersion
        scenarioName = result.scenario.name
        self.scenarioFile = scenarioFile
        scenarioHash = result.scenario.contentHash
        seed = result.scenario.config.seed
        variantNames = result.variants.map(\.name)
        variantOption = only
        shard = result.shard!
        traceRequests = result.traceRequests
        traceDigest = hex64(result.traceDigest)
        requests = result.requests
        skips = result.skips
        origins = result.catalog.origins.map(\.serialized)
        urls = URLSections(result)
        variants = result.variants
    }

    // MARK: - Writing

    /// Writes the part to `path` all at once (a temporary renamed into place), streamed: the
    /// per-URL sections — millions of entries on a real day — are encoded a piece at a time,
    /// never held whole.
    /// - Throws: `FileWriteError`; nothing is left at `path` then.
    public func write(to path: String) throws(FileWriteError) {
        let file = try AtomicFileWriter(path: path)
        try encode { (piece) throws(FileWriteError) in try file.write(piece) }
        try file.commit()
    }

    /// The file's text, as `write(to:)` writes it.
    public var json: String {
        var out = ""
        encode { out += $0 }
        return out
    }

    /// Hands the file's text to `emit` in pieces, in order (two-space indent for the small
    /// parts, a trailing newline).
    func encode<E: Swift.Error>(_ emit: @escaping (String) throws(E) -> Void) throws(E) {
        var out = "{\n"
        func field(_ name: String, _ value: JSONValue, last: Bool = false) {
            out += "  " + JSONValue.str(name).serialized() + ": " + value.serialized() + (last ? "\n" : ",\n")
        }
        /// Hands `out` on once it holds 64 KiB.
        func flushIfLong() throws(E) {
            if out.utf8.count >= 1 << 16 { try emit(out); out = "" }
        }
        /// `"name": "n n n …"` (decimal integers separated by single spaces), indented by `indent`.
        func packedNumbers(_ name: String, indent: String = "  ", last: Bool = false,
                           _ forEach: ((Int) throws(E) -> Void) throws(E) -> Void) throws(E) {
            out += indent + "\"" + name + "\": \""
            var first = true
            try forEach { (n) throws(E) in
                if !first { out += " " }
                out += String(n)
                first = false
                try flushIfLong()
            }
            out += last ? "\"\n" : "\",\n"
        }
        field("format", .str(Self.format))
        field("version", .int(Self.version))
        field("popsimVersion", .str(popsimVersion))
        field("scenario", .str(scenarioName))
        field("scenarioFile", .str(scenarioFile))
        field("scenarioHash", .str(scenarioHash))
        field("seed", .int(seed))
        field("variants", .arr(variantNames.map { .str($0) }))
        field("variantOption", variantOption.map { .arr($0.map { .str($0) }) } ?? .null)
        field("shard", .obj([("index", .int(shard.index)), ("count", .int(shard.count)), ("by", .str(shard.key.rawValue))]))
        field("traceRequests", .int(traceRequests))
        field("traceDigest", .str(traceDigest))
        field("requests", .int(requests))
        field("skippedLines", .obj([("count", .int(skips.count)), ("first", .arr(skips.first.map { e in
            .obj([("file", .str(e.file)), ("line", .int(e.line)), ("column", e.column.map { .str($0) } ?? .null), ("message", .str(e.message))])
        }))]))
        field("origins", .arr(origins.map { .str($0) }))
        try packedNumbers("urlCounts") { (number) throws(E) in
            try urls.forEachCount { (id, requests, checked) throws(E) in
                try number(Int(id)); try number(requests); try number(checked)
            }
        }
        out += "  \"failingURLs\": ["
        var firstURL = true
        try urls.forEachFailingURL { (id, text) throws(E) in
            out += (firstURL ? "" : ",") + JSONValue.arr([.int(id), .str(text)]).serialized()
            firstURL = false
            try flushIfLong()
        }
        out += "],\n"
        out += "  \"results\": [\n"
        for (i, v) in variants.enumerated() {
            out += "    {\n"
            out += "      \"variant\": " + JSONValue.str(v.name).serialized() + ",\n"
            out += "      \"cells\": ["
            let cells = v.cells.sorted { $0.key < $1.key }
            for (j, (key, t)) in cells.enumerated() {
                let row: [JSONValue] = [.int(key.window), .int(key.pop), .str(key.resourceKind.rawValue), .int(key.origin),
                                        .str(key.failureReason?.rawValue ?? "")] + Self.tallyFields(t).map { .int($0) }
                out += (j == 0 ? "\n        " : ",\n        ") + JSONValue.arr(row).serialized()
                try flushIfLong()
            }
            out += cells.isEmpty ? "],\n" : "\n      ],\n"
            let h = v.latency.raw
            out += "      \"latency\": " + JSONValue.obj([
                ("count", .int(h.count)), ("sumHigh", .int(h.sumHigh)), ("sumLow", .int(h.sumLow)),
                ("minimum", .int(h.minimum)), ("maximum", .int(h.maximum)),
                ("buckets", .arr(h.buckets.map { .arr([.int($0.bucket), .int($0.count)]) })),
            ]).serialized() + ",\n"
            out += "      \"evictions\": \(v.evictions),\n"
            out += "      \"prefetchFetches\": \(v.prefetchFetches),\n"
            out += "      \"peakBytes\": " + JSONValue.arr(v.peakBytes.map { .int($0) }).serialized() + ",\n"
            out += "      \"appliedEvents\": " + JSONValue.arr(v.appliedEvents.map { e in
                .obj([("t", .int(e.time.microseconds)), ("pop", .int(e.pop)), ("ordinal", .int(e.ordinal)),
                      ("label", .str(e.label)), ("removed", .int(e.removed))])
            }).serialized() + ",\n"
            try packedNumbers("failuresByURL", indent: "      ", last: true) { (number) throws(E) in
                for (u, n) in v.failuresByURL.enumerated() where n != 0 { try number(u); try number(n) }
            }
            out += i == variants.count - 1 ? "    }\n" : "    },\n"
        }
        out += "  ]\n}\n"
        try emit(out)
    }

    static func tallyFields(_ t: Tally) -> [Int64] {
        [Int64(t.requests), Int64(t.corsChecked), Int64(t.corsFailures), Int64(t.hits), Int64(t.misses), Int64(t.collapsed),
         Int64(t.expired), Int64(t.bypass), Int64(t.originFetches), t.originBytes, t.bytesServed, t.bytesFromCache, Int64(t.preflights)]
    }

    static func tally(_ f: ArraySlice<Int64>) -> Tally {
        var t = Tally()
        let v = Array(f)
        t.requests = Int(v[0]); t.corsChecked = Int(v[1]); t.corsFailures = Int(v[2]); t.hits = Int(v[3]); t.misses = Int(v[4])
        t.collapsed = Int(v[5]); t.expired = Int(v[6]); t.bypass = Int(v[7]); t.originFetches = Int(v[8])
        t.originBytes = v[9]; t.bytesServed = v[10]; t.bytesFromCache = v[11]; t.preflights = Int(v[12])
        return t
    }

    // MARK: - Reading

    /// Why a partial result could not be read or merged; names the file.
    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads a partial result.
    /// - Parameter file: the name used in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws(Error) -> PartialResult {
        let root: JSONNode
        do { root = try parseJSON(bytes) } catch { throw Error("\(file): not a popsim partial result (invalid JSON: \(error))") }
        guard root.value.objectMembers != nil, root["format"]?.value.stringValue == format else {
            throw Error("\(file): not a popsim partial result (no \"format\": \"\(format)\"; write one with popsim run SCENARIO --shard I/N --out PART)")
        }
        guard let version = root["version"]?.value.numberValue?.int else { throw Error("\(file): \"version\" must be an integer") }
        guard version == Int64(Self.version) else {
            throw Error("\(file): partial result version \(version); this popsim reads version \(Self.version)")
        }
        func node(_ n: JSONNode?, _ path: String) throws(Error) -> JSONNode {
            guard let n else { throw Error("\(file): \(path) is missing") }
            return n
        }
        func string(_ n: JSONNode?, _ path: String) throws(Error) -> String {
            guard let s = try node(n, path).value.stringValue else { throw Error("\(file): \(path) must be a string") }
            return s
        }
        func integer(_ n: JSONNode?, _ path: String) throws(Error) -> Int64 {
            guard let v = try node(n, path).value.numberValue?.int else { throw Error("\(file): \(path) must be an integer") }
            return v
        }
        func unsigned(_ n: JSONNode?, _ path: String) throws(Error) -> UInt64 {
            guard let literal = try node(n, path).value.numberValue?.literal, let v = UInt64(literal) else {
                throw Error("\(file): \(path) must be a non-negative integer")
            }
            return v
        }
        func array(_ n: JSONNode?, _ path: String) throws(Error) -> [JSONNode] {
            guard let a = try node(n, path).value.arrayValue else { throw Error("\(file): \(path) must be an array") }
            return a
        }
        func digest(_ n: JSONNode?, _ path: String) throws(Error) -> String {
            let s = try string(n, path)
            guard s.utf8.count == 16, s.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw Error("\(file): \(path) must be 16 lowercase hex digits")
            }
            return s
        }
        /// `a + b` for counts read from the file: a damaged part may hold numbers whose sum does not fit.
        func sum(_ a: Int, _ b: Int, _ path: String) throws(Error) -> Int {
            let (total, overflow) = a.addingReportingOverflow(b)
            guard !overflow else { throw Error("\(file): \(path) add up past 2^63 (a damaged part)") }
            return total
        }
        func strings(_ n: JSONNode?, _ path: String) throws(Error) -> [String] {
            var out: [String] = []
            for (i, item) in try array(n, path).enumerated() { out.append(try string(item, "\(path)[\(i)]")) }
            return out
        }
        func ints(_ text: String, _ path: String, group: Int) throws(Error) -> [Int] {
            var out: [Int] = []
            var value = 0, digits = 0
            for b in text.utf8 {
                if b == 0x20 {
                    if digits > 0 { out.append(value) }
                    value = 0; digits = 0
                } else if b >= 0x30 && b <= 0x39, digits < 18 {
                    value = value * 10 + Int(b - 0x30); digits += 1
                } else {
                    throw Error("\(file): \(path) must hold space-separated whole numbers")
                }
            }
            if digits > 0 { out.append(value) }
            guard out.count % group == 0 else { throw Error("\(file): \(path) must hold groups of \(group) numbers") }
            return out
        }

        let shardNode = try node(root["shard"], "shard")
        let count = try integer(shardNode["count"], "shard.count"), index = try integer(shardNode["index"], "shard.index")
        guard let key = Shard.Key(rawValue: try string(shardNode["by"], "shard.by")), count >= 1, index >= 0, index < count else {
            throw Error("\(file): shard must have 0 ≤ index < count and by \"pop\" or \"url\"")
        }
        var skipExamples: [TraceError] = []
        let skipNode = try node(root["skippedLines"], "skippedLines")
        for (i, e) in try array(skipNode["first"], "skippedLines.first").enumerated() {
            let p = "skippedLines.first[\(i)]"
            skipExamples.append(TraceError(file: try string(e["file"], p + ".file"), line: Int(try integer(e["line"], p + ".line")),
                                           column: e["column"]?.value.stringValue, message: try string(e["message"], p + ".message")))
        }
        let variantOption: [String]?
        if let option = root["variantOption"], option.value != .null { variantOption = try strings(option, "variantOption") } else { variantOption = nil }
        let urlNumbers = try ints(try string(root["urlCounts"], "urlCounts"), "urlCounts", group: 3)
        var urlCounts: [(id: UInt32, requests: Int, checked: Int)] = []
        urlCounts.reserveCapacity(urlNumbers.count / 3)
        for i in stride(from: 0, to: urlNumbers.count, by: 3) {
            guard urlNumbers[i] <= Int(UInt32.max) else { throw Error("\(file): urlCounts has a URL id past 2^32") }
            urlCounts.append((UInt32(urlNumbers[i]), urlNumbers[i + 1], urlNumbers[i + 2]))
        }
        var failing: [(id: UInt32, text: String)] = []
        let failingItems = try array(root["failingURLs"], "failingURLs")
        failing.reserveCapacity(failingItems.count)
        for (i, item) in failingItems.enumerated() {
            let pair = try array(item, "failingURLs[\(i)]")
            guard pair.count == 2, let id = pair[0].value.numberValue?.int, id >= 0, id <= Int64(UInt32.max),
                  let text = pair[1].value.stringValue else { throw Error("\(file): failingURLs[\(i)] must be [id, \"url\"]") }
            failing.append((UInt32(id), text))
        }
        let origins = try strings(root["origins"], "origins")
        let variantNames = try strings(root["variants"], "variants")
        let popCount = try array(try array(root["results"], "results").first?["peakBytes"], "results[0].peakBytes").count

        var variants: [VariantResult] = []
        for (i, r) in try array(root["results"], "results").enumerated() {
            let p = "results[\(i)]"
            var v = VariantResult(name: try string(r["variant"], p + ".variant"), popCount: popCount)
            for (j, cell) in try array(r["cells"], p + ".cells").enumerated() {
                let c = try array(cell, "\(p).cells[\(j)]")
                guard c.count == 18, let window = c[0].value.numberValue?.int, let pop = c[1].value.numberValue?.int,
                      let kind = c[2].value.stringValue.flatMap({ name in ResourceKind.allCases.firstIndex { $0.rawValue == name } }),
                      let origin = c[3].value.numberValue?.int, let reasonName = c[4].value.stringValue,
                      window >= 0, window <= Int64(Int32.max), pop >= 0, pop < Int64(popCount), origin >= 0, origin <= Int64(origins.count)
                else { throw Error("\(file): \(p).cells[\(j)] must be [window, pop, kind, origin, reason, 13 counts]") }
                var reason: UInt8 = 0
                if !reasonName.isEmpty {
                    guard let r = FailureReason(rawValue: reasonName) else { throw Error("\(file): \(p).cells[\(j)]: unknown reason \"\(reasonName)\"") }
                    reason = UInt8(r.ordinal + 1)
                }
                var counts: [Int64] = []
                for k in 5..<18 {
                    guard let n = c[k].value.numberValue?.int, n >= 0 else { throw Error("\(file): \(p).cells[\(j)][\(k)] must be a count") }
                    counts.append(n)
                }
                let key = CellKey(pop: Int32(pop), kind: UInt8(kind), reason: reason, origin: UInt32(origin), window: Int32(window))
                v.cells[key, default: Tally()].add(tally(counts[...]))
            }
            let l = try node(r["latency"], p + ".latency")
            var buckets: [(bucket: Int, count: Int64)] = []
            for (j, b) in try array(l["buckets"], p + ".latency.buckets").enumerated() {
                let pair = try array(b, "\(p).latency.buckets[\(j)]")
                guard pair.count == 2, let bucket = pair[0].value.numberValue?.int, let n = pair[1].value.numberValue?.int else {
                    throw Error("\(file): \(p).latency.buckets[\(j)] must be [bucket, count]")
                }
                buckets.append((Int(bucket), n))
            }
            let raw = LatencyHistogram.Raw(buckets: buckets, count: try integer(l["count"], p + ".latency.count"),
                                           sumHigh: try unsigned(l["sumHigh"], p + ".latency.sumHigh"),
                                           sumLow: try unsigned(l["sumLow"], p + ".latency.sumLow"),
                                           minimum: try integer(l["minimum"], p + ".latency.minimum"),
                                           maximum: try integer(l["maximum"], p + ".latency.maximum"))
            guard let histogram = LatencyHistogram(raw: raw) else { throw Error("\(file): \(p).latency is not a consistent histogram") }
            v.latency = histogram
            v.evictions = Int(try integer(r["evictions"], p + ".evictions"))
            v.prefetchFetches = Int(try integer(r["prefetchFetches"], p + ".prefetchFetches"))
            var peaks: [Int64] = []
            for (j, n) in try array(r["peakBytes"], p + ".peakBytes").enumerated() { peaks.append(try integer(n, "\(p).peakBytes[\(j)]")) }
            guard peaks.count == popCount else { throw Error("\(file): \(p).peakBytes must have one entry per POP") }
            v.peakBytes = peaks
            for (j, e) in try array(r["appliedEvents"], p + ".appliedEvents").enumerated() {
                let q = "\(p).appliedEvents[\(j)]"
                let pop = Int(try integer(e["pop"], q + ".pop"))
                guard pop >= 0 && pop < popCount else { throw Error("\(file): \(q).pop is not a POP index") }
                v.appliedEvents.append(AppliedEvent(time: SimTime(microseconds: try integer(e["t"], q + ".t")), variant: 0, pop: pop,
                                                    label: try string(e["label"], q + ".label"),
                                                    removed: Int(try integer(e["removed"], q + ".removed")),
                                                    ordinal: Int(try integer(e["ordinal"], q + ".ordinal"))))
            }
            let fails = try ints(try string(r["failuresByURL"], p + ".failuresByURL"), p + ".failuresByURL", group: 2)
            var dense: [Int] = []
            for k in stride(from: 0, to: fails.count, by: 2) {
                let u = fails[k]
                guard u <= Int(UInt32.max) else { throw Error("\(file): \(p).failuresByURL has a URL id past 2^32") }
                if u >= dense.count { dense.append(contentsOf: repeatElement(0, count: u + 1 - dense.count)) }
                dense[u] = try sum(dense[u], fails[k + 1], p + ".failuresByURL")
            }
            v.failuresByURL = dense
            v.deriveTotals()
            variants.append(v)
        }
        guard variants.map(\.name) == variantNames else { throw Error("\(file): results do not match \"variants\"") }
        // The per-URL counts against the cells: each request is counted once per URL and once per
        // variant, so a part whose sums disagree was damaged (a merge would report both numbers).
        let requests = Int(try integer(root["requests"], "requests"))
        var urlRequests = 0, urlChecked = 0
        for (i, c) in urlCounts.enumerated() {
            guard c.checked <= c.requests else { throw Error("\(file): urlCounts entry \(i) (URL \(c.id)) has more CORS-checked requests than requests") }
            urlRequests = try sum(urlRequests, c.requests, "urlCounts")
            urlChecked = try sum(urlChecked, c.checked, "urlCounts")
        }
        guard urlRequests == requests else {
            throw Error("\(file): urlCounts add up to \(urlRequests) requests but \"requests\" is \(requests)")
        }
        for v in variants {
            guard v.total.requests == requests, v.total.corsChecked == urlChecked else {
                throw Error("\(file): the cells of variant \(v.name) count \(v.total.requests) requests (\(v.total.corsChecked) CORS-checked) "
                            + "but urlCounts \(requests) (\(urlChecked))")
            }
            var failures = 0
            for n in v.failuresByURL { failures = try sum(failures, n, "failuresByURL of variant \(v.name)") }
            guard failures == v.total.corsFailures else {
                throw Error("\(file): failuresByURL of variant \(v.name) add up to \(failures) but its cells count \(v.total.corsFailures) CORS failures")
            }
        }

        return PartialResult(popsimVersion: try string(root["popsimVersion"], "popsimVersion"),
                             scenarioName: try string(root["scenario"], "scenario"),
                             scenarioFile: try string(root["scenarioFile"], "scenarioFile"),
                             scenarioHash: try string(root["scenarioHash"], "scenarioHash"),
                             seed: try unsigned(root["seed"], "seed"), variantNames: variantNames, variantOption: variantOption,
                             shard: Shard(index: Int(index), count: Int(count), key: key),
                             traceRequests: Int(try integer(root["traceRequests"], "traceRequests")),
                             traceDigest: try digest(root["traceDigest"], "traceDigest"),
                             requests: requests,
                             skips: SkipLog(count: Int(try integer(skipNode["count"], "skippedLines.count")), first: skipExamples),
                             origins: origins, urls: URLSections(counts: urlCounts, failing: failing), variants: variants)
    }

    private init(popsimVersion: String, scenarioName: String, scenarioFile: String, scenarioHash: String, seed: UInt64,
                 variantNames: [String], variantOption: [String]?, shard: Shard, traceRequests: Int, traceDigest: String,
                 requests: Int, skips: SkipLog,
                 origins: [String], urls: URLSections, variants: [VariantResult]) {
        self.popsimVersion = popsimVersion
        self.scenarioName = scenarioName
        self.scenarioFile = scenarioFile
        self.scenarioHash = scenarioHash
        self.seed = seed
        self.variantNames = variantNames
        self.variantOption = variantOption
        self.shard = shard
        self.traceRequests = traceRequests
        self.traceDigest = traceDigest
        self.requests = requests
        self.skips = skips
        self.origins = origins
        self.urls = urls
        self.variants = variants
    }

    // MARK: - Merging

    /// Checks that `parts` are the shards of one run (same popsim, scenario, seed, variants,
    /// shard count and key, trace; every index once) and returns the scenario file they name.
    /// - Returns: the common scenario path, hash and variant option.
    public static func checkCompatible(_ parts: [(file: String, part: PartialResult)]) throws(Error) -> (scenarioFile: String, hash: String) {
        guard let (firstFile, first) = parts.first else { throw Error("no partial results to merge") }
        var check = ShardSetCheck(first: first, file: firstFile)
        for (file, p) in parts.dropFirst() { try check.sameRun(p, file: file) }
        for (file, p) in parts.dropFirst() { try check.add(p, file: file) }
        return try check.complete()
    }

    /// The result the unsharded run would have produced, from the shards of one run (checked as
    /// `checkCompatible` checks them, part by part) and the scenario they ran (whose hash must
    /// match): `PartialMerge` over parts already in memory.
    /// - Returns: the merged result, and for URL shards the POPs whose caches may have filled
    ///   (the sum of the shards' peak bytes exceeds the capacity: the merge may then differ from
    ///   an unsharded run, whose evictions would have depended on every shard's URLs).
    public static func merge(_ parts: [(file: String, part: PartialResult)], scenario: Scenario) throws(Error) -> (result: RunResult, inexactPOPs: [String]) {
        guard !parts.isEmpty else { throw Error("no partial results to merge") }
        var merge = try PartialMerge(first: parts[0].part, file: parts[0].file, scenario: scenario)
        for (file, part) in parts.dropFirst() { try merge.add(part, file: file) }
        return try merge.finish()
    }
}

/// The checks that parts are the shards of one run, a part at a time: each against the first
/// (same popsim, scenario, seed, variants, shard count and key, trace), then, once all are in,
/// every index once and every request covered.
struct ShardSetCheck {
    let firstFile: String
    /// The first part's header (its variants and URL sections are not kept).
    let first: PartialResult
    private var seen: [Int: String] = [:]
    private var covered = 0

    init(first part: PartialResult, file: String) {
        var header = part
        header.variants = []
        header.urls = URLSections(counts: [], failing: [])
        first = header
        firstFile = file
        seen[part.shard.index] = file
        covered = part.requests
    }

    /// Refuses a part of another run than the first's.
    func sameRun(_ p: PartialResult, file: String) throws(PartialResult.Error) {
        func differ(_ what: String, _ a: String, _ b: String) -> PartialResult.Error {
            PartialResult.Error("\(firstFile) and \(file) come from different runs: \(what) \(a) vs \(b); merge the shards of one run")
        }
        if p.popsimVersion != first.popsimVersion { throw differ("popsim version", first.popsimVersion, p.popsimVersion) }
        if p.scenarioName != first.scenarioName { throw differ("scenario", first.scenarioName, p.scenarioName) }
        if p.seed != first.seed { throw differ("seed", "\(first.seed)", "\(p.seed)") }
        if p.scenarioHash != first.scenarioHash {
            throw differ("scenario file (hash)", "\(first.scenarioFile) (\(first.scenarioHash))", "\(p.scenarioFile) (\(p.scenarioHash))")
        }
        // The bundle records the path the shards were given (its command, the trace's path): one
        // path, or the merge's bundle would depend on which part came first.
        if p.scenarioFile != first.scenarioFile {
            throw PartialResult.Error("\(firstFile) and \(file) were run with the scenario as \(first.scenarioFile) and as \(p.scenarioFile) "
                                      + "(the same file, by its hash): the bundle records one path; run every shard with the same one")
        }
        if p.variantNames != first.variantNames {
            throw differ("variants", first.variantNames.joined(separator: ","), p.variantNames.joined(separator: ","))
        }
        if p.shard.count != first.shard.count {
            throw differ("shard count", "\(first.shard.count) (shard \(first.shard.index)/\(first.shard.count))",
                         "\(p.shard.count) (shard \(p.shard.index)/\(p.shard.count))")
        }
        if p.shard.key != first.shard.key { throw differ("shard key", first.shard.key.rawValue, p.shard.key.rawValue) }
        if p.traceRequests != first.traceRequests {
            throw differ("trace (requests read)", "\(first.traceRequests)", "\(p.traceRequests)")
        }
        if p.origins != first.origins {
            throw differ("trace (page origins)", Self.listed(first.origins), Self.listed(p.origins))
        }
        if p.skips != first.skips {
            throw first.skips.count == p.skips.count
                ? differ("trace (the lines skipped)", "\(first.skips.count), the first of them differing", "\(p.skips.count)")
                : differ("trace (lines skipped)", "\(first.skips.count)", "\(p.skips.count)")
        }
        if p.traceDigest != first.traceDigest {
            throw PartialResult.Error("\(firstFile) and \(file) read different traces (digests \(first.traceDigest) and \(p.traceDigest)): "
                                      + "the trace changed between the shards' runs; run every shard on the same trace")
        }
    }

    /// A few of `items`, for a message: `[a, b, c, … 9 in all]`.
    private static func listed(_ items: [String]) -> String {
        let shown = items.prefix(3).joined(separator: ", ")
        return "[" + shown + (items.count > 3 ? ", … \(items.count) in all" : "") + "]"
    }

    /// Counts a part (after `sameRun`): its index must not have come before.
    mutating func add(_ p: PartialResult, file: String) throws(PartialResult.Error) {
        if let other = seen[p.shard.index] { throw PartialResult.Error("\(other) and \(file) are both shard \(p.shard.index)/\(p.shard.count)") }
        seen[p.shard.index] = file
        covered += p.requests
    }

    /// Refuses a set with a shard missing, or whose shards do not cover the trace's requests.
    /// - Returns: the scenario file and hash the parts name.
    func complete() throws(PartialResult.Error) -> (scenarioFile: String, hash: String) {
        let missing = (0..<first.shard.count).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw PartialResult.Error("missing shard\(missing.count == 1 ? "" : "s") \(missing.map(String.init).joined(separator: ", ")) of \(first.shard.count) (by \(first.shard.key.rawValue))")
        }
        if covered != first.traceRequests {
            throw PartialResult.Error("the shards simulated \(covered) requests but the trace has \(first.traceRequests): the parts do not cover the run")
        }
        return (first.scenarioFile, first.scenarioHash)
    }
}

/// Merges the parts of a sharded run one at a time: each is checked against the first and
/// folded into the result as it comes, so that a merge holds one part besides the result, not
/// every part (with POP shards each part repeats the failing URLs' texts; the day's four parts
/// took 1.68 GB held together). Every fold is a sum, a union or a sort, so the order the parts
/// come in does not change the result.
public struct PartialMerge {
    private var check: ShardSetCheck
    private let scenario: Scenario
    private var variants: [VariantResult]
    private var requests = 0
    private var urlRequests: [Int] = []
    private var urlChecked: [Int] = []
    private var urlTexts: [UInt32: String] = [:]

    /// Starts a merge with its first part, of `scenario` (whose hash must be the part's).
    public init(first part: PartialResult, file: String, scenario: Scenario) throws(PartialResult.Error) {
        guard scenario.contentHash == part.scenarioHash else {
            throw PartialResult.Error("\(scenario.file) has changed since the shards ran (hash \(scenario.contentHash), the parts say \(part.scenarioHash))")
        }
        check = ShardSetCheck(first: part, file: file)
        self.scenario = scenario
        variants = part.variantNames.map { VariantResult(name: $0, popCount: scenario.config.pops.count) }
        try fold(part, file: file)
    }

    /// Checks `part` against the first and folds it in.
    public mutating func add(_ part: PartialResult, file: String) throws(PartialResult.Error) {
        try check.sameRun(part, file: file)
        try check.add(part, file: file)
        try fold(part, file: file)
    }

    private mutating func fold(_ p: PartialResult, file: String) throws(PartialResult.Error) {
        let sameEvents = check.first.shard.key == .url
        for i in variants.indices {
            guard p.variants[i].peakBytes.count == scenario.config.pops.count else {
                throw PartialResult.Error("the parts have \(p.variants[i].peakBytes.count) POPs, the scenario \(scenario.config.pops.count)")
            }
            try checkAccounting(p.variants[i], requests: p.requests, file: file)
            variants[i].merge(p.variants[i], sameEvents: sameEvents)
        }
        requests += p.requests
        p.urls.forEachCount { id, requests, checked in
            if Int(id) >= urlRequests.count {
                urlRequests.append(contentsOf: repeatElement(0, count: Int(id) + 1 - urlRequests.count))
                urlChecked.append(contentsOf: repeatElement(0, count: Int(id) + 1 - urlChecked.count))
            }
            urlRequests[Int(id)] += requests
            urlChecked[Int(id)] += checked
        }
        p.urls.forEachFailingURL { id, text in urlTexts[id] = text }
    }

    /// Refuses a part's variant whose counts no run could have written (a part edited or damaged
    /// by hand): the rules each cell keeps (`Simulation.cellViolation`), the run's own end-of-run
    /// invariants, cells in windows and POPs the run has, caches within their capacity.
    private func checkAccounting(_ v: VariantResult, requests: Int, file: String) throws(PartialResult.Error) {
        func refuse(_ what: String) -> PartialResult.Error {
            PartialResult.Error("\(file): variant \(v.name): \(what) — no run writes that; a part edited or damaged by hand is not merged")
        }
        let pops = scenario.config.pops
        // In key order: the same part names the same cell whatever the dictionary's order.
        for key in v.cells.keys.sorted() {
            let t = v.cells[key]!
            let cell = "the cell of window \(key.window), POP \(key.pop)"
            guard key.window >= 0, Int64(key.window) < ScenarioRun.maxWindows, key.pop >= 0, Int(key.pop) < pops.count else {
                throw refuse("\(cell) is outside the run (windows 0 … \(ScenarioRun.maxWindows - 1), POPs 0 … \(pops.count - 1))")
            }
            if let problem = Simulation.cellViolation(t, failed: key.reason != 0) { throw refuse("\(cell): \(problem)") }
        }
        let capacities = pops.indices.map { (used: v.peakBytes[$0], capacity: pops[$0].capacityBytes) }
        let problems = Simulation.invariantViolations(v, requests: requests, hasParentTier: pops.contains { $0.parent != nil },
                                                      cacheBytes: capacities)
        if let first = problems.first { throw refuse(first.hasPrefix(v.name + ": ") ? String(first.dropFirst(v.name.count + 2)) : first) }
    }

    /// The merged result, once every part is in.
    /// - Returns: the result, and for URL shards the POPs whose caches may have filled (see
    ///   `PartialResult.merge`).
    public func finish() throws(PartialResult.Error) -> (result: RunResult, inexactPOPs: [String]) {
        _ = try check.complete()
        let first = check.first
        let catalog = Catalog(domainHosts: scenario.config.domains.map(\.host))
        for (i, text) in first.origins.enumerated() {
            guard let origin = try? WebOrigin(parsing: text), origin.serialized == text else {
                throw PartialResult.Error("\(check.firstFile): origins[\(i)] \"\(text)\" is not a serialised origin")
            }
            catalog.addOrigin(origin)
        }
        var variants = variants
        for (i, name) in first.variantNames.enumerated() {
            let variantIndex = scenario.config.variants.firstIndex { $0.name == name } ?? 0
            for k in variants[i].appliedEvents.indices { variants[i].appliedEvents[k].variant = variantIndex }
        }
        var result = RunResult(scenario: scenario, variants: variants, requests: requests,
                               catalog: catalog, skips: first.skips, traceRequests: first.traceRequests)
        result.urlRequests = urlRequests
        result.urlChecked = urlChecked
        result.urlTexts = urlTexts
        // The trace every part read: what the merge's timeline must read again.
        result.traceDigest = UInt64(first.traceDigest, radix: 16) ?? 0
        var inexact: [String] = []
        if first.shard.key == .url {
            for (p, pop) in scenario.config.pops.enumerated() {
                if variants.contains(where: { $0.peakBytes[p] > pop.capacityBytes }) { inexact.append(pop.id) }
            }
        }
        return (result, inexact)
    }
}

/// A part's per-URL sections: requests and CORS-checked requests per URL id, and the text of
/// every URL that failed in some variant. A shard's part reads them from its run's arrays and
/// catalog as they are written — a copy of every failing URL's text (nearly every URL, when the
/// configuration fails) would otherwise cost more than the run; a parsed part holds them as read.
public struct URLSections: Sendable {
    private enum Storage: Sendable {
        case run(RunResult)
        case parsed(counts: [(id: UInt32, requests: Int, checked: Int)], failing: [(id: UInt32, text: String)])
    }
    private let storage: Storage

    /// The sections of a shard's run.
    init(_ result: RunResult) { storage = .run(result) }

    /// Sections as a part file gives them (URL ids in increasing order).
    init(counts: [(id: UInt32, requests: Int, checked: Int)], failing: [(id: UInt32, text: String)]) {
        storage = .parsed(counts: counts, failing: failing)
    }

    /// Calls `body` with each URL that has requests in the shard, in increasing id order.
    public func forEachCount<E: Swift.Error>(_ body: (_ id: UInt32, _ requests: Int, _ checked: Int) throws(E) -> Void) throws(E) {
        switch storage {
        case .run(let r):
            for u in r.urlRequests.indices where r.urlRequests[u] != 0 { try body(UInt32(u), r.urlRequests[u], r.urlChecked[u]) }
        case .parsed(let counts, _):
            for c in counts { try body(c.id, c.requests, c.checked) }
        }
    }

    /// Calls `body` with each URL that failed in some variant, and its text, in increasing id order.
    public func forEachFailingURL<E: Swift.Error>(_ body: (_ id: UInt32, _ text: String) throws(E) -> Void) throws(E) {
        switch storage {
        case .run(let r):
            let count = r.variants.map(\.failuresByURL.count).max() ?? 0
            for u in 0..<count where r.variants.contains(where: { u < $0.failuresByURL.count && $0.failuresByURL[u] > 0 }) {
                try body(UInt32(u), r.urlText(UInt32(u)))
            }
        case .parsed(_, let failing):
            for f in failing { try body(f.id, f.text) }
        }
    }
}
