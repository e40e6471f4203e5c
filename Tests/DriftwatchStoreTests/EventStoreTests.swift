import DriftwatchCore
@testable import DriftwatchStore
import Testing

private func memoryDatabase() throws -> Database {
    let db = try Database(path: ":memory:")
    try Schema.migrator.migrate(db)
    return db
}

private func record(_ agent: String = "billing-bot", tool: String = "sql.query", callID: String? = nil,
                    ts: Int64 = 1_000, args: JSONValue? = nil, redact: Bool = true) -> EventRecord {
    EventRecord(Event(agent: agent, tool: tool, ts: ts, callID: callID, args: args), receivedNS: 2_000, redact: redact)
}

@Test func appendStoresABatchAndReturnsSequenceNumbersInOrder() throws {
    let db = try memoryDatabase()
    let seqs = try db.transaction { db in
        try EventStore.append((0..<100).map { record(callID: "c-\($0)", ts: Int64($0)) }, in: db)
    }
    #expect(seqs == (1...100).map { Int64($0) })
    #expect(try EventStore.count(in: db) == 100)
    #expect(try db.fetchInt64("SELECT count(*) FROM events") == 100)
}

@Test func duplicateCallIDsAreSkippedAcrossAndWithinBatches() throws {
    let db = try memoryDatabase()
    let first = try EventStore.append([record(callID: "c-1"), record(callID: "c-2")], in: db)
    #expect(first == [1, 2])
    // c-1 again (earlier batch), c-3 twice (same batch), no call_id twice (never duplicates),
    // and c-1 from another agent (a different key).
    let second = try EventStore.append([record(callID: "c-1"), record(callID: "c-3"), record(callID: "c-3"),
                                        record(), record(), record("other-bot", callID: "c-1")], in: db)
    // Duplicates get no seq (SQLite still draws one, so the sequence has gaps).
    #expect(second.map { $0 != nil } == [false, true, false, true, true, true])
    let seqs = second.compactMap { $0 }
    #expect(seqs == seqs.sorted() && seqs.first! > 2)
    #expect(try EventStore.count(in: db) == 6)
    #expect(try EventStore.seqSpan(in: db) >= 6)
}

@Test func aDuplicateWithinOneMultiRowStatementIsSkippedForTheSecond() throws {
    let db = try memoryDatabase()
    // One full statement: c-3 at rows 3 and 20.
    var batch = (0..<EventStore.rowsPerStatement).map { record(callID: "c-\($0)") }
    batch[20] = record(callID: "c-3")
    let seqs = try EventStore.append(batch, in: db)
    #expect(seqs[3] == 4 && seqs[20] == nil)
    #expect(seqs.enumerated().allSatisfy { $0.offset == 20 || $0.element == Int64($0.offset + 1) })
    #expect(try db.fetchInt64("SELECT seq FROM events WHERE call_id = 'c-3'") == 4)
    #expect(try EventStore.count(in: db) == Int64(EventStore.rowsPerStatement - 1))
}

@Test func aSeqAfterABatchEndingInADuplicateIsNotReused() throws {
    let db = try memoryDatabase()
    #expect(try EventStore.append([record(callID: "c-1"), record(callID: "c-1")], in: db) == [1, nil])
    // The duplicate drew seq 2, as AUTOINCREMENT drew it row by row.
    #expect(try EventStore.append([record(callID: "c-2")], in: db) == [3])
}

@Test func aBatchWithAFailingRowStoresNothing() throws {
    let db = try memoryDatabase()
    var batch = (0..<40).map { record(callID: "c-\($0)") }
    batch[10].costUSD = -1  // CHECK (cost_usd >= 0), inside the first 32-row statement
    #expect { try EventStore.append(batch, in: db) } throws: { ($0 as? SQLiteError)?.code == .constraintCheck }
    #expect(try EventStore.count(in: db) == 0)
    // Inside the caller's transaction the failure rolls back everything the batch wrote.
    #expect(throws: SQLiteError.self) { try db.transaction { db in try EventStore.append(batch, in: db) } }
    #expect(try EventStore.count(in: db) == 0)
    batch[10].costUSD = 1
    #expect(try EventStore.append(batch, in: db) == (1...40).map { Int64($0) })
}

