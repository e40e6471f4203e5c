#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// drift.new_tool and drift.args: what a call's arguments say against the baseline.
///
/// Novelty (a key or a shape class a field never had) is evidence, but rarely
/// one-event evidence: a baseline of a few hundred calls cannot rule out a
/// legitimate class seen once in a thousand. So each (tool, field) — and
/// each tool's key set — runs a CUSUM of log-likelihood ratios on "this call
/// is novel": under the baseline the novelty rate is the Good–Turing estimate
/// n₁/n at its upper confidence bound (n₁: classes seen once), against an alternative ten
/// times as frequent. The bound is ln(m/α) for m parallel tests (Wald), so a
/// stream of novel arguments alerts within a few calls while the occasional
/// legitimate newcomer does not.
///
/// One event is enough (design.md principle 3) when the new class is a
/// privilege escalation (`StringShape.escalates`: `DELETE` where only
/// `SELECT` was seen, `/etc` where only relative paths were, `rm` or `sudo`
/// where only other commands were), when a number
/// leaves the baseline range by more than its own spread in decades (at
/// least one), and for any novelty on a tool classed `destructive`.
enum ArgsDriftDetector {
    static let minObservations = 30
    /// The novelty rate each test is tuned to find: this many times the baseline's.
    static let noveltyFactor = 10.0

    /// The null novelty rate: Good–Turing's n₁/n taken at an approximate 95%
    /// Poisson upper bound of n₁ (n₁ + 2√(n₁ + 1) + 1, which is 3 for n₁ = 0,
    /// the "rule of three"), because a baseline that happened to see no rare
    /// value would otherwise claim novelty is almost impossible.
    static func goodTuringNovelty(observations n: Int, singletons n1: Int) -> Double {
        min(1, (Double(n1) + 2 * Double(n1 + 1).squareRoot() + 1) / Double(n + 1))
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

    static func observe(_ o: Observation, model p: ToolArgsModel, sums: inout [Double], lastNovel: inout [UInt64], threshold: Double,
                        settings: DetectionSettings, incidents: inout IncidentLog, into alerts: inout [Alert])
    {
        guard p.calls >= minObservations else { return }
        var findings: [JSONValue] = []
        var sentences: [String] = []
        var instant = false
        var newPath = false
        var score = 0.0
        // Leaves are read in place, by index: a copy of each would retain its strings.
        let leaves = o.features.leaves
        for i in leaves.indices {
            guard let path = p.paths[leaves[i].path] else {
                let leaf = leaves[i]
                newPath = true
                findings.append(["finding": "new_argument", "path": .string(leaf.path), "seen": .string(leaf.shapeClass)])
                sentences.append("new argument \(leaf.path)")
                continue
            }
            if let test = path.novelty {
                let shapeClass = leaves[i].shapeClass  // classified here, once
                let novel = !path.classes.contains(shapeClass)
                // The same new value again in the same session is the same
                // evidence (a run reading one new file thrice), not more of it.
                let key = novel ? noveltyKey(o, shapeClass) : 0
                if !novel || lastNovel[test.slot] != key {
                    sums[test.slot] = max(0, sums[test.slot] + (novel ? test.hit : test.miss))
                    if novel { lastNovel[test.slot] = key }
                }
                score = max(score, sums[test.slot])
                if novel {
                    let escalates = StringShape.escalates(to: shapeClass, over: path.privilege)
                    instant = instant || escalates
                    let expected = path.profile.classes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5)
                    findings.append(.object([
                        JSONMember("finding", escalates ? "escalation" : "new_class"), JSONMember("path", .string(leaves[i].path)),
                        JSONMember("seen", .string(shapeClass)),
                        JSONMember("expected", .object(expected.map { JSONMember($0.key, .number(Double($0.value))) })),
                    ]))
                    sentences.append("\(leaves[i].path) is \(shapeClass) where the baseline saw only "
                        + expected.map(\.key).joined(separator: ", "))
                }
            }
            if let x = leaves[i].number, x > 0, let range = path.range {
                let lx = log10(x)
                if lx > range.upper || lx < range.lower {
                    instant = true
                    findings.append(.object([
                        JSONMember("finding", "out_of_range"), JSONMember("path", .string(leaves[i].path)),
                        JSONMember("seen", .number(x)), JSONMember("baseline_min", .number(range.min)),
                        JSONMember("baseline_max", .number(range.max)),
                    ]))
                    sentences.append("\(leaves[i].path)=\(Format.number(x)) is far outside \(Format.number(range.min))–\(Format.number(range.max))")
                }
            }
        }
        let keys = p.newPathTest
        let newKey = newPath ? noveltyKey(o, o.features.leaves.map(\.path).joined(separator: ",")) : 0
        if !newPath || lastNovel[keys.slot] != newKey {
            sums[keys.slot] = max(0, sums[keys.slot] + (newPath ? keys.hit : keys.miss))
            if newPath { lastNovel[keys.slot] = newKey }
        }
        score = max(score, sums[keys.slot])
        guard !findings.isEmpty, instant || o.isDestructive || score > threshold else { return }
        // This call completes the evidence: restart the tests of this tool.
        for slot in p.slots { sums[slot] = 0 }
        let sev: Alert.Severity = o.isDestructive ? .critical : .warning
        guard incidents.admit(.driftArgs, subject: o.tool, severity: sev, at: o.ts, quiet: settings.quietPeriod) else { return }
        let how = instant || o.isDestructive ? "" : " (repeatedly)"
        let message = "\(o.agent) called \(o.tool) with arguments unlike its baseline of \(Format.int(p.calls)) calls\(how): "
            + sentences.prefix(3).joined(separator: "; ") + "."
        alerts.append(o.alert(.driftArgs, sev, score: instant ? 1 : score, threshold: instant ? 1 : threshold, message: message,
                              evidence: ["tool": .string(o.tool), "findings": .array(findings), "baseline_calls": .number(Double(p.calls))]))
    }
}

