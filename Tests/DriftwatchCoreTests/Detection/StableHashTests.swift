@testable import DriftwatchCore
import Testing

/// `StableHash` values reach disk and the wire (alert ids, argument fingerprints),
/// so they must never change: pinned here against an independent Python
/// implementation of the same algorithm, at lengths around the 8-byte word and
/// on both sides of Swift's 15-byte small-string limit.
struct StableHashTests {
    @Test(arguments: [
        ("", 0x8058_21F2_FA68_49C4 as UInt64),
        ("a", 0xD31F_F674_206F_3C14),
        ("agent-7", 0x9243_8BFA_B1E9_1523),
        ("support-153", 0x6427_D688_7418_15F8),
        ("0123456789abcdef", 0x1911_F48A_3F6C_93B6),
        ("ünïcode-✓-key", 0xBE4F_A30F_E0BC_DAD6),
    ])
    func valuesArePinned(text: String, expected: UInt64) {
        var h = StableHash()
        h.combine(text)
        #expect(h.value == expected)
    }
}
