import Testing
@testable import Simulation

@Suite("SimTime")
struct SimTimeTests {
    @Test("formattedSeconds: three decimals, rounded to the nearest millisecond, ties away from zero",
          arguments: [
              (Int64(0), "0.000s"),
              (12_000_000, "12.000s"),
              (12_000_400, "12.000s"),          // 12.0004 s
              (500_000, "0.500s"),
              (499, "0.000s"),
              (500, "0.001s"),                  // tie rounds away from zero
              (1_999_500, "2.000s"),            // carry into the seconds
              (59_123_456, "59.123s"),
              (86_400_000_000, "86400.000s"),
              (-1_250_000, "-1.250s"),
              (-400, "0.000s"),                 // no "-0.000s"
              (-500, "-0.001s"),
              (Int64.max, "9223372036854.776s"),
              (Int64.min, "-9223372036854.776s"),
          ])
    func formatted(microseconds: Int64, expected: String) {
        #expect(SimTime(microseconds: microseconds).formattedSeconds == expected)
        #expect(SimTime(microseconds: microseconds).description == expected)
    }

    @Test("seconds(_:) from Int and Double, milliseconds(_:)")
    func constructors() {
        #expect(SimTime.seconds(12) == SimTime(microseconds: 12_000_000))
        #expect(SimTime.seconds(12.0004) == SimTime(microseconds: 12_000_400))
        #expect(SimTime.seconds(12.0004).formattedSeconds == "12.000s")
        #expect(SimTime.seconds(0.5).formattedSeconds == "0.500s")
        #expect(SimTime.seconds(0.000_000_5) == SimTime(microseconds: 1))   // rounds to nearest µs
        #expect(SimTime.seconds(-0.25) == SimTime(microseconds: -250_000))
        #expect(SimTime.milliseconds(250) == SimTime(microseconds: 250_000))
        #expect(SimTime.zero.microseconds == 0)
    }

    @Test("arithmetic with microsecond durations, and ordering")
    func arithmetic() {
        let t = SimTime.seconds(10)
        #expect(t + 250_000 == SimTime(microseconds: 10_250_000))
        #expect(t - 1 == SimTime(microseconds: 9_999_999))
        #expect(SimTime.seconds(12) - t == 2_000_000)
        var u = t
        u += 5
        #expect(u.microseconds == 10_000_005)
        #expect(t < u && !(u < t) && SimTime.zero < t)
        #expect([SimTime.seconds(3), .zero, .seconds(1)].sorted() == [.zero, .seconds(1), .seconds(3)])
    }
}
