import Foundation
import HTTPModel
import Scenario

/// `popsim probe`: the simulator's `curl -svo /dev/null -H 'Origin: …'` — one request (and its
/// preflight) through one CDN rule set and one origin, with the browser's verdict.
enum ProbeCommand: Command {
    static let spec = CommandSpec(
        name: "probe",
        summary: "Send one request through a CDN rule and an origin; print the POP's response headers and the browser's verdict.",
        usage: "popsim probe [URL] [--acao VALUE [--cors-validation on|off] [--allow-duplicates yes|no]] [--acam VALUE] [--origin-acao VALUE | --origin-header 'Name: value'... | --oss-cors FILE] [--origin ORIGIN] [--kind KIND] [--credentials MODE] [--method M] [--request-header 'Name: value'...] [--json]",
        options: [
            OptionSpec(name: "--acao", value: "VALUE", help: "CDN rule: Access-Control-Allow-Origin Header Value as typed in the console (*, an origin, a comma list, one wildcard domain). Absent: no CDN rule (pass-through)."),
            OptionSpec(name: "--cors-validation", value: "on|off", help: "CDN rule: CORS validation (default off)."),
            OptionSpec(name: "--allow-duplicates", value: "yes|no", help: "CDN rule: Allow Duplicates (default no)."),
            OptionSpec(name: "--acam", value: "VALUE", help: "CDN rule: Access-Control-Allow-Methods value (GET, POST, PUT)."),
            OptionSpec(name: "--matcher", value: "documented|lua|lua-unanchored", help: "How validation matches Origin (default documented)."),
            OptionSpec(name: "--origin-acao", value: "VALUE", help: "The origin server sends this Access-Control-Allow-Origin."),
            OptionSpec(name: "--origin-header", value: "'Name: value'", repeatable: true, help: "The origin server sends this header."),
            OptionSpec(name: "--oss-cors", value: "FILE", help: "The origin is an OSS bucket with this CORS configuration (JSON)."),
            OptionSpec(name: "--origin", value: "ORIGIN", help: "The page's origin (absent: a same-origin request, no Origin header)."),
            OptionSpec(name: "--kind", value: "KIND", help: "What loads it (default fetch): " + ResourceKind.allCases.map(\.rawValue).joined(separator: ", ") + "."),
            OptionSpec(name: "--credentials", value: "omit|same-origin|include", help: "Override the kind's credentials mode."),
            OptionSpec(name: "--method", value: "M", help: "Request method (default GET)."),
            OptionSpec(name: "--request-header", value: "'Name: value'", repeatable: true, help: "An author request header (may trigger a preflight)."),
            OptionSpec(name: "--json", value: nil, help: "Print one JSON object instead of curl-like lines."),
        ],
        details: """
        A rule the CDN console would refuse exits 2 with its code (with --json: {"error": {"code": …, "message": …}}).
        The verdict is pass, fail (with a reason) or unchecked (a no-cors load the browser does not check).
        """,
        examples: [
            "popsim probe --acao 'http://example.com,https://aliyundoc.com' --cors-validation on --origin http://aliyundoc.com --kind font",
            "popsim probe --acao 'http://*.aliyundoc.com' --cors-validation on --origin http://demo.aliyundoc.com --json",
            "popsim probe --acao '*' --allow-duplicates yes --origin-acao https://a.example.com --origin https://a.example.com --kind font",
            "popsim probe --oss-cors scenarios/rules/oss-cors.json --origin https://www.example.com --method PUT",
        ])

