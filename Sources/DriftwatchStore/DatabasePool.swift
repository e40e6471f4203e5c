import Synchronization

/// A writer connection and a read-only reader connection to one WAL database file,
/// each on its own dispatch queue.
///
/// In WAL mode readers see the last committed snapshot while a write transaction is
/// in progress, so dashboard and API reads never wait for an ingest batch, and
/// ingest never waits for a slow dashboard query. Writes are still serialised:
/// SQLite allows one writer at a time.
///
/// With `Configuration.checkpointInBackground`, a third connection checkpoints the WAL
/// on its own queue (see there).
public final class DatabasePool: DatabaseWriter {
    private let writer: SerialDatabase
    private let reader: SerialDatabase
    private let checkpoints: BackgroundCheckpoints?
    /// The path of the database file.
    public let path: String

    /// Opens the writer (creating and migrating the file if needed), then the reader.
    ///
    /// - Parameters:
    ///   - path: a file path; an in-memory database cannot be shared between connections.
    ///   - configuration: used for the writer; the reader is the same but read-only.
    ///   - migrator: applied on the writer before the reader opens, e.g. `Schema.migrator`.
    /// - Precondition: `path` names a file, and `configuration` asks for WAL and read-write access.
    /// - Throws: `SQLiteError` if a connection cannot be opened, `MigrationError` if the
    ///   schema cannot be migrated.
    public init(path: String, configuration: Database.Configuration = Database.Configuration(),
                migrator: DatabaseMigrator? = nil) throws
    {
        precondition(configuration.writeAheadLog && !configuration.readOnly,
                     "DatabasePool needs a writable WAL database")
        let writerDatabase = try Database(path: path, configuration: configuration)
        precondition(!writerDatabase.isInMemory, "DatabasePool needs a database file, not \(path)")
        try migrator?.migrate(writerDatabase)
        var readerConfiguration = configuration
        readerConfiguration.readOnly = true
        let readerDatabase = try Database(path: path, configuration: readerConfiguration)
        if configuration.checkpointInBackground {
            let checkpointer = try Database(path: path, configuration: configuration)
            let checkpoints = BackgroundCheckpoints(checkpointer, pages: max(configuration.walAutocheckpointPages, 1))
            writerDatabase.reportWALPages(into: checkpoints.walPages)
            self.checkpoints = checkpoints
        } else {
            checkpoints = nil
        }
        self.path = path
        writer = SerialDatabase(writerDatabase, label: "driftwatch.sqlite.writer")
        reader = SerialDatabase(readerDatabase, label: "driftwatch.sqlite.reader")
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.async { [checkpoints] db in
            defer { checkpoints?.afterCommit(on: db) }
            return try db.transaction(.immediate, body)
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await reader.async { db in try db.readOnlyTransaction(body) }
    }

    public func writeSync<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.sync { db in
            defer { checkpoints?.afterCommit(on: db) }
            return try db.transaction(.immediate, body)
        }
    }

    public func readSync<T>(_ body: (Database) throws -> T) throws -> T {
        try reader.sync { db in try db.readOnlyTransaction(body) }
    }

    public func writeWithoutTransaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws
        -> T
    {
        try await writer.async(body)
    }
}

/// Checkpoints for a `DatabasePool` writer whose WAL hook reports into ``walPages``:
/// queued on a connection of their own once the WAL holds `pages`, and run by the
/// writer itself past `8 × pages` (see `Database.Configuration.checkpointInBackground`).
///
/// A failed checkpoint is not reported here: the WAL keeps the pages, the next one
/// retries, and a disk fault shows in the writer's own commits.
private final class BackgroundCheckpoints: Sendable {
    let walPages = WALPages()
    private let checkpointer: SerialDatabase
    private let pages: Int
    private let queued = Atomic<Bool>(false)

    init(_ checkpointer: consuming sending Database, pages: Int) {
        self.checkpointer = SerialDatabase(checkpointer, label: "driftwatch.sqlite.checkpointer")
        self.pages = pages
    }

    /// Called on the writer's queue after each write.
    func afterCommit(on writer: Database) {
        let walPages = walPages.count
        if walPages >= 8 * pages {
            try? writer.checkpointPassive()
        } else if walPages >= pages && !queued.exchange(true, ordering: .acquiringAndReleasing) {
            checkpointer.post { [self] db in
                try? db.checkpointPassive()
                queued.store(false, ordering: .releasing)
            }
        }
    }
}
