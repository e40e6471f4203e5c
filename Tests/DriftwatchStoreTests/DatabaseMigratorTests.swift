import Testing
import DriftwatchStore

private func twoStepMigrator() -> DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in try db.execute("CREATE TABLE a (x INTEGER)") }
    migrator.registerMigration("v2") { db in try db.execute("ALTER TABLE a ADD COLUMN y TEXT") }
    return migrator
}

@Test func migratorAppliesPendingMigrationsInOrderAndRecordsThem() throws {
    let db = try Database(path: ":memory:")
    let migrator = twoStepMigrator()
    #expect(try migrator.appliedMigrations(db) == [])
    #expect(try migrator.migrate(db) == ["v1", "v2"])
    #expect(try migrator.appliedMigrations(db) == ["v1", "v2"])
    #expect(try migrator.hasAppliedAllMigrations(db))
    try db.execute("INSERT INTO a (x, y) VALUES (1, 'ok')")
}

@Test func migratorIsIdempotent() throws {
    let db = try Database(path: ":memory:")
    let migrator = twoStepMigrator()
    try migrator.migrate(db)
    #expect(try migrator.migrate(db) == [])
    #expect(try migrator.appliedMigrations(db) == ["v1", "v2"])
}

@Test func migratorAppliesOnlyMigrationsAddedSinceLastRun() throws {
    let db = try Database(path: ":memory:")
    var old = DatabaseMigrator()
    old.registerMigration("v1") { db in try db.execute("CREATE TABLE a (x INTEGER)") }
    try old.migrate(db)
    #expect(try !twoStepMigrator().hasAppliedAllMigrations(db))
    #expect(try twoStepMigrator().migrate(db) == ["v2"])
}

@Test func migratorRefusesADatabaseFromANewerBinary() throws {
    let db = try Database(path: ":memory:")
    try twoStepMigrator().migrate(db)
    var older = DatabaseMigrator()
    older.registerMigration("v1") { db in try db.execute("CREATE TABLE a (x INTEGER)") }
    let error = try #require(throws: MigrationError.self) { try older.migrate(db) }
    guard case .unknownMigrations(let unknown, _) = error else {
        Issue.record("unexpected \(error)")
        return
    }
    #expect(unknown == ["v2"])
    #expect(error.description.contains("newer driftwatch"))
    #expect(error.description.contains("v2"))
}

@Test func failingMigrationIsRolledBackAndEarlierOnesStay() throws {
    struct Broken: Error {}
    let db = try Database(path: ":memory:")
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in try db.execute("CREATE TABLE a (x INTEGER)") }
    migrator.registerMigration("v2") { db in
        try db.execute("CREATE TABLE b (y INTEGER)")
        throw Broken()
    }
    let error = try #require(throws: MigrationError.self) { try migrator.migrate(db) }
    guard case .failed(let name, let underlying) = error else {
        Issue.record("unexpected \(error)")
        return
    }
    #expect(name == "v2")
    #expect(underlying is Broken)
    #expect(try migrator.appliedMigrations(db) == ["v1"])
    #expect(try db.fetchInt64("SELECT count(*) FROM sqlite_schema WHERE name = 'b'") == 0)
    #expect(!db.isInTransaction)
}

@Test func schemaCreatesEveryTable() throws {
    let db = try Database(path: ":memory:")
    #expect(try Schema.migrator.migrate(db) == Schema.migrator.migrations.map(\.name))
    let tables = Set(try db.fetchAll("SELECT name FROM sqlite_schema WHERE type = 'table'") { $0.text(at: 0) ?? "" })
    for table in ["events", "alerts", "baselines", "breakers", "breaker_transitions", "outbox", "audit",
                  "agents", "heartbeat", "schema_migrations"] {
        #expect(tables.contains(table), "missing \(table)")
    }
}

@Test func eventsWithTheSameAgentAndCallIDAreStoredOnce() throws {
    let db = try Database(path: ":memory:")
    try Schema.migrator.migrate(db)
    let insert = """
        INSERT INTO events (ts_ns, received_ns, agent, call_id, tool) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (agent, call_id) WHERE call_id IS NOT NULL DO NOTHING
        """
    try db.execute(insert, [1, 2, "billing-bot", "c-1", "sql.query"])
    #expect(db.changes == 1)
    try db.execute(insert, [3, 4, "billing-bot", "c-1", "sql.query"])
    #expect(db.changes == 0)
    // Same call_id from another agent, and events without call_id, are distinct.
    try db.execute(insert, [5, 6, "other-bot", "c-1", "sql.query"])
    try db.execute(insert, [7, 8, "billing-bot", nil, "sql.query"])
    try db.execute(insert, [9, 10, "billing-bot", nil, "sql.query"])
    #expect(try db.fetchInt64("SELECT count(*) FROM events") == 4)
    let plain = try #require(throws: SQLiteError.self) {
        try db.execute("INSERT INTO events (ts_ns, received_ns, agent, call_id) VALUES (1, 1, 'billing-bot', 'c-1')")
    }
    #expect(plain.code == .constraintUnique)
}

@Test func eventsRejectNegativeCostsAndWronglyTypedValues() throws {
    let db = try Database(path: ":memory:")
    try Schema.migrator.migrate(db)
    let negative = try #require(throws: SQLiteError.self) {
        try db.execute("INSERT INTO events (ts_ns, received_ns, agent, cost_usd) VALUES (1, 1, 'a', ?)", [-0.5])
    }
    #expect(negative.code == .constraintCheck)
    let wrongType = try #require(throws: SQLiteError.self) {
        try db.execute("INSERT INTO events (ts_ns, received_ns, agent) VALUES (?, 1, 'a')", ["yesterday"])
    }
    #expect(wrongType.code == .constraintDataType)
}

@Test func eventQueriesByAgentAndBySessionSeekWithinABlock() throws {
    let db = try Database(path: ":memory:")
    try Schema.migrator.migrate(db)
    func plan(_ sql: String) throws -> String {
        try db.fetchAll("EXPLAIN QUERY PLAN " + sql, [1, "x"]) { $0.text(at: 3) ?? "" }.joined(separator: "; ")
    }
    // One seek on (block, agent) / (block, session), already in ts order: no sort step.
    let agentPlan = try plan("SELECT * FROM events WHERE block = ? AND agent = ? ORDER BY ts_ns DESC, seq DESC")
    #expect(agentPlan.contains("events_block_agent (block=? AND agent=?)") && !agentPlan.contains("TEMP B-TREE"), "\(agentPlan)")
    let sessionPlan = try plan("SELECT * FROM events WHERE block = ? AND session = ? ORDER BY ts_ns, seq")
    #expect(sessionPlan.contains("events_block_session (block=? AND session=?)") && !sessionPlan.contains("TEMP B-TREE"),
            "\(sessionPlan)")
}

@Test func auditRowsCannotBeUpdatedOrDeleted() throws {
    let db = try Database(path: ":memory:")
    try Schema.migrator.migrate(db)
    try db.execute("""
        INSERT INTO audit (ts_ns, actor, role, action, subject, prev_hash, hash)
        VALUES (1, 'ops', 'admin', 'breaker.trip', 'billing-bot', ?, 'h1')
        """, [.text(String(repeating: "0", count: 64))])
    for sql in ["UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"] {
        let error = try #require(throws: SQLiteError.self) { try db.execute(sql) }
        #expect(error.code == .constraintTrigger)
        #expect(error.message.contains("append-only"))
    }
    #expect(try db.fetchText("SELECT actor FROM audit") == "ops")
}
