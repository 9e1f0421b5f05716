import Foundation
import Testing
import TestSupport
@testable import HTTPModel

// popsim's browser table (kind → mode → credentials → verdict and reason) against what a real
// Chromium did, as recorded by `fidelity/browser_matrix.py` in `fidelity/browser-matrix.json`:
// one row per resource kind (and two preflighted fetches), one cell per response header
// situation, each cell loaded or blocked, with Chromium's DevTools `corsError` when blocked.

/// One measured row: how a kind's request went out, and what happened under each situation.
private struct MatrixRow: CustomStringConvertible {
    let kind: String
    let method: String
    let how: String
    let secFetchMode: String?
    let sentOrigin: Bool?
    let sentCookie: Bool?
    let preflighted: Bool
    /// situation name → (outcome, corsError)
    let results: [String: (outcome: String, corsError: String?)]
    var description: String { "\(kind) \(method) (\(how))" }
}

private struct Matrix {
    let browser: String
    let situations: [(name: String, headers: [(String, String)])]
    let rows: [MatrixRow]
}

private let matrixPath = repoPath("fidelity/browser-matrix.json")
/// The page origin substituted for `<page>` (the measurement used a loopback origin on a free port).
private let measuredPage = try! WebOrigin(parsing: "http://127.0.0.1:8001")

private func loadMatrix() throws -> Matrix {
    let data = try Data(contentsOf: URL(fileURLWithPath: matrixPath))
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let situations = try #require(root["situations"] as? [[String: Any]]).map { s in
        (name: s["name"] as? String ?? "",
         headers: (s["headers"] as? [[String]] ?? []).map { ($0[0], $0[1].replacingOccurrences(of: "<page>", with: measuredPage.serialized)) })
    }
    let rows = try #require(root["rows"] as? [[String: Any]]).map { r -> MatrixRow in
        let observed = r["observed"] as? [String: Any] ?? [:]
        var results: [String: (outcome: String, corsError: String?)] = [:]
        for (name, cell) in r["results"] as? [String: [String: String]] ?? [:] {
            results[name] = (cell["outcome"] ?? "", cell["corsError"])
        }
        return MatrixRow(kind: r["kind"] as? String ?? "", method: r["method"] as? String ?? "GET", how: r["how"] as? String ?? "",
                         secFetchMode: observed["secFetchMode"] as? String, sentOrigin: observed["origin"] as? Bool,
                         sentCookie: observed["cookie"] as? Bool, preflighted: observed["preflight"] as? Bool ?? false,
                         results: results)
    }
    return Matrix(browser: root["browser"] as? String ?? "", situations: situations, rows: rows)
}

/// The DevTools `corsError` name (Chromium `network::mojom::CorsError`) for a popsim reason.
private func chromiumName(_ reason: FailureReason) -> String {
    switch reason {
    case .missingACAO: return "MissingAllowOriginHeader"
    case .acaoMismatch: return "AllowOriginMismatch"
    case .multipleACAOValues: return "MultipleAllowOriginValues"
    case .invalidACAOValue: return "InvalidAllowOriginValue"
    case .wildcardWithCredentials: return "WildcardOriginNotAllowed"
    case .missingOrInvalidACAC: return "InvalidAllowCredentials"
    case .preflightInvalidStatus: return "PreflightInvalidStatus"
    case .preflightMissingACAO: return "PreflightMissingAllowOriginHeader"
    case .preflightACAOMismatch: return "PreflightAllowOriginMismatch"
    case .preflightMultipleACAOValues: return "PreflightMultipleAllowOriginValues"
    case .preflightInvalidACAOValue: return "PreflightInvalidAllowOriginValue"
    case .preflightWildcardWithCredentials: return "PreflightWildcardOriginNotAllowed"
    case .preflightMissingOrInvalidACAC: return "PreflightInvalidAllowCredentials"
    case .methodNotAllowed: return "MethodDisallowedByPreflightResponse"
    case .headerNotAllowed: return "HeaderDisallowedByPreflightResponse"
    case .invalidAllowMethods: return "InvalidAllowMethodsPreflightResponse"
    case .invalidAllowHeaders: return "InvalidAllowHeadersPreflightResponse"
    }
}

@Test("the recorded Chromium matrix covers every resource kind and every situation")
func browserMatrixCoversEveryKind() throws {
    let matrix = try loadMatrix()
    #expect(matrix.browser.contains("Chromium"))
    let measured = Set(matrix.rows.filter { $0.method == "GET" }.map(\.kind))
    for kind in ResourceKind.allCases {
        #expect(measured.contains(kind.rawValue), "no GET row for kind \(kind.rawValue) in \(matrixPath)")
    }
    for row in matrix.rows {
        #expect(ResourceKind(rawValue: row.kind) != nil, "unknown kind \(row.kind)")
        #expect(Set(row.results.keys) == Set(matrix.situations.map(\.name)), "\(row): a situation is missing")
    }
}

@Test("each kind's request mode, Origin header, credentials and preflight are what Chromium sent")
func browserMatrixRequests() throws {
    for row in try loadMatrix().rows {
        let kind = try #require(ResourceKind(rawValue: row.kind))
        let request = BrowserRequest(method: row.method, pageOrigin: measuredPage, kind: kind)
        #expect(row.secFetchMode == kind.mode.rawValue, "\(row): Sec-Fetch-Mode")
        #expect(row.sentOrigin == request.sendsOriginHeader, "\(row): Origin header sent")
        // Page and resources are the same site, so the page's cookie goes exactly with credentials 'include'.
        #expect(row.sentCookie == (request.credentials == .include), "\(row): cookie sent (credentials mode \(request.credentials))")
        #expect(row.preflighted == request.needsPreflight, "\(row): preflight")
    }
}

@Test("popsim's verdict and reason agree with Chromium for every kind under every header situation")
func browserMatrixVerdicts() throws {
    let matrix = try loadMatrix()
    var cells = 0
    for row in matrix.rows {
        let kind = try #require(ResourceKind(rawValue: row.kind))
        let request = BrowserRequest(method: row.method, pageOrigin: measuredPage, kind: kind)
        for situation in matrix.situations {
            let headers = HeaderFields(situation.headers.map { HeaderField($0.0, $0.1) })
            var verdict = Browser.verdict(for: request, response: headers)
            if request.needsPreflight {
                // The measuring server answered the OPTIONS with the same headers plus ACAM: PUT, status 204.
                var options = headers
                options.append(HeaderName.allowMethods, "PUT")
                if let reason = Browser.preflightCheck(OriginResponse(status: 204, headers: options), for: request) {
                    verdict = .fail(reason)
                }
            }
            let observed = try #require(row.results[situation.name])
            cells += 1
            switch verdict {
            case .pass, .unchecked:
                #expect(observed.outcome == "loaded", "\(row) with \(situation.name): popsim says \(verdict.name), Chromium \(observed.outcome) \(observed.corsError ?? "")")
            case .fail(let reason):
                #expect(observed.outcome == "blocked", "\(row) with \(situation.name): popsim says \(reason.rawValue), Chromium loaded it")
                #expect(observed.corsError == chromiumName(reason), "\(row) with \(situation.name): popsim \(reason.rawValue), Chromium \(observed.corsError ?? "no corsError")")
            }
        }
    }
    #expect(cells == matrix.rows.count * matrix.situations.count && cells > 0)
}
