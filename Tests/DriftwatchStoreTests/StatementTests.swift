import Testing
import DriftwatchStore

private func makeTable(_ db: Database) throws {
    try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB)")
}

@Test func integersDoublesTextAndBlobsRoundTrip() throws {
    let db = try Database(path: ":memory:")
    try makeTable(db)
    let insert = try db.makeStatement("INSERT INTO t (i, r, s, b) VALUES (?, ?, ?, ?)")
    try insert.bind(Int64.min, at: 1)
    try insert.bind(-0.125, at: 2)
    try insert.bind("billing-bot", at: 3)
    try insert.bind([0, 1, 2, 255] as [UInt8], at: 4)
    try insert.execute()

    let select = try db.makeStatement("SELECT i, r, s, b FROM t")
    #expect(try select.step() == .row)
    #expect(select.int64(at: 0) == Int64.min)
    #expect(select.double(at: 1) == -0.125)
    #expect(select.text(at: 2) == "billing-bot")
    #expect(select.blob(at: 3) == [0, 1, 2, 255])
    #expect(try select.step() == .done)
}

@Test func nilBindsNullAndReadsBackAsNil() throws {
    let db = try Database(path: ":memory:")
    try makeTable(db)
    let insert = try db.makeStatement("INSERT INTO t (i, r, s, b) VALUES (?, ?, ?, ?)")
    try insert.bind(nil as Int64?, at: 1)
    try insert.bind(nil as Double?, at: 2)
    try insert.bind(nil as String?, at: 3)
    try insert.bind(nil as [UInt8]?, at: 4)
    try insert.execute()

    let row = try #require(try db.fetchOne("SELECT i, r, s, b FROM t") { $0 })
    for column in 0..<4 {
        #expect(row.isNull(at: column))
    }
    #expect(row.text(at: 2) == nil)
    #expect(row.blob(at: 3) == nil)
    #expect(row.value(at: 0) == .null)
}

@Test func emptyTextAndEmptyBlobAreNotNull() throws {
    let db = try Database(path: ":memory:")
    try makeTable(db)
    try db.execute("INSERT INTO t (s, b) VALUES (?, ?)", [.text(""), .blob([])])
    let (text, blob) = try #require(try db.fetchOne("SELECT s, b FROM t") { ($0.text(at: 0), $0.blob(at: 1)) })
    #expect(text == "")
    #expect(blob == [])
    #expect(try db.fetchInt64("SELECT count(*) FROM t WHERE s IS NOT NULL AND b IS NOT NULL") == 1)
}

@Test func unicodeTextRoundTripsByteForByte() throws {
    let db = try Database(path: ":memory:")
    try makeTable(db)
    let samples = ["Grüße, 世界 🚀", "e\u{301}", "\u{202E}evil", "tab\tnewline\n", String(repeating: "ж", count: 100_000)]
    for sample in samples {
        try db.execute("INSERT INTO t (s) VALUES (?)", [.text(sample)])
    }
    let read = try db.fetchAll("SELECT s FROM t ORDER BY rowid") { $0.text(at: 0) }
    #expect(read == samples)
    // Lengths are counted in characters by SQLite, so the text arrived as UTF-8, not bytes.
    #expect(try db.fetchInt64("SELECT length(s) FROM t WHERE rowid = 1") == 11)
}

@Test func embeddedNULsSurviveInBlobsAndText() throws {
    let db = try Database(path: ":memory:")
    try makeTable(db)
    let bytes: [UInt8] = [0, 0, 65, 0, 66, 0]
    let text = "a\u{0}b\u{0}"
    try db.execute("INSERT INTO t (s, b) VALUES (?, ?)", [.text(text), .blob(bytes)])
    let row = try #require(try db.fetchOne("SELECT s, b, length(b) FROM t") { ($0.text(at: 0), $0.blob(at: 1), $0.int(at: 2)) })
    #expect(row.0 == text)
    #expect(row.1 == bytes)
    #expect(row.2 == 6)
}

@Test func sqliteValueReadsBackWithItsStoredType() throws {
    let db = try Database(path: ":memory:")
    let values: [SQLiteValue] = [.integer(42), .real(1.5), .text("x"), .blob([9]), .null]
    let row = try #require(try db.fetchOne("SELECT ?, ?, ?, ?, ?", values) { statement in
        (0..<5).map { statement.value(at: $0) }
    })
    #expect(row == values)
}

@Test func statementResetRunsAgainWithNewBindings() throws {
    let db = try Database(path: ":memory:")
    try makeTable(db)
    let insert = try db.cachedStatement("INSERT INTO t (i) VALUES (?)")
    for value in 1...3 {
        insert.reset()
        try insert.bind(value, at: 1)
        try insert.execute()
        #expect(db.lastInsertRowID == Int64(value))
        #expect(db.changes == 1)
    }
    #expect(try db.fetchInt64("SELECT sum(i) FROM t") == 6)
}

@Test func columnNamesAndCountsDescribeTheQuery() throws {
    let db = try Database(path: ":memory:")
    let statement = try db.makeStatement("SELECT 1 AS one, 2 AS two WHERE ? = ?")
    #expect(statement.columnCount == 2)
    #expect(statement.parameterCount == 2)
    #expect(statement.columnName(at: 1) == "two")
}
