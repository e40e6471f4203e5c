/// Base16 encoding of bytes (RFC 4648 §8), lowercase on output.
///
/// Used for digests in the audit log and the `v1=` field of webhook signatures
/// (spec §5).
public enum HexEncoding {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Returns the lowercase hexadecimal form of `bytes`, two characters per byte.
    /// - Complexity: O(n), one allocation.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let count = bytes.count
        guard count > 0 else { return "" }
        return digits.withUnsafeBufferPointer { digits in
            String(unsafeUninitializedCapacity: count * 2) { output in
                var index = 0
                for byte in bytes {
                    output[index] = digits[Int(byte >> 4)]
                    output[index + 1] = digits[Int(byte & 0x0f)]
                    index += 2
                }
                return index
            }
        }
    }

    /// Decodes hexadecimal text; upper- and lowercase digits are accepted.
    ///
    /// - Returns: the bytes, or `nil` if `hex` has odd length or contains anything
    ///   other than `0-9`, `a-f`, `A-F` (no whitespace, no `0x` prefix).
    public static func decode(_ hex: String) -> [UInt8]? {
        decode(utf8: hex.utf8)
    }

    /// Decodes hexadecimal text given as UTF-8 bytes; see ``decode(_:)``.
    public static func decode(utf8 hex: some Collection<UInt8>) -> [UInt8]? {
        let count = hex.count
        guard count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count / 2)
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = nibble(high), let l = nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    /// The value of one ASCII hex digit.
    @inline(__always)
    static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}
