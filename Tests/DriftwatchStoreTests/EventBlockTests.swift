import DriftwatchCore
@testable import DriftwatchStore
import Testing

/// Events indexed by block (Schema v4-blocks): reads walk the blocks and must find what
/// a plain scan of the table finds.
struct EventBlockTests {
    private func store(_ migrator: DatabaseMigrator = Schema.migrator) throws -> Database {
        let db = try Database(path: ":memory:")
        try migrator.migrate(db)
        return db
    }

    /// Three agents, sessions of 7 calls, timestamps rising with arrival, 2,500 per batch.
    private func batches(_ count: Int, from start: Int = 0, size: Int = 2_500) -> [[EventRecord]] {
        (0..<count).map { b in
            (0..<size).map { i in
                let n = start + b * size + i
                return EventRecord(Event(agent: "agent-\(n % 3)", tool: "t\(n % 5)", ts: Int64(n) * 1_000, session: "s-\(n / 21)",
                                         callID: "c-\(n)"), receivedNS: Int64(n), redact: false)
            }
        }
    }

    private func scanned(_ db: Database, _ filter: String, _ value: String, order: String) throws -> [Int64] {
        try db.fetchAll("SELECT seq FROM events NOT INDEXED WHERE \(filter) = ? ORDER BY \(order)", [.text(value)]) { $0.int64(at: 0) }
    }

    @Test func eachBatchTakesTheBlockOfItsFirstSeqAndBlocksNeverDecrease() throws {
        let db = try store()
        for batch in batches(5) { _ = try db.transaction { db in try EventStore.append(batch, in: db) } }
        let blocks = try db.fetchAll("SELECT seq, block FROM events ORDER BY seq") { ($0.int64(at: 0), $0.int64(at: 1)) }
        #expect(blocks.count == 12_500)
        // Batch k starts at seq 2,500k + 1.
        for (seq, block) in blocks { #expect(block == ((seq - 1) / 2_500 * 2_500 + 1) >> EventStore.blockShift) }
        #expect(try EventStore.storedBlocks(in: db) == 0...2)
        // Emptied by retention, the store goes on from the largest seq ever drawn.
        try db.execute("DELETE FROM events")
        #expect(try EventStore.storedBlocks(in: db) == nil)
        _ = try EventStore.append(batches(1, from: 12_500)[0], in: db)
        #expect(try db.fetchInt64("SELECT min(block) FROM events") == 12_501 >> EventStore.blockShift)
    }

    @Test func agentAndSessionReadsFindWhatAScanFinds() throws {
        let db = try store()
        for batch in batches(6) { _ = try EventStore.append(batch, in: db) }
        #expect(try EventStore.storedBlocks(in: db)!.count >= 3)
        for limit in [1, 10, 2_500, 4_999, 5_000, 6_000] {
            let newest = try scanned(db, "agent", "agent-1", order: "ts_ns DESC, seq DESC").prefix(limit)
            let recent = try EventStore.recentEvents(agent: "agent-1", limit: limit, in: db)
            let same = recent.map(\.ts) == newest.reversed().map { ($0 - 1) * 1_000 }
            #expect(same, "limit \(limit): \(recent.count) of \(newest.count) rows")
        }
        // Sessions that straddle a block boundary come back whole and in order.
        for n in [0, 4_095, 4_096, 8_200, 14_999] {
            let session = "s-\(n / 21)"
            let scan = try scanned(db, "session", session, order: "ts_ns, seq")
            let walked = try EventStore.collectByBlock(limit: 100, newestFirst: false, in: db) { block, remaining in
                try db.fetchAll("SELECT seq FROM events WHERE block = ? AND session = ? ORDER BY ts_ns, seq LIMIT ?",
                                [.integer(block), .text(session), .integer(Int64(remaining))]) { $0.int64(at: 0) }
            }
            #expect(!scan.isEmpty && walked == scan, "\(session)")
        }
        #expect(try EventStore.recentEvents(agent: "nobody", limit: 10, in: db).isEmpty)
    }

    @Test func eventsStoredBeforeBlocksStayFindable() throws {
        var v3 = DatabaseMigrator()
        v3.registerMigration("v1", Schema.createV1)
        v3.registerMigration("v2", Schema.createV2)
        v3.registerMigration("v3-killswitch", Schema.createV3KillSwitch)
        let db = try store(v3)
        let old = batches(2)
        for batch in old {
            for r in batch {
                try db.execute("INSERT INTO events (ts_ns, received_ns, agent, session, call_id, tool) VALUES (?, ?, ?, ?, ?, ?)",
                               [.integer(r.tsNS), .integer(r.receivedNS), .text(r.agent), .text(r.session!), .text(r.callID!),
                                .text(r.tool!)])
            }
        }
        #expect(try Schema.migrator.migrate(db) == ["v4-blocks", "v5-detection-progress"])
        #expect(try db.fetchInt64("SELECT count(*) FROM events WHERE block = 0") == 5_000)
        // Duplicates of old rows are still refused; new rows go to the blocks after.
        let again = try EventStore.append(old[1] + batches(1, from: 5_000)[0], in: db)
        #expect(again.prefix(2_500).allSatisfy { $0 == nil } && again.suffix(2_500).allSatisfy { $0 != nil })
        #expect(try EventStore.storedBlocks(in: db) == 0...(5_001 >> EventStore.blockShift))
        let recent = try EventStore.recentEvents(agent: "agent-2", limit: 2_000, in: db)
        let scan = try scanned(db, "agent", "agent-2", order: "ts_ns DESC, seq DESC").prefix(2_000)
        #expect(recent.count == 2_000 && recent.first!.ts! < 5_000_000 && recent.last!.ts! > 5_000_000)
        let scannedTimes = try scan.reversed().map { seq in
            try db.fetchInt64("SELECT ts_ns FROM events WHERE seq = ?", [.integer(seq)])!
        }
        #expect(recent.map(\.ts!) == scannedTimes, "differs from the scan")
    }
}
