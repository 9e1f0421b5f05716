import HTTPModel
import Testing

@Test("ordinals are the positions in allCases (hot-path tables rely on it)")
func ordinals() {
    for (i, k) in ResourceKind.allCases.enumerated() { #expect(k.ordinal == i) }
    for (i, c) in CredentialsMode.allCases.enumerated() { #expect(c.ordinal == i) }
    for (i, r) in FailureReason.allCases.enumerated() { #expect(r.ordinal == i) }
}
