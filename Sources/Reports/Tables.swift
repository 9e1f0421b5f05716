import HTTPModel
import Scenario
import Simulation
import Workload

/// The tidy CSV tables of a results bundle, one row per observation, counts first.
///
/// Rates are derived columns with six decimals, empty when their denominator is 0 (pandas
/// reads an empty field as NaN, so a window without CORS-checked requests has no rate rather
/// than a rate of 0).
public enum Tables {
    static func rate(_ n: Int, _ d: Int) -> String { d == 0 ? "" : Format.fixed(Double(n) / Double(d), 6) }
    static func rate(_ n: Int64, _ d: Int64) -> String { d == 0 ? "" : Format.fixed(Double(n) / Double(d), 6) }

    public static let timeSeriesHeader = "variant,window_start,window_seconds,requests,cors_checked,cors_failures,failure_rate,hits,misses,collapsed,hit_ratio,origin_fetches,origin_bytes"

    /// `timeseries.csv`: one row per variant and time window, every window from the first to the
    /// last (empty windows included, with empty rates).
    public static func timeSeriesCSV(_ result: RunResult) -> String {
        let window = result.scenario.config.window
        var out = timeSeriesHeader + "\n"
        for v in result.variants {
            for w in Breakdown.timeSeries(v) {
                let t = w.tally
                out += csvRow([v.name, Format.secondsExact(w.windowStart * window), Format.secondsExact(window),
                               "\(t.requests)", "\(t.corsChecked)", "\(t.corsFailures)", rate(t.corsFailures, t.corsChecked),
                               "\(t.hits)", "\(t.misses)", "\(t.collapsed)", rate(t.hits, t.requests),
                               "\(t.originFetches)", "\(t.originBytes)"]) + "\n"
            }
        }
        return out
    }

    public static let popsHeader = "variant,pop,parent,capacity_bytes,origin_rtt_ms,requests,cors_checked,cors_failures,failure_rate,hits,misses,collapsed,expired,bypass,hit_ratio,byte_hit_ratio,origin_fetches,origin_bytes,preflights"

    /// `pops.csv`: one row per variant and POP, with the POP's cache figures.
    public static func popsCSV(_ result: RunResult) -> String {
        let pops = result.scenario.config.pops
        var out = popsHeader + "\n"
        for v in result.variants {
            for (i, t) in v.perPOP.enumerated() {
                let p = pops[i]
                out += csvRow([v.name, p.id, p.parent.map { pops[$0].id } ?? "", "\(p.capacityBytes)", Format.fixed(Double(p.originRTT) / 1000, 3),
                               "\(t.requests)", "\(t.corsChecked)", "\(t.corsFailures)", rate(t.corsFailures, t.corsChecked),
                               "\(t.hits)", "\(t.misses)", "\(t.collapsed)", "\(t.expired)", "\(t.bypass)",
                               rate(t.hits, t.requests), rate(t.bytesFromCache, t.bytesServed),
                               "\(t.originFetches)", "\(t.originBytes)", "\(t.preflights)"]) + "\n"
            }
        }
        return out
    }

    public static let eventsHeader = "variant,t,pop,label,removed"

    /// `events.csv`: config changes, purges and prefetches as they took effect, per variant and POP,
    /// in time order; `removed` counts the objects a purge removed.
    public static func eventsCSV(_ result: RunResult) -> String {
        let pops = result.scenario.config.pops
        var out = eventsHeader + "\n"
        for v in result.variants {
            for e in v.appliedEvents {
                out += csvRow([v.name, Format.secondsExact(e.time.microseconds), pops[e.pop].id, e.label, "\(e.removed)"]) + "\n"
            }
        }
        return out
    }

    public static let urlsHeader = "variant,url,requests,cors_checked,cors_failures,failure_rate"

    /// `urls.csv`: for every URL with at least one CORS failure in some variant, one row per
    /// variant (zeros included, so fixes show); URLs by failures summed over variants, most first.
    public static func urlsCSV(_ result: RunResult, urls: URLFailures) -> String {
        var out = urlsHeader + "\n"
        for u in urls.failing {
            for v in result.variants {
                let t = urls.tally(variant: v.name, url: u)
                out += csvRow([v.name, urls.text(u), "\(t.requests)", "\(t.corsChecked)", "\(t.corsFailures)",
                               rate(t.corsFailures, t.corsChecked)]) + "\n"
            }
        }
        return out
    }
}
