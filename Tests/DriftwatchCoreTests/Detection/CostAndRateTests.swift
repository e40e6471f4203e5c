import Testing
@testable import DriftwatchCore

/// cost.session, cost.rate and rate.burst against the baseline's session cost
/// curve and its 5-minute window sums.
struct CostAndRateTests {
    @Test func sessionWhoseCostGrowsTwentyTimesFasterFiresCostSession() throws {
        let run = Scenario.session("runaway", length: 30, growth: 3)  // 20 × the persona's 0.15
        let alerts = run.alerts.of(.costSession)
        let first = try #require(alerts.first, "\(run.alerts.kinds)")
        #expect(first.session == "runaway")
        #expect(first.score > first.threshold)
        #expect(first.evidence["usd"]?.doubleValue != nil && first.evidence["bound_usd"]?.doubleValue != nil)
        #expect(run.events[first.seq]?.session == "runaway")
        // Early, not at the end of the session.
        #expect(first.seq < Int64(60 + 15))
        #expect(alerts.count <= 2)
        #expect(Set(run.alerts.kinds) == ["cost.session"])
    }

    @Test func normalLongSessionIsSilent() {
        let longest = Int(Scenario.baseline.sessions.calls.max)
        let run = Scenario.session("long", length: longest)
        #expect(run.alerts.isEmpty, "\(run.alerts.map(\.message))")
    }

    @Test func configuredSessionBudgetFiresCritical() throws {
        let run = Scenario.session("long", length: 40, settings: Scenario.budgetSettings)
        // Normal sessions of the warm-up may cross so low a budget too; each is its own incident.
        #expect(run.alerts.of(.costSession).allSatisfy { $0.severity == .critical && $0.evidence["budget_usd"] != nil })
        let alerts = run.alerts.of(.costSession).filter { $0.session == "long" }
        #expect(alerts.count == 1, "\(run.alerts.map(\.message))")
        let alert = try #require(alerts.first)
        #expect(alert.threshold == 0.05)
        #expect(alert.score > 0.05)
        #expect(alert.evidence["budget_usd"]?.doubleValue == 0.05)
        // Raised on the call that crossed the budget.
        let spentBefore = run.events.filter { $0.key < alert.seq && $0.value.session == "long" }.values
            .reduce(0) { $0 + ($1.costUSD ?? 0) }
        #expect(spentBefore <= 0.05)
    }

    @Test func tenfoldBurstOfSessionsFiresRateBurstOnceNotCostRate() throws {
        let run = Scenario.burst(minutes: 10)
        let alerts = run.alerts.of(.rateBurst)
        let first = try #require(alerts.first, "\(run.alerts.kinds)")
        #expect(first.session == nil)
        #expect(first.score > first.threshold)
        #expect(first.evidence["window_minutes"]?.doubleValue == 5)
        // Merged: a warning and at most one escalation across ~2,000 calls over the bound.
        #expect(alerts.count <= 2)
        #expect(alerts.map(\.severity) == Array([Alert.Severity.warning, .critical].prefix(alerts.count)))
        // Spend that rose only because calls rose is the same incident.
        #expect(run.alerts.of(.costRate).isEmpty)
        #expect(Set(run.alerts.kinds).isSubset(of: ["rate.burst"]), "\(run.alerts.kinds)")
    }

    @Test func tenfoldSpendWithoutMoreCallsFiresCostRate() throws {
        let run = Scenario.modelSpend(minutes: 20)
        let alerts = run.alerts.of(.costRate)
        let first = try #require(alerts.first, "\(run.alerts.kinds)")
        #expect(first.session == nil)
        #expect(first.score > first.threshold)
        #expect(first.evidence["usd_in_window"]?.doubleValue != nil)
        #expect(alerts.count <= 2)
        #expect(run.alerts.of(.rateBurst).isEmpty)
    }

    @Test func normalHourIsSilent() {
        let run = Scenario.normalHour()
        #expect(run.events.count > 1000)
        #expect(run.alerts.isEmpty, "\(run.alerts.map(\.message))")
    }

    @Test func configuredHourlyBudgetFiresCriticalCostRate() throws {
        var settings = DetectionSettings()
        settings.agentPolicies = [AgentPolicyRule(pattern: "billing-bot", policy: AgentPolicy(hourBudgetUSD: 0.5))]
        var agent = Scenario.agent
        var run = MonitorRun(settings: settings, baselines: [Scenario.baseline])
        run.feed(agent.calls(forMinutes: 60))
        let budget = run.alerts.filter { $0.kind == .costRate && $0.evidence["budget_usd_per_hour"] != nil }
        #expect(budget.count == 1, "\(run.alerts.map(\.message))")
        #expect(budget.first?.severity == .critical)
        #expect(budget.first?.threshold == 0.5)
    }

    /// Every call 10× dearer, same calls (a pricier model): each session crosses
    /// its own cost bound, and the agent's spend rate is raised too.
    @Test func fleetWidePriceRiseFiresCostRateAndPerSessionCostAlerts() throws {
        let run = Scenario.pricierCalls(calls: 600)
        let rate = try #require(run.alerts.of(.costRate).first, "\(run.alerts.kinds.count) alerts")
        #expect(rate.session == nil)
        #expect(run.alerts.of(.rateBurst).isEmpty)
        // Per session: at most a warning and its escalation.
        let bySession = Dictionary(grouping: run.alerts.of(.costSession), by: { $0.session ?? "" })
        #expect(bySession.count > 10)
        #expect(bySession.values.allSatisfy { $0.count <= 2 })
    }
}
