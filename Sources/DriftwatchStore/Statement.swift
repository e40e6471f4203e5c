internal import CSQLite

/// One prepared SQLite statement, finalised when the last reference goes away.
///
/// Parameters are numbered from 1, as in SQL's `?1`; columns from 0, as in
/// SQLite's C API. A statement belongs to the connection that prepared it and
/// must only be used where that `Database` is used (it is not `Sendable`).
///
/// Typical hot-path use, with a cached statement inside a transaction:
/// ```swift
/// let insert = try db.cachedStatement("INSERT INTO t(a, b) VALUES (?, ?)")
/// for row in rows {
///     try insert.bind(row.a, at: 1)
///     try insert.bind(row.b, at: 2)
///     try insert.execute()
/// }
/// ```
public final class Statement {
    /// The outcome of one `step()`.
    public enum StepResult: Sendable {
        /// A result row is available through the column getters.
        case row
        /// The statement has run to completion.
        case done
    }

    let handle: OpaquePointer
    /// The SQL text with placeholders, as prepared (for errors; never contains bound values).
    public let sql: String
    /// The number of `?` parameters the statement expects.
    public let parameterCount: Int
    /// The number of columns in each result row.
    public let columnCount: Int

    /// Takes ownership of a prepared statement handle.
    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
        parameterCount = Int(sqlite3_bind_parameter_count(handle))
        columnCount = Int(sqlite3_column_count(handle))
    }

    deinit {
        // sqlite3_finalize repeats the error of the last failed step, which was
        // already thrown from `step()`; finalisation itself always succeeds.
        _ = sqlite3_finalize(handle)
    }

    /// The connection this statement belongs to, for error messages.
    var connection: OpaquePointer? { sqlite3_db_handle(handle) }

    /// Advances to the next result row, or to completion.
    ///
    /// - Throws: `SQLiteError` with the statement's SQL; the statement is reset
    ///   so that it can be bound and run again.
    @discardableResult
    public func step() throws(SQLiteError) -> StepResult {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW:
            return .row
        case SQLITE_DONE:
            return .done
        default:
            let error = SQLiteError(code: code, connection: connection, sql: sql)
            reset()
            throw error
        }
    }

    /// Runs the statement to completion with its current bindings, ignoring any result rows.
    ///
    /// - Throws: `SQLiteError` from `step()`.
    public func execute() throws(SQLiteError) {
        while try step() == .row {}
        reset()
    }

    /// Resets the statement, binds `arguments` to parameters 1…n, and runs it to completion.
    ///
    /// - Precondition: `arguments.count` equals `parameterCount`.
    /// - Throws: `SQLiteError` from binding or stepping.
    public func execute(_ arguments: [SQLiteValue]) throws(SQLiteError) {
        reset()
        try bind(arguments)
        try execute()
    }

    /// Rewinds the statement so it can run again; bindings are kept.
    ///
    /// `sqlite3_reset` returns the error of the previous failed `step()` (if any),
    /// which that `step()` already threw, so its result carries no new information.
    public func reset() {
        _ = sqlite3_reset(handle)
    }

    /// Sets every parameter back to NULL.
    public func clearBindings() {
        let code = sqlite3_clear_bindings(handle)
        // Documented to always return SQLITE_OK; anything else is a broken SQLite.
        precondition(code == SQLITE_OK, "sqlite3_clear_bindings failed with \(code)")
    }

    /// The name of the result column at `index` (0-based).
    public func columnName(at index: Int) -> String {
        precondition(index >= 0 && index < columnCount, "column \(index) out of range 0..<\(columnCount) in `\(sql)`")
        guard let name = sqlite3_column_name(handle, Int32(index)) else {
            // Only on allocation failure.
            return ""
        }
        return String(cString: name)
    }
}

// A statement is bound to its connection, which is used from one queue at a time.
@available(*, unavailable)
extension Statement: Sendable {}
