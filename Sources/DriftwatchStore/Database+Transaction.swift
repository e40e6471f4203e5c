extension Database {
    /// Runs `body` inside a transaction: commits if it returns, rolls back if it throws.
    ///
    /// Inside an open transaction this nests as a `SAVEPOINT`, so a store method can
    /// ask for atomicity whether or not its caller already holds a transaction; `kind`
    /// then has no effect (the outer transaction's lock applies).
    ///
    /// - Parameters:
    ///   - kind: `.immediate` (the default) for anything that may write; `.deferred` for reads.
    ///     See `TransactionKind` for why writes must not start deferred.
    ///   - body: the work; it receives this connection.
    /// - Throws: whatever `body` throws (after rolling back), or `SQLiteError` from
    ///   `BEGIN` / `COMMIT`. A failed `COMMIT` is rolled back before the error is thrown.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: (Database) throws -> T) throws -> T {
        if isInTransaction {
            return try savepoint(body)
        }
        let begin = switch kind {
        case .deferred: "BEGIN DEFERRED TRANSACTION"
        case .immediate: "BEGIN IMMEDIATE TRANSACTION"
        case .exclusive: "BEGIN EXCLUSIVE TRANSACTION"
        }
        try cachedStatement(begin).execute()
        let result: T
        do {
            result = try body(self)
        } catch {
            rollbackKeepingError()
            throw error
        }
        do {
            try cachedStatement("COMMIT TRANSACTION").execute()
        } catch {
            // COMMIT can fail and leave the transaction open (SQLITE_BUSY); never leave it dangling.
            rollbackKeepingError()
            throw error
        }
        return result
    }

    private func savepoint<T>(_ body: (Database) throws -> T) throws -> T {
        // Savepoint names may repeat; RELEASE and ROLLBACK TO act on the innermost one.
        try cachedStatement("SAVEPOINT driftwatch_nested").execute()
        let result: T
        do {
            result = try body(self)
        } catch {
            // ROLLBACK TO undoes the work but keeps the savepoint open; RELEASE closes it.
            // If SQLite already rolled back the whole transaction (e.g. SQLITE_FULL), both
            // fail with "no such savepoint", and the caller's error is the one that matters.
            if isInTransaction {
                do {
                    try cachedStatement("ROLLBACK TRANSACTION TO SAVEPOINT driftwatch_nested").execute()
                    try cachedStatement("RELEASE SAVEPOINT driftwatch_nested").execute()
                } catch {}
            }
            throw error
        }
        try cachedStatement("RELEASE SAVEPOINT driftwatch_nested").execute()
        return result
    }

    /// Rolls back the open transaction, if any, while the caller rethrows its own error.
    ///
    /// Some errors (`SQLITE_FULL`, `SQLITE_IOERR`, `SQLITE_NOMEM`) already rolled the
    /// transaction back; then there is nothing to do. A failing ROLLBACK is not reported:
    /// the error that caused it is the useful one, and SQLite rolls back a hot
    /// journal on the next open anyway.
    private func rollbackKeepingError() {
        guard isInTransaction else { return }
        do {
            try cachedStatement("ROLLBACK TRANSACTION").execute()
        } catch {}
    }
}