/// What `append` returned and stored when it inserted one row per statement and let
/// AUTOINCREMENT draw each `seq`: the reference for the multi-row statements.
private func appendOneRowAtATime(_ records: [EventRecord], in db: Database) throws -> [Int64?] {
    try db.transaction { db in
        let block = try db.fetchInt64("SELECT (coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) + 1) >> ?",
                                      [.integer(Int64(EventStore.blockShift))])!
        return try records.map { r in
            func text(_ s: String?) -> SQLiteValue { s.map { .text($0) } ?? .null }
            func integer(_ i: Int64?) -> SQLiteValue { i.map { .integer($0) } ?? .null }
            func real(_ d: Double?) -> SQLiteValue { d.map { .real($0) } ?? .null }
            let before = db.totalChanges
            try db.execute("""
                INSERT INTO events (ts_ns, received_ns, agent, session, call_id, type, tool, args, status,
                                    cost_usd, tokens_in, tokens_out, latency_ms, model, reasoning, labels, block)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, [.integer(r.tsNS), .integer(r.receivedNS), .text(r.agent), text(r.session), text(r.callID), .text(r.type),
                      text(r.tool), text(r.args), .text(r.status), real(r.costUSD), integer(r.tokensIn), integer(r.tokensOut),
                      real(r.latencyMS), text(r.model), text(r.reasoning), text(r.labels), .integer(block)])
            return db.totalChanges != before ? db.lastInsertRowID : nil
        }
    }
}

@Test func appendReturnsAndStoresWhatOneRowAtATimeInsertsDid() throws {
    let multi = try memoryDatabase(), single = try memoryDatabase()
    // Call ids from a small pool, a third of them missing: duplicates within a statement,
    // across statements and across batches; 100 rows are 3 statements of 32 and 4 of one.
    var state: UInt64 = 7
    func next(_ n: UInt64) -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (state >> 33) % n
    }
    func batch() -> [EventRecord] {
        (0..<100).map { _ in
            let id = next(3) == 0 ? nil : "c-\(next(150))"
            var r = record(next(2) == 0 ? "a" : "b", tool: "t\(next(4))", callID: id, ts: Int64(next(1_000_000)))
            r.session = next(4) == 0 ? nil : "s-\(next(5))"
            r.costUSD = next(2) == 0 ? nil : Double(next(100)) / 7
            return r
        }
    }
    func stored(_ db: Database) throws -> [String] {
        try db.fetchAll("SELECT seq, agent, session, call_id, tool, ts_ns, cost_usd, block FROM events ORDER BY seq") { s in
            (0..<8).map { s.text(at: $0) ?? "NULL" }.joined(separator: "|")
        }
    }
    for round in 0..<4 {
        if round == 2 {
            // Retention took the newest rows: neither may reuse their seqs.
            for db in [multi, single] { try db.execute("DELETE FROM events WHERE seq > 150") }
        }
        let records = batch()
        let expected = try appendOneRowAtATime(records, in: single)
        #expect(try multi.transaction { db in try EventStore.append(records, in: db) } == expected, "round \(round)")
        #expect(expected.contains(nil) && expected.contains { $0 != nil })
    }
    #expect(try stored(multi) == stored(single))
}

@Test func argsAreStoredCanonicalWithSecretsRedacted() throws {
    let db = try memoryDatabase()
    let args: JSONValue = ["query": "SELECT 1", "api_key": "sk-live-123", "nested": ["password": 42,
                           "note": "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789"]]
    _ = try EventStore.append([record(args: args)], in: db)
    let stored = try #require(try db.fetchText("SELECT args FROM events"))
    #expect(!stored.contains("sk-live-123"))
    #expect(!stored.contains("abcdefghijklmnopqrstuvwxyz0123456789"))
    #expect(stored.hasPrefix(#"{"api_key":"[REDACTED]","nested":{"note":"#))
    #expect(stored.contains(#""password":"[REDACTED]""#))
    #expect(stored.hasSuffix(#""query":"SELECT 1"}"#))
}

@Test func redactionOffStoresArgsVerbatimButCanonical() throws {
    let args: JSONValue = ["b": 1, "api_key": "sk-live-123"]
    #expect(record(args: args, redact: false).args == #"{"api_key":"sk-live-123","b":1}"#)
}

@Test func reasoningIsRedacted() {
    var event = Event(agent: "a", tool: "t")
    event.reasoning = "use card 4111 1111 1111 1111 for the refund"
    let stored = EventRecord(event, receivedNS: 5, redact: true)
    #expect(stored.reasoning?.contains("4111") == false)
    #expect(stored.tsNS == 5, "an event without ts is stamped with its receipt time")
}

private func alert(_ agent: String, _ kind: Alert.Kind, _ severity: Alert.Severity, ts: Int64, seq: Int64) -> Alert {
    Alert(ts: ts, agent: agent, session: nil, kind: kind, severity: severity, score: 3, threshold: 1,
          message: "m", evidence: ["seen": "x"], seq: seq)
}

@Test func alertQueriesFilterAndReturnNewestFirst() throws {
    let db = try memoryDatabase()
    let alerts = [
        alert("a", .driftNewTool, .critical, ts: 10, seq: 1),
        alert("a", .loopRepeat, .warning, ts: 20, seq: 2),
        alert("b", .driftTools, .warning, ts: 30, seq: 3),
        alert("a", .driftArgs, .warning, ts: 40, seq: 4),
    ]
    #expect(try AlertStore.insert(alerts, in: db) == 4)
    #expect(try AlertStore.insert(alerts, in: db) == 0, "the same alert is stored once")
    #expect(try AlertStore.query(AlertQuery(), in: db).map(\.seq) == [4, 3, 2, 1])
    #expect(try AlertStore.query(AlertQuery(agent: "a"), in: db).map(\.seq) == [4, 2, 1])
    #expect(try AlertStore.query(AlertQuery(kind: "drift"), in: db).map(\.seq) == [4, 3, 1])
    #expect(try AlertStore.query(AlertQuery(kind: "drift.new_tool"), in: db).map(\.seq) == [1])
    #expect(try AlertStore.query(AlertQuery(severity: "warning"), in: db).map(\.seq) == [4, 3, 2])
    #expect(try AlertStore.query(AlertQuery(sinceNS: 20), in: db).map(\.seq) == [4, 3, 2])
    #expect(try AlertStore.query(AlertQuery(agent: "a", severity: "warning", limit: 1), in: db).map(\.seq) == [4])
    let stored = try #require(try AlertStore.query(AlertQuery(limit: 1), in: db).first)
    #expect(stored.json["evidence"] == ["seen": "x"])
    #expect(stored.json["id"] == .string(alerts[3].id))
}

@Test func baselinesRoundTripThroughTheTable() throws {
    let db = try memoryDatabase()
    var baseline = Baseline(agent: "billing-bot")
    baseline.events = 10
    baseline.toolCalls = 10
    try BaselineStore.upsert(baseline, createdNS: 1, in: db)
    baseline.events = 20
    try BaselineStore.upsert(baseline, createdNS: 2, in: db)
    #expect(try BaselineStore.loadAll(in: db) == [baseline])
    #expect(try db.fetchInt64("SELECT version FROM baselines") == 2)
    try db.execute("INSERT INTO baselines (agent, version, created_ns, body) VALUES ('broken', 1, 1, '{')")
    var invalid: [String] = []
    #expect(try BaselineStore.loadAll(in: db) { agent, _ in invalid.append(agent) }.count == 1)
    #expect(invalid == ["broken"])
}

@Test func agentCountersAccumulateAcrossBatches() throws {
    let db = try memoryDatabase()
    var tally = AgentTally()
    var failing = Event(agent: "a", tool: "t", ts: 50, costUSD: 0.5, tokensIn: 10)
    failing.status = "error"
    tally.add(EventRecord(failing, receivedNS: 0, redact: false))
    tally.add(EventRecord(Event(kind: .llmCall, agent: "a", tool: nil, ts: 70, costUSD: 0.25), receivedNS: 0, redact: false))
    try AgentStore.add(["a": tally], updatedNS: 1, in: db)
    try AgentStore.add(["a": tally], updatedNS: 2, in: db)
    let counters = try #require(try AgentStore.get("a", in: db))
    #expect(counters.events == 4 && counters.toolCalls == 2 && counters.errors == 2)
    #expect(counters.costUSD == 1.5 && counters.tokensIn == 20)
    #expect(counters.firstSeenNS == 50 && counters.lastSeenNS == 70)
    #expect(try AgentStore.get("b", in: db) == nil)
    #expect(try AgentStore.count(in: db) == 1)
}

@Test func retentionDeletesByCountAndAgeInBoundedChunks() throws {
    let db = try memoryDatabase()
    let records = (0..<250).map { i in
        EventRecord(Event(agent: "a", tool: "t", ts: Int64(i)), receivedNS: Int64(i), redact: false)
    }
    _ = try EventStore.append(records, in: db)
    try AlertStore.insert([alert("a", .loopRepeat, .warning, ts: 5, seq: 5), alert("a", .loopRepeat, .warning, ts: 240, seq: 240)], in: db)
    // Count: keep 200 of 250, 30 rows per chunk.
    let byCount = Retention(maxAgeNS: 1_000_000, maxEvents: 200, chunkRows: 30)
    #expect(try byCount.deleteChunk(now: 0, in: db) == 30)
    #expect(try byCount.deleteChunk(now: 0, in: db) == 20)
    #expect(try byCount.deleteChunk(now: 0, in: db) == 0)
    #expect(try EventStore.count(in: db) == 200)
    #expect(try db.fetchInt64("SELECT min(seq) FROM events") == 51)
    // Age: at now = 300 with max age 100, everything received before 200 goes (seq 51…200), and the old alert.
    let byAge = Retention(maxAgeNS: 100, maxEvents: 1_000_000, chunkRows: 100)
    var total = 0
    while case let n = try byAge.deleteChunk(now: 300, in: db), n > 0 { total += n }
    #expect(total == 150 + 1)
    #expect(try EventStore.count(in: db) == 50)
    #expect(try AlertStore.query(AlertQuery(), in: db).map(\.seq) == [240])
}

/// Regression (Benchmarks/load/soak.py): `SELECT min(seq), max(seq) FROM events` scans a
/// whole index, so each retention chunk on a store of a million rows held the writer for
/// a full scan and ingest fell from ~12,000 to ~1,000 events/s. The range must be two
/// O(log n) lookups on the rowid.
@Test func seqRangeIsTwoRowidLookupsNotAScan() throws {
    let db = try memoryDatabase()
    let plan = try db.fetchAll("EXPLAIN QUERY PLAN " + EventStore.seqRangeSQL) { $0.text(at: 3) ?? "" }
    let onEvents = plan.filter { $0.contains("events") }
    #expect(onEvents.count == 2 && onEvents.allSatisfy { $0.hasPrefix("SEARCH events") }, "\(plan)")
    // The form it replaced does scan (this is what the test guards against).
    let old = try db.fetchAll("EXPLAIN QUERY PLAN SELECT min(seq), max(seq) FROM events") { $0.text(at: 3) ?? "" }
    #expect(old.contains { $0.hasPrefix("SCAN events") }, "\(old)")
    // Same answers, empty and not.
    #expect(try EventStore.seqSpan(in: db) == 0)
    _ = try EventStore.append((0..<10).map { record(callID: "c-\($0)", ts: Int64($0)) }, in: db)
    try db.execute("DELETE FROM events WHERE seq < 4")
    #expect(try EventStore.seqSpan(in: db) == 7)
    let retention = Retention(maxAgeNS: 1_000_000, maxEvents: 5, chunkRows: 1)
    #expect(try retention.deleteChunk(now: 0, in: db) == 1)
    #expect(try db.fetchInt64("SELECT min(seq) FROM events") == 5)
}
