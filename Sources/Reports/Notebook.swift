import Scenario
import Simulation
import Workload

/// `analysis.ipynb`: a Jupyter notebook (nbformat 4.5) that loads a bundle's tables with pandas
/// and re-plots them with matplotlib, with markdown that explains the scenario and each figure.
///
/// The notebook is written unexecuted (`execution_count: null`, no outputs), so it is small,
/// diffs cleanly and is byte-identical for the same scenario; cell ids are fixed words.
/// It reads only files next to it (Jupyter starts kernels in the notebook's folder).
public enum Notebook {
    /// The notebook for a bundle of `scenario` produced by `command`.
    /// - Parameters:
    ///   - scenarioFile: the scenario's path as typed (relative), for the reproduce cell.
    ///   - variants: the variants that ran, in order.
    public static func analysis(scenario s: Scenario, variants: [String], scenarioFile: String, command: String) -> String {
        var cells: [JSONValue] = []
        func markdown(_ id: String, _ text: String) { cells.append(cell(id, "markdown", text)) }
        func code(_ id: String, _ text: String) { cells.append(cell(id, "code", text)) }

        var intro = "# \(s.name): CORS failures per CDN configuration\n\n"
        intro += "**Question.** Which CDN configuration makes browsers refuse the fewest loads, and what does it cost in cache hits and origin fetches?\n\n"
        if !s.description.isEmpty { intro += s.description + "\n\n" }
        intro += "This notebook reads the tables that `popsim \(popsimVersion)` wrote next to it (run with seed \(s.config.seed)) and plots them; "
        intro += "it computes nothing new. `report.html` in the same folder shows the same figures without Python."
        markdown("intro", intro)

        var world = "## The scenario\n\nEvery request of the trace goes through each variant's POPs; the variants differ only in their CDN settings.\n\n"
        world += "**POPs**\n\n" + s.config.pops.map { "- `\($0.id)`: \(ScenarioText.pop($0, in: s.config))\n" }.joined()
        world += "\n**Origins**\n\n" + s.config.origins.map { "- `\($0.id)`: \(ScenarioText.origin($0))\n" }.joined()
        world += "\n**Domains**\n\n" + s.config.domains.map { "- \(ScenarioText.domain($0, in: s.config))\n" }.joined()
        world += "\n**Variants**\n\n"
        for v in s.config.variants where variants.contains(v.name) {
            let d = s.variantDescriptions[v.name] ?? ""
            world += "- `\(v.name)`\(d.isEmpty ? "" : ": " + d) — " + ScenarioText.variant(v, in: s.config).joined(separator: "; ") + "\n"
        }
        if !s.config.events.isEmpty {
            world += "\n**Events**\n\n" + s.config.events.map { "- \(ScenarioText.event($0, in: s.config))\n" }.joined()
        }
        markdown("scenario", world)

        markdown("load-md", """
        ## The tables

        - `summary.json`: counts per variant (and per POP, kind, page origin, time window); rates derived from them.
        - `cells.csv`: one row per variant × time window × POP × resource kind × page origin × failure reason.
        - `timeseries.csv`: one row per variant and time window; `failure_rate` is empty (NaN) when a window had no CORS-checked load.
        - `pops.csv`: one row per variant and POP, with the POP's cache figures.
        - `events.csv`: config changes, purges and prefetches as they reached each POP.
        - `urls.csv`: URLs that failed in some variant, one row per variant.
        """)
        code("load", #"""
        import json
        from pathlib import Path

        import matplotlib.pyplot as plt
        import pandas as pd

        # Okabe–Ito: colours that stay distinct for colour-blind readers (report.html uses the same).
        OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
        REASON_COLOURS = ["#D55E00", "#E69F00", "#CC79A7", "#56B4E9", "#009E73", "#0072B2", "#000000", "#F0E442"]
        DASHES = ["-", "--", ":", "-."]

        manifest = json.loads(Path("manifest.json").read_text(encoding="utf-8"))
        summary = json.loads(Path("summary.json").read_text(encoding="utf-8"))
        variants = list(summary["variants"])
        colour = {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(variants)}


        def load(name, rates=()):
            """A table of the bundle: text stays text ("" included); only the rate columns read "" as NaN."""
            return pd.read_csv(name, keep_default_na=False, na_values={column: [""] for column in rates})


        cells = load("cells.csv")
        timeseries = load("timeseries.csv", rates=["failure_rate", "hit_ratio"])
        pops = load("pops.csv", rates=["failure_rate", "hit_ratio", "byte_hit_ratio"])
        events = load("events.csv")
        urls = load("urls.csv", rates=["failure_rate"])
        print(f"{manifest['scenario']}: {summary['requests']} requests, variants {', '.join(variants)}; best: {summary['best']}")
        """#)

        markdown("comparison-md", """
        ## Comparison

        One row per variant. Counts are the truth; rates are derived from them. The best variant has the fewest
        CORS failures, then the highest hit ratio, then the fewest origin fetches.
        """)
        code("comparison", #"""
        comparison = pd.DataFrame.from_dict({
            name: {
                "CORS-checked": v["corsChecked"],
                "CORS failures": v["corsFailures"],
                "failure rate (%)": 100 * v["failureRate"],
                "hit ratio (%)": 100 * v["hitRatio"],
                "origin fetches": v["originFetches"],
                "origin bytes": v["originBytes"],
                "latency p95 (ms)": v["latencyMicroseconds"]["p95"] / 1000,
            }
            for name, v in summary["variants"].items()
        }, orient="index")
        comparison.round(2)
        """#)

        var time = """
        ## CORS failure rate over time

        Each line is a variant; each point is one time window (`timeseries.csv`), drawn at the window's middle.
        A gap means the window had no CORS-checked load. Dashed vertical lines are events as they took effect at
        the POPs (`events.csv`): a config change that reaches a POP does not change copies already cached there
        (the rules in force when an object was cached stay with it) — only a purge, expiry or serve-time rules do.
        """
        if s.config.events.isEmpty { time += "\n\nThis scenario has no events." }
        markdown("time-md", time)
        code("time", #"""
        fig, ax = plt.subplots(figsize=(10, 4.5))
        for i, (name, df) in enumerate(timeseries.groupby("variant", sort=False)):
            middle = df["window_start"] + df["window_seconds"] / 2
            ax.plot(middle, 100 * df["failure_rate"], marker="o", color=colour[name], linestyle=DASHES[i % len(DASHES)], label=name)
        top = max(1.0, 100 * timeseries["failure_rate"].max(skipna=True)) if timeseries["failure_rate"].notna().any() else 1.0
        ax.set_ylim(0, top * 1.15)
        ax.set_xlim(left=0)


        def describe(group):
            """An event at one time: its label, the POPs it reached, the variants when not all."""
            names = list(group["variant"].unique())
            only = "" if len(names) == len(variants) else " [" + ", ".join(names) + "]"
            return f"{group['label'].iloc[0]} @ {', '.join(group['pop'].unique())}{only}"


        for t, at_t in events.groupby("t", sort=True):
            ax.axvline(t, color="grey", linestyle="--", linewidth=1)
            text = "\n".join(describe(group) for _, group in at_t.groupby("label", sort=False))
            ax.text(t, top * 1.12, text, rotation=90, va="top", ha="right", fontsize=8, color="dimgrey")
        ax.set(title="CORS failure rate over time", xlabel="time since the trace's start (s)",
               ylabel="CORS failure rate (% of CORS-checked loads)")
        ax.legend(loc="lower left")
        fig.tight_layout()
        plt.show()
        """#)

        markdown("reasons-md", """
        ## Failures by reason

        Failed loads per variant, stacked by the browser's reason (`cells.csv`, column `reason`; the names follow
        Chromium's CORS errors). `acao_mismatch`: the cached `Access-Control-Allow-Origin` names the site that filled
        the cache, not this one; `missing_acao`: the cached copy has no such header; `multiple_acao_values`: the origin's
        and the CDN's headers both went out.
        """)
        code("reasons", #"""
        failed = cells[cells["reason"] != ""]
        if failed.empty:
            print("No CORS failures in any variant.")
        else:
            by_reason = failed.pivot_table(index="variant", columns="reason", values="cors_failures", aggfunc="sum", fill_value=0)
            by_reason = by_reason.reindex(variants, fill_value=0)
            ax = by_reason.plot(kind="bar", stacked=True, figsize=(9, 4.5), rot=0,
                                color=REASON_COLOURS[: len(by_reason.columns)])
            ax.set(title="CORS failures by reason", xlabel="variant", ylabel="CORS failures (loads)")
            plt.tight_layout()
            plt.show()
        """#)

        markdown("pops-md", """
        ## Failure rate per POP

        Each POP has its own cache, filled by whoever asks first there, so with pass-through the same page can load at one
        POP and fail at another — the "intermittent" CORS errors users report (`pops.csv`).
        """)
        code("pops", #"""
        active = pops.groupby("pop", sort=False)["requests"].sum()
        active = list(active[active > 0].index)
        per_pop = pops.pivot(index="pop", columns="variant", values="failure_rate").reindex(index=active, columns=variants) * 100
        if per_pop.empty:
            print("No POP served a request.")
        else:
            ax = per_pop.plot(kind="bar", figsize=(9, 4.5), rot=0, color=[colour[v] for v in variants])
            ax.set(title="CORS failure rate per POP", xlabel="POP", ylabel="CORS failure rate (%)")
            plt.tight_layout()
            plt.show()
        per_pop.round(2)
        """#)

        markdown("tradeoff-md", """
        ## The trade-off

        Each point is a variant (`summary.json`). A fix that splits the cache by `Origin` (honouring `Vary: Origin`,
        or the Origin in the cache key) removes failures but costs hits and origin fetches; headers set by the CDN
        remove them at no cache cost. Best is bottom right on the left plot, bottom left on the right one.
        """)
        code("tradeoff", #"""
        fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
        for name in variants:
            v = summary["variants"][name]
            for ax, x in ((left, 100 * v["hitRatio"]), (right, v["originFetches"])):
                ax.scatter(x, 100 * v["failureRate"], s=70, color=colour[name])
                ax.annotate(name, (x, 100 * v["failureRate"]), textcoords="offset points", xytext=(7, 4), annotation_clip=False)
        worst = max(100 * v["failureRate"] for v in summary["variants"].values())
        most = max(v["originFetches"] for v in summary["variants"].values())
        left.set(title="Failure rate vs hit ratio", xlabel="hit ratio (%)", ylabel="CORS failure rate (%)", xlim=(0, 115))
        right.set(title="Failure rate vs origin fetches", xlabel="origin fetches", ylabel="CORS failure rate (%)", xlim=(0, most * 1.3 + 1))
        for ax in (left, right):
            ax.set_ylim(0, max(worst, 1) * 1.15)
        fig.tight_layout()
        plt.show()
        """#)

        markdown("failing-md", """
        ## Where it fails: URLs and page origins

        The URLs with the most failures (failed loads per variant, `urls.csv`), then failures by the page that made the
        request (`cells.csv`, column `page_origin`; empty for loads without an `Origin`).
        """)
        code("failing-urls", #"""
        if urls.empty:
            top_urls = pd.DataFrame()
            print("No URL failed in any variant.")
        else:
            top_urls = urls.pivot_table(index="url", columns="variant", values="cors_failures", aggfunc="sum").reindex(columns=variants)
            top_urls = top_urls.loc[top_urls.sum(axis=1).sort_values(ascending=False, kind="stable").index].head(10)
        top_urls
        """#)
        code("failing-origins", #"""
        if cells.empty:
            by_origin = pd.DataFrame()
            print("The trace had no requests.")
        else:
            counts = cells.assign(page_origin=cells["page_origin"].replace("", "(none)")).pivot_table(
                index="page_origin", columns="variant", values=["cors_failures", "cors_checked"], aggfunc="sum")
            failed, checked = (counts[c].reindex(columns=variants).astype(str) for c in ("cors_failures", "cors_checked"))
            by_origin = failed + " / " + checked
        by_origin
        """#)

        markdown("reproduce", """
        ## Reproduce

        The same scenario and seed give the same bytes. From the repository's root:

        ```sh
        \(command)
        ```

        `manifest.json` lists every file with its FNV-1a hash, the scenario's hash (`\(s.contentHash)`) and the popsim version.
        To narrate one URL request by request — who filled each POP's cache, with which headers, and what each
        browser made of it:

        ```sh
        popsim explain \(scenarioFile) --url URL
        ```
        """)

        let root: JSONValue = .obj([
            ("cells", .arr(cells)),
            ("metadata", .obj([
                ("kernelspec", .obj([("display_name", .str("Python 3")), ("language", .str("python")), ("name", .str("python3"))])),
                ("language_info", .obj([("name", .str("python"))])),
                ("popsim", .obj([("version", .str(popsimVersion)), ("scenario", .str(s.name)), ("scenarioHash", .str(s.contentHash)),
                                 ("seed", .int(s.config.seed))])),
            ])),
            ("nbformat", .int(4)),
            ("nbformat_minor", .int(5)),
        ])
        return root.serialized(indent: 1) + "\n"
    }

    /// A cell; `source` is stored as a list of lines, each but the last ending in a newline, as Jupyter writes it.
    static func cell(_ id: String, _ type: String, _ text: String) -> JSONValue {
        var fields: [(String, JSONValue)] = [("cell_type", .str(type))]
        if type == "code" { fields.append(("execution_count", .null)) }
        fields.append(("id", .str(id)))
        fields.append(("metadata", .obj([])))
        if type == "code" { fields.append(("outputs", .arr([]))) }
        fields.append(("source", .arr(sourceLines(text).map { .str($0) })))
        return .obj(fields)
    }

    static func sourceLines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last == "" { lines.removeLast() }
        return lines.enumerated().map { $0.offset < lines.count - 1 ? $0.element + "\n" : $0.element }
    }
}
