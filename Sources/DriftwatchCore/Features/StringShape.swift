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
/// | `file` | `README.md`, `go.mod` (a bare file name; extensions vary too freely to be classes) |
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

    static let sqlWrite: Set<String> = ["INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "COPY"]
    static let sqlAdmin: Set<String> = ["DROP", "ALTER", "CREATE", "TRUNCATE", "GRANT", "REVOKE", "ATTACH", "VACUUM",
                                        "EXEC", "EXECUTE", "CALL"]
    static let dangerousCommands: Set<String> = [
        "rm", "rmdir", "dd", "mkfs", "shred", "truncate", "mv", "chmod", "chown", "sudo", "su", "kill", "pkill", "killall",
        "shutdown", "reboot", "halt", "curl", "wget", "nc", "ncat", "netcat", "scp", "ssh", "rsync", "ftp", "iptables",
    ]
    static let scratchRoots: Set<String> = ["path:/tmp", "path:/var"]

    /// The class of a redacted value.
    public static let redacted = "redacted"

    /// How much a class of value can do, for instant alerts on escalation:
    /// 0 for data; SQL 1 read, 2 write, 3 schema or privilege change; paths 1
    /// outside the working tree (`..`, `~`, `/tmp`, `/var`), 2 any other
    /// absolute root; commands 1, or 2 for destructive, privilege or network
    /// tools. A value whose privilege exceeds every class the baseline saw in
    /// that field (`DELETE` where only `SELECT` was seen, `/etc` where only
    /// `src/` was) is one-event evidence.
    public static func privilege(ofClass c: String) -> Int {
        if c.hasPrefix("sql:") {
            let verb = String(c.dropFirst(4))
            return sqlAdmin.contains(verb) ? 3 : sqlWrite.contains(verb) ? 2 : 1
        }
        if c.hasPrefix("path:") {
            if c == "path:.." || c == "path:~" || scratchRoots.contains(c) { return 1 }
            return c.hasPrefix("path:/") ? 2 : 0
        }
        if c.hasPrefix("cmd:") { return dangerousCommands.contains(String(c.dropFirst(4))) ? 2 : 1 }
        return 0
    }

    /// Whether class `c`, new in a field whose baseline classes reach privilege `baseline`, is
    /// one-event evidence: it can do more than any of them, or it is a destructive,
    /// privilege or network command or a schema or privilege change in SQL. Those are
    /// capabilities each of their own, not degrees of one: a baseline of `curl` health
    /// checks does not make `rm -rf` or `sudo` ordinary, nor one of `ALTER` a `DROP`.
    /// (Absolute path roots share their level: agents legitimately read `/usr` where
    /// they used to read `/home`.)
    public static func escalates(to c: String, over baseline: Int) -> Bool {
        let p = privilege(ofClass: c)
        return p > baseline || (p == 2 && c.hasPrefix("cmd:")) || p == 3
    }

    /// Classifies by bytes: ASCII decides structure, any non-ASCII byte counts as a letter.
    public static func classify(_ s: String) -> String {
        var s = s
        return s.withUTF8 { classify(bytes: UnsafeRawBufferPointer($0)) }
    }

    static func classify(bytes b: UnsafeRawBufferPointer) -> String {
        if b.isEmpty { return "empty" }
        // A value redacted before storage (`[REDACTED]`, `[REDACTED:key]`, …): a
        // baseline learned from stored events sees these where live detection
        // sees the secret's shape, so such a field is treated as free-form.
        if b.count >= 10, b[0] == UInt8(ascii: "["), StringShape.startsWith(UnsafeRawBufferPointer(rebasing: b[1...]), "REDACTED") {
            return redacted
        }
        // Token ranges (the first 64) on the stack: classification allocates
        // nothing but the class string it returns.
        return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 64) { tokens in
            var count = 0
            var i = 0
            let n = b.count
            var words = 0
            while i < n {
                while i < n, isSpace(b[i]) { i += 1 }
                guard i < n else { break }
                let start = i
                while i < n, !isSpace(b[i]) { i += 1 }
                words += 1
                if count < 64 { tokens[count] = start..<i; count += 1 }
            }
            if words == 0 { return "blank" }
            let first = UnsafeRawBufferPointer(rebasing: b[tokens[0]])
            if words == 1 { return classifyToken(first) }
            let verb = packedUpper(first)
            if verb != 0, sqlVerbWords.contains(verb) {
                let rest = UnsafeBufferPointer(rebasing: tokens[1..<min(count, 17)])
                let isSQL = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 16) { words in
                    for (k, r) in rest.enumerated() { words[k] = packedUpper(UnsafeRawBufferPointer(rebasing: b[r])) }
                    return looksLikeSQL(verb, UnsafeBufferPointer(rebasing: words[0..<rest.count]))
                }
                if isSQL {
                    return make { w in w.append("sql:"); for b in first { w.put(b &- 97 < 26 ? b & ~0x20 : b) } }
                }
            }
            if first.count <= 32, first.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }),
               (1..<count).contains(where: { k in
                   let r = tokens[k]
                   let c = b[r.lowerBound]
                   return c == UInt8(ascii: "-") || c == UInt8(ascii: "/") || c == UInt8(ascii: "~") || (c == UInt8(ascii: ".") && r.count > 1 && b[r.lowerBound + 1] == UInt8(ascii: "/"))
               })
            {
                return make { $0.append("cmd:"); $0.appendLowered(first) }
            }
            if let url = urlClass(first) { return url }
            switch words {
            case 2...3: return "text:short"
            case 4...15: return "text:medium"
            default: return "text:long"
            }
        }
    }

    /// A token of at most 8 ASCII letters, `*`, `(` or `)`, upper-cased and
    /// packed little-endian into a word (0 for anything else): SQL keywords
    /// compare as integers, without building strings.
    static func packedUpper(_ t: UnsafeRawBufferPointer) -> UInt64 {
        guard (1...8).contains(t.count) else { return 0 }
        var v: UInt64 = 0
        for (i, c) in t.enumerated() {
            guard (c | 0x20) &- 97 < 26 || c == UInt8(ascii: "*") || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") else { return 0 }
            v |= UInt64(c &- 97 < 26 ? c & ~0x20 : c) << (8 * UInt64(i))
        }
        return v
    }

    static func packed(_ s: StaticString) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<min(s.utf8CodeUnitCount, 8) { v |= UInt64(s.utf8Start[i]) << (8 * UInt64(i)) }
        return v
    }

    static let sqlVerbWords: Set<UInt64> = Set(sqlVerbs.filter { $0.utf8.count <= 8 }.map { verb in
        var v: UInt64 = 0
        for (i, c) in verb.utf8.enumerated() { v |= UInt64(c) << (8 * UInt64(i)) }
        return v
    })

    static let sqlObjects: Set<UInt64> = [
        packed("TABLE"), packed("DATABASE"), packed("INDEX"), packed("VIEW"), packed("SCHEMA"), packed("USER"), packed("ROLE"),
        packed("TRIGGER"), packed("FUNCTION"), packed("SEQUENCE"), packed("COLUMN"),
    ]

    /// The packed keywords `looksLikeSQL` compares with, computed once: a `case packed("…")`
    /// pattern would pack its string again on every call.
    struct SQLWords {
        let star = packed("*"), ALTER = packed("ALTER"), AS = packed("AS"), ATTACH = packed("ATTACH"), CALL = packed("CALL")
        let COPY = packed("COPY"), countStar = packed("COUNT(*)"), CREATE = packed("CREATE"), DELETE = packed("DELETE"), DESCRIBE = packed("DESCRIBE")
        let DROP = packed("DROP"), EXEC = packed("EXEC"), EXECUTE = packed("EXECUTE"), EXISTS = packed("EXISTS"), EXPLAIN = packed("EXPLAIN")
        let FROM = packed("FROM"), GRANT = packed("GRANT"), IF = packed("IF"), INDEX = packed("INDEX"), INSERT = packed("INSERT")
        let INTO = packed("INTO"), MERGE = packed("MERGE"), ON = packed("ON"), OR = packed("OR"), PRAGMA = packed("PRAGMA")
        let RECURSIV = packed("RECURSIV"), REPLACE = packed("REPLACE"), REVOKE = packed("REVOKE"), SELECT = packed("SELECT"), SET = packed("SET")
        let SHOW = packed("SHOW"), TABLES = packed("TABLES"), TO = packed("TO"), TRUNCATE = packed("TRUNCATE"), UNIQUE = packed("UNIQUE")
        let UPDATE = packed("UPDATE"), UPSERT = packed("UPSERT"), VACUUM = packed("VACUUM"), WITH = packed("WITH")
    }

    static let sqlWords = SQLWords()

    /// A SQL verb followed by its statement's shape, so that prose starting
    /// with "Update", "Select" or "Create" is not taken for SQL:
    /// `UPDATE t SET`, `DELETE FROM`, `INSERT INTO`, `SELECT … FROM` (or
    /// `SELECT *`), `DROP|CREATE|ALTER|TRUNCATE TABLE …`, `GRANT|REVOKE …
    /// ON|TO`, `WITH x AS`, `EXPLAIN|DESCRIBE|SHOW` plus SQL. Words are
    /// `packedUpper` values.
    static func looksLikeSQL(_ verb: UInt64, _ rest: UnsafeBufferPointer<UInt64>) -> Bool {
        func at(_ i: Int) -> UInt64 { i < rest.count ? rest[i] : 0 }
        let w = sqlWords
        switch verb {
        case w.UPDATE: return at(1) == w.SET
        case w.DELETE: return at(0) == w.FROM
        case w.INSERT, w.REPLACE, w.UPSERT, w.MERGE: return at(0) == w.INTO
        case w.SELECT: return rest.contains(w.FROM) || at(0) == w.star || at(0) == w.countStar
        case w.DROP, w.CREATE, w.ALTER, w.TRUNCATE:
            return sqlObjects.contains(at(0)) || (at(0) == w.OR && at(1) == w.REPLACE)
                || (at(0) == w.IF && at(1) == w.EXISTS) || (at(0) == w.UNIQUE && at(1) == w.INDEX)
                || (verb == w.TRUNCATE && rest.count == 1)
        case w.GRANT, w.REVOKE: return rest.contains(w.ON) || rest.contains(w.TO) || rest.contains(w.FROM)
        case w.WITH: return at(1) == w.AS || (at(0) == w.RECURSIV && at(2) == w.AS)
        case w.EXPLAIN, w.DESCRIBE, w.SHOW:
            return sqlVerbWords.contains(at(0)) || sqlObjects.contains(at(0)) || at(0) == w.TABLES
        case w.COPY: return rest.contains(w.FROM) || rest.contains(w.TO)
        case w.CALL, w.EXEC, w.EXECUTE, w.VACUUM, w.ATTACH, w.PRAGMA:
            return rest.count <= 3
        default: return false
        }
    }

    static func classifyToken(_ t: UnsafeRawBufferPointer) -> String {
        if t.count > 256 { return "long" }
        if let url = urlClass(t) { return url }
        if let at = t.firstIndex(of: UInt8(ascii: "@")), at > 0, !t[(at + 1)...].contains(UInt8(ascii: "@")) {
            return make { $0.append("email:@"); $0.appendLowered(UnsafeRawBufferPointer(rebasing: t[(at + 1)...])) }
        }
        let c0 = t[0]
        if c0 == UInt8(ascii: "/") {
            let rest = t[1...]
            let end = rest.firstIndex(of: UInt8(ascii: "/")) ?? t.count
            return make { $0.append("path:/"); $0.append(UnsafeRawBufferPointer(rebasing: t[1..<min(end, 33)])) }
        }
        if c0 == UInt8(ascii: "~") { return "path:~" }
        if startsWith(t, "../") || (t.count == 2 && startsWith(t, "..")) { return "path:.." }
        if startsWith(t, "./") {
            let rest = t[2...]
            let end = rest.firstIndex(of: UInt8(ascii: "/")) ?? t.count
            return make { $0.append("path:"); $0.append(UnsafeRawBufferPointer(rebasing: t[2..<min(end, 34)])) }
        }
        if let slash = t.firstIndex(of: UInt8(ascii: "/")), !t.contains(UInt8(ascii: ":")) {
            return make { $0.append("path:"); $0.append(UnsafeRawBufferPointer(rebasing: t[0..<min(slash, 32)])) }
        }
        if isUUID(t) { return "uuid" }
        if t.count >= 16, t.allSatisfy(isHexDigit) { return "hex" }
        if t.count <= 24, t.allSatisfy({ isLetter($0) || $0 == UInt8(ascii: "_") }) { return make { $0.append("word:"); $0.appendLowered(t) } }
        if let dot = t.lastIndex(of: UInt8(ascii: ".")), dot > 0 {
            let ext = t[(dot + 1)...]
            if (1...5).contains(ext.count), ext.allSatisfy(isAlnum), ext.contains(where: isLetter) {
                return "file"
            }
        }
        return make { $0.append("id:"); $0.appendPattern(t) }
    }

    static func urlClass(_ t: UnsafeRawBufferPointer) -> String? {
        var i = 0
        while i < t.count, i <= 16, isAlnum(t[i]) || t[i] == UInt8(ascii: "+") { i += 1 }
        guard i > 0, i + 3 <= t.count, t[i] == UInt8(ascii: ":"), t[i + 1] == UInt8(ascii: "/"), t[i + 2] == UInt8(ascii: "/") else {
            return nil
        }
        var hostStart = i + 3
        var hostEnd = hostStart
        while hostEnd < t.count, t[hostEnd] != UInt8(ascii: "/"), t[hostEnd] != UInt8(ascii: "?"), t[hostEnd] != UInt8(ascii: "#") {
            if t[hostEnd] == UInt8(ascii: "@") { hostStart = hostEnd + 1 }  // drop credentials
            hostEnd += 1
        }
        return make { w in
            w.append("url:")
            w.appendLowered(UnsafeRawBufferPointer(rebasing: t[0..<i]))
            w.append("://")
            w.appendLowered(UnsafeRawBufferPointer(rebasing: t[hostStart..<min(hostEnd, hostStart + 64)]))
        }
    }

    static func isUUID(_ u: UnsafeRawBufferPointer) -> Bool {
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

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    @inline(__always) static func isLower(_ b: UInt8) -> Bool { b &- 97 < 26 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 97 < 26 || b >= 0x80 }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) }
    @inline(__always) static func isHexDigit(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20) &- 97 < 6 }

    static func startsWith(_ t: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard t.count >= n else { return false }
        for i in 0..<n where t[i] != prefix.utf8Start[i] { return false }
        return true
    }

    /// Builds a class in a stack buffer, without intermediate arrays (classification
    /// runs for most argument values of every call). Every class is at most a
    /// prefix plus a 256-byte token, well within `ClassWriter.capacity`.
    static func make(_ body: (inout ClassWriter) -> Void) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ClassWriter.capacity) { buffer in
            var w = ClassWriter(base: buffer.baseAddress!)
            body(&w)
            // Decoding repairs a multi-byte character cut by a length limit, as before.
            return String(decoding: UnsafeBufferPointer(start: w.base, count: w.count), as: UTF8.self)
        }
    }

    struct ClassWriter {
        static let capacity = 384
        let base: UnsafeMutablePointer<UInt8>
        var count = 0

        @inline(__always) mutating func put(_ b: UInt8) {
            precondition(count < Self.capacity)
            base[count] = b
            count += 1
        }

        mutating func append(_ s: StaticString) {
            for i in 0..<s.utf8CodeUnitCount { put(s.utf8Start[i]) }
        }

        mutating func append(_ t: UnsafeRawBufferPointer) {
            for b in t { put(b) }
        }

        /// ASCII letters lower-cased, other bytes as they are.
        mutating func appendLowered(_ t: UnsafeRawBufferPointer) {
            for b in t { put(b &- 65 < 26 ? b | 0x20 : b) }
        }

        /// Character-class pattern of the first 64 bytes: letters → a, digits → 9,
        /// non-ASCII → u, other bytes kept, runs collapsed.
        mutating func appendPattern(_ t: UnsafeRawBufferPointer) {
            let start = count
            for b in t.prefix(64) {
                let c: UInt8
                switch b {
                case 48...57: c = UInt8(ascii: "9")
                case 65...90, 97...122: c = UInt8(ascii: "a")
                case 0x80...: c = UInt8(ascii: "u")
                default: c = b
                }
                if count == start || base[count - 1] != c { put(c) }
            }
        }
    }
}
