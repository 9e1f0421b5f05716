import HTTPModel
import Simulation
import Workload

/// A located problem in a run's input (the trace), as a user should read it, or where the run
/// stopped when the user interrupted it.
public struct RunError: Error, CustomStringConvertible {
    public var description: String
    /// Set when the run stopped on SIGINT or SIGTERM rather than on bad input.
    public var interruption: Interrupted?
    public init(_ description: String) { self.description = description }
    public init(_ interruption: Interrupted) {
        self.description = interruption.description
        self.interruption = interruption
    }
}

/// Faults a test can ask a run to inject, to see popsim's own safety checks fire
/// (`POPSIM_TEST_FAULT` in the CLI). Never set in normal use.
public enum RunFault: String, Sendable {
    /// Feed the simulation a request earlier than the one before, past the reader's checks:
    /// the event loop must stop with an internal error (exit 70).
    case timeGoesBack = "time-goes-back"
    /// Raise the interruption flag as SIGINT would, before a command that computes before it
    /// writes (`cachesim`, `mrc`, `merge`, `sweep`, a shard's `run`) starts: it must stop at once (exit
    /// 130), writing nothing.
    case interrupt = "interrupt"
    /// Draw the progress line from the start, not after a second (on a terminal only, as
    /// always), so that tests of when it shows need no long input.
    case progressAtOnce = "progress-at-once"
}

/// The results of replaying a scenario's workload through its variants.
public struct RunResult: Sendable {
    public var scenario: Scenario
    public var variants: [VariantResult]
    /// Requests simulated (in a shard, its part; the trace's requests otherwise).
    public var requests: Int
    /// The strings behind ids (origins, URLs) for reports.
    public var catalog: Catalog
    /// Lines the workload's reader skipped (counted, never silent).
    public var skips: SkipLog
    /// Access-log records that went back in time (by at most the reader's limit) and were given
    /// the previous record's time; 0 for other workloads.
    public var clamped = 0
    /// The largest such step back, in µs.
    public var largestClamp: Int64 = 0
    /// Requests the trace held (every shard reads them all).
    public var traceRequests: Int
    /// Requests and CORS-checked requests per URL id, when the run counted them (`countURLs`).
    public var urlRequests: [Int] = []
    public var urlChecked: [Int] = []
    /// Per variant, the first outcomes of the sampled URL (`sampleURL`), in request order.
    public var samples: [[RequestOutcome]] = []
    /// The part of the run this is, for a shard.
    public var shard: Shard? = nil
    /// Texts of URLs the catalog does not hold: a merge of shards keeps only the failing URLs'.
    public var urlTexts: [UInt32: String] = [:]
    /// A shard's digest of the whole trace it read (every request's fields and the texts behind
    /// their ids), so that a merge refuses shards of different traces; 0 outside shards.
    public var traceDigest: UInt64 = 0
    /// Which thread replayed what, on several threads (nil on one).
    public var layout: ThreadLayout? = nil

    /// The text of URL `id`.
    public func urlText(_ id: UInt32) -> String {
        if let t = urlTexts[id] { return t }
        return Int(id) < catalog.urls.count ? catalog.urls[Int(id)].text : ""
    }

    public init(scenario: Scenario, variants: [VariantResult], requests: Int, catalog: Catalog, skips: SkipLog, traceRequests: Int) {
        self.scenario = scenario
        self.variants = variants
        self.requests = requests
        self.catalog = catalog
        self.skips = skips
        self.traceRequests = traceRequests
    }
}

/// Reads a scenario's trace and feeds it to a simulation, resolving names to indices once.
public enum ScenarioRun {
    /// The most time windows a run may span: reports keep a row per window (empty ones too), so
    /// a 1 µs window over a day would need 86 billion of them.
    public static let maxWindows: Int64 = 1_000_000

