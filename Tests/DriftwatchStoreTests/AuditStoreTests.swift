import DriftwatchCore
import DriftwatchStore
import Testing

private func memoryDatabase() throws -> Database {
    let db = try Database(path: ":memory:")
    try Schema.migrator.migrate(db)
    return db
}

private func appendRows(_ n: Int, in db: Database) throws {
    try db.transaction { db in
        for i in 0..<n {
            try AuditStore.append(tsNS: Int64(1_000 + i), actor: "token:admin", role: "admin", action: "breaker.trip",
                                  subject: "bot-\(i)", detail: ["reason": .string("row \(i)"), "n": .number(Double(i))], in: db)
        }
    }
}

@Test func auditRowsChainFromTheGenesisHashAndVerify() throws {
    let db = try memoryDatabase()
    try appendRows(5, in: db)
    let rows = try AuditStore.recent(limit: 10, in: db).reversed().map { $0 }
    #expect(rows.map(\.id) == [1, 2, 3, 4, 5])
    #expect(rows[0].prevHash == AuditRecord.genesisHash)
    for (a, b) in zip(rows, rows.dropFirst()) { #expect(b.prevHash == a.hash) }
    // hash = SHA-256(prev_hash ‖ canonical content), hex.
    var h = SHA256()
    h.update(Array(rows[0].prevHash.utf8))
    h.update(Array(#"{"action":"breaker.trip","actor":"token:admin","detail":{"n":0,"reason":"row 0"},"id":1,"role":"admin","subject":"bot-0","ts_ns":1000}"#.utf8))
    #expect(rows[0].hash == HexEncoding.encode(h.finalize()))
    let v = try AuditStore.verify(in: db)
    #expect(v.firstBreak == nil && v.count == 5)
}

@Test func theSchemaRefusesUpdatesAndDeletesOfAuditRows() throws {
    let db = try memoryDatabase()
    try appendRows(2, in: db)
    #expect(throws: SQLiteError.self) { try db.execute("UPDATE audit SET subject = 'x' WHERE id = 1") }
    #expect(throws: SQLiteError.self) { try db.execute("DELETE FROM audit WHERE id = 1") }
}

@Test func anEditedRowIsNamedByVerify() throws {
    let db = try memoryDatabase()
    try appendRows(5, in: db)
    // What someone with sqlite3 and write access could do.
    try db.execute("DROP TRIGGER audit_no_update")
    try db.execute("UPDATE audit SET detail = '{\"n\":2,\"reason\":\"nothing happened\"}' WHERE id = 3")
    let v = try AuditStore.verify(in: db)
    #expect(v.firstBreak == .hashMismatch(id: 3))
}

@Test func aRecomputedHashStillBreaksTheNextRow() throws {
    let db = try memoryDatabase()
    try appendRows(4, in: db)
    try db.execute("DROP TRIGGER audit_no_update")
    // The forger fixes row 2's own hash, but row 3 still points at the old one.
    var row = try #require(AuditStore.recent(limit: 10, in: db).first { $0.id == 2 })
    row.subject = "someone-else"
    try db.execute("UPDATE audit SET subject = ?, hash = ? WHERE id = 2", [.text(row.subject), .text(row.computedHash)])
    #expect(try AuditStore.verify(in: db).firstBreak == .prevHashMismatch(id: 3))
}

@Test func aDeletedRowIsFoundAtTheRowAfterIt() throws {
    let db = try memoryDatabase()
    try appendRows(4, in: db)
    try db.execute("DROP TRIGGER audit_no_delete")
    try db.execute("DELETE FROM audit WHERE id = 2")
    #expect(try AuditStore.verify(in: db).firstBreak == .prevHashMismatch(id: 3))
}

@Test func outboxDueRowsHeadTheirAgentAndWebhookQueue() throws {
    let db = try memoryDatabase()
    let a = "http://127.0.0.1:1/a", b = "http://127.0.0.1:1/b"
    _ = try db.transaction { db in
        try OutboxStore.insert([
            NewOutboxRow(eventID: "e1", eventType: "breaker.open", agent: "x", webhookURL: a, body: "{}"),
            NewOutboxRow(eventID: "e1", eventType: "breaker.open", agent: "x", webhookURL: b, body: "{}"),
            NewOutboxRow(eventID: "e2", eventType: "breaker.closed", agent: "x", webhookURL: a, body: "{}"),
            NewOutboxRow(eventID: "e3", eventType: "breaker.open", agent: "y", webhookURL: a, body: "{}"),
            NewOutboxRow(eventID: "e1", eventType: "breaker.open", agent: "x", webhookURL: a, body: "{}"),  // duplicate
        ], createdNS: 100, in: db)
    }
    #expect(try OutboxStore.countsByState(in: db)["pending"] == 4)
    #expect(try OutboxStore.due(nowNS: 100, limit: 10, in: db).map(\.eventID) == ["e1", "e1", "e3"])
    #expect(try OutboxStore.due(nowNS: 99, limit: 10, in: db).isEmpty)
    // The head fails and waits: the agent's later row to the same webhook still waits behind it.
    try OutboxStore.markRetry(id: 1, attempts: 1, atNS: 100, nextAttemptNS: 5_000, error: "HTTP 503", in: db)
    #expect(try OutboxStore.due(nowNS: 200, limit: 10, in: db).map(\.id) == [2, 4])
    #expect(try OutboxStore.nextDueNS(in: db) == 100)
    try OutboxStore.markDead(id: 1, attempts: 2, atNS: 300, error: "gave up", in: db)
    #expect(try OutboxStore.due(nowNS: 300, limit: 10, in: db).map(\.id) == [2, 3, 4])
    try OutboxStore.markDelivered(id: 3, attempts: 1, atNS: 400, in: db)
    #expect(try OutboxStore.recent(state: .delivered, limit: 10, in: db).map(\.id) == [3])
}
