import DriftwatchCore

/// Numbers and times as the pages show them.
enum PageFormat {
    static func grouped(_ n: Int64) -> String { Format.grouped(n) }
    static func int(_ n: Int) -> String { Format.int(n) }
    static func fixed(_ x: Double, _ decimals: Int) -> String { Format.fixed(x, decimals) }

    /// Money: cents from a dollar up, more decimals below.
    static func usd(_ x: Double) -> String {
        if x == 0 { return "$0" }
        if abs(x) >= 1 { return "$" + fixed(x, 2) }
        if abs(x) >= 0.01 { return "$" + fixed(x, 3) }
        return "$" + fixed(x, 4)
    }

    static func percent(_ share: Double) -> String {
        share == 0 ? "0%" : share < 0.01 ? "<1%" : "\(Int((share * 100).rounded()))%"
    }

    /// `HH:MM:SS` UTC.
    static func clockTime(_ ns: Int64) -> String {
        let t = RFC3339.format(ns)
        guard let tIndex = t.firstIndex(of: "T") else { return t }
        return String(t[t.index(after: tIndex)...].prefix(8)) + " UTC"
    }

    /// `YYYY-MM-DD HH:MM:SS` UTC.
    static func dateTime(_ ns: Int64) -> String {
        let t = RFC3339.format(ns)
        return String(t.prefix(19).map { $0 == "T" ? " " : $0 })
    }

    /// "12 s ago", "5 min ago", "3 h ago", "2 d ago".
    static func ago(_ ns: Int64, now: Int64) -> String {
        let s = max(0, (now - ns) / 1_000_000_000)
        if s < 90 { return "\(s) s ago" }
        if s < 90 * 60 { return "\(s / 60) min ago" }
        if s < 36 * 3600 { return "\(s / 3600) h ago" }
        return "\(s / 86_400) d ago"
    }

    static func duration(_ ns: Int64) -> String {
        let s = Double(ns) / 1e9
        if s < 60 { return fixed(s, 1) + " s" }
        if s < 3600 { return fixed(s / 60, 1) + " min" }
        return fixed(s / 3600, 1) + " h"
    }

    static func millis(_ ms: Double) -> String {
        ms < 1000 ? "\(Int(ms.rounded())) ms" : fixed(ms / 1000, 1) + " s"
    }
}

