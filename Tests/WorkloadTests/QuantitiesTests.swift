import Testing
@testable import Workload

@Suite("Durations and byte sizes")
struct QuantitiesTests {
    @Test("durations parse exactly to microseconds", arguments: [
        ("250ms", Int64(250_000)), ("30s", 30_000_000), ("1.5s", 1_500_000), ("10m", 600_000_000),
        ("1h", 3_600_000_000), ("1d", 86_400_000_000), ("500us", 500), ("2µs", 2), ("0s", 0),
        ("0.000001s", 1), ("0.1s", 100_000), ("1.25m", 75_000_000), ("1.500000000s", 1_500_000),
        ("0.5ms", 500), ("36500d", 3_153_600_000_000_000),
    ])
    func goodDurations(_ text: String, _ micros: Int64) throws {
        #expect(try parseDuration(text) == micros)
    }

    @Test("bad durations say why and what is accepted", arguments: [
        ("", "empty"), ("10", "missing unit"), ("10x", "unknown unit \"x\""), ("10M", "unknown unit \"M\""),
        ("10 s", "unknown unit \" s\""), ("1e3s", "unknown unit \"e3s\""), ("-5s", "negative"),
        ("1.5us", "finer than a microsecond"), ("0.0000001s", "finer than a microsecond"),
        ("1..5s", "\"1..5\" is not a decimal number"), (".5s", "\".5\" is not a decimal number"),
        ("5.s", "\"5.\" is not a decimal number"), ("s", "does not start with a number"),
        (" 5s", "does not start with a number"), ("999999999999999d", "too large"),
    ])
    func badDurations(_ text: String, _ reason: String) {
        do {
            let v = try parseDuration(text)
            Issue.record("\"\(text)\" parsed as \(v)")
        } catch {
            #expect(error.input == text)
            #expect(error.reason.hasPrefix(reason), "\(error.reason)")
            #expect(error.description.hasPrefix("\"\(text)\" is not a duration: \(reason)"))
            if reason != "too large" && !reason.hasPrefix("finer") {
                #expect(error.description.contains("250ms, 1.5s, 10m, 1h, 1d"))
            }
        }
    }

    @Test("byte sizes: KB… are powers of 1000, KiB… of 1024, units in any case", arguments: [
        ("2GB", Int64(2_000_000_000)), ("512MB", 512_000_000), ("100KB", 100_000), ("1.5GB", 1_500_000_000),
        ("1GiB", 1 << 30), ("1024", 1024), ("4096B", 4096), ("1gib", 1 << 30), ("2kb", 2000), ("2Kb", 2000),
        ("1.5KiB", 1536), ("1TiB", 1 << 40), ("3TB", 3_000_000_000_000), ("0", 0), ("0.5MiB", 524_288),
        ("1.000GB", 1_000_000_000), ("1b", 1),
    ])
    func goodSizes(_ text: String, _ bytes: Int64) throws {
        #expect(try parseByteSize(text) == bytes)
    }

    @Test("bad byte sizes say why and what is accepted", arguments: [
        ("", "empty"), ("GB", "does not start with a number"), ("12XB", "unknown unit \"XB\""),
        ("1 GB", "unknown unit \" GB\""), ("1K", "unknown unit \"K\""), ("-1GB", "negative"),
        ("0.1KiB", "not a whole number of bytes"), ("1.5", "not a whole number of bytes"),
        ("1.5B", "not a whole number of bytes"), ("9999999TB", "too large"), ("1,5GB", "unknown unit \",5GB\""),
    ])
    func badSizes(_ text: String, _ reason: String) {
        do {
            let v = try parseByteSize(text)
            Issue.record("\"\(text)\" parsed as \(v)")
        } catch {
            #expect(error.reason.hasPrefix(reason), "\(error.reason)")
            #expect(error.description.hasPrefix("\"\(text)\" is not a byte size: \(reason)"))
            if reason.hasPrefix("unknown unit") {
                #expect(error.description.contains("KiB, MiB, GiB, TiB (powers of 1024)"))
            }
        }
    }

    @Test("durations format as seconds, exactly", arguments: [
        (Int64(12_000_000), "12.000s"), (250_000, "0.250s"), (500, "0.000500s"), (0, "0.000s"),
        (-1_500_000, "-1.500s"), (86_400_000_001, "86400.000001s"),
    ])
    func formatDurations(_ micros: Int64, _ text: String) {
        #expect(formatDuration(micros) == text)
    }

    @Test("byte counts format in the largest decimal unit", arguments: [
        (Int64(0), "0B"), (999, "999B"), (1000, "1KB"), (1500, "1.5KB"), (1005, "1.01KB"), (999_999, "1MB"),
        (2_000_000_000, "2GB"), (1_234_567_890_000, "1.23TB"), (-1500, "-1.5KB"), (5_000_000_000_000_000, "5000TB"),
    ])
    func formatSizes(_ bytes: Int64, _ text: String) {
        #expect(formatBytes(bytes) == text)
    }

