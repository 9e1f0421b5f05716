/// What PutBucketCors refuses with `InvalidArgument`.
///
/// Sources: OSS PutBucketCors and GetBucketCors, the OSS console's "Set CORS rules" page
/// (https://help.aliyun.com/document_detail/31903.htm), SEMANTICS.md §2.1.
extension OSSCORSConfiguration {
    /// The most rules one bucket may hold (S3 allows 100).
    static let maximumRuleCount = 10
    /// The methods an AllowedMethod may name.
    static let supportedMethods: Set<String> = ["GET", "PUT", "DELETE", "POST", "HEAD"]

    /// What the OSS console/API would refuse (`InvalidArgument`), with paths like `rules[0].allowedOrigins[1]`.
    ///
    /// Every finding is an error: OSS refuses the whole configuration. Order: the rule count
    /// first, then rule by rule, field by field.
    public func validate() -> [ConfigFinding] {
        var findings: [ConfigFinding] = []
        func refuse(_ code: String, _ message: String, _ path: String) {
            findings.append(ConfigFinding(code: code, severity: .error,
                                          message: "OSS InvalidArgument: " + message, path: path))
        }
        if rules.count > Self.maximumRuleCount {
            refuse("oss_too_many_rules",
                   "\(rules.count) CORS rules, but a bucket holds at most \(Self.maximumRuleCount) (PutBucketCors)",
                   "rules")
        }
        for (r, rule) in rules.enumerated() {
            let at = "rules[\(r)]"
            if rule.allowedOrigins.isEmpty {
                refuse("oss_empty_allowed_origins", "a rule needs at least one AllowedOrigin", at + ".allowedOrigins")
            }
            for (i, origin) in rule.allowedOrigins.enumerated() {
                let path = at + ".allowedOrigins[\(i)]"
                if origin.starCount > 1 {
                    refuse("oss_multiple_wildcards",
                           "AllowedOrigin \"\(origin)\" has \(origin.starCount) '*' wildcards; OSS allows at most one per entry", path)
                }
                if origin != "*" && !Self.hasScheme(origin) {
                    refuse("oss_origin_without_scheme",
                           "AllowedOrigin \"\(origin)\" has no scheme; OSS wants it written with one (http://, https://), "
                           + "and browsers always send one in Origin", path)
                }
            }
            if rule.allowedMethods.isEmpty {
                refuse("oss_empty_allowed_methods", "a rule needs at least one AllowedMethod", at + ".allowedMethods")
            }
            for (i, method) in rule.allowedMethods.enumerated() where !Self.supportedMethods.contains(method) {
                let hint = Self.supportedMethods.contains(method.uppercased()) ? " (write it in upper case)" : ""
                refuse("oss_unsupported_method",
                       "AllowedMethod \"\(method)\" is not one of GET, PUT, DELETE, POST, HEAD\(hint)",
                       at + ".allowedMethods[\(i)]")
            }
            for (i, header) in rule.allowedHeaders.enumerated() where header.starCount > 1 {
                refuse("oss_multiple_wildcards",
                       "AllowedHeader \"\(header)\" has \(header.starCount) '*' wildcards; OSS allows at most one per entry",
                       at + ".allowedHeaders[\(i)]")
            }
            for (i, header) in rule.exposeHeaders.enumerated() where header.contains("*") {
                refuse("oss_wildcard_in_expose_header",
                       "ExposeHeader \"\(header)\" contains '*'; OSS does not allow wildcards in ExposeHeader",
                       at + ".exposeHeaders[\(i)]")
            }
            if let maxAge = rule.maxAgeSeconds, maxAge < 0 {
                refuse("oss_negative_max_age", "MaxAgeSeconds is \(maxAge); it must be a non-negative integer",
                       at + ".maxAgeSeconds")
            }
        }
        return findings
    }

    /// Whether an AllowedOrigin entry starts with `scheme://`; a `*` may stand in for the scheme
    /// (`*://example.com`), since the wildcard matches any run of characters, the scheme included.
    static func hasScheme(_ entry: String) -> Bool {
        guard let separator = entry.firstRange(of: "://") else { return false }
        let scheme = entry[..<separator.lowerBound]
        guard !scheme.isEmpty else { return false }
        return scheme.unicodeScalars.allSatisfy {
            $0.isASCIILetter || $0.isASCIIDigit || "+-.*".unicodeScalars.contains($0)
        }
    }
}

extension String {
    var starCount: Int { utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "*") ? 1 : 0) } }
}
