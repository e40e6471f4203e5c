/// Streaming SHA-256 message digest (FIPS 180-4 §6.2).
///
/// Used for the audit log hash chain (design.md § Storage) and, through
/// ``HMAC``, for webhook signatures and signed cookies. Input is absorbed in
/// 64-byte blocks read straight from the caller's buffer; partial blocks are
/// kept in fixed inline storage, so hashing performs no heap allocation
/// except for the 32-byte result array.
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update(previousHash)
/// hasher.update(canonicalRow)
/// let digest = hasher.finalize()
/// ```
public struct SHA256: Sendable {
    /// Length of a digest in bytes.
    public static let digestByteCount = 32
    /// Length of the compression function's input block in bytes (FIPS 180-4 §5.2.1).
    public static let blockByteCount = 64

    // Hash value H(i), initialised to H(0) of FIPS 180-4 §5.3.3.
    private var h0: UInt32 = 0x6a09_e667
    private var h1: UInt32 = 0xbb67_ae85
    private var h2: UInt32 = 0x3c6e_f372
    private var h3: UInt32 = 0xa54f_f53a
    private var h4: UInt32 = 0x510e_527f
    private var h5: UInt32 = 0x9b05_688c
    private var h6: UInt32 = 0x1f83_d9ab
    private var h7: UInt32 = 0x5be0_cd19

    /// Bytes of an incomplete block, inline (64 bytes) so copies stay allocation-free.
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    /// Total message length in bytes; the padding encodes it in bits modulo 2^64 (FIPS 180-4 §5.1.1).
    private var messageByteCount: UInt64 = 0

    /// Creates a hasher in the initial state.
    public init() {}

    /// Absorbs the bytes of a raw buffer (the fast path every other overload funnels into).
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var cursor = bytes.baseAddress, !bytes.isEmpty else { return }
        var remaining = bytes.count
        messageByteCount &+= UInt64(remaining)

        if pendingCount > 0 {
            let take = min(Self.blockByteCount - pendingCount, remaining)
            let offset = pendingCount
            withUnsafeMutableBytes(of: &pending) { block in
                (block.baseAddress! + offset).copyMemory(from: cursor, byteCount: take)
            }
            pendingCount += take
            cursor += take
            remaining -= take
            guard pendingCount == Self.blockByteCount else { return }
            compressPending()
        }
        while remaining >= Self.blockByteCount {
            compress(cursor)
            cursor += Self.blockByteCount
            remaining -= Self.blockByteCount
        }
        if remaining > 0 {
            withUnsafeMutableBytes(of: &pending) { block in
                block.baseAddress!.copyMemory(from: cursor, byteCount: remaining)
            }
            pendingCount = remaining
        }
    }

    /// Absorbs the bytes of an array.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Absorbs any byte sequence; contiguous ones (`ArraySlice`, `String.UTF8View`, …)
    /// take the buffer fast path, others are absorbed a byte at a time without allocating.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let absorbed: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        guard absorbed == nil else { return }
        for byte in bytes {
            let offset = pendingCount
            withUnsafeMutableBytes(of: &pending) { $0[offset] = byte }
            pendingCount += 1
            messageByteCount &+= 1
            if pendingCount == Self.blockByteCount { compressPending() }
        }
    }

    /// Returns the 32-byte digest of everything absorbed so far.
    ///
    /// Non-mutating: padding is applied to a copy, so the hasher can keep absorbing
    /// (the result is then the digest of the longer message).
    public func finalize() -> [UInt8] {
        var copy = self
        // Padding (FIPS 180-4 §5.1.1): 0x80, zeros to 56 mod 64, then the 64-bit big-endian bit length.
        let bitLength = messageByteCount &* 8
        let padLength = pendingCount < 56 ? 56 - pendingCount : 120 - pendingCount
        var padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &padding) { raw in
            raw[0] = 0x80
            raw.storeBytes(of: bitLength.bigEndian, toByteOffset: padLength, as: UInt64.self)
            copy.update(UnsafeRawBufferPointer(rebasing: raw[0..<(padLength + 8)]))
        }
        precondition(copy.pendingCount == 0, "SHA-256 padding must end on a block boundary")
        return [UInt8](unsafeUninitializedCapacity: Self.digestByteCount) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: copy.h0.bigEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: copy.h1.bigEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: copy.h2.bigEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: copy.h3.bigEndian, toByteOffset: 12, as: UInt32.self)
            raw.storeBytes(of: copy.h4.bigEndian, toByteOffset: 16, as: UInt32.self)
            raw.storeBytes(of: copy.h5.bigEndian, toByteOffset: 20, as: UInt32.self)
            raw.storeBytes(of: copy.h6.bigEndian, toByteOffset: 24, as: UInt32.self)
            raw.storeBytes(of: copy.h7.bigEndian, toByteOffset: 28, as: UInt32.self)
            initialized = Self.digestByteCount
        }
    }

    /// Returns the SHA-256 digest of `bytes`.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Returns the SHA-256 digest of the bytes of a raw buffer.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    // MARK: - Compression

    private mutating func compressPending() {
        var block = pending
        withUnsafeBytes(of: &block) { compress($0.baseAddress!) }
        pendingCount = 0
    }

    /// Processes one 64-byte block starting at `block` (FIPS 180-4 §6.2.2).
    private mutating func compress(_ block: UnsafeRawPointer) {
        // The 64-word message schedule lives on the stack.
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for t in 0..<16 {
                w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t &* 4, as: UInt32.self))
            }
            for t in 16..<64 {
                let w15 = w[t &- 15], w2 = w[t &- 2]
                let s0 = Self.rotr(w15, 7) ^ Self.rotr(w15, 18) ^ (w15 >> 3)
                let s1 = Self.rotr(w2, 17) ^ Self.rotr(w2, 19) ^ (w2 >> 10)
                w[t] = w[t &- 16] &+ s0 &+ w[t &- 7] &+ s1
            }

            var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
            Self.roundConstants.withUnsafeBufferPointer { k in
                for t in 0..<64 {
                    let bigSigma1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                    let choose = (e & f) ^ (~e & g)
                    let t1 = h &+ bigSigma1 &+ choose &+ k[t] &+ w[t]
                    let bigSigma0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = bigSigma0 &+ majority
                    h = g
                    g = f
                    f = e
                    e = d &+ t1
                    d = c
                    c = b
                    b = a
                    a = t1 &+ t2
                }
            }
            h0 &+= a
            h1 &+= b
            h2 &+= c
            h3 &+= d
            h4 &+= e
            h5 &+= f
            h6 &+= g
            h7 &+= h
        }
    }

    /// K(0)…K(63), FIPS 180-4 §4.2.2.
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Circular right shift ROTR^n(x), FIPS 180-4 §3.2.
    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x >> n) | (x << (32 &- n))
    }
}
