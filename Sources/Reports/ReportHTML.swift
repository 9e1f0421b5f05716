import HTTPModel
import Scenario
import Simulation

/// What a report is made from: the run, its per-URL failures, the worst URL's timeline and how
/// the run was started (paths as the user typed them, relative, so reports are reproducible).
public struct ReportContext {
    public var result: RunResult
    public var urls: URLFailures
    public var timeline: Timeline?
    /// The command that reproduces the bundle, e.g. `popsim run scenarios/x.json --out notebooks-export/x`.
    public var command: String
    public var scenarioFile: String
    public var traceFile: String
    /// Why the timeline was not replayed, as the report says it (`TimelineSkipped`), or nil.
    public var timelineSkipped: String?
    /// Why these figures may differ from what `command` gives (a merge of shards by URL whose
    /// caches overflowed), or nil: the report's header and the manifest say it.
    public var inexact: String?

    public init(result: RunResult, urls: URLFailures, timeline: Timeline?, command: String, scenarioFile: String, traceFile: String,
                timelineSkipped: String? = nil, inexact: String? = nil) {
        self.result = result
        self.urls = urls
        self.timeline = timeline
        self.command = command
        self.scenarioFile = scenarioFile
        self.traceFile = traceFile
        self.timelineSkipped = timelineSkipped
        self.inexact = inexact
    }
}

/// `report.html`: one self-contained page — inline CSS and SVG, no scripts, nothing loaded from
/// elsewhere — written as well-formed XML (XHTML syntax) so that any XML parser can check it.
public enum ReportHTML {
    /// How many failing URLs the report lists.
    public static let topURLs = 10