    @Test("byte counts in tables: two decimals and a space, rounded as the compact form rounds (999,999 bytes is 1.00 MB, not 1000.00 KB)", arguments: [
        (Int64(0), "0 B"), (999, "999 B"), (1000, "1.00 KB"), (1500, "1.50 KB"), (1005, "1.01 KB"), (999_999, "1.00 MB"),
        (100_000, "100.00 KB"), (1_000_000_000, "1.00 GB"), (5_404_109_588, "5.40 GB"), (-1500, "-1.50 KB"),
    ])
    func formatSizesFixed(_ bytes: Int64, _ text: String) {
        #expect(formatBytes(bytes, fixedDecimals: true) == text)
    }

    @Test("a percentage of the working set is the fraction written out, to the last bit", arguments: [
        ("0.1%", "0.001"), ("1%", "0.01"), ("2.5%", "0.025"), ("10%", "0.1"), ("33%", "0.33"), ("50%", "0.5"),
        ("100%", "1"), ("0.7%", "0.007"), ("150%", "1.5"), (".5%", "0.005"), ("5.%", "0.05"), ("10%ws", "0.1"),
        ("10%WS", "0.1"), ("0.001%", "0.00001"), ("12.345%", "0.12345"),
    ])
    func percentages(_ percent: String, _ fraction: String) throws {
        let share = try parseWorkingSetShare(percent)
        #expect(share == Double(fraction)!)
        #expect(share == (try parseWorkingSetShare(fraction + "ws")))
    }

    @Test("every percentage from 0.001 % to 100 % in steps of 0.001 reads as its fraction would (0.7 / 100 would not)")
    func everyThousandthOfAPercent() throws {
        #expect(0.7 / 100 != 0.007, "dividing once parsed drifts: the reason the text is shifted instead")
        for n in 1...100_000 {
            // n thousandths of a percent = n / 100,000 of the whole, both written out by integers.
            let percent = "\(n / 1000).\(zeroPadded(n % 1000, width: 3))%"
            let fraction = "\(n / 100_000).\(zeroPadded(n % 100_000, width: 5))"
            let share = try parseWorkingSetShare(percent)
            guard share == Double(fraction)! else {
                Issue.record("\(percent) read as \(share.map(String.init(describing:)) ?? "nil"), \(fraction)ws as \(Double(fraction)!)")
                return
            }
        }
    }

    @Test("a share of the working set that is not a positive decimal says so", arguments: [
        ("0%", "a percentage of the working set is a positive number before '%'"), ("-1%", "a percentage"),
        ("%", "a percentage"), ("abc%", "a percentage"), ("10%%", "a percentage"), ("%ws", "a percentage"),
        ("1e2%", "a percentage"), ("1.2.3%", "a percentage"), ("10 %", "a percentage"), (".%", "a percentage"),
        ("0ws", "a fraction of the working set is a positive number before 'ws'"), ("xws", "a fraction"), ("-0.1ws", "a fraction"),
    ])
    func badShares(_ text: String, _ reason: String) {
        do {
            let v = try parseWorkingSetShare(text)
            Issue.record("\"\(text)\" parsed as \(v.map(String.init(describing:)) ?? "not a share")")
        } catch {
            #expect(error.reason.hasPrefix(reason), "\(error.reason)")
            #expect(error.input == text)
        }
    }

    @Test("sizes without ws or % are not shares", arguments: ["1GB", "1000", "0.5", "10 percent"])
    func notShares(_ text: String) throws {
        #expect(try parseWorkingSetShare(text) == nil)
    }

    @Test("exact decimal scaling never drifts", arguments: [
        ("0.1", Int64(1_000_000), Result<Int64, DecimalFailure>.success(100_000)),
        ("0.3", 1_000_000, .success(300_000)), ("12.3456789", 1_000_000, .failure(.notWhole)),
        ("12.3456780", 1_000_000, .success(12_345_678)), ("12.345600", 1_000_000, .success(12_345_600)),
        ("9223372036854.775807", 1_000_000, .success(.max)), ("9223372036854.775808", 1_000_000, .failure(.overflow)),
        ("1.", 1, .failure(.syntax)), ("", 1, .failure(.syntax)), ("-0", 1, .failure(.negative)),
        ("0.000000000000000000001", 1, .failure(.notWhole)),
    ])
    func scaled(_ text: String, _ factor: Int64, _ expected: Result<Int64, DecimalFailure>) {
        #expect(scaledDecimal(Array(text.utf8), times: factor) == expected)
    }
}
