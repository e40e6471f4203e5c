/// rate.burst and cost.rate: an agent's calls and spend per event-time minute.
///
/// Each is a CUSUM over per-minute totals against the baseline's mean and
/// variance (`GaussianCUSUM`), tuned to a tripling; the partial current
/// minute is tested too, because totals only grow within a minute, so a
/// burst is caught inside its first minute. Configured hourly budgets are
/// checked on a trailing 60-minute sum.
///
/// Incident merging across kinds (design.md principle 5): spend that rises
/// only because calls rose is the rate.burst incident, not a second one, so
/// cost.rate is not raised while a rate.burst incident is open; and spend of
/// a session that already has a cost.session incident is left out of the
/// agent's spend rate, so one runaway session makes one incident.
struct RateDetector: Sendable {
    private var minute: Int64?
    private var calls = 0.0
    private var spend = 0.0
    private var callSum = GaussianCUSUM()
    private var spendSum = GaussianCUSUM()
    /// Spend per minute over the last hour, for the hourly budget.
    private var hour = Ring<Double>(capacity: 60)
    private var hourMinute: Int64?

    static let nanosPerMinute: EventTime = 60 * RFC3339.nanosPerSecond

    mutating func observe(ts: EventTime, isCall: Bool, spend cost: Double, countSpend: Bool, model m: AgentModel?,
                          policy: AgentPolicy, alertAt: (Alert.Kind) -> Observation?, settings: DetectionSettings,
                          incidents: inout IncidentLog, into alerts: inout [Alert])
    {
        let now = ts / Self.nanosPerMinute
        if let current = minute, now > current {
            // Close the finished minute and the idle minutes after it (an idle
            // gap beyond the baseline's own notion of activity resets the tests).
            if let cm = m?.callsPerMinute { callSum.close(calls, cm) }
            if let sm = m?.costPerMinute { spendSum.close(spend, sm) }
            let idle = now - current - 1
            if idle > RateProfile.maxGapMinutes {
                callSum = GaussianCUSUM()
                spendSum = GaussianCUSUM()
            } else {
                for _ in 0..<idle {
                    if let cm = m?.callsPerMinute { callSum.close(0, cm) }
                    if let sm = m?.costPerMinute { spendSum.close(0, sm) }
                }
            }
            calls = 0
            spend = 0
            minute = now
        } else if minute == nil {
            minute = now
        }
        if isCall { calls += 1 }
        if countSpend { spend += cost }
        addToHour(cost, minute: now)

        if let cm = m?.callsPerMinute, isCall {
            let score = callSum.peek(calls, cm)
            if score > cm.threshold {
                let sev = severity(score: score, threshold: cm.threshold)
                if incidents.admit(.rateBurst, severity: sev, at: ts, quiet: settings.quietPeriod), let o = alertAt(.rateBurst) {
                    let message = "\(o.agent) made \(Format.int(Int(calls))) calls in the current minute against "
                        + "\(Format.number(cm.mean)) per minute in its baseline: its call rate has burst."
                    alerts.append(o.alert(.rateBurst, sev, score: score, threshold: cm.threshold, message: message, evidence: [
                        "calls_this_minute": .number(calls), "baseline_calls_per_minute": .number(Alert.rounded(cm.mean)),
                        "baseline_sd": .number(Alert.rounded(cm.variance.squareRoot())),
                    ]))
                }
                callSum = GaussianCUSUM()
            }
        }
        if let sm = m?.costPerMinute, countSpend, cost > 0 {
            let score = spendSum.peek(spend, sm)
            if score > sm.threshold {
                let merged = incidents.isOpen(.rateBurst, at: ts, quiet: settings.quietPeriod)
                let sev = severity(score: score, threshold: sm.threshold)
                if !merged, incidents.admit(.costRate, severity: sev, at: ts, quiet: settings.quietPeriod), let o = alertAt(.costRate) {
                    let message = "\(o.agent) has spent \(Format.usd(spend)) in the current minute against "
                        + "\(Format.usd(sm.mean)) per minute in its baseline."
                    alerts.append(o.alert(.costRate, sev, score: score, threshold: sm.threshold, message: message, evidence: [
                        "usd_this_minute": .number(Alert.rounded(spend)), "baseline_usd_per_minute": .number(Alert.rounded(sm.mean)),
                    ]))
                }
                spendSum = GaussianCUSUM()
            }
        }
        if let cap = policy.hourBudgetUSD, cost > 0 {
            let lastHour = hour.elements.reduce(0, +)
            if lastHour > cap, incidents.admit(.costRate, subject: "budget", severity: .critical, at: ts, quiet: settings.quietPeriod),
               let o = alertAt(.costRate)
            {
                let message = "\(o.agent) has spent \(Format.usd(lastHour)) in the last hour, over its configured budget of \(Format.usd(cap))."
                alerts.append(o.alert(.costRate, .critical, score: lastHour, threshold: cap, message: message, evidence: [
                    "usd_last_hour": .number(Alert.rounded(lastHour)), "budget_usd_per_hour": .number(cap),
                ]))
            }
        }
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
