/// Classifies a string argument into a coarse *shape class* (design.md § Baselines).
///
/// Classes are chosen so that a closed field stays closed under normal use
/// (enumerations, SQL verbs, path roots, URL hosts, id patterns) while a
/// change an operator cares about lands in a new class: `DELETE` where only
/// `SELECT` was seen, `/etc` where only `src` was, a new URL host, a long text
/// where only short ones were. Free text collapses into three length classes.
///
/// | class | example input |
/// |---|---|
/// | `sql:SELECT` | `SELECT id FROM t WHERE …` (a SQL verb plus a SQL clause word) |
/// | `url:https://host` | `https://api.example.com/x` |
/// | `email:@domain` | `c-1@example.com` |
/// | `path:/etc`, `path:src`, `path:~`, `path:..` | `/etc/passwd`, `src/app.py` |
/// | `file:.md` | `README.md` |
/// | `cmd:rm` | `rm -rf /var/lib/x` (a command word followed by flags or paths) |
/// | `uuid`, `hex` | `0a744be8-68ab-…`, `deadbeefdeadbeef` |
/// | `word:pending` | a single alphabetic token of ≤ 24 characters, lower-cased |
/// | `id:a-9` | `c-04088` (letters → a, digits → 9, runs collapsed) |
/// | `text:short/medium/long` | 2–3, 4–15, 16+ words of prose |
/// | `empty`, `blank`, `long` | "", "   ", a token over 256 bytes |
public enum StringShape {
    static let sqlVerbs: Set<String> = [
        "SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "ALTER", "CREATE", "TRUNCATE", "GRANT", "REVOKE",
        "WITH", "MERGE", "REPLACE", "EXEC", "EXECUTE", "CALL", "SHOW", "DESCRIBE", "EXPLAIN", "UPSERT", "COPY",
        "VACUUM", "ATTACH", "PRAGMA",
    ]
    static let sqlClauses: Set<String> = [
        "FROM", "WHERE", "SET", "INTO", "TABLE", "VALUES", "DATABASE", "INDEX", "VIEW", "SCHEMA", "ON", "AS",
        "LIMIT", "JOIN", "*", "COUNT(*)", "USER", "ROLE", "ALL",
    ]

    public static func classify(_ s: String) -> String {
        let utf8 = s.utf8
        if utf8.isEmpty { return "empty" }
        var words = 0
        var inWord = false
        var hasSlashFirstToken = false
        var firstTokenEnd = utf8.endIndex
        for (i, b) in zip(utf8.indices, utf8) {
            let space = b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
            if space {
                if inWord, words == 1, firstTokenEnd == utf8.endIndex { firstTokenEnd = i }
                inWord = false
            } else if !inWord {
                inWord = true
                words += 1
            }
            if words == 1, !space, b == UInt8(ascii: "/") { hasSlashFirstToken = true }
        }
        if words == 0 { return "blank" }
        let trimmed = s.drop(while: { $0.isWhitespace })
        if words == 1 {
            return classifyToken(Substring(trimmed.prefix(while: { !$0.isWhitespace })), slash: hasSlashFirstToken)
        }
        let tokens = trimmed.split(whereSeparator: { $0.isWhitespace }).prefix(64)
        let first = tokens[tokens.startIndex]
        let firstUpper = first.uppercased()
        if sqlVerbs.contains(firstUpper) {
            let isSQL = first == Substring(firstUpper)
                || tokens.dropFirst().contains(where: { sqlClauses.contains($0.uppercased()) })
            if isSQL { return "sql:" + firstUpper }
        }
        if first.count <= 32, first.allSatisfy({ $0.isLetter || $0.isNumber || "_.-".contains($0) }),
           tokens.dropFirst().contains(where: { $0.hasPrefix("-") || $0.hasPrefix("/") || $0.hasPrefix("~") || $0.hasPrefix("./") })
        {
            return "cmd:" + first.lowercased()
        }
        if let url = urlClass(first) { return url }
        switch words {
        case 2...3: return "text:short"
        case 4...15: return "text:medium"
        default: return "text:long"
        }
    }

    static func classifyToken(_ t: Substring, slash: Bool) -> String {
        if t.utf8.count > 256 { return "long" }
        if let url = urlClass(t) { return url }
        if let at = t.firstIndex(of: "@"), at != t.startIndex, !t[t.index(after: at)...].contains("@") {
            return "email:@" + t[t.index(after: at)...].lowercased()
        }
        if t.first == "/" {
            let segment = t.dropFirst().prefix(while: { $0 != "/" })
            return "path:/" + segment.prefix(32)
        }
        if t.first == "~" { return "path:~" }
        if t.hasPrefix("../") || t == ".." { return "path:.." }
        if t.hasPrefix("./") {
            return "path:" + t.dropFirst(2).prefix(while: { $0 != "/" }).prefix(32)
        }
        if slash, !t.contains(":") {
            return "path:" + t.prefix(while: { $0 != "/" }).prefix(32)
        }
        if isUUID(t) { return "uuid" }
        if t.utf8.count >= 16, t.utf8.allSatisfy(isHexDigit) { return "hex" }
        if t.utf8.count <= 24, t.allSatisfy({ $0.isLetter || $0 == "_" }) { return "word:" + t.lowercased() }
        if let dot = t.lastIndex(of: "."), dot != t.startIndex {
            let ext = t[t.index(after: dot)...]
            if (1...5).contains(ext.count), ext.allSatisfy({ $0.isLetter || $0.isNumber }), ext.contains(where: \.isLetter) {
                return "file:." + ext.lowercased()
            }
        }
        return "id:" + pattern(t)
    }

    static func urlClass(_ t: Substring) -> String? {
        let u = t.utf8
        var schemeEnd: Substring.Index?
        var i = u.startIndex
        while i < u.endIndex, u.distance(from: u.startIndex, to: i) <= 16 {
            if u[i] == UInt8(ascii: ":") {
                let a = u.index(after: i)
                if a < u.endIndex, u[a] == UInt8(ascii: "/"), u.index(after: a) < u.endIndex, u[u.index(after: a)] == UInt8(ascii: "/") {
                    schemeEnd = i
                }
                break
            }
            i = u.index(after: i)
        }
        guard let schemeEnd else { return nil }
        let scheme = t[..<schemeEnd]
        let afterScheme = t.utf8.index(schemeEnd, offsetBy: 3)
        guard !scheme.isEmpty, scheme.count <= 16, scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" }) else { return nil }
        var host = t[afterScheme...].prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }  // drop credentials
        return "url:" + scheme.lowercased() + "://" + host.prefix(64).lowercased()
    }

    static func isUUID(_ t: Substring) -> Bool {
        let u = Array(t.utf8)
        guard u.count == 36 else { return false }
        for (i, b) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if b != UInt8(ascii: "-") { return false }
            } else if !isHexDigit(b) {
                return false
            }
        }
        return true
    }

    @inline(__always) static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70)
    }

    /// Character-class pattern: letters → a, digits → 9, other bytes kept, runs collapsed.
    static func pattern(_ t: Substring) -> String {
        var out: [UInt8] = []
        for b in t.utf8.prefix(64) {
            let c: UInt8
            switch b {
            case 48...57: c = UInt8(ascii: "9")
            case 65...90, 97...122: c = UInt8(ascii: "a")
            case 0x80...: c = UInt8(ascii: "u")
            default: c = b
            }
            if out.last != c { out.append(c) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
