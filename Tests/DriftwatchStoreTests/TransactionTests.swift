import Testing
import DriftwatchStore

private struct Boom: Error {}

@Test func transactionCommitsWhenBodyReturns() throws {
    let db = try Database(path: ":memory:")
    try db.execute("CREATE TABLE t (x INTEGER)")
    let inserted = try db.transaction { db in
        try db.execute("INSERT INTO t VALUES (?)", [1])
        return db.lastInsertRowID
    }
    #expect(inserted == 1)
    #expect(!db.isInTransaction)
    #expect(try db.fetchInt64("SELECT count(*) FROM t") == 1)
}

@Test func transactionRollsBackWhenBodyThrowsAndLeavesNoRows() throws {
    let db = try Database(path: ":memory:")
    try db.execute("CREATE TABLE t (x INTEGER)")
    #expect(throws: Boom.self) {
        try db.transaction(.immediate) { db in
            for value in 1...10 {
                try db.execute("INSERT INTO t VALUES (?)", [.integer(Int64(value))])
            }
            throw Boom()
        }
    }
    #expect(!db.isInTransaction)
    #expect(try db.fetchInt64("SELECT count(*) FROM t") == 0)
}

@Test func transactionRollsBackWhenAStatementFails() throws {
    let db = try Database(path: ":memory:")
    try db.execute("CREATE TABLE t (x INTEGER UNIQUE)")
    #expect(throws: SQLiteError.self) {
        try db.transaction { db in
            try db.execute("INSERT INTO t VALUES (?)", [1])
            try db.execute("INSERT INTO t VALUES (?)", [1])
        }
    }
    #expect(try db.fetchInt64("SELECT count(*) FROM t") == 0)
}

@Test func nestedTransactionRollsBackOnlyItsOwnWork() throws {
    let db = try Database(path: ":memory:")
    try db.execute("CREATE TABLE t (x INTEGER)")
    try db.transaction { db in
        try db.execute("INSERT INTO t VALUES (?)", [1])
        #expect(throws: Boom.self) {
            try db.transaction { db in
                try db.execute("INSERT INTO t VALUES (?)", [2])
                throw Boom()
            }
        }
        try db.transaction { db in
            try db.execute("INSERT INTO t VALUES (?)", [3])
        }
        #expect(db.isInTransaction)
    }
    #expect(try db.fetchAll("SELECT x FROM t ORDER BY x") { $0.int(at: 0) } == [1, 3])
}

@Test func immediateTransactionMakesASecondWriterWaitThenFailBusy() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("busy.db")
    let first = try Database(path: path)
    try first.execute("CREATE TABLE t (x)")
    var configuration = Database.Configuration()
    configuration.busyTimeout = .milliseconds(50)
    let second = try Database(path: path, configuration: configuration)
    try first.transaction(.immediate) { _ in
        let error = try #require(throws: SQLiteError.self) {
            try second.transaction(.immediate) { _ in }
        }
        #expect(error.isBusy)
        // WAL: a reader is not blocked by the writer.
        #expect(try second.fetchInt64("SELECT count(*) FROM t") == 0)
    }
    #expect(!second.isInTransaction)
}
