import Dispatch
import Foundation
import Testing
import DriftwatchStore

private struct Boom: Error {}

private func makeWriters(_ directory: TemporaryDirectory) throws -> [any DatabaseWriter] {
    [
        try DatabaseQueue(path: ":memory:", migrator: Schema.migrator),
        try DatabaseQueue(path: directory.path("queue.db"), migrator: Schema.migrator),
        try DatabasePool(path: directory.path("pool.db"), migrator: Schema.migrator),
    ]
}

private let insertEvent = "INSERT INTO events (ts_ns, received_ns, agent, tool) VALUES (?, ?, ?, ?)"

@Test func writerRunsTheMigratorBeforeFirstUse() throws {
    let directory = try TemporaryDirectory()
    for writer in try makeWriters(directory) {
        let applied = try writer.readSync { db in
            try db.fetchAll("SELECT name FROM schema_migrations") { $0.text(at: 0) }
        }
        #expect(applied == Schema.migrator.migrations.map(\.name))
    }
}

@Test func concurrentAsyncWritesAllLand() async throws {
    let directory = try TemporaryDirectory()
    for writer in try makeWriters(directory) {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<50 {
                group.addTask {
                    try await writer.write { db in
                        for call in 0..<20 {
                            try db.execute(insertEvent, [.integer(Int64(task * 100 + call)), 0, .text("agent-\(task)"), "t"])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let count = try await writer.read { db in try db.fetchInt64("SELECT count(*) FROM events") }
        #expect(count == 1000)
        let agents = try await writer.read { db in try db.fetchInt64("SELECT count(DISTINCT agent) FROM events") }
        #expect(agents == 50)
    }
}

@Test func asyncWriteReturnsItsResultAndRollsBackOnThrow() async throws {
    let directory = try TemporaryDirectory()
    for writer in try makeWriters(directory) {
        let seq = try await writer.write { db in
            try db.execute(insertEvent, [1, 1, "a", "t"])
            return db.lastInsertRowID
        }
        #expect(seq == 1)
        await #expect(throws: Boom.self) {
            try await writer.write { db in
                try db.execute(insertEvent, [2, 2, "a", "t"])
                throw Boom()
            }
        }
        #expect(try writer.readSync { db in try db.fetchInt64("SELECT count(*) FROM events") } == 1)
    }
}

@Test func synchronousWriteAndReadWorkForCommandLineTools() throws {
    let directory = try TemporaryDirectory()
    for writer in try makeWriters(directory) {
        try writer.writeSync { db in try db.execute(insertEvent, [1, 1, "a", "t"]) }
        #expect(throws: Boom.self) {
            try writer.writeSync { db in
                try db.execute(insertEvent, [2, 2, "a", "t"])
                throw Boom()
            }
        }
        #expect(try writer.readSync { db in try db.fetchInt64("SELECT count(*) FROM events") } == 1)
    }
}

@Test func aReadThatTriesToWriteFailsAndLeavesTheWriterUsable() async throws {
    let directory = try TemporaryDirectory()
    for writer in try makeWriters(directory) {
        let error = await #expect(throws: SQLiteError.self) {
            try await writer.read { db in try db.execute(insertEvent, [1, 1, "a", "t"]) }
        }
        #expect(error?.isReadOnly == true)
        try await writer.write { db in try db.execute(insertEvent, [1, 1, "a", "t"]) }
        #expect(try await writer.read { db in try db.fetchInt64("SELECT count(*) FROM events") } == 1)
    }
}

@Test func writeOutsideATransactionCanCheckpoint() async throws {
    let directory = try TemporaryDirectory()
    let pool = try DatabasePool(path: directory.path("pool.db"), migrator: Schema.migrator)
    try await pool.write { db in try db.execute(insertEvent, [1, 1, "a", "t"]) }
    let busy = try await pool.writeWithoutTransaction { db in
        try db.fetchInt64("PRAGMA wal_checkpoint(TRUNCATE)")
    }
    #expect(busy == 0)
}

@Test func cancelledTaskDoesNotStartItsWrite() async throws {
    let queue = try DatabaseQueue(path: ":memory:", migrator: Schema.migrator)
    await withTaskGroup(of: Void.self) { group in
        group.addTask {
            withUnsafeCurrentTask { $0?.cancel() }
            await #expect(throws: CancellationError.self) {
                try await queue.write { db in try db.execute(insertEvent, [1, 1, "a", "t"]) }
            }
        }
    }
    #expect(try queue.readSync { db in try db.fetchInt64("SELECT count(*) FROM events") } == 0)
}