    /// Runs `scenario` (only the named variants when `only` is set).
    /// - Parameters:
    ///   - observer: sees every request's outcome, in arrival order per variant (forces one thread).
    ///   - catalogReady: receives the catalog before the first request, so an observer can name ids.
    ///   - progress: called every 65,536 requests with the count so far.
    ///   - fault: a fault to inject, for tests of popsim's own checks.
    /// - Throws: `RunError` for bad input, or with `interruption` set when SIGINT or SIGTERM
    ///   arrived (see `Interruption`; looked at every 4,096 requests).
    ///   - options: threads, a shard, per-URL counts, a sampled URL (see `SimulationOptions`).
    ///   - stopWhenSampled: stop simulating once the sampled URL's outcomes are all in (the counts
    ///     then cover only the requests simulated; for the report's timeline, which needs no counts).
    ///   - digestingToEnd: with `stopWhenSampled`, read on to the trace's end for its digest
    ///     (`RunResult.traceDigest`), without simulating: a merge's timeline, which must replay
    ///     the trace its shards read.
    public static func run(_ scenario: Scenario, only: [String]? = nil,
                           observer: ((RequestOutcome) -> Void)? = nil,
                           catalogReady: ((Catalog) -> Void)? = nil,
                           progress: ((Int) -> Void)? = nil,
                           fault: RunFault? = nil,
                           options: SimulationOptions = SimulationOptions(),
                           stopWhenSampled: Bool = false, digestingToEnd: Bool = false) throws(RunError) -> RunResult {
        if let only {
            for name in only where !scenario.config.variants.contains(where: { $0.name == name }) {
                throw RunError("\(scenario.file): no variant named \"\(name)\" (variants: \(scenario.config.variants.map(\.name).joined(separator: ", ")))")
            }
        }
        let catalog = Catalog(domainHosts: scenario.config.domains.map(\.host))
        catalogReady?(catalog)
        let reader: any TraceSource
        do { reader = try scenario.workload.open() } catch { throw RunError("\(error)") }
        // An access log read to the end (not `explain`'s, which stops once its URL's outcomes
        // are in) may be read ahead: the same records, skips and counts.
        if let log = reader as? AccessLogSource, !stopWhenSampled { log.readsAhead = true }
        var options = options
        // A `.pstrace` is read in columns (below), cheaply enough that on several threads the
        // reading thread can replay a share of the POPs too.
        options.cheapReading = reader is PopsimTraceSource
        let simulation = Simulation(config: scenario.config, catalog: catalog, only: only, observer: observer, options: options)

        var feeder = Feeder(scenario: scenario, catalog: catalog, simulation: simulation, progress: progress, fault: fault,
                            stopWhenSampled: stopWhenSampled, readsToEnd: stopWhenSampled && digestingToEnd,
                            digests: options.shard != nil || digestingToEnd)
        // The loop specialised for the binary trace, the format of long runs: `next()` is then a
        // direct call, not one through the protocol's witness table (1 % of a run).
        // In columns when the simulation takes them: a request is then never a record or a
        // `SimRequest` (about a fifth of a run's instructions went to those steps).
        if let binary = reader as? PopsimTraceSource {
            if simulation.takesColumns { try feeder.feedColumns(binary) } else { try feeder.feed(binary) }
        } else if let csv = reader as? TraceCSVReader {
            if simulation.takesColumns { try feeder.feedColumns(csv) } else { try feeder.feed(csv) }
        } else {
            try feeder.feed(reader)
        }
        let (seq, lastTime) = (feeder.seq, feeder.lastTime)
        // A signal during the last stretch still stops the run before anything is written.
        do { try Interruption.check(requests: seq, time: seq > 0 ? lastTime : nil) } catch { throw RunError(error) }
        var result = RunResult(scenario: scenario, variants: simulation.finish(), requests: simulation.requestCount, catalog: catalog,
                               skips: reader.skips, traceRequests: seq)
        result.urlRequests = simulation.urlRequests
        result.urlChecked = simulation.urlChecked
        result.samples = simulation.samples
        result.layout = simulation.layout
        result.shard = options.shard
        if options.shard != nil || digestingToEnd { result.traceDigest = feeder.traceDigest }
        if let log = reader as? AccessLogSource {
            result.clamped = log.stats.clamped
            result.largestClamp = log.stats.largestClamp
        }
        ExitReclaims.process.keep(reader)
        ExitReclaims.process.keep(simulation)
        return result
    }
}

/// The read loop of `ScenarioRun.run`: turns the reader's records into requests (reader ids to
/// catalog ids, limits checked) and hands them to the simulation.
private struct Feeder {
    let scenario: Scenario
    let catalog: Catalog
    let simulation: Simulation
    let progress: ((Int) -> Void)?
    let fault: RunFault?
    let stopWhenSampled: Bool
    /// With `stopWhenSampled`: once the samples are in, read on (ids mapped, limits checked,
    /// requests digested) without simulating.
    let readsToEnd: Bool
    /// Whether the simulation has stopped, the reading going on (`readsToEnd`).
    private var simulationStopped = false
    /// Whether to digest the requests (a shard's run).
    let digests: Bool
    /// Requests read, and the time of the last.
    private(set) var seq = 0
    private(set) var lastTime: Int64 = 0
    /// The requests' digest so far (`digests`): their fields, with catalog ids for strings.
    private var requestDigest: UInt64 = 0xCBF2_9CE4_8422_2325

