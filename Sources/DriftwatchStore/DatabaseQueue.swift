/// One connection shared by all tasks, every access serialised on one dispatch queue.
///
/// The right choice for `:memory:` databases, tests and CLI tools. A service that
/// serves dashboard reads during ingest should use `DatabasePool`, whose reads do
/// not wait for writes.
public final class DatabaseQueue: DatabaseWriter {
    private let connection: SerialDatabase
    /// The path the database was opened with.
    public let path: String

    /// Opens the database and, if given, brings its schema up to date.
    ///
    /// - Parameters:
    ///   - path: a file path or `":memory:"`.
    ///   - configuration: open mode and pragmas.
    ///   - migrator: applied before the queue is returned, e.g. `Schema.migrator`.
    /// - Throws: `SQLiteError` if the database cannot be opened, `MigrationError` if it cannot be migrated.
    public init(path: String, configuration: Database.Configuration = Database.Configuration(),
                migrator: DatabaseMigrator? = nil) throws
    {
        let database = try Database(path: path, configuration: configuration)
        try migrator?.migrate(database)
        self.path = path
        connection = SerialDatabase(database, label: "driftwatch.sqlite.queue")
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await connection.async { db in try db.transaction(.immediate, body) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await connection.async { db in try db.readOnlyTransaction(body) }
    }

    public func writeSync<T>(_ body: (Database) throws -> T) throws -> T {
        try connection.sync { db in try db.transaction(.immediate, body) }
    }

    public func readSync<T>(_ body: (Database) throws -> T) throws -> T {
        try connection.sync { db in try db.readOnlyTransaction(body) }
    }

    public func writeWithoutTransaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws
        -> T
    {
        try await connection.async(body)
    }
}
