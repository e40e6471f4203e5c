/// HMAC with SHA-256 (RFC 2104, test vectors in RFC 4231).
///
/// Signs webhook deliveries (spec §5, ``WebhookSignature``) and session
/// cookies. Streaming use keeps large bodies from being copied:
///
/// ```swift
/// var mac = HMAC(sha256Key: secret)
/// mac.update(prefix)
/// mac.update(body)
/// let tag = mac.finalize()
/// ```
public struct HMAC: Sendable {
    /// Length of an HMAC-SHA256 tag in bytes.
    public static let sha256ByteCount = SHA256.digestByteCount

    private var inner: SHA256
    private var outer: SHA256

    /// Starts an HMAC-SHA256 computation keyed with `key`.
    ///
    /// Keys longer than the 64-byte block are replaced by their SHA-256 digest;
    /// shorter ones are zero-padded (RFC 2104 §2). Any length, including empty, is accepted.
    public init(sha256Key key: [UInt8]) {
        let blockKey = key.count > SHA256.blockByteCount ? SHA256.hash(key) : key
        var innerPad = [UInt8](repeating: 0x36, count: SHA256.blockByteCount)
        var outerPad = [UInt8](repeating: 0x5c, count: SHA256.blockByteCount)
        for (index, byte) in blockKey.enumerated() {
            innerPad[index] ^= byte
            outerPad[index] ^= byte
        }
        inner = SHA256()
        inner.update(innerPad)
        outer = SHA256()
        outer.update(outerPad)
    }

    /// Absorbs message bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        inner.update(bytes)
    }

    /// Absorbs message bytes.
    public mutating func update(_ bytes: [UInt8]) {
        inner.update(bytes)
    }

    /// Absorbs message bytes.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        inner.update(bytes)
    }

    /// Returns the 32-byte tag H(K ⊕ opad ‖ H(K ⊕ ipad ‖ message)).
    public func finalize() -> [UInt8] {
        var outer = outer
        outer.update(inner.finalize())
        return outer.finalize()
    }

    /// Returns HMAC-SHA256(`key`, `message`) (RFC 2104 with SHA-256, RFC 4231).
    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var mac = HMAC(sha256Key: key)
        mac.update(message)
        return mac.finalize()
    }
}