    init(scenario: Scenario, catalog: Catalog, simulation: Simulation, progress: ((Int) -> Void)?, fault: RunFault?,
         stopWhenSampled: Bool, readsToEnd: Bool, digests: Bool) {
        self.scenario = scenario
        self.catalog = catalog
        self.simulation = simulation
        self.progress = progress
        self.fault = fault
        self.stopWhenSampled = stopWhenSampled
        self.readsToEnd = readsToEnd
        self.digests = digests
    }

    /// The trace's digest: the requests' and the texts of the URLs, page origins and methods
    /// their ids stand for, in id order (ids are first-seen order, so the same in every shard).
    var traceDigest: UInt64 {
        var h = Self.mix(requestDigest, UInt64(seq))
        for u in 0..<catalog.urls.count { h = Self.mix(h, catalog.urls[u].withTextBytes { fnv1a64(UnsafeRawBufferPointer($0)) }) }
        for o in 0..<catalog.origins.count { h = Self.mix(h, fnv1a64(catalog.origins[o].serialized)) }
        for m in 0..<catalog.methods.count { h = Self.mix(h, fnv1a64(catalog.methods[m])) }
        return h
    }

    /// One step of the digest: a word folded in and the bits spread (a multiply by an odd
    /// constant, then the high half folded down so that every input bit reaches every output bit).
    @inline(__always)
    static func mix(_ h: UInt64, _ word: UInt64) -> UInt64 {
        let m = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
        return m ^ (m &>> 29)
    }

    // Reader ids → catalog ids. Ids are dense in first-seen order, so a record's id is new
    // exactly when it is past the end of these tables: the reader's interners are read only then.
    private var popOf: [Int] = []
    /// Catalog ids of the reader's URLs: the reader's id plus `urlBase` while the catalog gets
    /// URLs only from here (no lookup, no memory), else `urlOf`.
    private var urlCount = 0
    private var urlBase: Int? = nil
    private var urlOf: [UInt32] = []
    private var originOf: [UInt32] = []
    private var methodOf: [UInt32] = []
    /// Whether `popOf`, `originOf` and `methodOf` map each id to itself — a trace that names the
    /// scenario's POPs in its order, and methods as the catalog numbers them (GET first); a
    /// `.pstrace`'s origins always do — when `mapWhenValid` skips that column's loop.
    private var samePOPs = true, sameOrigins = true, sameMethods = true
    /// How many of the reader's POPs are not the scenario's (-1 in `popOf`).
    private var unknownPOPs = 0

    /// Reads every record of `reader` and hands each to the simulation as a request.
    mutating func feed<Reader: TraceSource>(_ reader: Reader) throws(RunError) {
        var seq = 0
        var lastTime: Int64 = 0
        while true {
            let record: TraceRecord?
            do { record = try reader.next() } catch { throw RunError("\(error)") }
            guard let r = record else { break }
            let pop = try popIndex(r.pop, reader, line: r.line)
            let url = try urlID(r.url, reader, line: r.line)
            let origin = try r.origin.map { (o) throws(RunError) in try originPlus1(o + 1, reader, line: r.line) - 1 }
            let method = methodID(r.method, reader)
            try checkLimits(time: r.time, bytes: r.bytes ?? -1, reader, line: r.line)
            var request = SimRequest(seq: seq, time: SimTime(microseconds: r.time), pop: pop, url: url,
                                     origin: origin, kind: r.kind, credentials: r.credentials, method: method, bytes: r.bytes)
            if fault == .timeGoesBack, seq == 1 { request.time = SimTime(microseconds: lastTime - 1) }
            if digests {
                digest(time: r.time, url: url, pop: pop, originPlus1: origin.map { $0 + 1 } ?? 0, method: method,
                       kind: r.kind.ordinal, credentialsPlus1: r.credentials.map { $0.ordinal + 1 } ?? 0, bytes: r.bytes ?? -1)
            }
            if simulationStopped { simulation.readOnly(upTo: request.time) } else { simulation.process(request) }
            seq += 1
            lastTime = r.time
            if seq & 0xFFF == 0 {
                if seq & 0xFFFF == 0 { progress?(seq) }
                do { try Interruption.check(requests: seq, time: lastTime) } catch { throw RunError(error) }
            }
            if stopWhenSampled && !simulationStopped && simulation.samplesComplete {
                if !readsToEnd { break }
                simulationStopped = true
            }
        }
        (self.seq, self.lastTime) = (seq, lastTime)
    }

