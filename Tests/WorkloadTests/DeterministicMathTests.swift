import Foundation
import Testing
@testable import Workload

@Suite("Deterministic elementary functions")
struct DeterministicMathTests {
    @Test("deterministicExp within 2 ulps of libm over [−745, 709] (100k points, seed 31) and at the edges")
    func exp() {
        var rng = SplitMix64(seed: 31)
        var worst = 0.0
        for _ in 0..<100_000 {
            let x = -745 + rng.nextUnitDouble() * 1454
            let expected = Foundation.exp(x)
            let got = deterministicExp(x)
            if expected >= Double.leastNormalMagnitude { worst = max(worst, abs(got - expected) / expected.ulp) }
        }
        #expect(worst <= 2, "seed 31: worst error \(worst) ulps")
        #expect(deterministicExp(0) == 1)
        #expect(abs(deterministicExp(1) - Foundation.exp(1.0)) <= Foundation.exp(1.0).ulp)
        #expect(deterministicExp(710) == .infinity)
        #expect(deterministicExp(-746) == 0)
        #expect(deterministicExp(-.infinity) == 0)
        #expect(deterministicExp(.nan).isNaN)
    }

    @Test("deterministicLog1p and deterministicExpm1 within 3 ulps of libm, also for tiny arguments (seed 32)")
    func log1pExpm1() {
        var rng = SplitMix64(seed: 32)
        var worstLog = 0.0, worstExp = 0.0
        for i in 0..<50_000 {
            // Magnitudes from 1e-15 to 10, both signs for expm1.
            let magnitude = Foundation.pow(10, -15 + 16 * rng.nextUnitDouble())
            let x = i.isMultiple(of: 2) ? magnitude : -min(magnitude, 0.999)
            let l = Foundation.log1p(x), e = Foundation.expm1(x)
            worstLog = max(worstLog, abs(deterministicLog1p(x) - l) / l.magnitude.ulp)
            worstExp = max(worstExp, abs(deterministicExpm1(x) - e) / e.magnitude.ulp)
        }
        #expect(worstLog <= 3, "seed 32: log1p worst \(worstLog) ulps")
        #expect(worstExp <= 3, "seed 32: expm1 worst \(worstExp) ulps")
        #expect(deterministicLog1p(-1) == -.infinity)
        #expect(deterministicLog1p(0) == 0)
        #expect(deterministicExpm1(0) == 0)
        #expect(deterministicExpm1(-800) == -1)
    }

    @Test("deterministicCos(turns:) within 5e-15 of cos(2πt) (seed 33) and exact at quarter turns")
    func cos() {
        var rng = SplitMix64(seed: 33)
        var worst = 0.0
        for _ in 0..<100_000 {
            let t = -3 + 6 * rng.nextUnitDouble()
            worst = max(worst, abs(deterministicCos(turns: t) - Foundation.cos(2 * Double.pi * t)))
        }
        #expect(worst < 5e-15, "seed 33: worst error \(worst)")
        #expect(deterministicCos(turns: 0) == 1)
        #expect(deterministicCos(turns: 0.5) == -1)
        #expect(deterministicCos(turns: 1) == 1)
        #expect(deterministicCos(turns: 0.25) == 0)
    }
}
