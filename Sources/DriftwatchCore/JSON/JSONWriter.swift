#if canImport(Glibc)
// Links libm on Linux: `Double.rounded()` lowers to `round`/`trunc` calls, and
// without an import of the C library nothing pulls libm into the link.
import Glibc
#endif

/// Serialises JSON into a byte buffer.
///
/// Used for alert lines, baseline files and canonical argument forms. Output is
/// deterministic: the same value always produces the same bytes.
public struct JSONWriter {
    public var bytes: [UInt8] = []
    /// Sort object keys (canonical form). Baseline files and alert evidence
    /// are built with members in a chosen order and leave this off.
    public var sortKeys: Bool

    public init(sortKeys: Bool = false, capacity: Int = 256) {
        self.sortKeys = sortKeys
        bytes.reserveCapacity(capacity)
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let b): raw(b ? "true" : "false")
        case .number(let d): writeNumber(d)
        case .string(let s): writeString(s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            let precedes = { (a: JSONMember, b: JSONMember) in a.key.utf8.lexicographicallyPrecedes(b.key.utf8) }
            // Sorted only when out of order: a copy of the members per object otherwise.
            let ordered = sortKeys && !members.isSorted(by: precedes) ? members.sorted(by: precedes) : members
            for (i, member) in ordered.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(member.key)
                bytes.append(UInt8(ascii: ":"))
                write(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    public mutating func raw(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    /// Writes a number as an integer when it is one (and exactly representable),
    /// otherwise as Swift's shortest round-trip decimal. Non-finite values
    /// cannot occur in parsed input; if computed, they are written as `null`.
    public mutating func writeNumber(_ d: Double) {
        guard d.isFinite else { raw("null"); return }
        if d == d.rounded(), abs(d) < 9.007_199_254_740_992e15 {
            raw(String(Int64(d)))
        } else {
            raw(String(d))
        }
    }

    /// Copies each run of bytes that needs no escape in one append: most strings are one run.
    public mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var start = 0
            for i in utf8.indices {
                let b = utf8[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b == 0x7F else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
                escape(b)
                start = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        default:
            raw("\\u00")
            bytes.append(Self.hexDigit(b >> 4))
            bytes.append(Self.hexDigit(b & 0xF))
        }
    }

    private static func hexDigit(_ v: UInt8) -> UInt8 {
        v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10
    }
}

extension JSONValue {
    /// Canonical serialisation: sorted keys, no whitespace.
    public var canonicalString: String {
        var writer = JSONWriter(sortKeys: true)
        writer.write(self)
        return writer.string
    }

    /// Serialisation with members in their stored order.
    public var jsonString: String {
        var writer = JSONWriter()
        writer.write(self)
        return writer.string
    }
}

extension Array {
    /// Whether no element precedes the one before it.
    func isSorted(by areInIncreasingOrder: (Element, Element) -> Bool) -> Bool {
        indices.dropFirst().allSatisfy { !areInIncreasingOrder(self[$0], self[$0 - 1]) }
    }
}
