import Testing
@testable import Simulation

/// `ParallelRun.readerShare`: how many (variant, POP group) pieces the reading thread replays
/// itself on several threads. The cost model is the bench's measurement (`readingCost`: reading
/// and resolving a `.pstrace` request costs about half of replaying it through one variant);
/// the cases are the layouts that model gives, worked by hand.
@Suite("The reading thread's share of a parallel run")
struct ReaderShareTests {
    @Test("a share when it evens the threads' work out, none when the pieces are too few or too coarse",
          arguments: [
            // 8 POPs, 1 variant, 2 threads: 0.5 + 2/8 = 0.75 on the reading thread, 6/8 on the other — the even 0.75.
            (pieces: 8, groups: 8, variants: 1, threads: 2, expected: 2),
            // 8 POPs, 2 variants, 2 threads: 0.5 + 6/8 = 1.25 against 10/8; even (0.5 + 2) / 2 = 1.25.
            (pieces: 16, groups: 8, variants: 2, threads: 2, expected: 6),
            // 8 POPs, 1 variant, 3 threads: even is 1.5 / 3 = 0.5; the best share, one piece, gives the reading
            // thread 0.625 (> 0.5 × 1.05), so none: two simulation threads of 4/8 beside it are even already.
            (pieces: 8, groups: 8, variants: 1, threads: 3, expected: 0),
            // One POP: the piece cannot be shared (the simulation thread keeps it).
            (pieces: 1, groups: 1, variants: 1, threads: 2, expected: 0),
            // Two POPs: 0.5 + 1/2 = 1.0 against the even 0.75 — too coarse.
            (pieces: 2, groups: 2, variants: 1, threads: 2, expected: 0),
            // Four cores' worth: the reading thread alone (0.5) is above the even (1.5 / 4 = 0.375).
            (pieces: 8, groups: 8, variants: 1, threads: 4, expected: 0),
            // One thread: no sharing to do.
            (pieces: 8, groups: 8, variants: 1, threads: 1, expected: 0),
          ])
    func share(_ c: (pieces: Int, groups: Int, variants: Int, threads: Int, expected: Int)) {
        #expect(ParallelRun.readerShare(pieces: c.pieces, groups: c.groups, variants: c.variants, threads: c.threads) == c.expected)
    }
}
