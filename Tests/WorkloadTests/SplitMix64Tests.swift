import Foundation
import Testing
@testable import Workload

@Suite("SplitMix64")
struct SplitMix64Tests {
    // First outputs of Vigna's reference splitmix64.c (https://prng.di.unimi.it/splitmix64.c,
    // the generator of Steele, Lea & Flood, OOPSLA 2014) with `x` set to the seed. Computed
    // from that definition with arbitrary-precision integers, and they agree with the values
    // published in other test suites (seed 0 starts E220A8397B1DCDAF, seed 42 BDD732262FEB6E95).
    @Test("first outputs match the reference splitmix64.c", arguments: [
        (UInt64(0), [UInt64(0xE220_A839_7B1D_CDAF), 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F,
                     0xF88B_B8A8_724C_81EC, 0x1B39_896A_51A8_749B]),
        (UInt64(42), [UInt64(0xBDD7_3226_2FEB_6E95), 0x28EF_E333_B266_F103, 0x4752_6757_130F_9F52,
                      0x581C_E1FF_0E4A_E394, 0x09BC_585A_2448_23F2]),
    ])
    func referenceSequence(seed: UInt64, expected: [UInt64]) {
        var rng = SplitMix64(seed: seed)
        let outputs = (0..<expected.count).map { _ in rng.next() }
        #expect(outputs == expected, "seed \(seed)")
    }

    @Test("nextUnitDouble uses the top 53 bits of one output and stays in [0, 1)")
    func unitDouble() {
        var rng = SplitMix64(seed: 0)
        #expect(rng.nextUnitDouble() == Double(UInt64(0xE220_A839_7B1D_CDAF) >> 11) * 0x1.0p-53)
        var sum = 0.0
        for _ in 0..<100_000 {
            let u = rng.nextUnitDouble()
            #expect(u >= 0 && u < 1)
            sum += u
        }
        #expect(abs(sum / 100_000 - 0.5) < 0.005, "seed 0: mean of 100k uniforms")
    }

    @Test("a copied generator continues the same stream")
    func copiesFork() {
        var a = SplitMix64(seed: 7)
        _ = a.next()
        var b = a
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
    }

    @Test("nextExponential: deterministic, non-negative, mean within 1.5 % over 200k draws (seed 9)")
    func exponential() {
        var rng = SplitMix64(seed: 9)
        var replay = SplitMix64(seed: 9)
        var sum = 0.0
        var belowMean = 0
        for _ in 0..<200_000 {
            let x = rng.nextExponential(mean: 40_000)
            #expect(x >= 0 && x.isFinite)
            #expect(x == replay.nextExponential(mean: 40_000))
            sum += x
            if x < 40_000 { belowMean += 1 }
        }
        #expect(abs(sum / 200_000 - 40_000) < 600, "seed 9: sample mean \(sum / 200_000)")
        // P(X < mean) = 1 − 1/e ≈ 0.632.
        #expect(abs(Double(belowMean) / 200_000 - 0.632_12) < 0.005, "seed 9: \(belowMean) below the mean")
    }

    @Test("deterministicLog agrees with libm's log to within 2 ulps", arguments: [
        1.0, 2.0, 0.5, 10.0, 1e-300, 1e300, .leastNonzeroMagnitude, 2.2250738585072014e-308, .greatestFiniteMagnitude,
        1.0000000001, 0.9999999999, 1.4142135623730951, 1.414213562373095, 0.1, 3.0,
    ])
    func logTable(x: Double) {
        let expected = Foundation.log(x)
        let got = deterministicLog(x)
        #expect(abs(got - expected) <= 2 * max(expected.ulp, Double.leastNonzeroMagnitude), "ln(\(x)): \(got) vs \(expected)")
    }

    @Test("deterministicLog on 100k random arguments in (0, 1] (seed 5): within 2 ulps of libm")
    func logRandom() {
        var rng = SplitMix64(seed: 5)
        var worst = 0.0
        for _ in 0..<100_000 {
            let x = 1 - rng.nextUnitDouble()
            let expected = Foundation.log(x)
            let error = abs(deterministicLog(x) - expected)
            if expected != 0 { worst = max(worst, error / expected.ulp) }
        }
        #expect(worst <= 2, "seed 5: worst error \(worst) ulps")
        #expect(deterministicLog(1) == 0)
    }
}
