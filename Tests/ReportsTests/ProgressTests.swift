import Reports
import Testing

@Test("progress line: share and ETA only with a total; ~ for estimates")
func progressLine() {
    #expect(ProgressText.line(done: 1_245_184, total: nil, estimated: false, elapsed: 2) == "1,245,184 requests, 622,592/s")
    #expect(ProgressText.line(done: 500, total: 1000, estimated: false, elapsed: 1) == "500 requests (50%), 500/s, ETA 1s")
    #expect(ProgressText.line(done: 500, total: 1000, estimated: true, elapsed: 1) == "500 requests (~50%), 500/s, ETA ~1s")
    #expect(ProgressText.line(done: 1500, total: 1000, estimated: true, elapsed: 1) == "1,500 requests, 1,500/s")
    // A stage just entered: no rate or ETA until a quarter of a second has passed (it was "0/s").
    #expect(ProgressText.line(done: 398_934, total: 10_000_000, estimated: false, elapsed: 0) == "398,934 requests (4%)")
    #expect(ProgressText.line(done: 398_934, total: 10_000_000, estimated: false, elapsed: 0.1) == "398,934 requests (4%)")
    #expect(ProgressText.line(done: 500, total: 1000, estimated: false, elapsed: 0.25) == "500 requests (50%), 2,000/s, ETA 1s")
    #expect(ProgressText.eta(125) == "2m05s")
    #expect(ProgressText.eta(3720) == "1h02m")
    #expect(Format.grouped(-1234567) == "-1,234,567")
    #expect(Format.grouped(999) == "999")
}

@Test("a stage that counts nothing: its name and how long it has taken")
func progressStep() {
    #expect(ProgressText.step("merging 3 parts", elapsed: 0.4) == "merging 3 parts (0s)")
    #expect(ProgressText.step("merging 3 parts", elapsed: 125.9) == "merging 3 parts (2m05s)")
}

@Suite("ProgressLine: when the line is drawn, and what it says")
struct ProgressLineTests {
    @Test("nothing before a second; then at most every quarter second; cleared once")
    func timing() {
        var decide = ProgressLine(stages: [.counting("requests", total: 1000, estimated: false)])
        #expect(decide.line(stage: 0, done: 100, at: 0) == nil)
        #expect(decide.line(stage: 0, done: 900, at: 0.99) == nil)
        var cleared = decide.clear()
        #expect(!cleared, "nothing drawn, nothing to clear")
        #expect(decide.line(stage: 0, done: 400, at: 1) == "400 requests (40%), 400/s, ETA 2s")
        #expect(decide.line(stage: 0, done: 410, at: 1.2) == nil)
        #expect(decide.line(stage: 0, done: 500, at: 1.25) == "500 requests (50%), 400/s, ETA 2s")
        #expect(decide.drawn)
        cleared = decide.clear()
        #expect(cleared)
        cleared = decide.clear()
        #expect(!cleared, "cleared once")
        #expect(!decide.drawn)
    }

    @Test("a new stage is drawn at once, its rate and ETA counted from when it was first seen; stages past the last show the last")
    func stages() {
        var decide = ProgressLine(stages: ProgressStages.cachesim(total: 1000, estimated: false))
        #expect(decide.line(stage: 0, done: 500, at: 1) == "counting the working set: 500 requests (50%), 500/s, ETA 1s")
        #expect(decide.line(stage: 1, done: 0, at: 2.1) == "replaying: 0 requests (0%)", "no rate yet: the stage has just begun")
        #expect(decide.line(stage: 1, done: 250, at: 2.2) == nil)
        #expect(decide.line(stage: 1, done: 250, at: 2.6) == "replaying: 250 requests (25%), 500/s, ETA 2s")
        #expect(decide.line(stage: 7, done: 10, at: 2.7) == nil, "still the last stage: not a new one")
    }

