#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Number formatting for alert messages, reports and pages (Core has no Foundation).
public enum Format {
    /// Fixed decimals, e.g. `fixed(0.1234, 2)` → `0.12`.
    public static func fixed(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return "∞" }
        let scale = pow(10.0, Double(decimals))
        let v = (abs(x) * scale).rounded()
        guard v < 9e15 else { return String(x) }
        let n = Int64(v)
        let whole = n / Int64(scale)
        let frac = n % Int64(scale)
        var s = (x < 0 && n != 0 ? "-" : "") + grouped(whole)
        if decimals > 0 {
            let f = String(frac)
            s += "." + String(repeating: "0", count: decimals - f.count) + f
        }
        return s
    }

    public static func grouped(_ n: Int64) -> String {
        let digits = String(n.magnitude)
        var out = n < 0 ? "-" : ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    public static func int(_ n: Int) -> String { grouped(Int64(n)) }

    /// Money: cents above a dollar, four significant decimals below.
    static func usd(_ x: Double) -> String {
        if abs(x) >= 1 { return "$" + fixed(x, 2) }
        if abs(x) >= 0.01 { return "$" + fixed(x, 3) }
        return "$" + fixed(x, 5)
    }

    /// Percentages: one decimal below 10%.
    static func percent(_ share: Double) -> String {
        let p = share * 100
        return (p < 10 ? fixed(p, 1) : fixed(p, 0)) + "%"
    }

    /// A general number, to about three significant digits.
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return grouped(Int64(x)) }
        if abs(x) >= 100 { return fixed(x, 0) }
        if abs(x) >= 1 { return fixed(x, 2) }
        return fixed(x, 4)
    }
}
