/// Escaping for the dashboard, by output context (design.md § Dashboard: everything an
/// agent wrote is hostile).
///
/// One escaper serves HTML text and double- or single-quoted attribute values: it encodes
/// `& < > " '`. It also makes invisible tricks visible: NUL and other C0 controls become
/// their Unicode control pictures (U+2400 + c), DEL becomes ␡, and the bidirectional
/// overrides and isolates (U+202A–202E, U+2066–2069), which can make text read backwards
/// ("Trojan Source"), become a visible `[U+202E]`.
public enum HTMLText {
    public static func escape(_ text: String) -> String {
        var out = ""
        escape(text, into: &out)
        return out
    }

    public static func escape(_ text: String, into out: inout String) {
        // Fast path: nothing to change.
        if !text.unicodeScalars.contains(where: needsWork) {
            out += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x26: out += "&amp;"
            case 0x3C: out += "&lt;"
            case 0x3E: out += "&gt;"
            case 0x22: out += "&quot;"
            case 0x27: out += "&#39;"
            case 0x09, 0x0A, 0x0D: out.unicodeScalars.append(scalar)
            case 0x00..<0x20: out.unicodeScalars.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F: out += "\u{2421}"
            case 0x202A...0x202E, 0x2066...0x2069:
                out += "[U+" + String(scalar.value, radix: 16, uppercase: true) + "]"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }

    @inline(__always)
    static func needsWork(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x26, 0x3C, 0x3E, 0x22, 0x27, 0x00..<0x20, 0x7F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// At most `limit` characters of `text`, with how much was cut.
    public static func truncated(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "… (\(text.utf8.count) bytes in all)"
    }
}

/// Links inside the dashboard, built from parts so that no agent-written string can
/// change a URL's scheme, path structure or query: every path segment and query value is
/// percent-encoded (RFC 3986 unreserved characters only), and every link is a
/// same-origin absolute path. A `javascript:` tool name becomes `/agents/javascript%3Aalert…`.
public enum DashboardURL {
    /// `/` + segments, each percent-encoded.
    public static func path(_ segments: String...) -> String {
        "/" + segments.map(encode).joined(separator: "/")
    }

    /// `path` with a query string; pairs with an empty value are left out.
    public static func path(_ path: String, query: [(String, String)]) -> String {
        let items = query.filter { !$0.1.isEmpty }.map { encode($0.0) + "=" + encode($0.1) }
        return items.isEmpty ? path : path + "?" + items.joined(separator: "&")
    }

    /// Percent-encodes everything but `A–Z a–z 0–9 - . _ ~`.
    public static func encode(_ component: String) -> String {
        var out = ""
        out.reserveCapacity(component.utf8.count)
        for b in component.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(b >> 4, radix: 16, uppercase: true) + String(b & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// A request target made safe to link back to: a local path, with every byte outside
    /// unreserved characters and `/ ? & = % +` percent-encoded (so `:` can never start a scheme).
    public static func reencoded(_ target: String) -> String {
        guard target.hasPrefix("/"), !target.hasPrefix("//") else { return "/" }
        var out = ""
        for b in target.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "&"), UInt8(ascii: "="),
                 UInt8(ascii: "%"), UInt8(ascii: "+"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(b >> 4, radix: 16, uppercase: true) + String(b & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// `next` if it is a path on this site (`/…` but not `//…` or `/\…`), else `/`:
    /// a login redirect must never lead elsewhere.
    public static func localRedirect(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"),
              next.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return "/" }
        return next
    }
}