    @Test("cachesim's replay, once the working set's pass has counted the requests, shows its share and ETA without ~")
    func knownTotal() {
        var decide = ProgressLine(stages: ProgressStages.cachesim(total: 1000, estimated: true))
        #expect(decide.line(stage: 0, done: 500, at: 1) == "counting the working set: 500 requests (~50%), 500/s, ETA ~1s")
        decide.know(total: 1200, ofStage: 1)
        #expect(decide.stages[0].estimated, "the stage counted before is as it was")
        #expect(decide.line(stage: 1, done: 0, at: 2.1) == "replaying: 0 requests (0%)")
        #expect(decide.line(stage: 1, done: 300, at: 2.6) == "replaying: 300 requests (25%), 600/s, ETA 2s")
        var unknown = ProgressLine(stages: ProgressStages.cachesim(total: nil, estimated: false))
        unknown.know(total: 1000, ofStage: 1)
        unknown.know(total: 5, ofStage: 9)
        #expect(unknown.line(stage: 1, done: 250, at: 1.5) == "replaying: 250 requests (25%)")
    }

    @Test("before a second, a stage change is remembered but not drawn; the first line times the stage from the change")
    func earlyStage() {
        var decide = ProgressLine(stages: ProgressStages.cachesim(total: nil, estimated: false))
        #expect(decide.line(stage: 1, done: 0, at: 0.5) == nil)
        #expect(decide.line(stage: 1, done: 1000, at: 1.5) == "replaying: 1,000 requests, 1,000/s")
    }

    @Test("each command's line: cachesim, mrc (~ for a CSV estimate), trace convert and gen, merge")
    func commands() {
        /// The first line drawn, in `stage` since time 0.
        func first(_ stages: [ProgressLine.Stage], stage: Int = 0, done: Int, at now: Double = 2) -> String? {
            var decide = ProgressLine(stages: stages)
            _ = decide.line(stage: stage, done: 0, at: 0)
            return decide.line(stage: stage, done: done, at: now)
        }
        #expect(first(ProgressStages.cachesim(total: 100_000_000, estimated: false), stage: 1, done: 40_000_000)
                == "replaying: 40,000,000 requests (40%), 20,000,000/s, ETA 3s")
        #expect(first(ProgressStages.mrc(total: 10_000_000, estimated: true), done: 2_500_000)
                == "2,500,000 requests (~25%), 1,250,000/s, ETA ~6s")
        let convert = ProgressStages.convert(output: "day.pstrace", total: 1_000_000, estimated: false)
        #expect(first(convert, done: 600_000) == "600,000 records written (60%), 300,000/s, ETA 2s")
        #expect(first(convert, stage: 1, done: 0, at: 3) == "finishing day.pstrace (3s)")
        let gen = ProgressStages.gen(output: "day.csv", total: 4_320_000, estimated: true)
        #expect(first(gen, done: 432_000) == "432,000 requests written (~10%), 216,000/s, ETA ~18s")
        #expect(first(gen, stage: 1, done: 0, at: 1) == "finishing day.csv (1s)")
        let merge = ProgressStages.merge(parts: ["p0.json", "p1.json", "p2.json"])
        #expect(merge.count == 4)
        #expect(first(merge, done: 0, at: 1.5) == "reading part 1 of 3: p0.json (1s)")
        #expect(first(merge, stage: 2, done: 0, at: 1.5) == "reading part 3 of 3: p2.json (1s)")
        #expect(first(merge, stage: 3, done: 0, at: 61) == "merging 3 parts (1m01s)")
        #expect(first(ProgressStages.merge(parts: ["only.json"]), stage: 1, done: 0) == "merging 1 part (2s)")
    }
}

@Test("a command's last line gives its rate in one style: M from 100,000 a second, else grouped")
func finalRate() {
    #expect(Format.rate(14_200_000, per: 1, of: "requests") == "14.2 M requests/s")
    #expect(Format.rate(10_000_000, per: 0.7, of: "requests") == "14.3 M requests/s")
    // Was "963974 requests/s" beside "1.0 M requests/s" (mrc and cachesim on the same day).
    #expect(Format.rate(963_974, per: 1, of: "requests") == "0.96 M requests/s")
    #expect(Format.rate(100_000, per: 1, of: "records") == "0.10 M records/s")
    #expect(Format.rate(2_346, per: 1, of: "requests") == "2,346 requests/s")
    #expect(Format.rate(9, per: 2, of: "records") == "5 records/s")
    #expect(Format.rate(5, per: 0, of: "records") == "–")
}
