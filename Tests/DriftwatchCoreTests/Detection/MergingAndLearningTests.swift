import Testing
@testable import DriftwatchCore

/// One incident, not a flood (design.md principle 5), and the learning mode of
/// an agent without a baseline file.
struct MergingAndLearningTests {
    @Test func persistentConditionRaisesOneAlertAndIsReRaisedAfterTheQuietPeriod() {
        let quiet = Scenario.persistentDelete(quietMinutes: 40)
        let alerts = quiet.alerts.of(.driftArgs)
        #expect(alerts.count == 2, "\(quiet.alerts.map(\.message))")
        // The first on the first DELETE; the second on the DELETE after the quiet period.
        let deletes = quiet.events.filter { $0.value.args == Scenario.deleteArgs }.keys.sorted()
        #expect(deletes.count == 21)
        #expect(alerts.map(\.seq) == [deletes.first!, deletes.last!])
    }

    @Test func conditionRecurringWithinTheQuietPeriodIsNotReRaised() {
        let run = Scenario.persistentDelete(quietMinutes: 10)
        #expect(run.alerts.of(.driftArgs).count == 1, "\(run.alerts.map(\.message))")
    }

    @Test func incidentLogMergesUntilEscalationOrQuiet() {
        var log = IncidentLog()
        let minute = 60 * RFC3339.nanosPerSecond
        func admit(_ severity: Alert.Severity, at m: Int64, subject: String = "") -> Bool {
            log.admit(.loopRepeat, subject: subject, severity: severity, at: m * minute, quiet: 30 * minute)
        }
        let raised = [
            admit(.warning, at: 0),
            admit(.warning, at: 20),
            admit(.warning, at: 45),  // quiet is measured from the last detection, not the first
            admit(.critical, at: 46),  // escalation
            admit(.warning, at: 47),
            admit(.warning, at: 47, subject: "other"),  // another subject is another incident
            admit(.warning, at: 80),  // after 33 quiet minutes
        ]
        #expect(raised == [true, false, false, true, false, true, true])
    }

    @Test func learningAgentIsSilentExceptBlatantLoopsThenMonitors() throws {
        var settings = DetectionSettings()
        settings.minCalls = 1000
        var agent = SyntheticAgent(seed: 7)
        var run = MonitorRun(settings: settings, baselines: [])
        #expect(run.monitor.isLearning(agent.name))
        run.feed(agent.calls(300))
        // Below the learning limit: a calibrated baseline would flag it, a learning agent does not.
        let tenArgs = agent.args(for: "sql.query")
        for _ in 0..<10 { run.feed(agent.call("sql.query", args: tenArgs, session: "ten")) }
        run.feed(agent.call("db.drop_table", args: ["table": "t"], session: "odd"))
        run.feed(agent.calls(100))
        #expect(run.alerts.isEmpty, "\(run.alerts.map(\.message))")

        let args = agent.args(for: "files.read")
        for _ in 0..<20 { run.feed(agent.call("files.read", args: args, session: "blatant")) }
        let loop = try #require(run.alerts.first, "no alert for 20 identical calls while learning")
        #expect(run.alerts.kinds == ["loop.repeat"])
        #expect(loop.threshold == Double(settings.learningRepeatLimit))
        #expect(loop.session == "blatant")
        #expect(loop.seq == run.seq)

        run.feed(agent.calls(1000 - 300 - 10 - 1 - 100 - 20 - 1))
        #expect(run.monitor.isLearning(agent.name))
        run.feed(agent.nextCall())
        #expect(!run.monitor.isLearning(agent.name))
        #expect(run.monitor.baseline(for: agent.name)?.toolCalls == 1000)
        #expect(run.alerts.count == 1, "\(run.alerts.map(\.message))")

        let raised = run.feed(agent.call("shell.exec", args: ["cmd": "whoami"], session: "after"))
        #expect(raised.kinds == ["drift.new_tool"])
    }
}
