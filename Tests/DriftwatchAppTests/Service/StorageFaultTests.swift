#if canImport(Glibc)
import Glibc
#endif
@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore
import Synchronization
import Testing

/// A store that cannot be written (issue 6, faults): ingest answers 503 with
/// `Retry-After` and the cause, `/healthz` answers 503 with the reason, the fault is
/// logged once per state change, and both recover by themselves once the store takes
/// writes again — without the refused events having reached detection.
///
/// `PRAGMA max_page_count` makes SQLite report `SQLITE_FULL` exactly as a full disk
/// does, and `PRAGMA query_only` makes it report `SQLITE_READONLY`; real disk-full and
/// read-only file systems are exercised by `Benchmarks/faults/storage.py` (needs root).
struct StorageFaultTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    /// Routes over an in-memory store whose log is captured; learning freezes after 1,000 calls.
    func withStore(_ body: (ServiceRoutes, IngestPipeline, any DatabaseWriter, Lines) async throws -> Void) async throws {
        let lines = Lines()
        let store = try DatabaseQueue(path: ":memory:", migrator: Schema.migrator)
        let settings = DetectionSettings()
        #expect(settings.minCalls == 1000)
        let metrics = ServiceMetrics()
        let clock = WallClock { 1_700_000_000_000_000_000 }
        let pipeline = IngestPipeline(store: store, monitor: Monitor(settings: settings), persistedBaselines: [],
                                      batchSize: 4096, maxQueuedEvents: 100_000, redact: false, metrics: metrics,
                                      clock: clock, log: { lines.append($0) })
        let routes = ServiceRoutes(pipeline: pipeline, store: store, metrics: metrics, access: AccessControl(tokens: .init()),
                                   maxLineBytes: 1 << 18, clock: clock)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pipeline.run() }
            do {
                try await body(routes, pipeline, store, lines)
            } catch {
                pipeline.finish()
                throw error
            }
            pipeline.finish()
            try await group.waitForAll()
        }
    }

    func calls(_ agent: String, _ range: Range<Int>) -> [UInt8] {
        let pad = String(repeating: "x", count: 200)
        return Array(range.map { #"{"agent":"\#(agent)","tool":"t\#($0 % 3)","call_id":"c\#($0)","args":{"n":\#($0),"pad":"\#(pad)"}}"# }
            .joined(separator: "\n").utf8)
    }

    @Test func aFullStoreRefusesIngestWith503AndRecoversWithoutDetectionHavingSeenTheRefusedEvents() async throws {
        try await withStore { routes, pipeline, store, lines in
            #expect(try await routes.postEventsDetected(post("/v1/events", calls("learner", 0..<10))).status == .accepted)
            // No page may be added any more: the next batch that needs one fails with SQLITE_FULL.
            try await store.writeWithoutTransaction { db in
                let pages = try db.fetchInt64("PRAGMA page_count") ?? 0
                try db.execute("PRAGMA max_page_count = \(pages)")
            }
            let big = calls("learner", 10..<410)
            for _ in 0..<3 {
                let refused = try await respond { try await routes.postEvents(post("/v1/events", big)) }
                #expect(refused.status == .serviceUnavailable)
                #expect(refused.headers["Retry-After"] == "\(ServiceRoutes.storageFaultRetryAfterSeconds)")
                let message = try parseJSON(refused.body)["error"]?.stringValue ?? ""
                #expect(message.contains("the disk holding the store is full"), "\(message)")
                #expect(message.contains("nothing of this request was stored"))
            }
            // The heartbeat rewrites an existing page and may commit, but ingest is failing: 503.
            let health = await routes.getHealth()
            #expect(health.status == .serviceUnavailable)
            let healthJSON = try parseJSON(health.body)
            #expect(healthJSON["reason"] == "disk_full")
            #expect(healthJSON["status"] == "unavailable")
            #expect(try await store.read { try EventStore.count(in: $0) } == 10)
            // Logged once, not once per refused batch.
            #expect(lines.all.filter { $0.hasPrefix("store: not writable") }.count == 1, "\(lines.all)")

            try await store.writeWithoutTransaction { db in try db.execute("PRAGMA max_page_count = 1073741823") }
            // The client retries the refused batch (three times over): stored once.
            let retried = try await routes.postEventsDetected(post("/v1/events", big))
            #expect(retried.status == .accepted)
            #expect(try await store.read { try EventStore.count(in: $0) } == 410)
            #expect(await routes.getHealth().status == .ok)
            #expect(lines.all.filter { $0.hasPrefix("store: writable again") }.count == 1, "\(lines.all)")
            #expect(lines.all.last?.contains("3 ingest batches (1200 events) were refused meanwhile") == true, "\(lines.all)")
            // 410 calls stored; had the Monitor counted the 1,200 refused ones, the baseline would be frozen.
            #expect(pipeline.withMonitor { $0.isLearning("learner") })
            #expect(try await routes.postEventsDetected(post("/v1/events", calls("learner", 410..<1000))).status == .accepted)
            #expect(pipeline.withMonitor { !$0.isLearning("learner") })
        }
    }

    @Test func aReadOnlyStoreIsReportedAsSuchOnIngestAndHealthThenRecovers() async throws {
        try await withStore { routes, _, store, lines in
            try await store.writeWithoutTransaction { db in try db.execute("PRAGMA query_only = 1") }
            let refused = try await respond { try await routes.postEvents(post("/v1/events", calls("a", 0..<5))) }
            #expect(refused.status == .serviceUnavailable)
            #expect(try parseJSON(refused.body)["error"]?.stringValue?.contains("the store is read-only") == true)
            let health = await routes.getHealth()
            #expect(health.status == .serviceUnavailable)
            #expect(try parseJSON(health.body)["reason"] == "read_only")
            #expect(lines.all.filter { $0.hasPrefix("store: not writable: the store is read-only") }.count == 1, "\(lines.all)")

            try await store.writeWithoutTransaction { db in try db.execute("PRAGMA query_only = 0") }
            // The heartbeat commits, but ingest failed a moment ago: still 503 until ingest commits.
            #expect(await routes.getHealth().status == .serviceUnavailable)
            #expect(try await routes.postEvents(post("/v1/events", calls("a", 0..<5))).status == .accepted)
            #expect(await routes.getHealth().status == .ok)
            #expect(try await store.read { try EventStore.count(in: $0) } == 5)
        }
    }

    @Test func faultsAreClassifiedFromTheExtendedCodeAndTheSystemErrno() {
        func fault(_ code: SQLiteError.Code, errno: Int32? = nil) -> StorageFault.Kind? {
            StorageFault(SQLiteError(code: code, message: "m", systemErrno: errno))?.kind
        }
        let ioErrWrite = SQLiteError.Code(rawValue: SQLiteError.Code.ioError.rawValue | (3 << 8))  // SQLITE_IOERR_WRITE
        #expect(fault(.full) == .diskFull)
        #expect(fault(ioErrWrite, errno: ENOSPC) == .diskFull)
        #expect(fault(.readOnly) == .readOnly)
        // ext4 remounted read-only after errors: SQLite says "disk I/O error", errno says why.
        #expect(fault(ioErrWrite, errno: EROFS) == .readOnly)
        #expect(fault(ioErrWrite, errno: EPERM) == .readOnly)  // chattr +i
        #expect(fault(ioErrWrite, errno: EIO) == .ioError)
        #expect(fault(.busy) == nil)
        #expect(fault(.constraintUnique) == nil)
        let described = SQLiteError(code: ioErrWrite, message: "disk I/O error", systemErrno: EROFS).description
        #expect(described.contains("errno 30: Read-only file system"), "\(described)")
    }

    @Test func healthStaysFaultedForAWhileAfterAFailedIngestCommitThenTheHeartbeatDecides() {
        let lines = Lines()
        let health = StoreHealth(log: { lines.append($0) })
        let full = StorageFault(kind: .diskFull, detail: "SQLITE_FULL")
        let t0: Int64 = 1_000_000_000_000
        health.ingestFailed(full, events: 7, nowNS: t0)
        health.ingestFailed(full, events: 7, nowNS: t0 + 1)
        #expect(health.heartbeat(nil, nowNS: t0 + StoreHealth.ingestFailureMemoryNS - 1) == .faulted(full, sinceNS: t0))
        // The reason changes: logged again, the start of the outage is kept.
        let readOnly = StorageFault(kind: .readOnly, detail: "EROFS")
        #expect(health.heartbeat(readOnly, nowNS: t0 + 2) == .faulted(readOnly, sinceNS: t0))
        health.ingestFailed(full, events: 1, nowNS: t0 + 3)
        // No failing batch for the memory span: the successful heartbeat clears it.
        #expect(health.heartbeat(nil, nowNS: t0 + 3 + StoreHealth.ingestFailureMemoryNS) == .writable)
        #expect(health.status == .writable)
        #expect(lines.all.count == 4, "\(lines.all)")
        #expect(lines.all.last?.contains("3 ingest batches (15 events) were refused") == true, "\(lines.all)")
    }
}
