import Reports
import Testing

@Test("progress line: share and ETA only with a total; ~ for estimates")
func progressLine() {
    #expect(ProgressText.line(done: 1_245_184, total: nil, estimated: false, elapsed: 2) == "1,245,184 requests, 622,592/s")
    #expect(ProgressText.line(done: 500, total: 1000, estimated: false, elapsed: 1) == "500 requests (50%), 500/s, ETA 1s")
    #expect(ProgressText.line(done: 500, total: 1000, estimated: true, elapsed: 1) == "500 requests (~50%), 500/s, ETA ~1s")
    #expect(ProgressText.line(done: 1500, total: 1000, estimated: true, elapsed: 1) == "1,500 requests, 1,500/s")
    #expect(ProgressText.eta(125) == "2m05s")
    #expect(ProgressText.eta(3720) == "1h02m")
    #expect(Format.grouped(-1234567) == "-1,234,567")
    #expect(Format.grouped(999) == "999")
}
