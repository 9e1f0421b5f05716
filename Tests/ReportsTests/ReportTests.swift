import Foundation
import Reports
import Scenario
import Testing
import TestSupport
import Workload

@Test("report.html is well-formed XHTML with every section, chart and the best variant marked", arguments: teachingScenarios)
func reportIsWellFormed(_ name: String) throws {
    let b = try buildBundle(name)
    let html = try #require(b.file("report.html"))
    #expect(html.hasPrefix("<!DOCTYPE html>\n"))
    let root = try parseXML(html)
    #expect(root.name == "html")
    let ids = Set(root.all.compactMap { $0.attributes["id"] })
    for id in ["verdict", "scenario", "comparison", "charts", "failing", "timeline", "files",
               "chart-time", "chart-reasons", "chart-pops", "chart-vs-hits", "chart-vs-fetches"] {
        #expect(ids.contains(id), "report.html lacks #\(id)")
    }
    // The best column is marked in the comparison table, with a sign and not by colour alone.
    let best = b.result.variants[try #require(Summary.best(b.result))].name
    let header = root.all.filter { $0.name == "th" && $0.attributes["class"] == "best" }
    #expect(header.count == 1)
    #expect(header.first?.allText.hasPrefix(best) == true)
    #expect(header.first?.allText.contains("★ best") == true)
    // Every variant is described with its rules.
    for v in b.result.variants { #expect(root.all.contains { $0.name == "dt" && $0.allText.hasPrefix(v.name) }) }
}

@Test("report.html is self-contained: no scripts, no stylesheets, fonts or images from elsewhere")
func reportIsSelfContained() throws {
    let html = try #require(try buildBundle("rule-added-without-purge").file("report.html"))
    let root = try parseXML(html)
    for e in root.all {
        #expect(!["script", "link", "iframe", "img", "object", "embed"].contains(e.name), "report has <\(e.name)>")
        for attr in ["src", "href"] {
            if let v = e.attributes[attr] { #expect(!v.contains("//"), "\(e.name) \(attr)=\(v) points elsewhere") }
        }
    }
    #expect(!html.contains("@import") && !html.contains("url("))
    #expect(root.all.filter { $0.name == "svg" }.count == 5)
}

@Test("report: the worst URL's timeline is popsim explain's narration, blocked loads marked")
func reportTimeline() throws {
    let b = try buildBundle("pass-through-two-origins")
    let root = try parseXML(try #require(b.file("report.html")))
    let section = try #require(root.all.first { $0.attributes["id"] == "timeline" })
    #expect(section.allText.contains("/fonts/brand.woff2"))
    let items = section.all.filter { $0.name == "li" }
    // pass-through: 4 requests for brand.woff2, the two from shop blocked (see RunCLITests.explain).
    #expect(items.contains { $0.text.contains("1.000s hangzhou HIT for https://shop.example.com (font)") && $0.attributes["class"] == "blocked" })
    #expect(items.contains { $0.text.contains("0.000s hangzhou MISS for https://www.example.com (font)") && $0.attributes["class"] == nil })
    #expect(section.all.contains { $0.name == "h3" && $0.allText == "pass-through 4 requests, 2 blocked" })
}

@Test("report: failing URLs and page origins count what urls.csv and cells.csv hold")
func reportFailingTables() throws {
    let b = try buildBundle("pass-through-two-origins")
    let rows = try b.table("urls.csv")
    #expect(rows.map { "\($0["variant"]!) \($0["url"]!) \($0["cors_failures"]!)" } == [
        "pass-through /fonts/brand.woff2 2", "cdn-star /fonts/brand.woff2 0", "cdn-list /fonts/brand.woff2 0",
        "pass-through /fonts/icons.woff2 2", "cdn-star /fonts/icons.woff2 0", "cdn-list /fonts/icons.woff2 0",
    ])
    let root = try parseXML(try #require(b.file("report.html")))
    let section = try #require(root.all.first { $0.attributes["id"] == "failing" })
    #expect(section.all.contains { $0.name == "tr" && $0.allText == "/fonts/brand.woff22 / 40 / 40 / 4" })
    #expect(section.all.contains { $0.name == "tr" && $0.allText == "https://shop.example.com2 / 40 / 40 / 4" })
}
