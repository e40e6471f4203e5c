public import DriftwatchCore

/// The baseline in force per agent (`baselines` table): baselines learned online are
/// saved when they freeze and restored on restart.
public enum BaselineStore {
    /// Saves `baseline` as the agent's current one, replacing any earlier version
    /// (the version number goes up by one).
    /// - Throws: `SQLiteError`.
    public static func upsert(_ baseline: Baseline, approved: Bool = false, createdNS: Int64,
                              in db: Database) throws(SQLiteError) {
        try db.execute("""
            INSERT INTO baselines (agent, version, created_ns, body, approved) VALUES (?, 1, ?, ?, ?)
            ON CONFLICT (agent) DO UPDATE SET version = version + 1, created_ns = excluded.created_ns,
                body = excluded.body, approved = excluded.approved
            """, [.text(baseline.agent), .integer(createdNS), .text(baseline.json.jsonString),
                  .integer(approved ? 1 : 0)])
    }

    /// Every stored baseline. A row that no longer parses is reported through `invalid`
    /// (agent and reason) and skipped, so one bad row cannot stop the service starting.
    /// - Throws: `SQLiteError`.
    public static func loadAll(in db: Database, invalid: (String, String) -> Void = { _, _ in }) throws -> [Baseline] {
        let rows = try db.fetchAll("SELECT agent, body FROM baselines ORDER BY agent") { s in
            (s.text(at: 0) ?? "", s.text(at: 1) ?? "")
        }
        var baselines: [Baseline] = []
        for (agent, body) in rows {
            do {
                baselines.append(try Baseline(json: try JSONScanner.parse(body)))
            } catch {
                invalid(agent, "\(error)")
            }
        }
        return baselines
    }
}
