import Testing
@testable import DriftwatchCore

/// The breaker state machine (design.md § Circuit breakers) and its wiring into the Monitor.
struct CircuitBreakerTests {
    static let second = RFC3339.nanosPerSecond

    static func alert(_ severity: Alert.Severity, at t: EventTime, kind: Alert.Kind = .driftTools) -> Alert {
        Alert(ts: t, agent: "a", session: nil, kind: kind, severity: severity, score: 2, threshold: 1, message: "m.",
              evidence: [:], seq: t)
    }

    @Test func criticalAlertOpensAtOnce() throws {
        var b = CircuitBreaker()
        let transition = b.record(Self.alert(.critical, at: 10 * Self.second), at: 10 * Self.second)
        let t = try #require(transition)
        #expect(t.from == .closed && t.to == .open)
        #expect(b.state == .open)
        #expect(b.retryAfterSeconds(at: 10 * Self.second) == 300)
    }

    @Test func warningsOpenOnlyWhenEnoughFallInTheWindow() {
        var b = CircuitBreaker()
        #expect(b.record(Self.alert(.warning, at: 0), at: 0) == nil)
        #expect(b.record(Self.alert(.warning, at: 200 * Self.second), at: 200 * Self.second) == nil)
        // The first warning has left the 600 s window: still two (200 s, 700 s).
        #expect(b.record(Self.alert(.warning, at: 700 * Self.second), at: 700 * Self.second) == nil)
        #expect(b.state == .closed)
        let t = b.record(Self.alert(.warning, at: 750 * Self.second), at: 750 * Self.second)
        #expect(t?.to == .open)
    }

