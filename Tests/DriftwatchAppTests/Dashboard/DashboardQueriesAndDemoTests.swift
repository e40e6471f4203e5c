import Foundation
@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchStore
import Testing

/// Bounded queries behind the pages, and the demo fleet matching its shipped baselines.
struct DashboardQueriesAndDemoTests {
    @Test func activityWindowIsCutToTheMostRecentRows() async throws {
        try await withDashboard { _, _, pipeline, store in
            let events = (0..<100).map { i in Event(agent: "a\(i % 2)", tool: "t", ts: testNow, costUSD: 1) }
            for (i, e) in events.enumerated() { _ = try await pipeline.submit([e], receivedNS: testNow - Int64(100 - i) * 1_000_000_000) }
            let (all, start) = try await store.read { db in try DashboardQueries.activity(receivedSince: 0, in: db) }
            #expect(all.values.reduce(0) { $0 + $1.calls } == 100 && start == testNow - 100_000_000_000)
            let (cut, cutStart) = try await store.read { db in try DashboardQueries.activity(receivedSince: 0, maxRows: 10, in: db) }
            #expect(cut.values.reduce(0) { $0 + $1.calls } == 10 && cutStart == testNow - 10_000_000_000)
            let recent = try await store.read { db in
                try DashboardQueries.eventCount(receivedSince: testNow - 30_000_000_000, in: db)
            }
            #expect(recent == 30)
        }
    }

    @Test func demoFleetMatchesItsShippedBaselinesAndStreamsInTimeOrder() throws {
        var baselinesDirectory = URL(fileURLWithPath: shippedDashboards)
        baselinesDirectory.deleteLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: baselinesDirectory.path + "/baselines/demo")
        var fleet = DemoFleet(origin: testNow, streamSeed: 99)
        let names = fleet.agentsByPersona.values.flatMap { $0 }
        #expect(names.count == DemoFleet.agents)
        #expect(Set(files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }) == Set(names))
        #expect(Set(fleet.agentsByPersona.keys) == ["billing", "ci", "support", "research", "ops"])
        let events = fleet.events(until: testNow + 20_000_000_000)
        #expect(events.count > 100)  // tens of events per second
        #expect(zip(events, events.dropFirst()).allSatisfy { ($0.ts ?? 0) <= ($1.ts ?? 0) })
        let script = DemoScript(agentsByPersona: fleet.agentsByPersona)
        #expect(script.steps.map(\.at) == [20, 40, 60, 85])
        #expect(script.steps.allSatisfy { names.contains($0.agent) })
        var configuration = Configuration()
        DemoScript.configure(&configuration)
        #expect(configuration.detection.toolClasses.classify("db.drop_table") == .destructive)
    }
}
