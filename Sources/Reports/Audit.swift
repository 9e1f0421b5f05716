import HTTPModel
import Simulation
import Workload

/// One line per request and variant: the audit log teachers read and fidelity tests diff.
///
/// Columns: `seq,t,variant,pop,url,origin,kind,cache,acao,verdict,reason`; `acao` joins the
/// received values with ` | ` (empty when none), so two lines stay visibly two.
public enum Audit {
    public static let header = "seq,t,variant,pop,url,origin,kind,cache,acao,verdict,reason"

    /// The CSV line (without newline) for one outcome.
    public static func line(_ o: RequestOutcome, variantName: String, popName: String, catalog: Catalog) -> String {
        let r = o.request
        let acao = o.served.values(HeaderName.allowOrigin).joined(separator: " | ")
        let fields = [String(r.seq), Format.secondsExact(r.time.microseconds), variantName, popName,
                      catalog.urls[Int(r.url)].text, r.origin.map { catalog.origins[Int($0)].serialized } ?? "",
                      r.kind.rawValue, o.cache.rawValue, acao, o.verdict.name, o.verdict.reason?.rawValue ?? ""]
        return fields.map(csvEscape).joined(separator: ",")
    }
}

/// Narrates what happened to one URL, request by request, in plain sentences.
public enum Explain {
    /// One sentence for one outcome, e.g.
    /// `12.400s hangzhou HIT for https://b.example.com (font): blocked — Access-Control-Allow-Origin names another origin …`
    /// - Parameter pop: the POP that served it: its name, and whether it caches at all (a POP of
    ///   capacity 0 fetches every request and keeps no copy to speak of).
    public static func sentence(_ o: RequestOutcome, pop: POPSpec, originName: String, catalog: Catalog) -> String {
        let popName = pop.id
        let r = o.request
        let who = r.origin.map { "for \(catalog.origins[Int($0)].serialized)" } ?? "without a page origin"
        var s = "\(Format.seconds(r.time.microseconds)) \(popName) \(o.cache.rawValue) \(who) (\(r.kind.rawValue)"
        if catalog.methods[Int(r.method)] != "GET" { s += ", \(catalog.methods[Int(r.method)])" }
        s += "): "
        let acao = o.served.values(HeaderName.allowOrigin)
        let acaoText = acao.isEmpty ? "no ACAO" : "ACAO " + acao.joined(separator: " + ")
        let filler = o.filledByOrigin.map { "Origin \(catalog.origins[Int($0)].serialized)" } ?? "no Origin header"
        switch o.cache {
        case .miss, .expired:
            s += o.cache == .expired ? "the cached copy had expired; " : ""
            s += o.originFetched ? "fetched from \(originName) with \(filler)" : "fetched from the parent tier (filled with \(filler))"
            s += pop.capacityBytes > 0 ? "; the cached copy now says \(acaoText)" : "; nothing is cached here (capacity 0): the response says \(acaoText)"
        case .bypass:
            s += o.preflighted && o.verdict.reason != nil ? "the preflight went to \(originName)" : "not cacheable, fetched from \(originName) with \(filler); the response says \(acaoText)"
        case .collapsed:
            s += "joined the fetch in flight (filled with \(filler)); got \(acaoText)"
        case .hit:
            s += "served the copy cached at \(Format.seconds(o.filledAt.microseconds)) by a request with \(filler): \(acaoText)"
            if o.staleRules { s += " (cached under older CDN rules)" }
        }
        switch o.verdict {
        case .pass: s += " — \(r.kind.rawValue) loads"
        case .unchecked: s += " — not CORS-checked (no-cors load), it loads whatever the headers"
        case .fail(let reason): s += " — \(r.kind.rawValue) blocked: \(reason.explanation)"
        }
        return s + "."
    }
}