    /// `feed` for a reader that gives requests in columns, when the simulation takes them so:
    /// a batch's ids are turned into the catalog's in place and its limits checked, request by
    /// request with `feed`'s checks and errors, and the batch is handed over whole. (A bad
    /// request stops the run before the good ones before it in its batch are simulated; the
    /// run fails either way, with the same message.)
    mutating func feedColumns<Reader: RequestColumnSource>(_ reader: Reader) throws(RunError) {
        let columns = RequestColumns(capacity: Self.columnsCapacity)
        var seq = 0
        var lastTime: Int64 = 0
        while true {
            let n: Int
            do { n = try reader.nextRequests(into: columns) } catch { throw RunError("\(error)") }
            if n == 0 { break }
            if try !mapWhenValid(columns, reader) {
                // Something in the batch is refused: row by row, as `feed` goes, to the first.
                let first = columns.firstRecord
                for i in 0..<n {
                    let pop = try popIndex(columns.pop[i], reader, line: first + i)
                    columns.pop[i] = UInt32(truncatingIfNeeded: pop)
                    columns.url[i] = try urlID(columns.url[i], reader, line: first + i, defined: Int(columns.urlsDefined[i]))
                    if columns.originPlus1[i] != 0 { columns.originPlus1[i] = try originPlus1(columns.originPlus1[i], reader, line: first + i) }
                    columns.method[i] = methodID(columns.method[i], reader)
                    try checkLimits(time: columns.time[i], bytes: columns.bytes[i], reader, line: first + i)
                }
            }
            if digests {
                for i in 0..<n {
                    digest(time: columns.time[i], url: columns.url[i], pop: Int(columns.pop[i]), originPlus1: columns.originPlus1[i],
                           method: columns.method[i], kind: Int(columns.kind[i]),
                           credentialsPlus1: Int(columns.credentialsPlus1[i]), bytes: columns.bytes[i])
                }
            }
            let (before, previousTime) = (seq, lastTime)
            lastTime = columns.time[n - 1]
            if fault == .timeGoesBack, seq <= 1, seq + n > 1 {
                // Request 1 a microsecond before request 0, as `feed` makes it.
                columns.time[1 - seq] = (seq == 1 ? previousTime : columns.time[0]) - 1
            }
            simulation.process(columns, firstSeq: seq)
            seq += n
            // Every 4,096 requests, as `feed` (batches are full but the last, and 4,096 is a
            // multiple of their size: the same counts).
            if seq >> 12 != before >> 12 {
                if seq >> 16 != before >> 16 { progress?(seq & ~0xFFFF) }
                do { try Interruption.check(requests: seq, time: lastTime) } catch { throw RunError(error) }
            }
        }
        (self.seq, self.lastTime) = (seq, lastTime)
    }

    /// Requests per batch of `feedColumns`: a power of two that divides 4,096.
    static let columnsCapacity = 256

