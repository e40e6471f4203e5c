public import DriftwatchCore

/// The append-only, hash-chained audit log (design.md § Storage): rows are only ever
/// inserted (schema triggers refuse UPDATE and DELETE), each chained to the one before,
/// so an edit made behind driftwatch's back is found by ``verify(in:)``.
public enum AuditStore {
    /// Appends one row after the current last row, inside the caller's transaction
    /// (which holds the write lock, so two appends can never chain to the same row).
    /// - Parameter detail: a JSON object; stored canonical.
    /// - Returns: the row as stored.
    /// - Throws: `SQLiteError`.
    @discardableResult
    public static func append(tsNS: Int64, actor: String, role: String, action: String, subject: String, detail: JSONValue,
                              in db: Database) throws -> AuditRecord {
        precondition(db.isInTransaction, "audit rows are appended inside the write transaction")
        let last = try db.fetchOne("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1") { s in
            (s.int64(at: 0), s.text(at: 1) ?? "")
        }
        // AUTOINCREMENT never reuses an id; take the next one explicitly because it is hashed.
        let sequence = try db.fetchInt64("SELECT seq FROM sqlite_sequence WHERE name = 'audit'") ?? 0
        let id = max(last?.0 ?? 0, sequence) + 1
        let row = AuditRecord.chained(id: id, tsNS: tsNS, actor: actor, role: role, action: action, subject: subject,
                                      detail: detail, after: last?.1 ?? AuditRecord.genesisHash)
        try db.cachedStatement("""
            INSERT INTO audit (id, ts_ns, actor, role, action, subject, detail, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute([.integer(row.id), .integer(row.tsNS), .text(row.actor), .text(row.role), .text(row.action),
                          .text(row.subject), .text(row.detail), .text(row.prevHash), .text(row.hash)])
        return row
    }

    /// Walks the whole chain in id order, streaming rows.
    /// - Throws: `SQLiteError`.
    public static func verify(in db: Database) throws -> AuditChainVerifier {
        var verifier = AuditChainVerifier()
        let statement = try db.makeStatement("SELECT \(columns) FROM audit ORDER BY id")
        while try statement.step() == .row, verifier.firstBreak == nil {
            verifier.check(record(statement))
        }
        return verifier
    }

    /// The newest rows.
    /// - Throws: `SQLiteError`.
    public static func recent(limit: Int, subject: String? = nil, in db: Database) throws -> [AuditRecord] {
        if let subject {
            return try db.fetchAll("SELECT \(columns) FROM audit WHERE subject = ? ORDER BY id DESC LIMIT ?",
                                   [.text(subject), .integer(Int64(limit))], row: record)
        }
        return try db.fetchAll("SELECT \(columns) FROM audit ORDER BY id DESC LIMIT ?", [.integer(Int64(limit))], row: record)
    }

    /// The newest row of one action about one subject, if any.
    /// - Throws: `SQLiteError`.
    public static func latest(action: String, subject: String, in db: Database) throws -> AuditRecord? {
        try db.fetchAll("SELECT \(columns) FROM audit WHERE action = ? AND subject = ? ORDER BY id DESC LIMIT 1",
                        [.text(action), .text(subject)], row: record).first
    }

    static let columns = "id, ts_ns, actor, role, action, subject, detail, prev_hash, hash"

    static func record(_ s: Statement) -> AuditRecord {
        AuditRecord(id: s.int64(at: 0), tsNS: s.int64(at: 1), actor: s.text(at: 2) ?? "", role: s.text(at: 3) ?? "",
                    action: s.text(at: 4) ?? "", subject: s.text(at: 5) ?? "", detail: s.text(at: 6) ?? "",
                    prevHash: s.text(at: 7) ?? "", hash: s.text(at: 8) ?? "")
    }
}
