#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// loop.repeat, loop.cycle and loop.error_retry within one session.
///
/// Under the baseline, each extension of a run happens with the baseline's
/// own rate (an identical call after a call of that tool; a call identical
/// to the one p steps back; a failing tool failing again), so a run of
/// length L has probability ≈ rate^(L−1). The bound is the shortest run whose
/// probability is below α (`AgentModel`). While the agent is still learning,
/// the absolute limits in `DetectionSettings` apply instead.
struct LoopDetector: Sendable {
    /// Fingerprints and tools of the last calls, most recent last.
    private var recent = Ring<UInt64>(capacity: 5)
    private var recentTools = Ring<String>(capacity: 5)
    private var run = 1
    private var lastFailed = false
    /// Consecutive calls equal to the call 2, 3, 4 steps back.
    private var lagRuns = [0, 0, 0]
    /// Failures in a row per tool (reset by a success of that tool).
    private var failing: [String: Int] = [:]

    struct Limits {
        var repeatLimit: Int
        var cycleLimit: [Int]
        var failureLimit: Int
        var calibrated: Bool
        /// For evidence only (looked up when alerting, not per call). The model, not
        /// its `Baseline`: a reference, where the struct would be copied on every call.
        var model: AgentModel?
    }

    /// Whether the call is an identical repeat of a successful previous one
    /// (set by `observe`): loop evidence, kept out of the drift tests.
    private(set) var isRepeat = false

    mutating func observe(_ o: Observation, limits: Limits, settings: DetectionSettings,
                          incidents: inout IncidentLog, into alerts: inout [Alert])
    {
        let fp = o.features.fingerprint
        // A repeat re-issues a call that succeeded; after a failure an identical
        // call is a retry, counted by the failure streak below instead.
        isRepeat = recent.last == fp && !lastFailed
        run = isRepeat ? run + 1 : 1
        lastFailed = o.failed
        for lag in 2...4 {
            lagRuns[lag - 2] = recent.count >= lag && recent[back: lag - 1] == fp ? lagRuns[lag - 2] + 1 : 0
        }
        recent.append(fp)
        recentTools.append(o.tool)

        if run >= limits.repeatLimit {
            let sev = severity(score: Double(run), threshold: Double(limits.repeatLimit), destructive: o.isDestructive)
            if incidents.admit(.loopRepeat, severity: sev, at: o.ts, quiet: settings.quietPeriod) {
                var message = "Session \(o.session ?? "") of \(o.agent) made the identical \(o.tool) call \(run) times in a row"
                message += limits.calibrated
                    ? ", \(Self.relation(run, limits.repeatLimit)) the bound of \(limits.repeatLimit) from its baseline."
                    : " (limit \(limits.repeatLimit) while its baseline is learned)."
                var evidence: [JSONMember] = [
                    JSONMember("tool", .string(o.tool)), JSONMember("identical_calls", .number(Double(run))),
                    JSONMember("bound", .number(Double(limits.repeatLimit))),
                ]
                if let pairs = limits.model?.baseline.sessions.repeatPairs[o.tool] {
                    evidence.append(JSONMember("baseline_repeat_rate", .number(Alert.rounded(AgentModel.laplace(pairs)))))
                }
                alerts.append(o.alert(.loopRepeat, sev, score: Double(run), threshold: Double(limits.repeatLimit),
                                      message: message, evidence: .object(evidence)))
            }
        }

        // A cycle of period p: every call equals the one p back, and the
        // period is not itself a repeat of one call (that is loop.repeat).
        for lag in 2...4 where lagRuns[lag - 2] >= limits.cycleLimit[lag - 2] {
            guard (1..<lag).contains(where: { recent[back: $0] != fp }) else { continue }
            let calls = lagRuns[lag - 2] + lag
            let bound = limits.cycleLimit[lag - 2] + lag
            let sev = severity(score: Double(calls), threshold: Double(bound), destructive: o.isDestructive)
            if incidents.admit(.loopCycle, severity: sev, at: o.ts, quiet: settings.quietPeriod) {
                let cycle = Array(recentTools.elements.suffix(lag))
                let message = "Session \(o.session ?? "") of \(o.agent) is cycling " + cycle.joined(separator: " → ")
                    + " with identical arguments: \(calls) calls in the cycle, \(Self.relation(calls, bound)) the bound of \(bound)"
                    + (limits.calibrated ? " from its baseline." : " used while its baseline is learned.")
                alerts.append(o.alert(.loopCycle, sev, score: Double(calls), threshold: Double(bound), message: message, evidence: [
                    "cycle": .array(cycle.map(JSONValue.string)), "period": .number(Double(lag)),
                    "calls_in_cycle": .number(Double(calls)), "bound": .number(Double(bound)),
                ]))
            }
            break
        }

        if o.failed {
            let streak = (failing[o.tool] ?? 0) + 1
            failing[o.tool] = streak
            if streak >= limits.failureLimit {
                let sev = severity(score: Double(streak), threshold: Double(limits.failureLimit), destructive: o.isDestructive)
                if incidents.admit(.loopErrorRetry, subject: o.tool, severity: sev, at: o.ts, quiet: settings.quietPeriod) {
                    let message = "Session \(o.session ?? "") of \(o.agent) has called failing \(o.tool) \(streak) times without a success, "
                        + "\(Self.relation(streak, limits.failureLimit)) the bound of \(limits.failureLimit)" + (limits.calibrated ? " from its baseline." : " used while its baseline is learned.")
                    alerts.append(o.alert(.loopErrorRetry, sev, score: Double(streak), threshold: Double(limits.failureLimit),
                                          message: message, evidence: [
                                              "tool": .string(o.tool), "failures_in_a_row": .number(Double(streak)),
                                              "bound": .number(Double(limits.failureLimit)),
                                          ]))
                }
            }
        } else if failing[o.tool] != nil {
            failing[o.tool] = nil
        }
    }

    /// How a count stands to the bound it was tested against: each bound is the shortest
    /// run that is already improbable, so an alert fires on reaching it, and "above"
    /// would misstate a count equal to it.
    static func relation(_ count: Int, _ bound: Int) -> String {
        count > bound ? "above" : "reaching"
    }
}