    /// Turns a batch's reader ids into the catalog's, in place, when nothing in it can be
    /// refused but a new URL (the rows' POPs known, their times and sizes within limits, their
    /// origins and methods ones the catalog takes): a loop per column, where a request at a time
    /// took a dozen branches. A URL the catalog refuses throws at its row, as `feed` would: no
    /// earlier row can fail. - Returns: false, changing nothing, when the batch needs `feed`'s
    /// checks row by row.
    @inline(__always)
    private mutating func mapWhenValid(_ c: RequestColumns, _ reader: some TraceSource) throws(RunError) -> Bool {
        let n = c.count
        // The reader's POPs, methods and origins are those every row of the batch saw
        // (`RequestColumnSource`): `feed` takes them at the first row that names a new one, and
        // nothing before it can fail here — POPs and methods are looked up, never refused, and a
        // `.pstrace` reader refuses an origin that is not serialised when it is defined.
        // Only once a row names one, as there: a defined origin or method no request names is
        // never in the catalog.
        if popOf.count < reader.pops.count { extendPOPs(reader) }
        if methodOf.count < reader.methods.count {
            var newest: UInt32 = 0
            for i in 0..<n { newest = max(newest, c.method[i]) }
            if Int(newest) >= methodOf.count { _ = methodID(newest, reader) }
        }
        if originOf.count < reader.origins.count {
            var newest: UInt32 = 0
            for i in 0..<n { newest = max(newest, c.originPlus1[i]) }
            if Int(newest) > originOf.count && !extendOrigins(reader) { return false }
        }
        guard unknownPOPs == 0, c.time[n - 1] <= min(maxTraceTime, timeLimit) else { return false }
        var largest: Int64 = -1
        for i in 0..<n { largest = max(largest, c.bytes[i]) }
        if largest > maxObjectBytes { return false }
        if !samePOPs {
            popOf.withUnsafeBufferPointer { pops in
                for i in 0..<n { c.pop[i] = UInt32(truncatingIfNeeded: pops[Int(c.pop[i])]) }
            }
        }
        if !sameOrigins {
            originOf.withUnsafeBufferPointer { origins in
                for i in 0..<n where c.originPlus1[i] != 0 { c.originPlus1[i] = origins[Int(c.originPlus1[i]) - 1] &+ 1 }
            }
        }
        if !sameMethods {
            methodOf.withUnsafeBufferPointer { methods in
                for i in 0..<n { c.method[i] = methods[Int(c.method[i])] }
            }
        }
        // The reader's new URLs, as `feed` takes them — at a row that names one, those defined by
        // then — but in one call for the batch (a call a URL costs a few hundred instructions);
        // a URL the catalog refuses is then refused again at the row `feed` would be at.
        let start = urlCount
        var reached = start
        for i in 0..<n where Int(c.url[i]) >= reached { reached = Int(c.urlsDefined[i]) }
        if reached > start {
            do { try addURLs(reader, line: c.firstRecord, through: reached) } catch {
                var running = start
                for i in 0..<n where Int(c.url[i]) >= running {
                    if Int(c.urlsDefined[i]) > urlCount { try addURLs(reader, line: c.firstRecord + i, through: Int(c.urlsDefined[i])) }
                    running = Int(c.urlsDefined[i])
                }
                throw error
            }
        }
        if let base = urlBase {
            for i in 0..<n { c.url[i] = UInt32(truncatingIfNeeded: Int(c.url[i]) &+ base) }
        } else {
            urlOf.withUnsafeBufferPointer { ids in
                for i in 0..<n { c.url[i] = ids[Int(c.url[i])] }
            }
        }
        return true
    }

    /// The configuration's index of the reader's POP `id`.
    @inline(__always)
    private mutating func popIndex(_ id: UInt32, _ reader: some TraceSource, line: Int) throws(RunError) -> Int {
        if Int(id) >= popOf.count { extendPOPs(reader) }
        let pop = popOf[Int(id)]
        guard pop >= 0 else {
            throw fail(reader, line, "pop", "unknown POP \"\(reader.pops.string(id))\" (POPs: \(scenario.config.pops.map(\.id).joined(separator: ", ")))")
        }
        return pop
    }

    /// Numbers the reader's POPs it has defined (-1: not the scenario's).
    private mutating func extendPOPs(_ reader: some TraceSource) {
        let pops = reader.pops
        while popOf.count < pops.count {
            let name = pops.string(UInt32(popOf.count))
            popOf.append(scenario.config.pops.firstIndex { $0.id == name } ?? -1)
            if popOf.last! < 0 { unknownPOPs += 1 }
            if popOf.last! != popOf.count - 1 { samePOPs = false }
        }
    }

    /// The catalog's id of the reader's URL `id`, adding the reader's new URLs first: those it
    /// has defined, or the first `defined` of them (see `RequestColumns.urlsDefined`).
    @inline(__always)
    private mutating func urlID(_ id: UInt32, _ reader: some TraceSource, line: Int, defined: Int = .max) throws(RunError) -> UInt32 {
        if Int(id) >= urlCount { try addURLs(reader, line: line, through: defined) }
        return urlBase.map { UInt32(Int(id) + $0) } ?? urlOf[Int(id)]
    }

    private mutating func addURLs(_ reader: some TraceSource, line: Int, through defined: Int) throws(RunError) {
        let urls = reader.urls
        let count = min(urls.count, defined)
        while urlCount < count {
            let id: UInt32
            // A prefetch event may have added this URL already: the catalog holds each text
            // once. Either way it points at the reader's bytes (no copy, no `String`).
            let text = urls.text(UInt32(urlCount))
            do {
                id = try catalog.addsByLookup ? catalog.urlID(for: text, in: urls.arena) : catalog.addURL(text, in: urls.arena)
            } catch {
                throw fail(reader, line, "url", error.reason + " (\"\(error.url)\")")
            }
            if urlCount == 0 { urlBase = Int(id) }
            if let base = urlBase, Int(id) != urlCount + base {
                // A prefetch added a URL in between: from now on, look ids up.
                urlOf = (0..<urlCount).map { UInt32($0 + base) }
                urlBase = nil
            }
            if urlBase == nil { urlOf.append(id) }
            urlCount += 1
        }
    }