    public static func page(_ c: ReportContext, figures: [Figure]) -> String {
        let r = c.result
        let s = r.scenario
        let best = Summary.best(r)
        var h = "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n"
        h += "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        h += "<meta name=\"generator\" content=\"popsim \(xmlEscape(popsimVersion))\"/>\n"
        h += "<title>\(e(s.name)) — popsim report</title>\n<style>\n\(css)</style>\n</head>\n<body>\n<main>\n"

        // Header and verdict.
        h += "<header>\n<p class=\"kicker\">popsim report</p>\n<h1>\(e(s.name))</h1>\n"
        if !s.description.isEmpty { h += "<p class=\"lede\">\(e(s.description))</p>\n" }
        h += "<dl class=\"meta\">\n"
        for (k, v) in [("scenario file", c.scenarioFile), ("trace", c.traceFile), ("requests", "\(r.requests)"), ("seed", "\(s.config.seed)"),
                       ("scenario hash (FNV-1a)", s.contentHash), ("popsim", popsimVersion)] {
            h += "<div><dt>\(e(k))</dt><dd>\(e(v))</dd></div>\n"
        }
        h += "</dl>\n<p class=\"command\">Reproduce: <code>\(e(c.command))</code></p>\n"
        // Styled in place, not in the sheet: every exact report stays as it was.
        if let why = c.inexact {
            h += "<p class=\"inexact\" style=\"background: var(--bad); border-left: 4px solid #cf222e; padding: 8px 12px\"><b>Not exact:</b> \(e(why))</p>\n"
        }
        h += "</header>\n"
        h += "<nav><ul>"
        for (id, name) in [("verdict", "Verdict"), ("scenario", "Scenario"), ("comparison", "Comparison"), ("charts", "Charts"),
                           ("failing", "Failing URLs and origins"), ("timeline", "Timeline of the worst URL"), ("files", "Files")] {
            h += "<li><a href=\"#\(id)\">\(name)</a></li>"
        }
        h += "</ul></nav>\n"
        h += verdict(r, best: best)

        // The scenario in words.
        h += "<section id=\"scenario\">\n<h2>The scenario</h2>\n"
        h += "<p>Every request of the trace goes through each variant's POPs; the variants differ only in their CDN settings, so their numbers compare directly.</p>\n"
        h += "<h3>POPs</h3>\n<ul>\n" + s.config.pops.map { "<li><b>\(e($0.id))</b>: \(e(ScenarioText.pop($0, in: s.config)))</li>\n" }.joined() + "</ul>\n"
        h += "<h3>Origins</h3>\n<ul>\n" + s.config.origins.map { "<li><b>\(e($0.id))</b>: \(e(ScenarioText.origin($0)))</li>\n" }.joined() + "</ul>\n"
        h += "<h3>Domains</h3>\n<ul>\n" + s.config.domains.map { "<li>\(e(ScenarioText.domain($0, in: s.config)))</li>\n" }.joined() + "</ul>\n"
        h += "<h3>Variants</h3>\n<dl class=\"variants\">\n"
        for v in s.config.variants where r.variants.contains(where: { $0.name == v.name }) {
            let mark = r.variants.firstIndex { $0.name == v.name } == best ? " <span class=\"best-mark\">★ best</span>" : ""
            h += "<dt>\(e(v.name))\(mark)</dt>\n<dd>"
            if let d = s.variantDescriptions[v.name], !d.isEmpty { h += "<p>\(e(d))</p>" }
            h += "<ul class=\"rules\">" + ScenarioText.variant(v, in: s.config).map { "<li>\(e($0))</li>" }.joined() + "</ul></dd>\n"
        }
        h += "</dl>\n"
        if !s.config.events.isEmpty {
            h += "<h3>Events</h3>\n<ul>\n" + s.config.events.map { "<li>\(e(ScenarioText.event($0, in: s.config)))</li>\n" }.joined() + "</ul>\n"
        }
        h += "</section>\n"

        // Comparison.
        h += "<section id=\"comparison\">\n<h2>Comparison</h2>\n"
        h += "<p>Counts are the truth; rates are derived from them. The best variant (★) has the fewest CORS failures, then the highest hit ratio, then the fewest origin fetches.</p>\n"
        h += comparisonTable(r, best: best)
        h += "</section>\n"

        // Charts.
        h += "<section id=\"charts\">\n<h2>Charts</h2>\n"
        func figure(_ f: Figure) -> String {
            "<figure id=\"fig-\(e(f.id))\">\n\(f.svg)<figcaption>\(e(f.caption)) <span class=\"file\">(\(e(f.file)))</span></figcaption>\n</figure>\n"
        }
        // The wide charts one per row; the two trade-off scatters side by side.
        for f in figures where !f.id.hasPrefix("chart-vs-") { h += figure(f) }
        let pair = figures.filter { $0.id.hasPrefix("chart-vs-") }
        if !pair.isEmpty { h += "<div class=\"pair\">\n" + pair.map(figure).joined() + "</div>\n" }
        h += "</section>\n"

        h += failing(c)
        h += timeline(c)

        h += "<section id=\"files\">\n<h2>Files</h2>\n<p>Next to this report, in the same folder:</p>\n<ul>\n"
        for (name, what) in ResultsBundle.fileDescriptions where name != "report.html" {
            if name == "charts/*.svg" {
                h += "<li>\(e(what)): " + figures.map { "<a href=\"\(e($0.file))\"><code>\(e($0.file))</code></a>" }.joined(separator: ", ") + "</li>\n"
            } else {
                h += "<li><a href=\"\(e(name))\"><code>\(e(name))</code></a> — \(e(what))</li>\n"
            }
        }
        h += "</ul>\n</section>\n"
        h += "<footer>Generated by popsim \(e(popsimVersion)) from \(e(c.scenarioFile)) (seed \(s.config.seed)). Same scenario and seed, same bytes.</footer>\n"
        h += "</main>\n</body>\n</html>\n"
        return h
    }

    static func e(_ s: String) -> String { xmlEscape(s) }

    static func verdict(_ r: RunResult, best: Int?) -> String {
        var h = "<section id=\"verdict\">\n<h2>Verdict</h2>\n"
        guard let best else { return h + "<p>No variant ran.</p>\n</section>\n" }
        let b = r.variants[best]
        h += "<p class=\"verdict\"><span class=\"best-mark\">★</span> <b>\(e(b.name))</b> is best: \(b.total.corsFailures) of \(b.total.corsChecked) CORS-checked loads failed (\(Format.percent(b.total.failureRate))), "
        h += "hit ratio \(Format.percent(b.total.hitRatio)), \(b.total.originFetches) origin fetches.</p>\n"
        if let worst = r.variants.indices.max(by: { (r.variants[$0].total.failureRate, -$0) < (r.variants[$1].total.failureRate, -$1) }),
           worst != best, r.variants[worst].total.corsFailures > 0 {
            let w = r.variants[worst]
            h += "<p>Worst: <b>\(e(w.name))</b>, \(w.total.corsFailures) of \(w.total.corsChecked) failed (\(Format.percent(w.total.failureRate)))"
            if let top = w.failuresByReason.max(by: { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }) {
                h += ", mostly <code>\(e(top.key.rawValue))</code>: \(e(top.key.explanation))"
            }
            h += ".</p>\n"
        }
        return h + "</section>\n"
    }

