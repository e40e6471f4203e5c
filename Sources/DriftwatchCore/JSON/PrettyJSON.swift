/// Indented JSON for files people review (baselines): two spaces per level,
/// members in stored order, objects of scalars kept on one line.
public enum PrettyJSON {
    public static func format(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        return out
    }

    static func isFlat(_ v: JSONValue) -> Bool {
        switch v {
        case .object(let m): return m.count <= 6 && m.allSatisfy { !isContainer($0.value) }
        case .array(let a): return a.allSatisfy { !isContainer($0) }
        default: return true
        }
    }

    static func isContainer(_ v: JSONValue) -> Bool {
        switch v {
        case .object, .array: true
        default: false
        }
    }

    static func write(_ v: JSONValue, indent: Int, into out: inout String) {
        if isFlat(v) {
            var w = JSONWriter()
            w.write(v)
            out += w.string.replacingCommas()
            return
        }
        let pad = String(repeating: "  ", count: indent + 1)
        switch v {
        case .object(let members):
            out += "{\n"
            for (i, m) in members.enumerated() {
                var w = JSONWriter()
                w.writeString(m.key)
                out += pad + w.string + ": "
                write(m.value, indent: indent + 1, into: &out)
                out += i + 1 < members.count ? ",\n" : "\n"
            }
            out += String(repeating: "  ", count: indent) + "}"
        case .array(let items):
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += pad
                write(item, indent: indent + 1, into: &out)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += String(repeating: "  ", count: indent) + "]"
        default:
            break
        }
    }
}

extension String {
    /// `{"a":1,"b":2}` → `{"a": 1, "b": 2}` outside string literals.
    fileprivate func replacingCommas() -> String {
        var out = ""
        out.reserveCapacity(utf8.count + 16)
        var inString = false
        var escaped = false
        for c in self {
            out.append(c)
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            } else if c == "," || c == ":" {
                out.append(" ")
            }
        }
        return out
    }
}
