/// Percent-decoding of URI components (RFC 3986 §2.1).
enum PercentEncoding {
    /// Decodes `%XX` escapes (and, for form-style query components, `+` as space) into a
    /// UTF-8 string.
    /// - Returns: `nil` for a truncated or non-hex escape, or bytes that are not valid UTF-8.
    static func decode(_ bytes: some Collection<UInt8>, plusAsSpace: Bool = false) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let high = bytes.index(after: index)
                guard high != bytes.endIndex else { return nil }
                let low = bytes.index(after: high)
                guard low != bytes.endIndex, let h = hexValue(bytes[high]), let l = hexValue(bytes[low]) else {
                    return nil
                }
                out.append(h << 4 | l)
                index = bytes.index(after: low)
                continue
            }
            out.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = bytes.index(after: index)
        }
        return String(validating: out, as: UTF8.self)
    }

    /// Parses an `application/x-www-form-urlencoded`-style query into ordered pairs.
    /// - Returns: `nil` if any component has a bad escape or is not UTF-8.
    static func decodeQuery(_ query: some Collection<UInt8>) -> [(name: String, value: String)]? {
        var pairs: [(name: String, value: String)] = []
        for component in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = component.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0], plusAsSpace: true) else { return nil }
            let value: String
            if parts.count > 1 {
                guard let decoded = decode(parts[1], plusAsSpace: true) else { return nil }
                value = decoded
            } else {
                value = ""
            }
            pairs.append((name, value))
        }
        return pairs
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
