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
            let ordered = sortKeys ? members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : members
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

    public mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20, 0x7F:
                raw("\\u00")
                bytes.append(Self.hexDigit(b >> 4))
                bytes.append(Self.hexDigit(b & 0xF))
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
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
