import Testing
@testable import DriftwatchCore

/// Every alert of every scenario has the shape spec §2 promises.
struct AlertShapeTests {
    static let scenarios = Scenario.all.map(\.0)

    @Test(arguments: scenarios)
    func everyAlertIsWellFormed(_ name: String) {
        let run = Scenario.all.first { $0.0 == name }!.1()
        for alert in run.alerts + run.breakerAlerts {
            let event = run.events[alert.seq]
            #expect(event != nil, "\(alert.kind): seq \(alert.seq) is no event")
            #expect(alert.ts == event?.ts, "\(alert.kind): ts is not the triggering event's")
            #expect(alert.agent == event?.agent)
            if alert.kind.isSessionScoped || alert.evidence["scope"] == "session" {
                #expect(alert.session != nil && alert.session == event?.session, "\(alert.kind) without its session")
            } else {
                #expect(alert.session == nil, "\(alert.kind) is agent-scoped but has session \(alert.session ?? "")")
            }
            #expect(!alert.message.isEmpty)
            #expect(alert.message.hasSuffix("."), "\(alert.message)")
            #expect(!alert.message.contains("\n"))
            #expect(Self.sentenceBreaks(alert.message) == 0, "more than one sentence: \(alert.message)")
            #expect(alert.score.isFinite && alert.threshold.isFinite)
            guard case .object(let members) = alert.evidence else {
                Issue.record("\(alert.kind): evidence is not an object")
                continue
            }
            #expect(!members.isEmpty)
            #expect(alert.id.hasPrefix("al_") && alert.id.count == 19)
            #expect(alert.json.objectValue?.map(\.key) == [
                "id", "ts", "agent", "session", "kind", "severity", "score", "threshold", "message", "evidence", "seq",
            ])
        }
    }

    @Test func misbehaviourScenariosCoverEveryDetectorKind() {
        var kinds = Set<Alert.Kind>()
        for (_, make) in Scenario.all { kinds.formUnion(make().alerts.map(\.kind)) }
        let detections = Set(Alert.Kind.allCases.filter { $0.family != "breaker" })
        #expect(detections.subtracting(kinds).isEmpty, "never raised: \(detections.subtracting(kinds).map(\.rawValue))")
    }

    @Test func alertIDsAreDeterministicAndDistinct() {
        let a = Scenario.newTools().alerts
        let b = Scenario.newTools().alerts
        #expect(a == b)
        #expect(Set(a.map(\.id)).count == a.count)
    }

    /// ". X" with X an upper-case letter: a second sentence.
    static func sentenceBreaks(_ s: String) -> Int {
        let c = Array(s)
        var n = 0
        for i in c.indices.dropLast(2) where (c[i] == "." || c[i] == "!" || c[i] == "?") && c[i + 1] == " " && c[i + 2].isUppercase {
            n += 1
        }
        return n
    }
}
