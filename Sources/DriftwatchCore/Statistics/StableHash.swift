/// A fast, deterministic 64-bit hash for fingerprints and alert ids.
///
/// Not cryptographic. Stable across runs and platforms (unlike `Hasher`,
/// which is seeded per process), so replay output is byte-identical.
public struct StableHash: Sendable {
    public private(set) var value: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init() {}

    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func combine(_ x: UInt64) {
        value = Self.mix(value ^ x) &+ 0x9E37_79B9_7F4A_7C15
    }

    public mutating func combine(bytes: UnsafeRawBufferPointer) {
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            combine(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        // The last 0–7 bytes as a little-endian word, zero-padded: one copy, not a byte loop.
        var tail: UInt64 = 0
        withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[i...])) }
        combine(UInt64(littleEndian: tail) ^ (UInt64(n) << 56))
    }

    public mutating func combine(_ s: String) {
        var s = s
        s.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    public static func of(_ parts: String...) -> UInt64 {
        var h = StableHash()
        for p in parts { h.combine(p) }
        return h.value
    }
}
