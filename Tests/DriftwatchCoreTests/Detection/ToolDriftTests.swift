import Testing
@testable import DriftwatchCore

/// drift.new_tool, drift.tools and drift.sequence against the synthetic agent's baseline.
struct ToolDriftTests {
    @Test func newToolFiresOnceCriticalWhenDestructiveAndNeverAgainForTheSameTool() {
        let run = Scenario.newTools()
        let alerts = run.alerts.of(.driftNewTool)
        #expect(alerts.count == 2)
        let drop = alerts.first { $0.evidence["tool"] == "db.drop_table" }
        #expect(drop?.severity == .critical)
        #expect(drop?.evidence["tool_class"] == "destructive")
        #expect(drop?.message.contains("db.drop_table") == true)
        #expect(drop.map { run.events[$0.seq]?.tool } == "db.drop_table")
        // The second and third db.drop_table calls (the third two hours later) raise nothing new.
        let shell = alerts.first { $0.evidence["tool"] == "shell.exec" }
        #expect(shell?.severity == .warning)
        #expect(shell?.evidence["tool_class"] == nil)
        #expect(run.alerts.count == alerts.count, "\(run.alerts.kinds)")
    }

    @Test func rareButKnownToolIsSilent() {
        #expect(Scenario.baseline.tools["notify.email"]!.calls < Scenario.baseline.toolCalls / 50)
        let run = Scenario.rareKnownTool()
        #expect(run.alerts.isEmpty, "\(run.alerts.map(\.message))")
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func cleanContinuationIsSilent(seed: UInt64) {
        let run = Scenario.clean(calls: 1500, seed: seed)
        #expect(run.alerts.isEmpty, "\(run.alerts.map(\.message))")
    }

    @Test func toolShareTriplingFiresDriftToolsWithEvidence() throws {
        let run = Scenario.boosted("search.docs", by: 5)
        // Over the drifted calls (after the 60 clean warm-up calls) the tool's share has about tripled.
        let drifted = run.events.filter { $0.key > 60 }.values
        let share = Double(drifted.filter { $0.tool == "search.docs" }.count) / Double(drifted.count)
        let baseShare = Double(Scenario.baseline.tools["search.docs"]!.calls) / Double(Scenario.baseline.toolCalls)
        #expect(share > 2.5 * baseShare && share < 3.5 * baseShare)
        let alert = try #require(run.alerts.of(.driftTools).first)
        #expect(alert.evidence["tool"] == "search.docs")
        #expect(alert.evidence["direction"] == "up")
        let recent = try #require(alert.evidence["recent_share"]?.doubleValue)
        let baseline = try #require(alert.evidence["baseline_share"]?.doubleValue)
        #expect(abs(baseline - baseShare) < 0.01)
        // The evidence window also holds the clean warm-up calls before the drift.
        #expect(recent > 1.5 * baseline)
        #expect(alert.score > alert.threshold)
        #expect(alert.session == nil)
        #expect(run.alerts.of(.driftTools).count == 1)
    }

    @Test func toolShareCollapsingFiresDriftToolsDown() throws {
        let run = Scenario.boosted("tickets.get", by: 0.1)
        let alert = try #require(run.alerts.of(.driftTools).first, "\(run.alerts.kinds)")
        #expect(alert.evidence["direction"] == "down")
        #expect(alert.evidence["tool"] == "tickets.get")
    }

    @Test(arguments: [SyntheticAgent.Order.reversed, .shuffled])
    func reorderedSessionsFireDriftSequence(order: SyntheticAgent.Order) throws {
        let run = Scenario.reordered(order)
        let alert = try #require(run.alerts.of(.driftSequence).first, "\(run.alerts.kinds)")
        #expect(alert.score > alert.threshold)
        let transitions = try #require(alert.evidence["transitions"]?.arrayValue)
        #expect(!transitions.isEmpty)
        #expect(transitions.allSatisfy { $0["from"]?.stringValue != nil && $0["to"]?.stringValue != nil })
        // Same tools: reordering a session keeps its calls.
        #expect(run.alerts.of(.driftNewTool).isEmpty && run.alerts.of(.driftArgs).isEmpty)
    }
}

extension SyntheticAgent.Order: CustomTestStringConvertible {
    var testDescription: String { "\(self)" }
}

/// drift.new_tool is admitted with an unlimited quiet period ("not again for
/// the same tool"), but the periodic sweep prunes every incident quiet for
/// longer than `quietPeriod`, so after 1,024 more events and 30 quiet minutes
/// the same tool is "new" again.
struct NewToolAfterSweepTests {
    @Test func newToolIsNotReRaisedAfterTheIncidentSweep() {
        let run = Scenario.run(settings: Scenario.destructiveSettings) { agent, run in
            run.feed(agent.call("db.drop_table", args: ["table": "invoices"], session: "a"))
            run.feed(agent.calls(1100))  // ~55 minutes: a sweep runs after 1,024 events
            run.feed(agent.call("db.drop_table", args: ["table": "invoices"], session: "b"))
        }
        #expect(run.alerts.count(where: { $0.kind == .driftNewTool }) >= 1)
        #expect(run.alerts.count(where: { $0.kind == .driftNewTool }) == 1, "\(run.alerts.map(\.message))")
    }
}
