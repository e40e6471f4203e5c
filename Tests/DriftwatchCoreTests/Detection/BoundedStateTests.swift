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
}
