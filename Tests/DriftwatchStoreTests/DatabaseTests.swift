import Foundation
import Testing
import DriftwatchStore

@Test func constraintViolationThrowsSQLiteErrorWithExtendedCodeAndSQL() throws {
    let db = try Database(path: ":memory:")
    try db.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
    let sql = "INSERT INTO t (k, v) VALUES (?, ?)"
    try db.execute(sql, ["a", "1"])
    let error = try #require(throws: SQLiteError.self) { try db.execute(sql, ["a", "2"]) }
    #expect(error.code == .constraintPrimaryKey)
    #expect(error.code.primary == .constraint)
    #expect(error.isConstraintViolation)
    #expect(error.isUniqueViolation)
    #expect(error.sql == sql)
    #expect(error.message.contains("t.k"))
    #expect(error.description.contains(sql))

    let notNull = try #require(throws: SQLiteError.self) { try db.execute(sql, ["b", nil]) }
    #expect(notNull.code == .constraintNotNull)
    #expect(!notNull.isUniqueViolation)
}

@Test func errorsNeverContainBoundArgumentValues() throws {
    let db = try Database(path: ":memory:")
    try db.execute("""
        CREATE TABLE secrets (k TEXT PRIMARY KEY, v TEXT CHECK (length(v) < 10)) STRICT;
        CREATE TABLE numbers (n INTEGER) STRICT;
        """)
    let secret = "sk-live-SUPERSECRET-123456"
    try db.execute("INSERT INTO secrets (k) VALUES (?)", [.text(secret)])
    var errors: [SQLiteError] = []
    errors.append(try #require(throws: SQLiteError.self) {
        try db.execute("INSERT INTO secrets (k) VALUES (?)", [.text(secret)])
    })
    errors.append(try #require(throws: SQLiteError.self) {
        try db.execute("INSERT INTO secrets (k, v) VALUES ('x', ?)", [.text(secret)])
    })
    errors.append(try #require(throws: SQLiteError.self) {
        try db.execute("INSERT INTO numbers (n) VALUES (?)", [.text(secret)])
    })
    for error in errors {
        #expect(!error.description.contains("SUPERSECRET"), "\(error)")
        #expect(!String(reflecting: error).contains("SUPERSECRET"))
    }
    #expect(errors.map(\.code) == [.constraintPrimaryKey, .constraintCheck, .constraintDataType])
}

@Test func syntaxErrorNamesTheFailingStatementOfAScript() throws {
    let db = try Database(path: ":memory:")
    let error = try #require(throws: SQLiteError.self) {
        try db.execute("CREATE TABLE a (x); CREATE TABEL b (y); CREATE TABLE c (z)")
    }
    #expect(error.code == .error)
    #expect(error.sql == "CREATE TABEL b (y);")
    // Statements before the failure ran; the one after did not.
    #expect(try db.fetchInt64("SELECT count(*) FROM sqlite_schema WHERE name IN ('a', 'c')") == 1)
}

@Test func scriptsMayContainCommentsAndTrailingWhitespace() throws {
    let db = try Database(path: ":memory:")
    try db.execute("""
        -- leading comment
        CREATE TABLE a (x);  /* block */
        INSERT INTO a VALUES (1);
        -- trailing comment

        """)
    #expect(try db.fetchInt64("SELECT x FROM a") == 1)
    try db.execute("")
}

@Test func preparingTwoStatementsAtOnceIsRejected() throws {
    let db = try Database(path: ":memory:")
    let error = try #require(throws: SQLiteError.self) { try db.makeStatement("SELECT 1; SELECT 2") }
    #expect(error.code == .misuse)
    let empty = try #require(throws: SQLiteError.self) { try db.makeStatement("  -- nothing ") }
    #expect(empty.code == .misuse)
    _ = try db.makeStatement("SELECT 1; -- trailing comment is fine")
}

@Test func cachedStatementIsReusedForTheSameSQL() throws {
    let db = try Database(path: ":memory:")
    let first = try db.cachedStatement("SELECT ?")
    try first.bind(7, at: 1)
    let second = try db.cachedStatement("SELECT ?")
    #expect(first === second)
    // Handed out reset with bindings cleared.
    #expect(try second.step() == .row)
    #expect(second.isNull(at: 0))
    let other = try db.cachedStatement("SELECT ?, ?")
    #expect(other !== first)
    #expect(db.cachedStatementCount == 2)
    db.clearStatementCache()
    #expect(db.cachedStatementCount == 0)
    #expect(try db.cachedStatement("SELECT ?") !== first)
}

