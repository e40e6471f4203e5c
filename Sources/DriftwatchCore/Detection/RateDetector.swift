/// rate.burst and cost.rate: an agent's calls and spend in a sliding window
/// of event-time minutes, against the baseline's window sums (`WindowBound`).
/// The current minute counts while it is partial, because totals only grow
/// within a minute, so a burst is caught inside the minute it crosses the
/// bound. Configured hourly budgets are checked on a trailing 60-minute sum.
///
/// Incident merging across kinds (design.md principle 5): spend that rises
/// only because calls rose is the rate.burst incident, not a second one, so
/// cost.rate is not raised while a rate.burst incident is open; and spend of
/// a session that already has a cost.session incident is left out of the
/// agent's spend rate, so one runaway session makes one incident.
struct RateDetector: Sendable {
    private var minute: Int64?
    /// Totals of the last `windowMinutes` minutes, the current (partial) one last.
    private var calls = Ring<Double>(capacity: RateProfile.windowMinutes)
    private var spend = Ring<Double>(capacity: RateProfile.windowMinutes)
    /// Spend per minute over the last hour, for the hourly budget.
    private var hour = Ring<Double>(capacity: 60)
    private var hourMinute: Int64?

    static let nanosPerMinute: EventTime = 60 * RFC3339.nanosPerSecond

    mutating func observe(ts: EventTime, isCall: Bool, spend cost: Double, countSpend: Bool, model m: AgentModel?,
                          policy: AgentPolicy, context o: Observation, settings: DetectionSettings,
                          incidents: inout IncidentLog, into alerts: inout [Alert])
    {
        let now = ts / Self.nanosPerMinute
        if let current = minute, now > current {
            let idle = now - current
            if idle > RateProfile.maxGapMinutes {
                // A new active period: the baseline's windows never span such gaps.
                calls = Ring(capacity: RateProfile.windowMinutes)
                spend = Ring(capacity: RateProfile.windowMinutes)
            }
            for _ in 0..<min(idle, Int64(RateProfile.windowMinutes)) {
                calls.append(0)
                spend.append(0)
            }
            minute = now
        } else if minute == nil {
            minute = now
            calls.append(0)
            spend.append(0)
        }
        if isCall { calls.addToLast(1) }
        if countSpend { spend.addToLast(cost) }
        addToHour(cost, minute: now)

        if isCall, let bound = m?.callsPerWindow {
            let w = RateProfile.windowMinutes
            Self.check(.rateBurst, total: calls.sum, bound: bound, at: ts, context: o, settings: settings,
                       incidents: &incidents, into: &alerts) { agent, total in
                ("\(agent) made \(Format.int(Int(total))) calls in the last \(w) minutes against \(Format.number(bound.mean)) "
                    + "in a typical \(w) minutes of its baseline (bound \(Format.number(bound.bound.rounded(.up)))).",
                 ["calls_in_window": .number(total), "window_minutes": .number(Double(w)),
                  "baseline_mean": .number(Alert.rounded(bound.mean))])
            }
        }
        // Spend that rose only because calls rose is the rate.burst incident.
        if countSpend, cost > 0, let bound = m?.costPerWindow, !incidents.isOpen(.rateBurst, at: ts, quiet: settings.quietPeriod) {
            let w = RateProfile.windowMinutes
            Self.check(.costRate, total: spend.sum, bound: bound, at: ts, context: o, settings: settings,
                       incidents: &incidents, into: &alerts) { agent, total in
                ("\(agent) has spent \(Format.usd(total)) in the last \(w) minutes against \(Format.usd(bound.mean)) "
                    + "in a typical \(w) minutes of its baseline (bound \(Format.usd(bound.bound))).",
                 ["usd_in_window": .number(Alert.rounded(total)), "window_minutes": .number(Double(w)),
                  "baseline_mean_usd": .number(Alert.rounded(bound.mean))])
            }
        }
        if let cap = policy.hourBudgetUSD, cost > 0 {
            let lastHour = hour.sum
            if lastHour > cap, incidents.admit(.costRate, subject: "budget", severity: .critical, at: ts, quiet: settings.quietPeriod) {
                let message = "\(o.agent) has spent \(Format.usd(lastHour)) in the last hour, over its configured budget of \(Format.usd(cap))."
                alerts.append(o.alert(.costRate, .critical, score: lastHour, threshold: cap, message: message, evidence: [
                    "usd_last_hour": .number(Alert.rounded(lastHour)), "budget_usd_per_hour": .number(cap),
                ]))
            }
        }
    }

    /// Raises `kind` when a window's total crosses its bound (merged into an open incident).
    private static func check(_ kind: Alert.Kind, total: Double, bound: WindowBound, at ts: EventTime,
                              context o: Observation, settings: DetectionSettings, incidents: inout IncidentLog,
                              into alerts: inout [Alert], describe: (String, Double) -> (String, JSONValue))
    {
        guard total > bound.bound else { return }
        let sev = severity(score: total, threshold: bound.bound)
        guard incidents.admit(kind, severity: sev, at: ts, quiet: settings.quietPeriod) else { return }
        let (message, evidence) = describe(o.agent, total)
        alerts.append(o.alert(kind, sev, score: total, threshold: bound.bound, message: message, evidence: evidence))
    }

    private mutating func addToHour(_ cost: Double, minute now: Int64) {
        if let hm = hourMinute, now > hm {
            for _ in 0..<min(now - hm, 60) { hour.append(0) }
        } else if hourMinute == nil {
            hour.append(0)
        }
        hourMinute = max(hourMinute ?? now, now)
        // Credit the current minute (the ring's last slot).
        hour.addToLast(cost)
    }
}

extension Ring where Element == Double {
    mutating func addToLast(_ x: Double) {
        guard let last else { return }
        replaceLast(last + x)
    }
}
