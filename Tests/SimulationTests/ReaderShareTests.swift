import Testing
@testable import Simulation

/// `ParallelRun.readerShare`: which (variant, POP group) pieces the reading thread replays
/// itself on several threads, each piece weighing its POP group's share of the requests. The
/// cost model is the bench's measurement (`readingCost`: reading and resolving a `.pstrace`
/// request costs about half of replaying it through one variant); each case's layout is
/// worked by hand below.
@Suite("The reading thread's share of a parallel run")
struct ReaderShareTests {
    static let eighth = 1.0 / 8

    @Test("a share of the lightest pieces when it evens the threads' work out; none when the pieces are too few, too coarse or too heavy",
          arguments: [
            // 8 equal POPs, 1 variant, 2 threads: 0.5 + 2/8 = 0.75 on the reading thread, 6/8 on the other — the even 0.75.
            (weights: [Double](repeating: eighth, count: 8), variants: 1, threads: 2, expected: [0, 1]),
            // 8 equal POPs, 2 variants: 0.5 + 6/8 = 1.25 against 10/8; even (0.5 + 2) / 2 = 1.25.
            (weights: [Double](repeating: eighth, count: 16), variants: 2, threads: 2, expected: [0, 1, 2, 3, 4, 5]),
            // One POP (the last) with half the requests, seven with 1/14 each: the reading thread takes three light ones
            // (0.5 + 3/14 = 0.714 against 0.5 + 4/14 = 0.786, within 5 % of the even 0.75), never the heavy one.
            (weights: [Double](repeating: 1.0 / 14, count: 7) + [0.5], variants: 1, threads: 2, expected: [0, 1, 2]),
            // One POP with 90 %: the other thread has at least 0.9 > 0.75 × 1.05 whatever the reading thread takes.
            (weights: [Double](repeating: 0.1 / 7, count: 7) + [0.9], variants: 1, threads: 2, expected: []),
            // One POP: the piece cannot be shared (the simulation thread keeps it).
            (weights: [1.0], variants: 1, threads: 2, expected: []),
            // Two POPs: 0.5 + 1/2 = 1.0 against the even 0.75 — too coarse.
            (weights: [0.5, 0.5], variants: 1, threads: 2, expected: []),
            // Three threads: even is 1.5 / 3 = 0.5, and the reading thread with one piece has 0.625 (> 0.525).
            (weights: [Double](repeating: eighth, count: 8), variants: 1, threads: 3, expected: []),
            // Four threads: the reading thread alone (0.5) is above the even 1.5 / 4 = 0.375.
            (weights: [Double](repeating: eighth, count: 8), variants: 1, threads: 4, expected: []),
            // One thread: no sharing to do.
            (weights: [Double](repeating: eighth, count: 8), variants: 1, threads: 1, expected: []),
          ])
    func share(_ c: (weights: [Double], variants: Int, threads: Int, expected: [Int])) {
        #expect(ParallelRun.readerShare(weights: c.weights, threads: c.threads) == c.expected)
    }

    @Test("the lightest pieces by weight, wherever they are")
    func lightestFirst() {
        // 8 POPs, the first two heavier (0.15 each, 0.7 / 6 for the rest): the reading thread takes two light ones
        // (0.5 + 0.233 against 0.767, within 5 % of the even 0.75); the first two would give it 0.8.
        let weights = [0.15, 0.15] + [Double](repeating: 0.7 / 6, count: 6)
        #expect(ParallelRun.readerShare(weights: weights, threads: 2) == [2, 3])
    }

    @Test("pieces weigh their POP group's share of the sampled requests; a variant's pieces sum to 1; equal shares without requests")
    func weights() {
        // POPs 0 and 1 form one group (1 under 0's parent tier), POP 2 another; two variants.
        let groups = [0, 0, 2]
        let pieces = [(variant: 0, group: 0), (variant: 0, group: 2), (variant: 1, group: 0), (variant: 1, group: 2)]
        let weights = ParallelRun.weights(of: pieces, groups: groups, requestPOPs: [0, 1, 1, 2])
        #expect(weights == [0.75, 0.25, 0.75, 0.25])
        #expect(ParallelRun.weights(of: pieces, groups: groups, requestPOPs: []) == [0.5, 0.5, 0.5, 0.5])
        // A POP of 8 with half the requests: the reading thread keeps away from it.
        let eight = Array(0..<8)
        let skewed = (0..<1_400).map { $0 % 14 < 7 ? $0 % 7 : 7 }
        let w = ParallelRun.weights(of: eight.map { (variant: 0, group: $0) }, groups: eight, requestPOPs: skewed)
        #expect(w[7] == 0.5)
        #expect(!ParallelRun.readerShare(weights: w, threads: 2).contains(7))
    }