@Test func poolReadsSeeTheLastCommitWithoutWaitingForAnOpenWrite() async throws {
    let directory = try TemporaryDirectory()
    let pool = try DatabasePool(path: directory.path("pool.db"), migrator: Schema.migrator)
    let writeStarted = DispatchSemaphore(value: 0)
    let releaseWrite = DispatchSemaphore(value: 0)
    async let write: Void = pool.write { db in
        try db.execute(insertEvent, [1, 1, "a", "t"])
        writeStarted.signal()
        releaseWrite.wait() // holds the write transaction open on the writer's queue
    }
    // Wait off the concurrency pool for the write transaction to be open.
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            writeStarted.wait()
            continuation.resume()
        }
    }
    let duringWrite = try await pool.read { db in try db.fetchInt64("SELECT count(*) FROM events") }
    #expect(duringWrite == 0)
    releaseWrite.signal()
    try await write
    let afterWrite = try await pool.read { db in try db.fetchInt64("SELECT count(*) FROM events") }
    #expect(afterWrite == 1)
}

@Test func poolReopenedOnAnExistingFileKeepsDataAndSkipsAppliedMigrations() async throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("reopen.db")
    do {
        let pool = try DatabasePool(path: path, migrator: Schema.migrator)
        try await pool.write { db in try db.execute(insertEvent, [1, 1, "a", "t"]) }
    }
    let reopened = try DatabasePool(path: path, migrator: Schema.migrator)
    #expect(try await reopened.read { db in try db.fetchInt64("SELECT count(*) FROM events") } == 1)
    #expect(try await reopened.read { db in try db.fetchInt64("SELECT count(*) FROM schema_migrations") } == Int64(Schema.migrator.migrations.count))
}

/// `checkpointInBackground`: commits never checkpoint, a connection of the pool's own
/// copies the WAL into the database file once it holds `walAutocheckpointPages`.
@Test func aBackgroundCheckpointMovesTheWALIntoTheDatabaseFile() async throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("pool.db")
    func size(_ file: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0
    }
    var configuration = Database.Configuration()
    configuration.walAutocheckpointPages = 50
    configuration.checkpointInBackground = true
    let pool = try DatabasePool(path: path, configuration: configuration, migrator: Schema.migrator)
    let before = size(path)
    let padding = String(repeating: "x", count: 2_000)
    for batch in 0..<40 {
        try await pool.write { db in
            for i in 0..<25 {
                try db.execute(insertEvent, [.integer(Int64(batch * 25 + i)), .integer(0), .text("agent"), .text(padding)])
            }
        }
    }
    // About 2 MB went through the WAL: the checkpointer copies it into the file.
    var waited = 0
    while size(path) < before + 1_000_000 && waited < 10_000 {
        try await Task.sleep(for: .milliseconds(10))
        waited += 10
    }
    #expect(size(path) >= before + 1_000_000, "database file \(size(path)) bytes, WAL \(size(path + "-wal"))")
    #expect(try await pool.read { db in try db.fetchInt64("SELECT count(*) FROM events") } == 1_000)
}

@Test func withoutTheBackgroundCheckpointACommitCheckpointsAsSQLiteDoes() async throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("pool.db")
    var configuration = Database.Configuration()
    configuration.walAutocheckpointPages = 50
    let pool = try DatabasePool(path: path, configuration: configuration, migrator: Schema.migrator)
    let padding = String(repeating: "x", count: 2_000)
    for batch in 0..<40 {
        try await pool.write { db in
            for i in 0..<25 {
                try db.execute(insertEvent, [.integer(Int64(batch * 25 + i)), .integer(0), .text("agent"), .text(padding)])
            }
        }
    }
    // Checkpointed inside the commits, so already in the file when the last write returns.
    let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    #expect(size > 1_000_000)
}
