import HTTPModel
import Scenario
import Simulation
import Workload

/// Views of a variant's cells (variant × POP × kind × page origin × reason × window) summed
/// along one dimension; counts only, rates derived when shown.
public enum Breakdown {
    /// Tallies per resource kind, in `ResourceKind.allCases` order, kinds with requests only.
    public static func byKind(_ v: VariantResult) -> [(ResourceKind, Tally)] {
        var sums = Array(repeating: Tally(), count: ResourceKind.allCases.count)
        for (key, t) in v.cells { sums[Int(key.kind)].add(t) }
        return ResourceKind.allCases.enumerated().compactMap { sums[$0.offset].requests > 0 ? ($0.element, sums[$0.offset]) : nil }
    }

    /// Tallies per page origin (serialised; `(none)` for same-origin requests), sorted by name.
    public static func byPageOrigin(_ v: VariantResult, catalog: Catalog) -> [(String, Tally)] {
        var sums: [UInt32: Tally] = [:]
        for (key, t) in v.cells { sums[key.origin, default: Tally()].add(t) }
        return sums.map { (key, t) in (key == 0 ? "(none)" : catalog.origins[Int(key - 1)].serialized, t) }.sorted { $0.0 < $1.0 }
    }

    /// Tallies per time window, every window from the first to the last (empty ones included).
    public static func timeSeries(_ v: VariantResult) -> [(windowStart: Int64, tally: Tally)] {
        guard let last = v.cells.keys.map(\.window).max() else { return [] }
        var sums = Array(repeating: Tally(), count: Int(last) + 1)
        for (key, t) in v.cells { sums[Int(key.window)].add(t) }
        return sums.enumerated().map { (Int64($0.offset), $0.element) }
    }

    static let cellHeader = "variant,window_start,pop,kind,page_origin,reason,requests,cors_checked,cors_failures,hits,misses,collapsed,origin_fetches,origin_bytes"

    /// The tidy table: one row per variant × window × POP × kind × page origin × reason.
    public static func cellsCSV(_ result: RunResult) -> String {
        var out = cellHeader + "\n"
        let window = result.scenario.config.window
        for v in result.variants {
            for (key, t) in v.cells.sorted(by: { $0.key < $1.key }) {
                let fields = [v.name, Format.secondsExact(Int64(key.window) * window), result.scenario.config.pops[Int(key.pop)].id,
                              key.resourceKind.rawValue, key.originID.map { result.catalog.origins[Int($0)].serialized } ?? "",
                              key.failureReason?.rawValue ?? "", "\(t.requests)", "\(t.corsChecked)", "\(t.corsFailures)",
                              "\(t.hits)", "\(t.misses)", "\(t.collapsed)", "\(t.originFetches)", "\(t.originBytes)"]
                out += fields.map(csvEscape).joined(separator: ",") + "\n"
            }
        }
        return out
    }
}
