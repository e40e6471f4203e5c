internal import CSQLite

/// One SQLite connection, with a statement cache.
///
/// Not `Sendable`: a connection must be used by one thread at a time, and is
/// opened with `SQLITE_OPEN_NOMUTEX` because `DatabaseQueue` already serialises
/// every access; SQLite's own per-call mutex would be pure overhead.
/// Share a database between tasks through `DatabaseQueue` or `DatabasePool`.
public final class Database {
    /// Which lock a transaction takes at `BEGIN`.
    public enum TransactionKind: Sendable {
        /// Takes a read lock at the first read and upgrades at the first write. Use for
        /// read-only transactions: an upgrade can fail with `SQLITE_BUSY` immediately,
        /// without waiting, when another connection wrote in between (the snapshot is stale).
        case deferred
        /// Takes the write lock at `BEGIN`, waiting up to the busy timeout. Use for every
        /// transaction that may write: two deferred transactions that both read then write
        /// deadlock, and SQLite resolves that by failing one with `SQLITE_BUSY` that no
        /// amount of waiting fixes; taking the lock first makes the second simply wait.
        case immediate
        /// Like `immediate`; in WAL mode it also keeps no reader out.
        case exclusive
    }

    let handle: OpaquePointer
    /// The path the database was opened with (`":memory:"` for an in-memory database).
    public let path: String
    /// The configuration the connection was opened with.
    public let configuration: Configuration
    private var statementCache: [String: Statement] = [:]

