@testable import DriftwatchCore
import Testing

/// `limits.max_agents` / `limits.max_open_sessions`: invented agent and session names
/// cannot grow the Monitor without bound, and the cap never lifts a kill switch.
struct BoundedStateTests {
    private static let t0: EventTime = 1_800_000_000 * RFC3339.nanosPerSecond

    private func settings(maxAgents: Int = 100, maxOpenSessions: Int = 1000) -> DetectionSettings {
        var s = DetectionSettings()
        s.maxAgents = maxAgents
        s.maxOpenSessions = maxOpenSessions
        return s
    }

    @Test func inventedAgentNamesStayWithinTheAgentCap() {
        var monitor = Monitor(settings: settings())
        for i in 0..<1000 {
            _ = monitor.process(Event(agent: "fake-\(i)", tool: "t", ts: Self.t0 + EventTime(i)), seq: Int64(i))
            #expect(monitor.agentCount <= 100)
        }
        #expect(monitor.agentsSetAside >= 900)
        // The most recent agents are the ones kept.
        #expect(monitor.agentNames.contains("fake-999"))
        #expect(!monitor.agentNames.contains("fake-0"))
    }

    @Test func inventedSessionNamesAcrossAgentsStayWithinTheSessionCap() {
        var monitor = Monitor(settings: settings(maxAgents: 10_000, maxOpenSessions: 1000))
        for i in 0..<20_000 {
            // 200 agents, each well under its own 10,000-session cap, all sessions fresh.
            _ = monitor.process(Event(agent: "a-\(i % 200)", tool: "t", ts: Self.t0 + EventTime(i), session: "s-\(i)"), seq: Int64(i))
            #expect(monitor.openSessionCount <= 1000)
        }
        #expect(monitor.agentsSetAside > 0)
    }

    @Test func anAgentWithAnOpenBreakerIsNeverSetAside() {
        var monitor = Monitor(settings: settings())
        _ = monitor.process(Event(agent: "tripped", tool: "t", ts: Self.t0), seq: 1)
        #expect(monitor.trip(agent: "tripped", reason: "test", at: Self.t0, seq: 2) != nil)
        for i in 0..<1000 {
            _ = monitor.process(Event(agent: "fake-\(i)", tool: "t", ts: Self.t0 + EventTime(i + 1)), seq: Int64(i + 3))
        }
        #expect(monitor.agentNames.contains("tripped"))
        #expect(monitor.breakerStatus(agent: "tripped", at: Self.t0 + 2000).state == .open)
    }

    @Test func aBaselineFrozenOnlineSurvivesBeingSetAsideAndStaysUnapproved() {
        var s = settings()
        s.minCalls = 60
        var monitor = Monitor(settings: s)
        var ts = Self.t0
        for i in 0..<60 {
            ts += 1_000_000_000
            _ = monitor.process(Event(agent: "learner", tool: i % 2 == 0 ? "a" : "b", ts: ts, session: "s"), seq: Int64(i))
        }
        #expect(!monitor.isLearning("learner"))
        let frozen = monitor.baseline(for: "learner")
        for i in 0..<500 {
            _ = monitor.process(Event(agent: "fake-\(i)", tool: "t", ts: ts + EventTime(i)), seq: Int64(100 + i))
        }
        #expect(!monitor.agentNames.contains("learner"))
        #expect(!monitor.isLearning("learner"))
        #expect(monitor.baseline(for: "learner")?.toolCalls == frozen?.toolCalls)
        _ = monitor.process(Event(agent: "learner", tool: "a", ts: ts + 1000), seq: 9999)
        #expect(!monitor.isLearning("learner"))
        // Back from its parked baseline: monitored in warn mode (nobody approved it), not enforce.
        #expect(monitor.breakerStatus(agent: "learner", at: ts + 1000).mode == .warn)
        #expect(monitor.baseline(for: "learner")?.toolCalls == frozen?.toolCalls)
    }

    /// Over `maxSessionsPerAgent`, an agent keeps its most recent three quarters
    /// (equal times: the smaller ids); a dropped session comes back as a new one.
    @Test func anAgentOverItsSessionCapKeepsTheMostRecentSessions() {
        var s = settings()
        s.maxSessionsPerAgent = 8
        var monitor = Monitor(settings: s)
        func call(_ session: String, at ts: EventTime) {
            _ = monitor.process(Event(agent: "a", tool: "t", ts: ts, session: session), seq: 1)
        }
        // s0…s8 at times 0…8, except s7 and s8 at the same time as s6.
        for i in 0..<9 { call("s\(i)", at: Self.t0 + EventTime(min(i, 6))) }
        #expect(monitor.openSessionCount == 6)  // 9 > 8: three quarters of 8 kept
        for kept in ["s3", "s4", "s5", "s6", "s7", "s8"] {
            call(kept, at: Self.t0 + 10)
            #expect(monitor.openSessionCount == 6, "\(kept) should have been kept")
        }
        call("s2", at: Self.t0 + 10)
        #expect(monitor.openSessionCount == 7)

        var tie = Monitor(settings: s)
        for i in 0..<9 { _ = tie.process(Event(agent: "a", tool: "t", ts: Self.t0, session: "s\(i)"), seq: 1) }
        for kept in ["s0", "s1", "s2", "s3", "s4", "s5"] {
            _ = tie.process(Event(agent: "a", tool: "t", ts: Self.t0, session: kept), seq: 1)
            #expect(tie.openSessionCount == 6, "\(kept) should have been kept")
        }
    }

    /// The periodic sweep drops sessions idle longer than `sessionIdle`, and only those.
    @Test func theSweepDropsIdleSessionsOnly() {
        var monitor = Monitor(settings: settings())
        let idle = monitor.settings.sessionIdle
        for i in 0..<100 { _ = monitor.process(Event(agent: "a", tool: "t", ts: Self.t0, session: "old-\(i)"), seq: 1) }
        var ts = Self.t0 + idle
        for i in 0..<1024 {  // a sweep runs after 1,024 events of the agent
            ts += 1
            _ = monitor.process(Event(agent: "a", tool: "t", ts: ts, session: "new-\(i % 10)"), seq: 1)
        }
        #expect(monitor.openSessionCount == 10)
    }
}
