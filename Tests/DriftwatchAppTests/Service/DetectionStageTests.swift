@testable import DriftwatchApp
import DriftwatchCore
@testable import DriftwatchStore
import Testing

/// The pipeline's second stage (`IngestPipeline`): detection runs after the events'
/// commit, its results follow in the writer's next transaction, and what a crash left
/// undetected is detected at the next start.
@Suite struct DetectionStageTests {
    static let start: Int64 = 1_700_000_000_000_000_000

    /// One session calling the same tool with the same arguments, well past the
    /// repeat bound (loop.repeat runs while an agent is still learning).
    static func loop(_ n: Int) -> [Event] {
        (0..<n).map { i in
            Event(agent: "looper", tool: "search.docs", ts: start + Int64(i) * 1_000_000_000, session: "s-1",
                  callID: "c-\(i)", args: .object([JSONMember("q", "refund policy")]))
        }
    }

    static func pipeline(_ store: any DatabaseWriter) -> IngestPipeline {
        IngestPipeline(store: store, monitor: Monitor(settings: DetectionSettings()), persistedBaselines: [],
                       batchSize: 64, maxQueuedEvents: 10_000, redact: true, metrics: ServiceMetrics(),
                       clock: WallClock { start }, log: { _ in })
    }

    /// Runs `pipeline` until `body` returns and everything it submitted is detected and stored.
    static func running(_ pipeline: IngestPipeline, _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pipeline.run() }
            try await body()
            await pipeline.settled()
            pipeline.finish()
            try await group.waitForAll()
        }
    }

    static func alerts(_ store: any DatabaseWriter) throws -> [StoredAlert] {
        try store.readSync { db in try AlertStore.query(AlertQuery(limit: 1_000), in: db) }
    }

    @Test func alertsFollowTheirEventsAndTheProgressMarkReachesTheLastEvent() async throws {
        let store = try DatabaseQueue(path: ":memory:", migrator: Schema.migrator)
        let pipeline = Self.pipeline(store)
        let events = Self.loop(200)
        try await Self.running(pipeline) {
            // Several submissions, so that batches commit while earlier ones are detected.
            for chunk in stride(from: 0, to: events.count, by: 25) {
                let outcome = try await pipeline.submit(Array(events[chunk..<chunk + 25]), receivedNS: Self.start)
                #expect(outcome == IngestPipeline.Outcome(stored: 25, duplicates: 0))
            }
        }
        let alerts = try Self.alerts(store)
        #expect(alerts.contains { $0.kind == "loop.repeat" }, "\(alerts.map(\.kind))")
        #expect(try store.readSync { try DetectionProgress.throughSeq(in: $0) } == 200)
        #expect(try store.readSync { try EventStore.count(in: $0) } == 200)
        #expect(pipeline.queueDepth == 0)
    }

    @Test func eventsACrashLeftUndetectedAreDetectedAtTheNextStartAsTheyWouldHaveBeenLive() async throws {
        let events = Self.loop(120)
        // Live: the same events through a running pipeline.
        let live = try DatabaseQueue(path: ":memory:", migrator: Schema.migrator)
        let livePipeline = Self.pipeline(live)
        try await Self.running(livePipeline) {
            _ = try await livePipeline.submit(events, receivedNS: Self.start)
        }
        let expected = try Self.alerts(live)
        #expect(!expected.isEmpty)

        // A run that died after committing the events and before committing their alerts.
        let dir = try TemporaryDirectory()
        let path = dir.file("store.db")
        do {
            let crashed = try DatabaseQueue(path: path, migrator: Schema.migrator)
            try crashed.writeSync { db in
                _ = try EventStore.append(events.map { EventRecord($0, receivedNS: Self.start, redact: true) }, in: db)
            }
        }
        let store = try DatabaseQueue(path: path, migrator: Schema.migrator)
        #expect(try store.readSync { try DetectionProgress.throughSeq(in: $0) } == 0)
        let restarted = Self.pipeline(store)
        #expect(try restarted.recoverUndetected() == events.count)
        try await Self.running(restarted) {}
        #expect(try Self.alerts(store) == expected)
        #expect(try store.readSync { try DetectionProgress.throughSeq(in: $0) } == Int64(events.count))

        // Nothing is left for a third start, and nothing is detected twice.
        let again = Self.pipeline(store)
        #expect(try again.recoverUndetected() == 0)
        try await Self.running(again) {}
        #expect(try Self.alerts(store) == expected)
    }

    @Test func aStoreFromBeforeTheProgressMarkCountsAsDetected() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("old.db")
        var upToV4 = DatabaseMigrator()
        upToV4.registerMigration("v1", Schema.createV1)
        upToV4.registerMigration("v2", Schema.createV2)
        upToV4.registerMigration("v3-killswitch", Schema.createV3KillSwitch)
        upToV4.registerMigration("v4-blocks", Schema.createV4Blocks)
        do {
            let old = try DatabaseQueue(path: path, migrator: upToV4)
            try old.writeSync { db in
                _ = try EventStore.append(Self.loop(30).map { EventRecord($0, receivedNS: Self.start, redact: true) }, in: db)
            }
        }
        let store = try DatabaseQueue(path: path, migrator: Schema.migrator)
        #expect(try store.readSync { try DetectionProgress.throughSeq(in: $0) } == 30)
        #expect(try Self.pipeline(store).recoverUndetected() == 0)
    }
}