    /// Opens (and by default creates) the database at `path` and applies `configuration`.
    ///
    /// - Parameters:
    ///   - path: a file path, `":memory:"` for a private in-memory database, or `""`
    ///     for a private temporary file.
    ///   - configuration: open mode and per-connection pragmas.
    /// - Throws: `SQLiteError` if the file cannot be opened or is not a database,
    ///   or if WAL mode was requested for a file database and could not be set.
    public init(path: String, configuration: Configuration = Configuration()) throws(SQLiteError) {
        // NOMUTEX relies on a library built thread-safe (Debian's is); a library built
        // single-threaded (SQLITE_THREADSAFE=0) must not be used from dispatch threads at all.
        precondition(sqlite3_threadsafe() != 0, "the linked SQLite was built without thread support")
        var flags = SQLITE_OPEN_NOMUTEX
        if configuration.readOnly {
            flags |= SQLITE_OPEN_READONLY
        } else {
            flags |= SQLITE_OPEN_READWRITE
            if configuration.createIfMissing { flags |= SQLITE_OPEN_CREATE }
        }
        var connection: OpaquePointer?
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let error = SQLiteError(code: code, connection: connection, sql: nil)
            // On failure SQLite usually still allocates a handle, which must be closed.
            _ = sqlite3_close_v2(connection)
            throw SQLiteError(code: error.code, message: "\(error.message): \(path)", sql: nil)
        }
        handle = connection
        self.path = path
        self.configuration = configuration
        // From here on, deinit closes the handle if configuration fails.
        try configure()
    }

    deinit {
        // Statements must be finalised before the connection closes; close_v2 also
        // tolerates statements still referenced elsewhere (it closes when the last goes).
        statementCache.removeAll()
        _ = sqlite3_close_v2(handle)
    }

    private func configure() throws(SQLiteError) {
        // Extended codes tell a UNIQUE violation from a NOT NULL one, and a stale snapshot from plain BUSY.
        try check(sqlite3_extended_result_codes(handle, 1), sql: nil)
        try check(sqlite3_busy_timeout(handle, configuration.busyTimeoutMilliseconds), sql: nil)
        try execute("PRAGMA foreign_keys = \(configuration.foreignKeys ? "ON" : "OFF")")
        if configuration.writeAheadLog && !configuration.readOnly && !isInMemory {
            let sql = "PRAGMA journal_mode = WAL"
            let mode = try fetchOneText(sql)
            // SQLite answers with the mode now in force instead of failing, e.g. on a
            // file system without shared memory. Silently running without WAL would
            // block the dashboard's reads during every ingest batch.
            guard mode?.lowercased() == "wal" else {
                throw SQLiteError(code: .error, message: "could not enable WAL mode (journal_mode is \(mode ?? "unknown"))",
                                  sql: sql)
            }
        }
        try execute("PRAGMA synchronous = \(configuration.synchronous.rawValue)")
        try execute("PRAGMA cache_size = -\(max(configuration.cacheKiB, 64))")
        if !configuration.readOnly {
            try execute("PRAGMA wal_autocheckpoint = \(max(configuration.walAutocheckpointPages, 1))")
            try execute("PRAGMA journal_size_limit = \(max(configuration.walSizeLimitBytes, 0))")
        }
    }

    /// Whether the main database lives in memory (or in a private temporary file).
    public var isInMemory: Bool {
        guard let name = sqlite3_db_filename(handle, "main") else { return true }
        return name.pointee == 0
    }

    /// Whether a transaction is open (SQLite is not in autocommit mode).
    public var isInTransaction: Bool {
        sqlite3_get_autocommit(handle) == 0
    }

    /// The rowid of the most recent successful `INSERT` on this connection.
    public var lastInsertRowID: Int64 {
        sqlite3_last_insert_rowid(handle)
    }

    /// Rows changed by the most recent `INSERT`, `UPDATE` or `DELETE` on this connection.
    public var changes: Int {
        Int(sqlite3_changes64(handle))
    }

    /// Rows changed since the connection was opened.
    public var totalChanges: Int {
        Int(sqlite3_total_changes64(handle))
    }

    /// The journal mode in force (`"wal"`, `"memory"`, `"delete"`, …).
    public func journalMode() throws(SQLiteError) -> String {
        try fetchOneText("PRAGMA journal_mode") ?? ""
    }

    /// Writes the open transaction's changed pages to the WAL now instead of at `COMMIT`
    /// (`sqlite3_db_cacheflush`). The pages are still uncommitted; a rollback discards them.
    ///
    /// Callers use it to learn that the disk cannot take a transaction's bulk (`SQLITE_FULL`,
    /// a read-only or failing file system) before doing work that cannot be undone.
    /// - Throws: `SQLiteError` from the write.
    public func flushCache() throws(SQLiteError) {
        try check(sqlite3_db_cacheflush(handle), sql: nil)
    }

    /// Runs a script of zero or more `;`-separated statements without arguments
    /// (schema, pragmas). Result rows are discarded.
    ///
    /// - Throws: `SQLiteError` naming the statement of the script that failed;
    ///   statements before it have run.
    public func execute(_ sql: String) throws(SQLiteError) {
        let result: Result<Void, SQLiteError> = sql.withCString { start in
            var cursor = start
            while cursor.pointee != 0 {
                var prepared: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let code = sqlite3_prepare_v2(handle, cursor, -1, &prepared, &tail)
                guard code == SQLITE_OK else {
                    // The tail is where parsing stopped; name the statement up to its `;`.
                    var end = tail ?? cursor
                    while end.pointee != 0 && end.pointee != 0x3B { end += 1 }
                    if end.pointee == 0x3B { end += 1 }
                    return .failure(SQLiteError(code: code, connection: handle, sql: Self.text(from: cursor, to: end)))
                }
                let text = Self.text(from: cursor, to: tail)
                guard let tail else { break }
                cursor = tail
                // Whitespace or a comment prepares to no statement.
                guard let prepared else { continue }
                do throws(SQLiteError) {
                    try Statement(handle: prepared, sql: text).execute()
                } catch {
                    return .failure(error)
                }
            }
            return .success(())
        }
        try result.get()
    }

    /// Runs one statement with `arguments` bound to its parameters, using the statement cache.
    ///
    /// - Throws: `SQLiteError` with the SQL (never the arguments).
    public func execute(_ sql: String, _ arguments: [SQLiteValue]) throws(SQLiteError) {
        try cachedStatement(sql).execute(arguments)
    }

    /// Prepares a statement that is finalised when released; for one-off SQL.
    ///
    /// - Throws: `SQLiteError` if the SQL is invalid, empty, or holds more than one statement.
    public func makeStatement(_ sql: String) throws(SQLiteError) -> Statement {
        try prepare(sql, persistent: false)
    }

    /// Returns the cached statement for `sql`, preparing it on first use.
    ///
    /// Cached statements are prepared with `SQLITE_PREPARE_PERSISTENT`, which tells
    /// SQLite they will be reused many times (it avoids its lookaside allocator for them).
    /// The statement comes back reset with its bindings cleared. Do not hold it across a
    /// call that may ask the cache for the same SQL (e.g. while iterating its rows).
    ///
    /// - Throws: `SQLiteError` if the SQL is invalid, empty, or holds more than one statement.
    public func cachedStatement(_ sql: String) throws(SQLiteError) -> Statement {
        if let statement = statementCache[sql] {
            statement.reset()
            statement.clearBindings()
            return statement
        }
        let statement = try prepare(sql, persistent: true)
        statementCache[sql] = statement
        return statement
    }

    /// Finalises every cached statement, e.g. before closing or after a schema change.
    public func clearStatementCache() {
        statementCache.removeAll()
    }

    /// The number of statements in the cache (for tests and diagnostics).
    public var cachedStatementCount: Int { statementCache.count }

    private func prepare(_ sql: String, persistent: Bool) throws(SQLiteError) -> Statement {
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let result: Result<Statement, SQLiteError> = sql.withCString { start in
            var prepared: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(handle, start, -1, flags, &prepared, &tail)
            guard code == SQLITE_OK else {
                return .failure(SQLiteError(code: code, connection: handle, sql: sql))
            }
            guard let prepared else {
                return .failure(SQLiteError(code: .misuse, message: "no SQL statement to prepare", sql: sql))
            }
            let statement = Statement(handle: prepared, sql: sql)
            if let tail, tail.pointee != 0 {
                // Anything after the first statement must be whitespace or comments;
                // silently ignoring a second statement would hide a bug.
                var extra: OpaquePointer?
                let tailCode = sqlite3_prepare_v2(handle, tail, -1, &extra, nil)
                if let extra { _ = sqlite3_finalize(extra) }
                guard tailCode == SQLITE_OK, extra == nil else {
                    return .failure(SQLiteError(code: .misuse, message: "more than one SQL statement", sql: sql))
                }
            }
            return .success(statement)
        }
        return try result.get()
    }

    private func fetchOneText(_ sql: String) throws(SQLiteError) -> String? {
        let statement = try makeStatement(sql)
        guard try statement.step() == .row else { return nil }
        defer { statement.reset() }
        return statement.text(at: 0)
    }

    func check(_ code: Int32, sql: String?) throws(SQLiteError) {
        guard code == SQLITE_OK else {
            throw SQLiteError(code: code, connection: handle, sql: sql)
        }
    }

    private static func text(from start: UnsafePointer<CChar>, to end: UnsafePointer<CChar>?) -> String {
        guard let end else { return String(cString: start).trimmingWhitespace() }
        let count = start.distance(to: end)
        return start.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
            String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
                .trimmingWhitespace()
        }
    }
}

@available(*, unavailable)
extension Database: Sendable {}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