/// Identifies one piece of novelty evidence: the value within its session.
/// A call without a session has no context to repeat, so it is its own.
private func noveltyKey(_ o: Observation, _ value: String) -> UInt64 {
    StableHash.of(o.session ?? "#\(o.seq)", value)
}

/// The LLR increments of one novelty test and where its statistic lives.
struct NoveltyTest: Sendable {
    let slot: Int
    /// Added on a novel call, and on an ordinary one (negative).
    let hit: Double
    let miss: Double

    init(slot: Int, observations n: Int, singletons n1: Int) {
        self.slot = slot
        let q0 = ArgsDriftDetector.goodTuringNovelty(observations: n, singletons: n1)
        let q1 = min(0.5, ArgsDriftDetector.noveltyFactor * q0)
        hit = log(q1 / q0)
        miss = log((1 - q1) / (1 - q0))
    }
}

/// A tool's argument profile compiled once: novelty tests, privilege and
/// numeric ranges per field.
final class ToolArgsModel: Sendable {
    final class Path: Sendable {
        let profile: PathProfile
        /// Nil for a free-form field (more classes than the baseline keeps).
        let novelty: NoveltyTest?
        /// The field's baseline classes, most frequent first: a linear scan of at
        /// most `PathProfile.maxClasses` short strings, which usually stops at the first.
        let classes: [String]
        /// The highest `StringShape.privilege` among the field's baseline classes.
        let privilege: Int
        /// Acceptable log10 range for positive numbers, when the baseline has enough of them.
        let range: (min: Double, max: Double, lower: Double, upper: Double)?

        init(profile: PathProfile, novelty: NoveltyTest?, classes: [String], privilege: Int,
             range: (min: Double, max: Double, lower: Double, upper: Double)?)
        {
            self.profile = profile
            self.novelty = novelty
            self.classes = classes
            self.privilege = privilege
            self.range = range
        }
    }

    let calls: Int
    let paths: StringMap<Path>
    let newPathTest: NoveltyTest
    /// The statistic slots this tool's tests use.
    let slots: [Int]

    /// - Parameter firstSlot: where this tool's statistics start in the agent's array.
    init(_ p: ToolProfile, firstSlot: Int) {
        calls = p.calls
        var slot = firstSlot
        let pathSingletons = p.paths.values.reduce(0) { $0 + ($1.count == 1 ? 1 : 0) } + p.pathsOverflow
        newPathTest = NoveltyTest(slot: slot, observations: p.calls, singletons: pathSingletons)
        var slots = [slot]
        slot += 1
        var paths = StringMap<Path>(minimumCapacity: p.paths.count)
        for (name, path) in p.paths.sorted(by: { $0.key < $1.key }) {
            var novelty: NoveltyTest?
            // Free-form fields, and fields holding secrets (redacted in a baseline
            // learned from storage), run no novelty test.
            if !path.open, path.classes[StringShape.redacted] == nil {
                let singletons = path.classes.values.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
                novelty = NoveltyTest(slot: slot, observations: path.count, singletons: singletons)
                slots.append(slot)
                slot += 1
            }
            var range: (Double, Double, Double, Double)?
            if path.positiveCount >= ArgsDriftDetector.minObservations, let lo = path.positiveMin, let hi = path.positiveMax {
                // Tolerance: the baseline's own spread in decades, at least one.
                let spread = max(1, log10(hi / lo))
                range = (lo, hi, log10(lo) - spread, log10(hi) + spread)
            }
            let privilege = path.classes.keys.map(StringShape.privilege(ofClass:)).max() ?? 0
            let classes = path.classes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
            paths[name] = Path(profile: path, novelty: novelty, classes: classes, privilege: privilege, range: range)
        }
        self.paths = paths
        self.slots = slots
    }
}
