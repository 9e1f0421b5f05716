import Foundation
import Testing
import HTTPModel
@testable import Workload

/// A writer that keeps nothing but what `progress` said at each write and at the commit.
private final class ProgressSpy: TraceWriter {
    let progress: ProgressCounter
    var doneAtWrite: [Int] = []
    var stageAtWrite: Set<Int> = []
    var stageAtCommit: Int?

    init(_ progress: ProgressCounter) { self.progress = progress }

    func write(_ record: TraceRecord, from source: any TraceSource) throws(FileWriteError) {
        doneAtWrite.append(progress.done)
        stageAtWrite.insert(progress.stage)
    }

    func commit() throws(FileWriteError) { stageAtCommit = progress.stage }
    func abort() {}
}

private func requests(_ n: Int) -> [(time: Int64, url: String, bytes: Int64?)] {
    (0..<n).map { (time: Int64($0), url: "/o\($0 % 97)", bytes: Int64(1 + $0 % 5)) }
}

@Suite("Progress counts: the readers and copies that store into a ProgressCounter")
struct ProgressCounterTests {
    @Test("the oracleGeneral reader counts once per block read, every record by the end (blocks of 5 records, 23 records)")
    func oracleGeneralByBlock() throws {
        let dir = TemporaryDirectory()
        let records: [(time: UInt32, id: UInt64, size: UInt32, next: Int64)] = (0..<23).map { (time: 0, id: UInt64($0), size: 1, next: -1) }
        let reader = try OracleGeneralReader(path: dir.file("t.bin", oracleGeneralBytes(records)), blockSize: 5 * 24)
        let progress = ProgressCounter()
        reader.progress = progress
        var read = 0
        while try reader.next() != nil {
            read += 1
            // Counted when the record's block was read: the records of the blocks before it.
            #expect(progress.done == (read - 1) / 5 * 5, "after record \(read)")
        }
        #expect(read == 23)
        #expect(progress.done == 23)
    }

    @Test("counted batches: each batch as it is read, every request by the end, with and without read-ahead", arguments: [false, true])
    func numberedBatches(readAhead: Bool) throws {
        let dir = TemporaryDirectory()
        let csv = "t,pop,url,origin,kind,method,credentials,bytes\n" + (0..<10_000).map { "\($0),p,/o\($0 % 113),,font,GET,,\($0 % 7)\n" }.joined()
        let progress = ProgressCounter()
        let reader = CountedRequestBatches(try CacheKeyCSVReader(path: dir.file("t.csv", csv)), progress: progress)
        var replayed = 0
        try reader.forEachBatch(readAhead: readAhead) { _, _, n in
            replayed += n
            // Read ahead, the count may run ahead of the replay by the batches waiting; never behind.
            if readAhead { #expect(progress.done >= replayed) } else { #expect(progress.done == replayed) }
        }
        #expect(replayed == 10_000)
        #expect(progress.done == 10_000)
    }

    @Test("a counted source passes records and names through and counts every 4,096 records and at the end (10,000)")
    func countedSource() throws {
        let plain = ArraySource(requests(10_000)), base = ArraySource(requests(10_000))
        let progress = ProgressCounter()
        let counted = CountedTraceSource(base, progress: progress)
        #expect(counted.sourceName == "<test>")
        var n = 0
        while let r = try counted.next() {
            n += 1
            #expect(r == (try plain.next()))
            #expect(progress.done == n / 4096 * 4096, "after record \(n)")
        }
        #expect(n == 10_000)
        #expect(progress.done == 10_000)
        #expect(counted.urls.count == 97)
    }

    @Test("copyTrace counts records written every 4,096 in stage 0, then enters stage 1 for the commit (10,000 records)")
    func copyCounts() throws {
        let progress = ProgressCounter()
        let spy = ProgressSpy(progress)
        #expect(try copyTrace(from: ArraySource(requests(10_000)), to: spy, progress: progress) == 10_000)
        #expect(spy.doneAtWrite == (0..<10_000).map { $0 / 4096 * 4096 })
        #expect(spy.stageAtWrite == [0])
        #expect(spy.stageAtCommit == 1)
    }

    @Test("entering a stage counts from 0 again")
    func stages() {
        let progress = ProgressCounter()
        progress.done = 12
        #expect((progress.stage, progress.done) == (0, 12))
        progress.enter(stage: 1)
        #expect((progress.stage, progress.done) == (1, 0))
    }
}