    static func run(_ args: Arguments) throws -> Int32 {
        guard args.positional.count <= 1 else { throw UsageError(message: "unexpected argument '\(args.positional[1])'") }
        let url = args.positional.first ?? "https://cdn.example.com/resource"
        let json = args.has("--json")

        // The CDN rules, as typed in the console.
        var policy = CDNHeaderPolicy()
        if let m = args.value("--matcher") {
            switch m {
            case "documented": policy.matcher = .documentedExact
            case "lua": policy.matcher = .luaPattern(anchored: true)
            case "lua-unanchored": policy.matcher = .luaPattern(anchored: false)
            default: throw UsageError(message: "--matcher must be documented, lua or lua-unanchored, not '\(m)'")
            }
        }
        let validation = try onOff(args.value("--cors-validation"), "--cors-validation", yes: "on", no: "off")
        let duplicates = try onOff(args.value("--allow-duplicates"), "--allow-duplicates", yes: "yes", no: "no")
        if let acao = args.value("--acao") {
            policy.rules.append(CDNResponseHeaderRule(header: HeaderName.allowOrigin, value: acao,
                                                      allowDuplicates: duplicates, corsValidation: validation))
        } else if args.has("--cors-validation") || args.has("--allow-duplicates") {
            throw UsageError(message: "--cors-validation and --allow-duplicates belong to a rule: give --acao VALUE")
        }
        if let acam = args.value("--acam") {
            policy.rules.append(CDNResponseHeaderRule(header: HeaderName.allowMethods, value: acam, allowDuplicates: duplicates))
        }
        let findings = Lint.sorted(policy.validate())
        if let refused = findings.first(where: { $0.severity == .error }) {
            if json {
                print("{\"error\": {\"code\": \(jsonString(refused.code)), \"message\": \(jsonString(refused.message))}}")
            } else {
                Output.error("the CDN console would refuse this rule: [\(refused.code)] \(refused.message)")
            }
            return 2
        }
        if !json { for w in findings { Output.warning("[\(w.code)] \(w.message)") } }

        // The origin.
        let sources = ["--oss-cors", "--origin-acao", "--origin-header"].filter { args.has($0) }
        if args.has("--oss-cors") && sources.count > 1 {
            throw UsageError(message: "--oss-cors describes the whole origin; it does not combine with --origin-acao or --origin-header")
        }
        var oss: OSSCORSConfiguration? = nil
        var fixed = HeaderFields()
        if let file = args.value("--oss-cors") {
            do { oss = try decodeOSSCORSFile(file: file, bytes: try readWholeFile(file)) } catch { throw InputError("\(error)") }
        }
        if let acao = args.value("--origin-acao") {
            guard !acao.isEmpty else { throw InputError("--origin-acao: empty header value") }
            fixed.append(HeaderName.allowOrigin, acao)
        }
        for line in args.all("--origin-header") { let (n, v) = try headerLine(line, "--origin-header"); fixed.append(n, v) }

        // The request.
        var pageOrigin: WebOrigin? = nil
        if let o = args.value("--origin") {
            do { pageOrigin = try WebOrigin(parsing: o) } catch { throw InputError("--origin: \(error)") }
        }
        let kind: ResourceKind
        do { kind = try ResourceKind(parsing: args.value("--kind") ?? "fetch") } catch { throw InputError("--kind: \(error)") }
        var credentials: CredentialsMode? = nil
        if let c = args.value("--credentials") {
            guard let mode = CredentialsMode(rawValue: c) else {
                throw InputError("--credentials: \"\(c)\" is not one of omit, same-origin, include")
            }
            credentials = mode
        }
        let method = args.value("--method") ?? "GET"
        guard !method.isEmpty, method.allSatisfy({ $0.isLetter || $0.isNumber || "-_.!#$%&'*+^`|~".contains($0) }) else {
            throw InputError("--method: \"\(method)\" is not an HTTP method token")
        }
        var requestHeaders = HeaderFields()
        for line in args.all("--request-header") { let (n, v) = try headerLine(line, "--request-header"); requestHeaders.append(n, v) }
        let request = BrowserRequest(method: method, pageOrigin: pageOrigin, kind: kind, credentials: credentials, headers: requestHeaders)

        let result = Probe.run(request, policy: policy, oss: oss, fixedHeaders: fixed)
        print(json ? result.json : result.text(url: url, request: request), terminator: "")
        return 0
    }

    static func onOff(_ value: String?, _ name: String, yes: String, no: String) throws(UsageError) -> Bool {
        guard let value else { return false }
        switch value.lowercased() {
        case yes: return true
        case no: return false
        default: throw UsageError(message: "\(name) must be \(yes) or \(no), not '\(value)'")
        }
    }

    static func headerLine(_ line: String, _ option: String) throws -> (String, String) {
        do {
            let field = try HeaderField(parsingLine: line)
            return (field.name, field.value)
        } catch {
            throw InputError("\(option): \(error.reason)")
        }
    }
}

