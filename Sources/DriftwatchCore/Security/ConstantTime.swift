/// Comparisons whose running time does not depend on secret content.
///
/// Bearer tokens, CSRF tokens, cookie and webhook signatures must be compared
/// with these: an early-exit `==` leaks, through timing, how many leading bytes
/// of a guess were right.
public enum ConstantTime {
    /// Returns whether `a` and `b` hold the same bytes, examining every byte.
    ///
    /// Only the lengths may influence timing: a length mismatch returns `false`
    /// at once. Lengths of tokens and MACs are public (fixed by the format), so
    /// this leaks nothing an attacker does not already know.
    /// - Complexity: O(n), no early exit on content.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { a in b.withUnsafeBytes { b in equals(a, b) } }
    }

    /// Compares the UTF-8 bytes of two strings; see the `[UInt8]` overload.
    public static func equals(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { a in b.withUTF8 { b in equals(UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b)) } }
    }

    /// Compares two raw buffers; see the `[UInt8]` overload.
    public static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        // Accumulate differences with OR so the loop has no data-dependent branch.
        var difference: UInt8 = 0
        for index in 0..<a.count {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }
}