@Test func foreignKeysAreEnforcedByDefault() throws {
    let db = try Database(path: ":memory:")
    try db.execute("""
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (parent INTEGER REFERENCES parent(id));
        """)
    let error = try #require(throws: SQLiteError.self) { try db.execute("INSERT INTO child VALUES (?)", [1]) }
    #expect(error.code == .constraintForeignKey)
}

@Test func fileDatabaseUsesWALAndConfiguredSynchronous() throws {
    let directory = try TemporaryDirectory()
    let db = try Database(path: directory.path("wal.db"))
    #expect(try db.journalMode() == "wal")
    #expect(try db.fetchInt64("PRAGMA synchronous") == 1) // NORMAL
    #expect(try db.fetchInt64("PRAGMA busy_timeout") == 5000)
    #expect(!db.isInMemory)

    var configuration = Database.Configuration()
    configuration.synchronous = .full
    configuration.busyTimeout = .milliseconds(250)
    let full = try Database(path: directory.path("full.db"), configuration: configuration)
    #expect(try full.fetchInt64("PRAGMA synchronous") == 2) // FULL
    #expect(try full.fetchInt64("PRAGMA busy_timeout") == 250)
}

@Test func pageCacheAndCheckpointIntervalAreApplied() throws {
    let directory = try TemporaryDirectory()
    let plain = try Database(path: directory.path("plain.db"))
    #expect(try plain.fetchInt64("PRAGMA cache_size") == -2048)
    #expect(try plain.fetchInt64("PRAGMA wal_autocheckpoint") == 1000)

    var configuration = Database.Configuration()
    configuration.cacheKiB = 64 * 1024
    configuration.walAutocheckpointPages = 10_000
    configuration.walSizeLimitBytes = 1 << 20
    let tuned = try Database(path: directory.path("tuned.db"), configuration: configuration)
    #expect(try tuned.fetchInt64("PRAGMA cache_size") == -65536)
    #expect(try tuned.fetchInt64("PRAGMA wal_autocheckpoint") == 10_000)
    #expect(try tuned.fetchInt64("PRAGMA journal_size_limit") == 1 << 20)
}

@Test func inMemoryDatabaseSkipsWAL() throws {
    let db = try Database(path: ":memory:")
    #expect(db.isInMemory)
    #expect(try db.journalMode() == "memory")
}

@Test func fileDatabaseKeepsItsDataAfterReopening() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("reopen.db")
    do {
        let db = try Database(path: path)
        try db.execute("CREATE TABLE t (s TEXT)")
        try db.execute("INSERT INTO t VALUES (?)", ["kept"])
    }
    let reopened = try Database(path: path)
    #expect(try reopened.fetchText("SELECT s FROM t") == "kept")
    #expect(try reopened.journalMode() == "wal")
}

@Test func openingAMissingFileWithoutCreateFailsNamingThePath() throws {
    let directory = try TemporaryDirectory()
    var configuration = Database.Configuration()
    configuration.createIfMissing = false
    let path = directory.path("missing.db")
    let error = try #require(throws: SQLiteError.self) { try Database(path: path, configuration: configuration) }
    #expect(error.code.primary == .cannotOpen)
    #expect(error.message.contains(path))
}

@Test func openingAFileThatIsNotADatabaseFailsAsCorrupt() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("garbage.db")
    try Array(repeating: "not a database ", count: 100).joined().write(toFile: path, atomically: true, encoding: .utf8)
    let error = try #require(throws: SQLiteError.self) { try Database(path: path) }
    #expect(error.isCorrupt)
}

@Test func readOnlyConnectionRejectsWrites() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("ro.db")
    let writer = try Database(path: path)
    try writer.execute("CREATE TABLE t (x)")
    var configuration = Database.Configuration()
    configuration.readOnly = true
    let reader = try Database(path: path, configuration: configuration)
    let error = try #require(throws: SQLiteError.self) { try reader.execute("INSERT INTO t VALUES (1)") }
    #expect(error.isReadOnly)
}

@Test func busyTimeoutConvertsDurationsToMilliseconds() {
    var configuration = Database.Configuration()
    configuration.busyTimeout = .seconds(1.5)
    #expect(configuration.busyTimeout == .milliseconds(1500))
}

@Test func errorDescriptionNamesCodeMessageAndSQL() {
    let error = SQLiteError(code: .busy, message: "database is locked", sql: "BEGIN IMMEDIATE TRANSACTION")
    #expect(error.description
        == "SQLite error 5 (database is locked): database is locked — while executing `BEGIN IMMEDIATE TRANSACTION`")
    #expect(error.isBusy)
    #expect(!error.isFull)
    #expect(SQLiteError(code: .full, message: "database or disk is full").isFull)
    #expect(SQLiteError(code: SQLiteError.Code(rawValue: 8 | (3 << 8)), message: "").isReadOnly) // READONLY_ROLLBACK
}