    static func comparisonTable(_ r: RunResult, best: Int?) -> String {
        let rows = Summary.comparisonRows(r)
        var h = "<table class=\"comparison\">\n<thead><tr><th scope=\"col\">metric</th>"
        for (i, v) in r.variants.enumerated() {
            h += i == best ? "<th scope=\"col\" class=\"best\">\(e(v.name)) <span class=\"best-mark\">★ best</span></th>" : "<th scope=\"col\">\(e(v.name))</th>"
        }
        h += "</tr></thead>\n<tbody>\n"
        for row in rows.dropFirst() {
            let reason = row[0].hasPrefix("  ")
            h += "<tr\(reason ? " class=\"reason\"" : "")><th scope=\"row\">\(e(row[0].trimmingLeadingSpaces))</th>"
            for (i, cell) in row.dropFirst().enumerated() { h += "<td\(i == best ? " class=\"best\"" : "")>\(e(cell))</td>" }
            h += "</tr>\n"
        }
        return h + "</tbody>\n</table>\n"
    }

    static func failing(_ c: ReportContext) -> String {
        let r = c.result
        var h = "<section id=\"failing\">\n<h2>Failing URLs and page origins</h2>\n"
        let urls = c.urls.failing
        if urls.isEmpty {
            h += "<p>No URL failed in any variant.</p>\n"
        } else {
            h += "<p>The \(min(urls.count, topURLs)) URL\(urls.count == 1 ? "" : "s") with the most CORS failures over all variants"
            h += urls.count > topURLs ? " (of \(urls.count); all are in <code>urls.csv</code>)" : ""
            h += ". Each cell: failed / CORS-checked loads.</p>\n<table>\n<thead><tr><th scope=\"col\">URL</th>"
            h += r.variants.map { "<th scope=\"col\">\(e($0.name))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
            for u in urls.prefix(topURLs) {
                h += "<tr><th scope=\"row\"><code>\(e(c.urls.text(u)))</code></th>"
                for v in r.variants {
                    let t = c.urls.tally(variant: v.name, url: u)
                    h += "<td\(t.corsFailures > 0 ? " class=\"bad\"" : "")>\(t.corsFailures) / \(t.corsChecked)</td>"
                }
                h += "</tr>\n"
            }
            h += "</tbody>\n</table>\n"
        }
        h += "<h3>By page origin</h3>\n<p>The page that made the request (its <code>Origin</code>); “(none)” is same-origin or no-cors loads without one.</p>\n"
        var names: [String] = []
        var cells: [String: [Tally]] = [:]
        for (i, v) in r.variants.enumerated() {
            for (name, t) in Breakdown.byPageOrigin(v, catalog: r.catalog) {
                if cells[name] == nil { names.append(name); cells[name] = Array(repeating: Tally(), count: r.variants.count) }
                cells[name]![i] = t
            }
        }
        let ranked = names.sorted { a, b in
            let fa = cells[a]!.reduce(0) { $0 + $1.corsFailures }, fb = cells[b]!.reduce(0) { $0 + $1.corsFailures }
            return (-fa, a) < (-fb, b)
        }
        h += "<table>\n<thead><tr><th scope=\"col\">page origin</th>" + r.variants.map { "<th scope=\"col\">\(e($0.name))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for name in ranked {
            h += "<tr><th scope=\"row\"><code>\(e(name))</code></th>"
            for t in cells[name]! { h += "<td\(t.corsFailures > 0 ? " class=\"bad\"" : "")>\(t.corsFailures) / \(t.corsChecked)</td>" }
            h += "</tr>\n"
        }
        return h + "</tbody>\n</table>\n</section>\n"
    }

    /// Why a report has no timeline, in its words (HTML).
    public enum TimelineSkipped {
        public static let merged = "this bundle was merged from shards with <code>--no-timeline</code>"
        public static let piped = "the trace came through a pipe, which its one reading used up"
    }

    static func timeline(_ c: ReportContext) -> String {
        var h = "<section id=\"timeline\">\n<h2>Timeline of the worst URL</h2>\n"
        if let why = c.timelineSkipped, let worst = c.urls.worst {
            return h + "<p>Not replayed: \(why). "
                + "<code>\(e("popsim explain \(c.scenarioFile) --url \(c.urls.text(worst))"))</code> narrates the worst URL.</p>\n</section>\n"
        }
        guard let t = c.timeline else { return h + "<p>No URL failed, so there is nothing to explain.</p>\n</section>\n" }
        h += "<p>Request by request, what happened to <code>\(e(t.url))</code> — the URL with the most failures — at every POP: who filled the cache, with which headers, and what each browser made of it. "
        h += "The same as <code>\(e("popsim explain \(c.scenarioFile) --url \(t.url)"))</code>.</p>\n"
        for v in t.variants {
            h += "<h3>\(e(v.name)) <span class=\"count\">\(v.requests) requests, \(v.blocked) blocked</span></h3>\n<ol class=\"timeline\">\n"
            for line in v.lines { h += "<li\(line.blocked ? " class=\"blocked\"" : "")>\(e(line.text))</li>\n" }
            h += "</ol>\n"
            if v.requests > v.lines.count { h += "<p class=\"more\">… and \(v.requests - v.lines.count) more requests.</p>\n" }
        }
        return h + "</section>\n"
    }

    /// The page's style: system fonts, readable tables, charts that scale to the column.
    static let css = """
    :root { color-scheme: light; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --best: #e6f4ea; --bad: #fbe9e7; }
    * { box-sizing: border-box; }
    body { margin: 0; background: #f6f8fa; color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Helvetica, Arial, sans-serif; }
    main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; background: #ffffff; }
    h1 { font-size: 30px; margin: 0 0 8px; }
    h2 { font-size: 22px; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
    h3 { font-size: 17px; margin: 20px 0 8px; }
    .kicker { text-transform: uppercase; letter-spacing: 0.08em; color: var(--muted); font-size: 12px; margin: 0; }
    .lede { font-size: 17px; max-width: 80ch; }
    dl.meta { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 12px 0; }
    dl.meta div { display: flex; gap: 6px; }
    dl.meta dt { color: var(--muted); }
    dl.meta dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
    code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; background: #f3f4f6; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
    p.command code { white-space: normal; }
    nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); margin: 16px 0; padding: 8px 0; }
    a { color: #0550ae; }
    p.verdict { font-size: 17px; }
    .best-mark { color: #116329; font-weight: bold; white-space: nowrap; }
    dl.variants dt { font-weight: bold; margin-top: 10px; }
    dl.variants dd { margin: 2px 0 0 20px; }
    dl.variants dd p { margin: 0; }
    ul.rules { margin: 2px 0; padding-left: 20px; color: #333333; }
    table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
    th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: right; }
    th[scope="row"] { text-align: left; font-weight: normal; }
    thead th { background: #f6f8fa; text-align: center; }
    tr.reason th { padding-left: 26px; color: var(--muted); }
    td.best, th.best { background: var(--best); }
    td.bad { background: var(--bad); }
    figure { margin: 20px 0; }
    figure svg { display: block; width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
    figcaption { color: var(--muted); font-size: 14px; margin-top: 6px; }
    .file { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
    .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
    .pair figure { margin: 0; }
    ol.timeline { font-size: 14px; padding-left: 28px; }
    ol.timeline li { margin: 3px 0; }
    ol.timeline li.blocked { background: var(--bad); }
    .count { font-weight: normal; color: var(--muted); font-size: 14px; }
    .more { color: var(--muted); }
    footer { margin-top: 40px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); padding-top: 8px; }
    @media (max-width: 800px) { .pair { grid-template-columns: 1fr; } main { padding: 16px; } }

    """
}

extension String {
    var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
}
