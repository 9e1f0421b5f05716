// mrc.svg says where the curve can be trusted, as mrc.csv's exact column and the printed table
// do: in bytes, exact from the largest object up; nowhere, when objects change size (the curve
// weighs an object by its latest size, an LRU cache by the size it inserted).
import Testing
import Reports
import Simulation

private func curve(_ requests: [(UInt64, Int64)]) -> MissRatioCurve {
    var p = StackDistanceProfiler(countingObjects: false, unknownSize: 1)
    for (id, size) in requests { p.access(id, size: size) }
    return p.curve
}

@Suite("mrc.svg")
struct MissRatioCurveExportTests {
    @Test("objects of fixed sizes: the subtitle says exact from the largest object up")
    func exactFromLargest() {
        let c = curve([(1, 10), (2, 3000), (1, 10), (3, 20), (2, 3000), (1, 10)])
        let svg = MissRatioCurveExport.svg(c, points: c.allSteps(), name: "t")
        #expect(svg.contains("exact from the largest object (3KB) up"), "\(svg.prefix(600))")
        #expect(!svg.contains("approximate"))
    }

    @Test("an object that changes size: the subtitle says approximate everywhere, with no exactness mark")
    func approximateWhenSizesChange() {
        let c = curve([(1, 10), (2, 3000), (1, 20), (3, 20), (2, 3000), (1, 20)])
        #expect(c.sizeChanges == 1)
        let svg = MissRatioCurveExport.svg(c, points: c.allSteps(), name: "t")
        #expect(svg.contains("approximate at every size (1 request changed its object"), "\(svg.prefix(600))")
        #expect(!svg.contains("exact from"))
    }
}
