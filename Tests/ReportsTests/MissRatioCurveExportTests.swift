// mrc.svg says where the curve can be trusted, as mrc.csv's exact column and the printed table
// do: in bytes, exact from the largest object up; nowhere, when objects change size (the curve
// weighs an object by its latest size, an LRU cache by the size it inserted).
import Testing
import Reports
import Simulation
import Workload

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
        #expect(svg.contains("exact from the largest object (3.00 KB) up"), "\(svg.prefix(600))")
        #expect(!svg.contains("approximate"))
    }

    @Test("the size axis is labelled at round sizes (LogTicks), the curve's points on it named by their sizes")
    func roundSizeTicks() {
        // Sizes from 10 B to 3 KB: the curve steps at 10 B, 3,010 B and 3,030 B, under three decades.
        let c = curve([(1, 10), (2, 3000), (1, 10), (3, 20), (2, 3000), (1, 10), (3, 20)])
        let svg = MissRatioCurveExport.svg(c, points: c.allSteps(), name: "t")
        let axis = svg.components(separatedBy: "class=\"x-axis\"")[1].components(separatedBy: "</g>")[0]
        let labels = axis.components(separatedBy: "</text>").dropLast().map { $0.components(separatedBy: ">").last! }
        let round = Set((0...4).flatMap { k in [1, 2, 5].map { formatBytes(Int64($0) * [1, 10, 100, 1000, 10000][k]) } })
        #expect(labels.dropLast().allSatisfy(round.contains), "\(labels)")
        #expect(labels.count >= 4, "\(labels)")
        let titles = svg.components(separatedBy: "<title>").dropFirst().map { $0.components(separatedBy: "</title>")[0] }
        #expect(titles.contains { $0.hasSuffix("% at 3.03KB") } && titles.contains { $0.hasSuffix("% at 10B") }, "a point's tooltip names its size: \(titles)")
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
