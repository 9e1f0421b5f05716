/// The console's refusals (errors) and popsim's warnings for "Modify Outgoing Response Header"
/// rules (seed; SEMANTICS.md §3 and §5 `config_error:*`).
extension CDNHeaderPolicy {
    /// The values the console accepts for an `Access-Control-Allow-Methods` rule (seed: "Supports
    /// the GET, POST, and PUT request methods").
    static let supportedAllowMethods: Set<String> = ["GET", "POST", "PUT"]

    /// What the console would refuse (errors) and risks (warnings), with paths like `responseHeaders[0].value`.
    ///
    /// Errors: `cors_validation_requires_add_operation`, `cors_validation_requires_acao_header`,
    /// `multiple_values_require_cors_validation`, `multiple_wildcard_domains_not_supported`,
    /// `wildcard_domain_must_be_sole_value`, `star_must_be_sole_value`, `unsupported_method_value`,
    /// `empty_header_value`, `invalid_origin_value`.
    /// Warnings: `allow_duplicates_disables_validation`, `unescaped_hyphen`,
    /// `escaped_hyphen_without_validation`, `duplicate_acao_risk`, `non_canonical_origin`,
    /// `several_rules_same_header`.
    ///
    /// The checks follow the console switch as typed, except the two hyphen warnings, which
    /// follow ``CDNResponseHeaderRule/validatesOrigin`` because they are about what the POP does
    /// with the text. Findings come rule by rule, in the order above within a rule.
    public func validate() -> [ConfigFinding] {
        var findings: [ConfigFinding] = []
        var firstRuleForHeader: [String: Int] = [:]
        for (index, rule) in rules.enumerated() {
            findings += Self.findings(for: rule, at: "responseHeaders[\(index)]")
            let key = rule.header.lowercased()
            if let earlier = firstRuleForHeader[key] {
                findings.append(ConfigFinding(
                    code: "several_rules_same_header", severity: .warning,
                    message: "responseHeaders[\(earlier)] already sets \(rule.header); rules run top to bottom "
                        + "and the last one wins, so the earlier rule's effect may be lost",
                    path: "responseHeaders[\(index)].header"))
            } else {
                firstRuleForHeader[key] = index
            }
        }
        return findings
    }

