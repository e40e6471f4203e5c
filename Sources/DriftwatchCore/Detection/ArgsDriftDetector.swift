#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// drift.new_tool and drift.args: instant alerts on one event's novelty
/// (design.md principle 3).
///
/// A novelty counts only where the baseline says the feature is *closed*:
/// with n observations of which n₁ were singletons, the Good–Turing
/// probability that the next observation is new is (n₁ + 1)/(n + 1); a
/// feature is closed when that is at most `closedNovelty` and n ≥ `minObservations`.
/// Free-form fields (search queries, ticket bodies) are open, so their
/// variety never alerts; an enumeration, a SQL verb, a path root or a key
/// set that never varied is closed, so `DELETE` where only `SELECT` was seen
/// is news. Numbers alert when they leave the baseline's range by more
/// than its own spread in orders of magnitude (at least one).
enum ArgsDriftDetector {
    static let closedNovelty = 0.01
    static let minObservations = 30

    static func goodTuringNovelty(observations n: Int, singletons n1: Int) -> Double {
        Double(n1 + 1) / Double(n + 1)
    }

    static func isClosed(observations n: Int, singletons n1: Int) -> Bool {
        n >= minObservations && goodTuringNovelty(observations: n, singletons: n1) <= closedNovelty
    }

    static func newTool(_ o: Observation, model m: AgentModel, settings: DetectionSettings,
                        incidents: inout IncidentLog, into alerts: inout [Alert])
    {
        let sev: Alert.Severity = o.isDestructive ? .critical : .warning
        guard incidents.admit(.driftNewTool, subject: o.tool, severity: sev, at: o.ts, quiet: .max) else { return }
        let known = m.toolNames.prefix(20).map(JSONValue.string)
        var message = "\(o.agent) called \(o.tool), a tool its baseline of \(Format.int(m.baseline.toolCalls)) calls never saw"
        message += o.toolClass.map { " (classed \($0.rawValue))." } ?? "."
        var evidence: [JSONMember] = [
            JSONMember("tool", .string(o.tool)),
            JSONMember("baseline_tools", .array(known)),
            JSONMember("baseline_calls", .number(Double(m.baseline.toolCalls))),
        ]
        if let c = o.toolClass { evidence.append(JSONMember("tool_class", .string(c.rawValue))) }
        alerts.append(o.alert(.driftNewTool, sev, score: 1, threshold: 1, message: message, evidence: .object(evidence)))
    }

    static func observe(_ o: Observation, model p: ToolArgsModel, settings: DetectionSettings,
                        incidents: inout IncidentLog, into alerts: inout [Alert])
    {
        guard p.calls >= minObservations else { return }
        var findings: [JSONValue] = []
        var sentences: [String] = []
        for leaf in o.features.leaves {
            guard let path = p.paths[leaf.path] else {
                if p.pathsClosed {
                    findings.append(["finding": "new_argument", "path": .string(leaf.path), "seen": .string(leaf.shapeClass)])
                    sentences.append("new argument \(leaf.path)")
                }
                continue
            }
            if path.closed, path.profile.classes[leaf.shapeClass] == nil {
                let expected = path.profile.classes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5)
                findings.append(.object([
                    JSONMember("finding", "new_class"), JSONMember("path", .string(leaf.path)),
                    JSONMember("seen", .string(leaf.shapeClass)),
                    JSONMember("expected", .object(expected.map { JSONMember($0.key, .number(Double($0.value))) })),
                ]))
                sentences.append("\(leaf.path) is \(leaf.shapeClass) where the baseline saw only "
                    + expected.map(\.key).joined(separator: ", "))
            }
            if let x = leaf.number, x > 0, let range = path.range {
                let lx = log10(x)
                if lx > range.upper || lx < range.lower {
                    findings.append(.object([
                        JSONMember("finding", "out_of_range"), JSONMember("path", .string(leaf.path)),
                        JSONMember("seen", .number(x)), JSONMember("baseline_min", .number(range.min)),
                        JSONMember("baseline_max", .number(range.max)),
                    ]))
                    sentences.append("\(leaf.path)=\(Format.number(x)) is far outside \(Format.number(range.min))–\(Format.number(range.max))")
                }
            }
        }
        guard !findings.isEmpty else { return }
        let sev: Alert.Severity = o.isDestructive ? .critical : .warning
        guard incidents.admit(.driftArgs, subject: o.tool, severity: sev, at: o.ts, quiet: settings.quietPeriod) else { return }
        let message = "\(o.agent) called \(o.tool) with arguments unlike its baseline of \(Format.int(p.calls)) calls: "
            + sentences.prefix(3).joined(separator: "; ") + "."
        alerts.append(o.alert(.driftArgs, sev, score: Double(findings.count), threshold: 1, message: message, evidence: [
            "tool": .string(o.tool), "findings": .array(findings), "baseline_calls": .number(Double(p.calls)),
        ]))
    }
}

/// A tool's argument profile with closedness and ranges decided once, at compile time.
struct ToolArgsModel: Sendable {
    struct Path: Sendable {
        let profile: PathProfile
        let closed: Bool
        /// Acceptable log10 range for positive numbers, when the baseline has enough of them.
        let range: (min: Double, max: Double, lower: Double, upper: Double)?
    }

    let calls: Int
    let pathsClosed: Bool
    let paths: [String: Path]

    init(_ p: ToolProfile) {
        calls = p.calls
        let pathSingletons = p.paths.values.reduce(0) { $0 + ($1.count == 1 ? 1 : 0) }
        pathsClosed = p.pathsOverflow == 0 && ArgsDriftDetector.isClosed(observations: p.calls, singletons: pathSingletons)
        paths = p.paths.mapValues { path in
            let singletons = path.classes.values.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
            let closed = !path.open && ArgsDriftDetector.isClosed(observations: path.count, singletons: singletons)
            var range: (Double, Double, Double, Double)?
            if path.positiveCount >= ArgsDriftDetector.minObservations, let lo = path.positiveMin, let hi = path.positiveMax {
                // Tolerance: the baseline's own spread in decades, at least one.
                let spread = max(1, log10(hi / lo))
                range = (lo, hi, log10(lo) - spread, log10(hi) + spread)
            }
            return Path(profile: path, closed: closed, range: range)
        }
    }
}
