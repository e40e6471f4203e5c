import Testing
@testable import DriftwatchApp
import DriftwatchCore
import DriftwatchStore

/// "Accept recent behaviour as new baseline": a diff first, then one audited,
/// persisted switch after which the accepted behaviour is normal.
struct RebaselineTests {
    @Test func acceptedRecentBehaviourBecomesTheBaselineAndIsAudited() async throws {
        let (_, baseline) = trainedAgent(name: "rb-bot")
        try await withRoutes(baselines: [baseline]) { routes, pipeline, store in
            // Recent behaviour: clean calls plus a tool the baseline never saw.
            var agent = SyntheticAgent(name: "rb-bot", seed: 42)
            var events = agent.calls(300)
            for i in 0..<40 {
                events.append(Event(agent: "rb-bot", tool: "report.export", ts: events.last!.ts! + Int64(i + 1) * 1_000_000_000,
                                    session: "s-export", args: ["format": "csv", "rows": 100]))
            }
            _ = try await routes.postEventsDetected(post("/v1/events", ndjson(events)))
            let newToolAlerts = try await store.read { db in try AlertStore.query(AlertQuery(agent: "rb-bot", kind: "drift.new_tool", limit: 10), in: db) }
            #expect(newToolAlerts.count == 1)

            let proposal = try #require(try await Rebaseline.propose(agent: "rb-bot", pipeline: pipeline, store: store))
            #expect(proposal.current == baseline)
            #expect(proposal.proposed.tools["report.export"] != nil)
            #expect(proposal.diff.contains("+ tool report.export"), "\(proposal.diff)")

            try await Rebaseline.accept(proposal, by: AuditActor(name: "token:admin", role: "admin"), pipeline: pipeline, now: 5)
            #expect(pipeline.withMonitor { $0.baseline(for: "rb-bot") } == proposal.proposed)

            // The accepted tool is normal now: another session of it raises nothing new.
            let more = (0..<5).map { i in
                Event(agent: "rb-bot", tool: "report.export", ts: events.last!.ts! + Int64(100 + i) * 1_000_000_000,
                      session: "s-export-2", args: ["format": "csv", "rows": 100])
            }
            _ = try await routes.postEventsDetected(post("/v1/events", ndjson(more)))
            let after = try await store.read { db in try AlertStore.query(AlertQuery(agent: "rb-bot", kind: "drift", limit: 50), in: db) }
            #expect(after.filter { $0.seq ?? 0 > newToolAlerts[0].seq ?? 0 && $0.kind == "drift.new_tool" }.isEmpty)

            let stored = try await store.read { db in try BaselineStore.loadAll(in: db) }
            #expect(stored.contains(proposal.proposed))
            let audit = try await store.read { db in try AuditStore.latest(action: "baseline.accepted", subject: "rb-bot", in: db) }
            #expect(audit?.role == "admin")
        }
    }
}
