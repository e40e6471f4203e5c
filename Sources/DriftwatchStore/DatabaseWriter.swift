/// Serialised, thread-safe access to a database: what stores are written against,
/// so they work unchanged over a `DatabaseQueue` (tests, `:memory:`) or a
/// `DatabasePool` (the service).
///
/// All bodies run on a dedicated dispatch queue, never on the Swift concurrency pool.
/// Calling any synchronous method from inside a body of the same writer deadlocks,
/// and traps instead.
public protocol DatabaseWriter: Sendable {
    /// Runs `body` in an IMMEDIATE transaction: committed if it returns, rolled back if it throws.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T
    /// Runs `body` in a read-only DEFERRED transaction, so it sees one consistent snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T
    /// `write` for synchronous callers (CLI tools); blocks the calling thread.
    func writeSync<T>(_ body: (Database) throws -> T) throws -> T
    /// `read` for synchronous callers (CLI tools); blocks the calling thread.
    func readSync<T>(_ body: (Database) throws -> T) throws -> T
    /// Runs `body` on the writer connection outside any transaction, for statements
    /// that cannot run in one (`VACUUM`, `PRAGMA wal_checkpoint`, migrations).
    func writeWithoutTransaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T
}

extension Database {
    /// Runs `body` in a DEFERRED transaction with `PRAGMA query_only` on, so a read
    /// that writes by mistake fails instead of committing.
    func readOnlyTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        precondition(!isInTransaction, "a read cannot start inside an open transaction")
        try cachedStatement("PRAGMA query_only = 1").execute()
        defer {
            // Turning query_only off cannot fail on a healthy connection; if it does,
            // the connection is unusable for writes anyway and the next write reports it.
            do { try cachedStatement("PRAGMA query_only = 0").execute() } catch {}
        }
        return try transaction(.deferred, body)
    }
}
