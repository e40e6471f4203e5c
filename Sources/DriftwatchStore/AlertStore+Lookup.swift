extension AlertStore {
    /// The stored alert with `id`, if any (the kill-switch payload embeds the alert that
    /// opened a breaker, which may have been raised in an earlier batch).
    /// - Throws: `SQLiteError`.
    public static func get(id: String, in db: Database) throws -> StoredAlert? {
        try db.fetchOne("""
            SELECT id, seq, ts_ns, agent, session, kind, severity, score, threshold, message, evidence
            FROM alerts WHERE id = ?
            """, [.text(id)]) { s in
            StoredAlert(id: s.text(at: 0) ?? "", seq: s.isNull(at: 1) ? nil : s.int64(at: 1), tsNS: s.int64(at: 2),
                        agent: s.text(at: 3) ?? "", session: s.text(at: 4), kind: s.text(at: 5) ?? "",
                        severity: s.text(at: 6) ?? "", score: s.isNull(at: 7) ? nil : s.double(at: 7),
                        threshold: s.isNull(at: 8) ? nil : s.double(at: 8), message: s.text(at: 9) ?? "",
                        evidence: s.text(at: 10) ?? "{}")
        }
    }

    /// Whether an alert with `id` is stored.
    /// - Throws: `SQLiteError`.
    public static func contains(id: String, in db: Database) throws -> Bool {
        try db.fetchInt64("SELECT 1 FROM alerts WHERE id = ?", [.text(id)]) != nil
    }
}