    @Test("the layout --stats shows: each thread's variants and POPs, at most eight named a share, a reading thread that only reads")
    func layoutText() {
        let eight = (1...8).map { "p\($0)" }, ten = (1...10).map { "q\($0)" }
        let layout = ThreadLayout(reading: [.init(variant: "a", pops: ["p7", "p8"]), .init(variant: "b", pops: ["p7"])],
                                  threads: [[.init(variant: "a", pops: Array(eight.prefix(6)))], [.init(variant: "b", pops: ten)]])
        #expect(layout.description == "reading thread: a at p7, p8; b at p7 | simulation thread 1: a at p1, p2, p3, p4, p5, p6"
                + " | simulation thread 2: b at q1, q2, q3, q4, q5, q6, q7, q8 and 2 more")
        #expect(ThreadLayout(reading: [], threads: [[.init(variant: "a", pops: ["p1"])]]).description
                == "reading thread: reads only | simulation thread 1: a at p1")
    }
}

/// `ParallelRun.deal`: the simulation threads' pieces, heaviest first to the least loaded
/// thread (the longest-processing-time rule, Graham 1969), each case worked by hand.
@Suite("Dealing pieces to the simulation threads by weight")
struct DealTests {
    @Test("heaviest first, each to the least loaded thread; equal weights in turn; never more threads than pieces",
          arguments: [
            // Equal weights: in turn, as before weights were known (ties go to the lower thread).
            (weights: [Double](repeating: 1, count: 8), threads: 2, expected: [[0, 2, 4, 6], [1, 3, 5, 7]]),
            (weights: [Double](repeating: 1, count: 5), threads: 3, expected: [[0, 3], [1, 4], [2]]),
            // The eighth POP with half the requests: alone on one thread (7/14 each), where in turn it
            // went with three light ones (10/14 against 4/14).
            (weights: [Double](repeating: 1.0 / 14, count: 7) + [0.5], threads: 2, expected: [[7], [0, 1, 2, 3, 4, 5, 6]]),
            // 5, 4, 3, 3, 2, 2, 1, 1 on 4 threads: 5 | 4 | 3 | 3, then 2 → the 3s' threads, 1 → the 4's
            // and then the 5's: loads 6, 5, 5, 5 (in turn: 7, 6, 4, 4).
            (weights: [5, 4, 3, 3, 2, 2, 1, 1], threads: 4, expected: [[0, 7], [1, 6], [2, 4], [3, 5]]),
            // Two pieces, three threads: two threads, one piece each.
            (weights: [0.3, 0.7], threads: 3, expected: [[1], [0]]),
            // No pieces: one thread with none.
            (weights: [], threads: 2, expected: [[]]),
            // Pieces that weigh nothing (POPs not among the sampled requests) spread over the threads by
            // number: the fewest pieces first among the least loaded (they all went to thread 2, and threads
            // 3 and 4 got none).
            (weights: [1, 0, 0, 0], threads: 4, expected: [[0], [1], [2], [3]]),
            (weights: [1, 0, 0, 0, 0, 0, 0, 0], threads: 4, expected: [[0], [1, 4, 7], [2, 5], [3, 6]]),
            // …but never onto a loaded thread while a lighter one exists.
            (weights: [1, 0, 0, 0], threads: 2, expected: [[0], [1, 2, 3]]),
          ])
    func deal(_ c: (weights: [Double], threads: Int, expected: [[Int]])) {
        #expect(ParallelRun.deal(weights: c.weights, threads: c.threads) == c.expected)
    }
}
