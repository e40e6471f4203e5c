#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
public import DriftwatchCore

/// Human-readable summaries of baselines for `baseline show` and `baseline diff`.
public enum BaselineReport {
    public static func show(_ b: Baseline) -> String {
        var lines: [String] = []
        lines.append("agent \(b.agent)")
        let span = [b.firstTS, b.lastTS].compactMap { $0 }.map(RFC3339.format).joined(separator: " … ")
        lines.append("learned from \(b.events) events (\(b.toolCalls) tool calls, \(b.sessions.count) sessions)" + (span.isEmpty ? "" : ", \(span)"))
        lines.append("")
        lines.append("tools (share of calls, failure rate):")
        for (name, p) in b.tools.sorted(by: { ($0.value.calls, $1.key) > ($1.value.calls, $0.key) }) {
            let share = Double(p.calls) / Double(max(b.toolCalls, 1))
            let failure = Double(p.errors) / Double(max(p.calls, 1))
            lines.append("  \(pad(name, 28)) \(pad(pct(share), 7)) \(pad(String(p.calls), 8)) calls  failures \(pct(failure))")
            for (path, pp) in p.paths.sorted(by: { $0.key < $1.key }) {
                let classes = pp.open ? "free-form (\(pp.classes.count)+ classes)"
                    : pp.classes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(4).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    + (pp.classes.count > 4 ? ", … \(pp.classes.count) classes" : "")
                var range = ""
                if let lo = pp.positiveMin, let hi = pp.positiveMax { range = "  range \(num(lo))–\(num(hi))" }
                lines.append("      \(pad(path, 24)) \(classes)\(range)")
            }
        }
        lines.append("")
        lines.append("most common transitions:")
        var edges: [(String, String, Int)] = []
        for (from, tos) in b.transitions { for (to, n) in tos { edges.append((from, to, n)) } }
        for e in edges.sorted(by: { ($0.2, $1.0, $1.1) > ($1.2, $0.0, $0.1) }).prefix(10) {
            lines.append("  \(pad(e.0 + " → " + e.1, 48)) \(e.2)")
        }
        let s = b.sessions
        lines.append("")
        lines.append("sessions: \(s.count), calls per session mean \(num(s.calls.mean)), max \(num(max(s.calls.max, 0)))")
        if s.logCost.count > 0 {
            lines.append("session cost: typical \(usd(exp(s.logCost.mean))), max \(usd(exp(s.logCost.max)))")
        }
        lines.append("longest identical-call run \(s.longestRepeat), longest failure streak \(s.longestFailureStreak)")
        let r = b.rate
        if r.minutes > 0 {
            lines.append("rate: \(num(r.callsPerMinute.mean)) calls/min (sd \(num(r.callsPerMinute.standardDeviation))), "
                + "\(usd(r.costPerMinute.mean))/min over \(r.minutes) active minutes")
        }
        return lines.joined(separator: "\n")
    }

    public static func diff(_ a: Baseline, _ b: Baseline) -> String {
        var lines: [String] = []
        if a.agent != b.agent { lines.append("agent: \(a.agent) → \(b.agent)") }
        lines.append("tool calls: \(a.toolCalls) → \(b.toolCalls)")
        let names = Set(a.tools.keys).union(b.tools.keys).sorted()
        for name in names {
            let pa = a.tools[name], pb = b.tools[name]
            let sa = Double(pa?.calls ?? 0) / Double(max(a.toolCalls, 1))
            let sb = Double(pb?.calls ?? 0) / Double(max(b.toolCalls, 1))
            if pa == nil { lines.append("+ tool \(name) (\(pct(sb)) of calls)"); continue }
            if pb == nil { lines.append("- tool \(name) (was \(pct(sa)) of calls)"); continue }
            if abs(sa - sb) >= 0.01 { lines.append("~ tool \(name) share \(pct(sa)) → \(pct(sb))") }
            for path in Set(pa!.paths.keys).union(pb!.paths.keys).sorted() {
                guard let xa = pa!.paths[path] else { lines.append("+ \(name) argument \(path)"); continue }
                guard let xb = pb!.paths[path] else { lines.append("- \(name) argument \(path)"); continue }
                for c in Set(xb.classes.keys).subtracting(xa.classes.keys).sorted() { lines.append("+ \(name) \(path) class \(c)") }
                for c in Set(xa.classes.keys).subtracting(xb.classes.keys).sorted() { lines.append("- \(name) \(path) class \(c)") }
                if xa.positiveMax != xb.positiveMax || xa.positiveMin != xb.positiveMin,
                   let l1 = xa.positiveMin, let h1 = xa.positiveMax, let l2 = xb.positiveMin, let h2 = xb.positiveMax
                {
                    lines.append("~ \(name) \(path) range \(num(l1))–\(num(h1)) → \(num(l2))–\(num(h2))")
                }
            }
        }
        for from in Set(a.transitions.keys).union(b.transitions.keys).sorted() {
            for to in Set((a.transitions[from] ?? [:]).keys).union((b.transitions[from] ?? [:]).keys).sorted() {
                let na = a.transitions[from]?[to] ?? 0, nb = b.transitions[from]?[to] ?? 0
                if na == 0 { lines.append("+ transition \(from) → \(to) (\(nb))") } else if nb == 0 { lines.append("- transition \(from) → \(to) (was \(na))") }
            }
        }
        func change(_ label: String, _ x: Double, _ y: Double, _ f: (Double) -> String) {
            if abs(x - y) > 1e-9 * max(abs(x), abs(y)) { lines.append("~ \(label) \(f(x)) → \(f(y))") }
        }
        change("calls per session", a.sessions.calls.mean, b.sessions.calls.mean, num)
        if a.sessions.logCost.count > 0, b.sessions.logCost.count > 0 {
            change("typical session cost", exp(a.sessions.logCost.mean), exp(b.sessions.logCost.mean), usd)
        }
        change("calls per minute", a.rate.callsPerMinute.mean, b.rate.callsPerMinute.mean, num)
        change("spend per minute", a.rate.costPerMinute.mean, b.rate.costPerMinute.mean, usd)
        if lines.count == 1 { lines.append("no other differences") }
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func pct(_ x: Double) -> String { fixed(x * 100, 1) + "%" }
    static func usd(_ x: Double) -> String { "$" + fixed(x, x >= 1 ? 2 : 4) }
    static func num(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : fixed(x, 2) }

    static func fixed(_ x: Double, _ d: Int) -> String { Format.fixed(x, d) }
}