/// One probe's exchange: the optional preflight, the actual response, the verdict.
struct Probe {
    var preflightHeaders: HeaderFields?
    var preflightStatus = 200
    var preflightReason: FailureReason?
    var responseHeaders: HeaderFields
    var checked: Bool
    var verdict: Verdict
    var requestHeaders: HeaderFields

    static func run(_ request: BrowserRequest, policy: CDNHeaderPolicy, oss: OSSCORSConfiguration?, fixedHeaders: HeaderFields) -> Probe {
        func through(_ r: OriginRequest) -> OriginResponse {
            var response = oss.map { $0.respond(to: r) } ?? OriginResponse(status: 200, headers: fixedHeaders)
            response.headers = policy.apply(to: response.headers, requestOrigin: r.headers.get(HeaderName.origin))
            return response
        }
        var probe = Probe(responseHeaders: [], checked: request.isCORSChecked, verdict: .unchecked, requestHeaders: request.wireHeaders)
        if let options = request.preflightRequest {
            let response = through(options)
            probe.preflightHeaders = response.headers
            probe.preflightStatus = response.status
            probe.preflightReason = Browser.preflightCheck(response, for: request)
            if let reason = probe.preflightReason {
                probe.verdict = .fail(reason)
                return probe
            }
        }
        let response = through(OriginRequest(method: request.method, headers: request.wireHeaders))
        probe.responseHeaders = response.headers
        probe.verdict = Browser.verdict(for: request, response: response.headers)
        return probe
    }

    var json: String {
        func headers(_ h: HeaderFields) -> String {
            "[" + h.map { "[\(jsonString($0.name)), \(jsonString($0.value))]" }.joined(separator: ", ") + "]"
        }
        var preflight = "null"
        if let p = preflightHeaders {
            preflight = "{\"status\": \(preflightStatus), \"responseHeaders\": \(headers(p)), \"verdict\": \(jsonString(preflightReason == nil ? "pass" : "fail")), \"reason\": \(preflightReason.map { jsonString($0.rawValue) } ?? "null")}"
        }
        return "{\"responseHeaders\": \(headers(responseHeaders)), \"preflight\": \(preflight), \"corsChecked\": \(checked), \"verdict\": \(jsonString(verdict.name)), \"reason\": \(verdict.reason.map { jsonString($0.rawValue) } ?? "null")}\n"
    }

    func text(url: String, request: BrowserRequest) -> String {
        var s = ""
        if let p = preflightHeaders {
            s += "> OPTIONS \(url)  (preflight)\n"
            if let o = request.preflightRequest { for h in o.headers { s += "> \(h.name): \(h.value)\n" } }
            s += "< HTTP/1.1 \(preflightStatus)\n"
            for h in p { s += "< \(h.name): \(h.value)\n" }
            s += preflightReason.map { "preflight: fail — \($0.explanation) [\($0.rawValue)]\n" } ?? "preflight: pass\n"
            if preflightReason != nil {
                s += "verdict: fail — the browser never sends the \(request.method) request [\(preflightReason!.rawValue)]\n"
                return s
            }
            s += "\n"
        }
        s += "> \(request.method) \(url)  (\(request.kind.rawValue): mode \(request.kind.mode.rawValue), credentials \(request.credentials.rawValue))\n"
        for h in requestHeaders { s += "> \(h.name): \(h.value)\n" }
        s += "< HTTP/1.1 200\n"
        for h in responseHeaders { s += "< \(h.name): \(h.value)\n" }
        switch verdict {
        case .pass: s += "verdict: pass — the CORS check succeeds for \(request.pageOrigin!.serialized)\n"
        case .unchecked:
            s += request.pageOrigin == nil
                ? "verdict: unchecked — a same-origin request (no --origin) is not CORS-checked\n"
                : "verdict: unchecked — a \(request.kind.rawValue) load is no-cors: the browser does not check CORS headers (the response is opaque or tainted)\n"
        case .fail(let r): s += "verdict: fail — \(r.explanation) [\(r.rawValue)]\n"
        }
        return s
    }
}
