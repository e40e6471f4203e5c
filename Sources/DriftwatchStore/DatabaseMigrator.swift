/// Applies an ordered list of named schema migrations, recording each in `schema_migrations`.
///
/// Migrations are append-only: once released, a migration's name and body never
/// change; a schema change is a new migration. Each pending migration runs in its
/// own IMMEDIATE transaction together with the row that records it, so a crash
/// leaves the database either before or after that migration, never half-way.
///
/// A database whose table names a migration this binary does not know was written
/// by a newer driftwatch; `migrate(_:)` refuses it rather than run old code on a
/// schema it does not understand.
public struct DatabaseMigrator: Sendable {
    /// One named schema change.
    public struct Migration: Sendable {
        public let name: String
        let body: @Sendable (Database) throws -> Void
    }

    /// The registered migrations, in the order they apply.
    public private(set) var migrations: [Migration] = []

    public init() {}

    /// Appends a migration.
    ///
    /// - Parameters:
    ///   - name: unique and stable forever (`"v1"`, `"v2-alerts-ack"`).
    ///   - body: the schema change; it runs inside a transaction and must not begin or end one.
    /// - Precondition: `name` is non-empty and not already registered.
    public mutating func registerMigration(_ name: String, _ body: @escaping @Sendable (Database) throws -> Void) {
        precondition(!name.isEmpty, "a migration needs a name")
        precondition(!migrations.contains { $0.name == name }, "migration \(name) registered twice")
        migrations.append(Migration(name: name, body: body))
    }

    /// Applies every registered migration not yet recorded, in order.
    ///
    /// Safe to call on every start and from several processes at once: each
    /// migration re-checks, under the write lock, that nobody applied it meanwhile.
    ///
    /// - Returns: the names of the migrations applied by this call.
    /// - Throws: `MigrationError.unknownMigrations` if the database records migrations this
    ///   binary does not know; `MigrationError.failed` wrapping what a migration threw
    ///   (that migration is rolled back, earlier ones stay applied).
    /// - Precondition: no transaction is open on `db`.
    @discardableResult
    public func migrate(_ db: Database) throws -> [String] {
        precondition(!db.isInTransaction, "migrate(_:) runs its own transactions")
        try db.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name TEXT PRIMARY KEY NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            )
            """)
        try checkForUnknownMigrations(try appliedMigrations(db))
        var applied: [String] = []
        for migration in migrations {
            let ran = try db.transaction(.immediate) { db in
                // Re-read under the write lock: another process may have migrated meanwhile.
                let recorded = try appliedMigrations(db)
                try checkForUnknownMigrations(recorded)
                guard !recorded.contains(migration.name) else { return false }
                do {
                    try migration.body(db)
                } catch {
                    throw MigrationError.failed(name: migration.name, underlying: error)
                }
                try db.execute("INSERT INTO schema_migrations (name) VALUES (?)", [.text(migration.name)])
                return true
            }
            if ran { applied.append(migration.name) }
        }
        return applied
    }

    /// The names of the migrations recorded in `db`, in the order they were applied;
    /// empty for a database never migrated.
    ///
    /// - Throws: `SQLiteError`.
    public func appliedMigrations(_ db: Database) throws -> [String] {
        let exists = try db.fetchInt64(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")
        guard exists == 1 else { return [] }
        return try db.fetchAll("SELECT name FROM schema_migrations ORDER BY rowid") { $0.text(at: 0) ?? "" }
    }

    /// Whether every registered migration has been applied to `db`.
    ///
    /// - Throws: `SQLiteError`.
    public func hasAppliedAllMigrations(_ db: Database) throws -> Bool {
        Set(try appliedMigrations(db)).isSuperset(of: migrations.map(\.name))
    }

    private func checkForUnknownMigrations(_ recorded: [String]) throws(MigrationError) {
        let known = Set(migrations.map(\.name))
        let unknown = recorded.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw .unknownMigrations(unknown, known: migrations.map(\.name))
        }
    }
}

/// Why `DatabaseMigrator.migrate(_:)` could not bring a database up to date.
public enum MigrationError: Error, CustomStringConvertible {
    /// The database was migrated by a newer driftwatch: it records migrations this binary lacks.
    case unknownMigrations([String], known: [String])
    /// A migration threw; it was rolled back.
    case failed(name: String, underlying: any Error)

    public var description: String {
        switch self {
        case .unknownMigrations(let unknown, let known):
            "the database was written by a newer driftwatch: it has schema migrations "
                + "\(unknown.joined(separator: ", ")) that this binary does not know "
                + "(it knows \(known.isEmpty ? "none" : known.joined(separator: ", "))); "
                + "upgrade driftwatch or use a different database file"
        case .failed(let name, let underlying):
            "schema migration \(name) failed and was rolled back: \(underlying)"
        }
    }
}