    /// The catalog's id + 1 of the reader's page origin whose id + 1 is `idPlus1` (not 0).
    @inline(__always)
    private mutating func originPlus1(_ idPlus1: UInt32, _ reader: some TraceSource, line: Int) throws(RunError) -> UInt32 {
        let o = Int(idPlus1) - 1
        if o >= originOf.count && !extendOrigins(reader) {
            throw fail(reader, line, "origin", "\"\(reader.origins.string(UInt32(originOf.count)))\" is not a serialised origin")
        }
        return originOf[o] + 1
    }

    /// Adds the reader's page origins to the catalog. - Returns: false at the first that is
    /// not a serialised origin (it and those after it are not added).
    private mutating func extendOrigins(_ reader: some TraceSource) -> Bool {
        let origins = reader.origins
        while originOf.count < origins.count {
            guard let parsed = try? WebOrigin(parsing: origins.string(UInt32(originOf.count))) else { return false }
            originOf.append(catalog.addOrigin(parsed))
            if originOf.last! != originOf.count - 1 { sameOrigins = false }
        }
        return true
    }

    /// The catalog's id of the reader's method `id` (GET is 0).
    @inline(__always)
    private mutating func methodID(_ id: UInt32, _ reader: some TraceSource) -> UInt32 {
        if Int(id) >= methodOf.count {
            let methods = reader.methods
            while methodOf.count < methods.count {
                let m = methods.string(UInt32(methodOf.count))
                methodOf.append(m == "GET" ? 0 : catalog.addMethod(m))
                if methodOf.last! != methodOf.count - 1 { sameMethods = false }
            }
        }
        return methodOf[Int(id)]
    }

    /// Refuses a time or size past what a run takes (`bytes` -1: none given).
    @inline(__always)
    private func checkLimits(time: Int64, bytes: Int64, _ reader: some TraceSource, line: Int) throws(RunError) {
        if time > maxTraceTime {
            throw fail(reader, line, "t", "\(formatDuration(time)) is past \(formatDuration(maxTraceTime)) (about 285 years), the latest time a run takes")
        }
        if bytes > maxObjectBytes {
            throw fail(reader, line, "bytes", "\(bytes) is larger than \(maxObjectBytes) bytes (1 TiB), the largest response a run takes")
        }
        if time > timeLimit {
            let window = scenario.config.window
            throw fail(reader, line, "t", "\(formatDuration(time)) is window \(time / window + 1) of \(formatDuration(window)); a run spans at most "
                       + "\(ScenarioRun.maxWindows) windows (set the scenario's \"window\" to at least \(formatDuration((time / ScenarioRun.maxWindows / 1_000_000 + 1) * 1_000_000)))")
        }
    }

    /// The latest time the scenario's window allows (`ScenarioRun.maxWindows` of them).
    private var timeLimit: Int64 {
        let (span, overflow) = scenario.config.window.multipliedReportingOverflow(by: ScenarioRun.maxWindows)
        return overflow ? Int64.max : span - 1
    }

    /// Folds one request's fields into the digest (catalog ids; 0 or -1 for absent fields).
    private mutating func digest(time: Int64, url: UInt32, pop: Int, originPlus1: UInt32, method: UInt32, kind: Int,
                                 credentialsPlus1: Int, bytes: Int64) {
        var h = Self.mix(requestDigest, UInt64(bitPattern: time))
        h = Self.mix(h, UInt64(url) | UInt64(UInt32(truncatingIfNeeded: pop)) << 32)
        h = Self.mix(h, UInt64(originPlus1) | UInt64(method) << 32)
        h = Self.mix(h, UInt64(kind) | UInt64(credentialsPlus1) << 8)
        requestDigest = Self.mix(h, UInt64(bitPattern: bytes))
    }

    private func fail(_ reader: some TraceSource, _ line: Int, _ column: String, _ message: String) -> RunError {
        RunError(TraceError(file: reader.sourceName, line: line, column: column, message: message).description)
    }
}