    static func findings(for rule: CDNResponseHeaderRule, at path: String) -> [ConfigFinding] {
        var findings: [ConfigFinding] = []
        func error(_ code: String, _ field: String, _ message: String) {
            findings.append(ConfigFinding(code: code, severity: .error, message: message, path: path + "." + field))
        }
        func warning(_ code: String, _ field: String, _ message: String) {
            findings.append(ConfigFinding(code: code, severity: .warning, message: message, path: path + "." + field))
        }
        let isACAO = rule.header.caseInsensitiveEquals(HeaderName.allowOrigin)
        let isACAM = rule.header.caseInsensitiveEquals(HeaderName.allowMethods)
        let carriesValue = rule.operation != .delete

        if rule.corsValidation && rule.operation != .add {
            error("cors_validation_requires_add_operation", "operation",
                  "CORS validation can be enabled only when Operation is Add (seed: \"Set this parameter to Add to "
                  + "enable the CORS validation feature\"); this rule's operation is \(rule.operation.rawValue)")
        }
        if rule.corsValidation && !isACAO {
            error("cors_validation_requires_acao_header", "header",
                  "CORS validation can be enabled only on Access-Control-Allow-Origin (seed: \"You must set "
                  + "Access-Control-Allow-Origin to use the cross-origin validation feature\"); this rule sets \(rule.header)")
        }
        if carriesValue && rule.value.trimmingHTTPWhitespace().isEmpty {
            error("empty_header_value", "value",
                  "the Header Value is empty; the console needs a value, and an empty "
                  + "\(rule.header) is not a usable header")
            return findings
        }
        if isACAO && carriesValue {
            findings += allowOriginValueFindings(rule, at: path)
        }
        if isACAM && carriesValue {
            for (position, item) in rule.value.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let method = item.trimmingHTTPWhitespace()
                guard !supportedAllowMethods.contains(method) else { continue }
                let shown = method.isEmpty ? "an empty item" : "\"\(method)\""
                let hint = supportedAllowMethods.contains(method.uppercased())
                    ? " (browsers compare methods case-sensitively: write it in upper case)" : ""
                error("unsupported_method_value", "value",
                      "item \(position) of Access-Control-Allow-Methods is \(shown); the console supports only GET, "
                      + "POST and PUT, separated by commas (seed)\(hint). A preflight for any other method fails "
                      + "with method_not_allowed")
            }
        }
        if rule.operation == .add && rule.allowDuplicates && rule.corsValidation {
            warning("allow_duplicates_disables_validation", "allowDuplicates",
                    "Allow Duplicates = Yes switches CORS validation off (seed: \"The Allow Duplicates and CORS "
                    + "Validation settings are mutually exclusive\"); the Header Value \"\(rule.value)\" is sent "
                    + "verbatim to every request, whatever its Origin")
        }
        if isACAO && rule.operation == .add && rule.allowDuplicates {
            warning("duplicate_acao_risk", "allowDuplicates",
                    "Allow Duplicates = Yes keeps the origin's own Access-Control-Allow-Origin and adds this one "
                    + "(seed: \"Headers from the origin server are preserved\"); when the origin sends one too, the "
                    + "browser sees two values and fails with multiple_acao_values")
        }
        return findings
    }

    /// Checks of an `Access-Control-Allow-Origin` Header Value: its shape against the console's
    /// "Header Value" rules, and the `%-` escape against whether the POP validates.
    static func allowOriginValueFindings(_ rule: CDNResponseHeaderRule, at path: String) -> [ConfigFinding] {
        var findings: [ConfigFinding] = []
        let valuePath = path + ".value"
        func add(_ code: String, _ severity: ConfigFinding.Severity, _ message: String) {
            findings.append(ConfigFinding(code: code, severity: severity, message: message, path: valuePath))
        }
        let items = rule.value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingHTTPWhitespace() }
        let wildcardDomains = items.filter { WildcardDomain($0) != nil }
        let isList = items.count > 1

        if !rule.corsValidation && (isList || !wildcardDomains.isEmpty) {
            add("multiple_values_require_cors_validation", .error,
                "with CORS validation disabled the Header Value can be only '*' or a single origin (seed: \"If CORS "
                + "validation is disabled: You can specify only a wildcard or a single origin\"); "
                + "\"\(rule.value)\" is \(isList ? "a comma-separated list" : "a wildcard domain"). Sent verbatim, "
                + "browsers would reject it")
        }
        if rule.corsValidation && wildcardDomains.count > 1 {
            add("multiple_wildcard_domains_not_supported", .error,
                "only one wildcard domain is supported (seed FAQ: a comma-separated list of multiple wildcard "
                + "domains, such as https://*.iflyvoice.cn,https://*.xxx.com, cannot be specified); found "
                + "\(wildcardDomains.count): \(wildcardDomains.joined(separator: ", "))")
        }
        if rule.corsValidation && !wildcardDomains.isEmpty && wildcardDomains.count < items.count {
            add("wildcard_domain_must_be_sole_value", .error,
                "a wildcard domain must be the whole Header Value: the seed lists \"a wildcard domain\" and "
                + "\"multiple specified origins\" as separate choices and says nothing of mixing them")
        }
        if isList && items.contains("*") {
            add("star_must_be_sole_value", .error,
                "'*' must be the whole Header Value: the seed offers '*' as its own choice, not as a list entry; "
                + "to allow any origin, set the value to '*' alone")
        }
        for (position, item) in items.enumerated() {
            let label = isList ? "entry \(position) (\"\(item)\")" : "\"\(item)\""
            if item == "*" || WildcardDomain(item) != nil { continue }
            let unescaped = rule.corsValidation ? item.replacing("%-", with: "-") : item
            let parsed: WebOrigin
            do {
                parsed = try WebOrigin(parsing: unescaped)
            } catch {
                if !rule.corsValidation && item.contains("%-"),
                   (try? WebOrigin(parsing: item.replacing("%-", with: "-"))) != nil {
                    continue // Only the escape is wrong: escaped_hyphen_without_validation says so.
                }
                let why = item.isEmpty ? "it is empty" : error.reason
                let wildcardHint = item.contains("*") ? "; a wildcard domain is written scheme://*.domain" : ""
                add("invalid_origin_value", .error,
                    "\(label) is not '*' or an origin scheme://host[:port]: \(why)\(wildcardHint)")
                continue
            }
            if parsed.isOpaque {
                add("invalid_origin_value", .error,
                    "\(label) is 'null', which only matches sandboxed or data: documents and is no way to allow a site")
            } else if parsed.serialized != unescaped {
                add("non_canonical_origin", .warning,
                    "\(label) is sent by browsers as \"\(parsed.serialized)\" (lower case, default port dropped); "
                    + "origins are compared byte for byte (by the POP when it validates, by the browser otherwise), "
                    + "so as written it never matches")
            }
        }
        let hyphenEntries = items.filter { $0.hasUnescapedHyphen }
        if rule.validatesOrigin && !hyphenEntries.isEmpty {
            add("unescaped_hyphen", .warning,
                "with CORS validation enabled a '-' must be written '%-' (seed: \"you must escape it by replacing "
                + "- with %-\", e.g. http://doc.aliyun%-example.com); \(hyphenEntries.joined(separator: ", ")) has a "
                + "bare '-', which a Lua-pattern matcher reads as a quantifier, so that origin gets no "
                + "Access-Control-Allow-Origin")
        }
        if !rule.validatesOrigin && rule.value.contains("%-") {
            add("escaped_hyphen_without_validation", .warning,
                "'%-' is an escape only CORS validation understands; without validation"
                + (rule.corsValidation ? " (Allow Duplicates = Yes disables it)" : "")
                + " the value is sent verbatim, so browsers receive a literal '%-' that matches no origin")
        }
        return findings
    }
}

extension String {
    /// Whether some `-` is not preceded by `%`.
    var hasUnescapedHyphen: Bool {
        var previous: UInt8 = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "-") && previous != UInt8(ascii: "%") { return true }
            previous = byte
        }
        return false
    }
}
