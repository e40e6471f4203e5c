import Testing
@testable import DriftwatchCore

/// loop.repeat, loop.cycle and loop.error_retry within one session, at the
/// bounds calibrated from the baseline's own repeat, lag and re-failure rates.
struct LoopDetectionTests {
    static let model = Scenario.model
    static var sqlRepeatLimit: Int { model.repeatLimit[model.tools["sql.query"]!.index!] }

    @Test func twelveIdenticalCallsFireLoopRepeatAtTheCalibratedBound() throws {
        let limit = Self.sqlRepeatLimit
        #expect(limit < 12)
        let run = Scenario.identicalCalls(12)
        let alerts = run.alerts.of(.loopRepeat)
        let first = try #require(alerts.first, "\(run.alerts.kinds)")
        #expect(first.session == "stuck")
        #expect(first.score == Double(limit) && first.threshold == Double(limit))
        #expect(first.evidence["tool"] == "sql.query")
        #expect(first.evidence["identical_calls"]?.doubleValue == Double(limit))
        // Raised on the limit-th identical call: 60 warm-up calls come first.
        #expect(first.seq == Int64(60 + limit))
        // One warning, one escalation to critical at twice the bound; not one per call.
        #expect(alerts.map(\.severity) == (2 * limit <= 12 ? [.warning, .critical] : [.warning]))
        #expect(Set(run.alerts.kinds) == ["loop.repeat"], "\(run.alerts.map(\.message))")
    }

    /// The alert is raised when the run reaches the bound (score == threshold), so the
    /// message must not say "above" then; the escalation at twice the bound is above it.
    @Test func loopMessagesSayReachedAtTheBoundAndAboveBeyondIt() throws {
        let limit = Self.sqlRepeatLimit
        let repeats = Scenario.identicalCalls(2 * limit).alerts.of(.loopRepeat)
        let first = try #require(repeats.first)
        #expect(first.score == first.threshold)
        #expect(first.message.contains("\(limit) times in a row, reaching the bound of \(limit) from its baseline."), "\(first.message)")
        #expect(!first.message.contains("above"))
        let escalation = try #require(repeats.dropFirst().first)
        #expect(escalation.score > escalation.threshold)
        #expect(escalation.message.contains("above the bound of \(limit)"), "\(escalation.message)")

        let failures = try #require(Scenario.failures(10, interleavedWithSuccesses: false).alerts.of(.loopErrorRetry).first)
        #expect(failures.score == failures.threshold)
        #expect(failures.message.contains("reaching the bound of \(Self.model.failureLimit)"), "\(failures.message)")

        let cycle = try #require(Scenario.alternating(calls: 12, identicalArgs: true).alerts.of(.loopCycle).first)
        #expect(cycle.message.contains(cycle.score == cycle.threshold ? "reaching the bound of" : "above the bound of"),
                "\(cycle.message)")
    }

    @Test func identicalCallsBelowTheBoundThenDifferentAreSilent() {
        for n in [2, Self.sqlRepeatLimit - 1] {
            let run = Scenario.identicalCalls(n, then: 10)
            #expect(run.alerts.isEmpty, "\(n): \(run.alerts.map(\.message))")
        }
    }

    @Test func alternatingIdenticalCallsFireLoopCycle() throws {
        let run = Scenario.alternating(calls: 12, identicalArgs: true)
        let alert = try #require(run.alerts.of(.loopCycle).first, "\(run.alerts.kinds)")
        #expect(alert.session == "cycling")
        #expect(alert.evidence["period"]?.doubleValue == 2)
        #expect(alert.evidence["cycle"]?.arrayValue?.compactMap(\.stringValue).sorted() == ["tickets.get", "tickets.update"])
        #expect(alert.score >= alert.threshold)
        #expect(alert.threshold == Double(Self.model.cycleLimit[0] + 2))
        #expect(run.alerts.of(.loopRepeat).isEmpty)
        #expect(run.alerts.of(.loopCycle).count <= 2)
    }

    @Test func alternatingCallsWithVaryingArgumentsAreSilent() {
        let run = Scenario.alternating(calls: 12, identicalArgs: false)
        #expect(run.alerts.isEmpty, "\(run.alerts.map(\.message))")
    }

    @Test func tenFailuresInARowFireLoopErrorRetry() throws {
        let limit = Self.model.failureLimit
        #expect(limit < 10)
        let run = Scenario.failures(10, interleavedWithSuccesses: false)
        let alerts = run.alerts.of(.loopErrorRetry)
        let first = try #require(alerts.first, "\(run.alerts.kinds)")
        #expect(first.session == "failing")
        #expect(first.evidence["tool"] == "sql.query")
        #expect(first.evidence["failures_in_a_row"]?.doubleValue == Double(limit))
        #expect(first.score == Double(limit) && first.threshold == Double(limit))
        #expect(first.seq == Int64(60 + limit))
        #expect(alerts.count <= 2)
    }

    @Test func failuresInterleavedWithSuccessesAreSilent() {
        let run = Scenario.failures(10, interleavedWithSuccesses: true)
        #expect(run.alerts.isEmpty, "\(run.alerts.map(\.message))")
    }

    @Test func calibratedBoundsFollowTheBaseline() {
        let m = Self.model
        // Rare repeats in the baseline: short runs already have probability < α.
        #expect(m.repeatLimit.allSatisfy { $0 >= 3 && $0 <= 8 })
        #expect(m.cycleLimit.count == 3 && zip(m.cycleLimit, 2...4).allSatisfy { $0 >= $1 })
        #expect(m.failureLimit >= 3)
    }

    /// A run or failure streak the known-good baseline itself made is never a loop: the
    /// held-out scenarios had an agent that polls in runs of 25 alerted at 21.
    @Test func boundsNeverAdmitARunTheBaselineMade() {
        var b = Scenario.baseline
        #expect(Self.model.repeatLimit.allSatisfy { $0 <= 25 } && Self.model.failureLimit <= 12)
        b.sessions.longestRepeat = 25
        b.sessions.longestFailureStreak = 12
        let m = AgentModel(baseline: b, alpha: DetectionSettings().alphaPerDetector)
        #expect(m.repeatLimit.allSatisfy { $0 == 26 } && m.repeatLimitOther == 26, "\(m.repeatLimit)")
        #expect(m.failureLimit == 13)
    }
}