    @Test func coolDownThenQuietProbesClose() {
        var b = CircuitBreaker()
        _ = b.record(Self.alert(.critical, at: 0), at: 0)
        #expect(b.advance(to: 299 * Self.second) == nil)
        #expect(b.advance(to: 300 * Self.second)?.to == .halfOpen)
        for i in 1..<5 { #expect(b.quietCall(at: (300 + EventTime(i)) * Self.second) == nil) }
        #expect(b.quietCall(at: 305 * Self.second)?.to == .closed)
        #expect(b.state == .closed)
    }

    @Test func alertDuringProbesReopensWithDoubledCoolDown() {
        var b = CircuitBreaker()
        _ = b.record(Self.alert(.critical, at: 0), at: 0)
        _ = b.advance(to: 300 * Self.second)
        let t = b.record(Self.alert(.warning, at: 301 * Self.second), at: 301 * Self.second)
        #expect(t?.to == .open)
        #expect(t?.cooldown == 600 * Self.second)
        #expect(b.advance(to: 800 * Self.second) == nil)
        #expect(b.advance(to: 901 * Self.second)?.to == .halfOpen)
        for i in 0..<5 { _ = b.quietCall(at: (902 + EventTime(i)) * Self.second) }
        #expect(b.state == .closed)
        #expect(b.cooldown == 300 * Self.second, "quiet probes restore the configured cool-down")
    }

    @Test func operatorTripAndReset() {
        var b = CircuitBreaker()
        #expect(b.trip(at: 0, reason: "by hand")?.to == .open)
        #expect(b.trip(at: 1, reason: "again") == nil)
        #expect(b.reset(at: 2, reason: "fixed")?.to == .closed)
        #expect(b.reset(at: 3, reason: "again") == nil)
    }

    /// A tripped breaker is held: no cool-down turns it half-open, alerts do not move it,
    /// only a reset closes it.
    @Test func operatorTripHoldsUntilReset() {
        var b = CircuitBreaker()
        _ = b.trip(at: 0, reason: "by hand")
        #expect(b.heldByOperator && b.reopensAt == nil && b.retryAfterSeconds(at: 0) == nil)
        #expect(b.advance(to: 100_000 * Self.second) == nil)
        #expect(b.state(at: 100_000 * Self.second) == .open)
        #expect(b.record(Self.alert(.critical, at: 5 * Self.second), at: 5 * Self.second) == nil)
        #expect(b.quietCall(at: 6 * Self.second) == nil)
        #expect(b.reset(at: 7 * Self.second, reason: "ok")?.to == .closed)
        #expect(!b.heldByOperator)
        // After the reset the breaker runs on its own again.
        _ = b.record(Self.alert(.critical, at: 8 * Self.second), at: 8 * Self.second)
        #expect(!b.heldByOperator && b.reopensAt == 308 * Self.second)
    }

    /// Tripping a breaker that opened by itself is a transition (so it is recorded and the
    /// kill switch fires), and from then on it is held.
    @Test func tripOfAnAutomaticallyOpenBreakerHoldsIt() throws {
        var b = CircuitBreaker()
        _ = b.record(Self.alert(.critical, at: 0), at: 0)
        let tripped = b.trip(at: 10 * Self.second, reason: "stop it")
        let t = try #require(tripped)
        #expect(t.from == .open && t.to == .open && b.heldByOperator && b.since == 10 * Self.second)
        #expect(b.advance(to: 1_000 * Self.second) == nil)
        let restored = CircuitBreaker(restoring: .open, since: 10 * Self.second, reason: "stop it", cooldown: 300 * Self.second,
                                      heldByOperator: true)
        #expect(restored.heldByOperator && restored.state(at: 1_000 * Self.second) == .open)
    }

    /// Gates see a breaker whose cool-down is over as half-open before any event records
    /// the transition: a blocked agent sends no events, so it would otherwise stay blocked.
    @Test func coolDownOverReadsHalfOpenBeforeTheNextEvent() {
        var b = CircuitBreaker()
        _ = b.record(Self.alert(.critical, at: 0), at: 0)
        #expect(b.state(at: 299 * Self.second) == .open)
        let early = BreakerStatus(b, at: 299 * Self.second, mode: .enforce)
        #expect(early.blocks && early.retryAfterSeconds == 1)
        let due = BreakerStatus(b, at: 300 * Self.second, mode: .enforce)
        #expect(due.state == .halfOpen && !due.blocks && due.retryAfterSeconds == nil && due.since == 300 * Self.second)
        #expect(b.state == .open, "the transition itself waits for an event")
    }

    // MARK: Monitor

    /// A never-seen destructive tool opens the agent's breaker in enforce mode,
    /// and `breakerStatus` says so; in observe mode no breaker runs.
    @Test func destructiveNewToolOpensTheAgentBreakerInEnforceMode() throws {
        let run = Scenario.run(settings: Scenario.destructiveSettings) { agent, run in
            run.feed(agent.call("db.drop_table", args: ["table": "invoices"], session: "s-x"))
        }
        let open = try #require(run.breakerAlerts.first { $0.kind == .breakerOpen })
        #expect(open.session == nil)
        #expect(open.severity == .critical)
        #expect(open.evidence["mode"] == "enforce")
        #expect(run.monitor.breakerStatus(agent: Scenario.agent.name, at: open.ts).blocks)

        var observe = Scenario.destructiveSettings
        observe.agentPolicies = [AgentPolicyRule(pattern: "*", policy: AgentPolicy(mode: .observe))]
        let quiet = Scenario.run(settings: observe) { agent, run in
            run.feed(agent.call("db.drop_table", args: ["table": "invoices"], session: "s-x"))
        }
        #expect(quiet.alerts.contains { $0.kind == .driftNewTool })
        #expect(quiet.breakerAlerts.isEmpty)
    }

    /// A runaway loop opens its session's breaker, not the agent's.
    @Test func loopOpensTheSessionBreaker() throws {
        let run = Scenario.identicalCalls(40)
        let open = try #require(run.breakerAlerts.first { $0.kind == .breakerOpen })
        #expect(open.session == "stuck")
        #expect(run.monitor.breakerStatus(agent: Scenario.agent.name, at: open.ts).state == .closed)
    }

    @Test func manualTripIsReportedAndBlocks() throws {
        var monitor = Monitor(baselines: [Scenario.baseline])
        let tripped = monitor.trip(agent: Scenario.baseline.agent, reason: "incident 42", at: 5 * Self.second, seq: 1)
        let alert = try #require(tripped)
        #expect(alert.kind == .breakerOpen)
        #expect(alert.message.contains("incident 42"))
        #expect(alert.evidence["by_operator"] == true)
        let status = monitor.breakerStatus(agent: Scenario.baseline.agent, at: 6 * Self.second)
        #expect(status.blocks && status.heldByOperator && status.retryAfterSeconds == nil)
        #expect(monitor.reset(agent: Scenario.baseline.agent, reason: "ok", at: 7 * Self.second, seq: 2)?.kind == .breakerClosed)
    }

    /// An operator's trip stops an agent whose mode does not enforce automatic openings
    /// (observe while learning, warn): a person decided.
    @Test func manualTripBlocksInObserveMode() throws {
        var monitor = Monitor()
        _ = monitor.process(Event(agent: "new-bot", tool: "t", ts: Self.second), seq: 1)
        #expect(monitor.breakerStatus(agent: "new-bot", at: Self.second).mode == .observe)
        let tripped = monitor.trip(agent: "new-bot", reason: "looks wrong", at: 2 * Self.second, seq: 2)
        let alert = try #require(tripped)
        #expect(alert.message.contains("until an operator resets it"))
        let status = monitor.breakerStatus(agent: "new-bot", at: 10_000 * Self.second)
        #expect(status.state == .open && status.mode == .observe && status.blocks)
    }

    /// With a session named, the session's own breaker governs when the agent's does not block.
    @Test func sessionStatusReportsTheSessionBreaker() throws {
        let run = Scenario.identicalCalls(40)
        let open = try #require(run.breakerAlerts.first { $0.kind == .breakerOpen })
        let agent = Scenario.agent.name
        let inSession = run.monitor.breakerStatus(agent: agent, session: "stuck", at: open.ts)
        #expect(inSession.state == .open && inSession.session == "stuck" && inSession.blocks)
        #expect(inSession.json["session"] == "stuck")
        #expect(run.monitor.breakerStatus(agent: agent, session: "other", at: open.ts).state == .closed)
        #expect(run.monitor.breakerStatus(agent: agent, at: open.ts).session == nil)
        // The agent's own breaker, when it blocks, wins.
        var monitor = run.monitor
        _ = monitor.trip(agent: agent, reason: "all of it", at: open.ts + 1, seq: 999)
        let both = monitor.breakerStatus(agent: agent, session: "stuck", at: open.ts + 2)
        #expect(both.session == nil && both.heldByOperator)
    }

    /// After a restart a saved breaker comes back as it was: open since the
    /// same time with its doubled cool-down, for the agent or a session.
    @Test func restoredBreakerKeepsItsStateSinceAndCoolDown() {
        var monitor = Monitor(baselines: [Scenario.baseline])
        let agent = Scenario.baseline.agent
        monitor.restoreBreaker(agent: agent, session: nil, state: .open, since: 100 * Self.second, reason: "critical drift.args",
                               cooldown: 600 * Self.second)
        let status = monitor.breakerStatus(agent: agent, at: 160 * Self.second)
        #expect(status.state == .open && status.since == 100 * Self.second)
        #expect(status.reason == "critical drift.args")
        #expect(status.retryAfterSeconds == 540, "the doubled cool-down survives")

        monitor.restoreBreaker(agent: agent, session: "s-1", state: .open, since: 100 * Self.second, reason: "loop",
                               cooldown: 300 * Self.second)
        let call = Event(agent: agent, tool: "sql.query", ts: 500 * Self.second, session: "s-1",
                         args: ["query": "SELECT 1 FROM t", "params": [], "limit": 10])
        let alerts = monitor.process(call, seq: 1)
        #expect(alerts.contains { $0.kind == .breakerHalfOpen && $0.session == "s-1" }, "the session breaker's cool-down ran out")
    }
}
