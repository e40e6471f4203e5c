/// A breaker's current state as stored (the `breakers` table).
public struct BreakerRecord: Sendable, Equatable {
    public var agent: String
    /// `""` for the agent's breaker, `session:<id>` for a session's.
    public var scope: String
    public var state: String
    public var sinceNS: Int64
    public var reason: String?
    public var alertID: String?
    public var cooldownSeconds: Double
    public var updatedNS: Int64
    /// Tripped by an operator: held open until an operator resets it (kept in `detail`).
    public var heldByOperator: Bool

    public init(agent: String, scope: String, state: String, sinceNS: Int64, reason: String?, alertID: String?,
                cooldownSeconds: Double, updatedNS: Int64, heldByOperator: Bool = false) {
        self.agent = agent
        self.scope = scope
        self.state = state
        self.sinceNS = sinceNS
        self.reason = reason
        self.alertID = alertID
        self.cooldownSeconds = cooldownSeconds
        self.updatedNS = updatedNS
        self.heldByOperator = heldByOperator
    }
}

/// Breaker state and transition history, kept for the API and for restoring open
/// breakers after a restart (design.md § Circuit breakers).
public enum BreakerStore {
    /// Saves a breaker's current state.
    /// - Throws: `SQLiteError`.
    public static func upsert(_ r: BreakerRecord, in db: Database) throws(SQLiteError) {
        try db.cachedStatement("""
            INSERT INTO breakers (agent, scope, state, since_ns, reason, alert_id, cooldown_s, updated_ns, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (agent, scope) DO UPDATE SET state = excluded.state, since_ns = excluded.since_ns,
                reason = excluded.reason, alert_id = excluded.alert_id, cooldown_s = excluded.cooldown_s,
                updated_ns = excluded.updated_ns, detail = excluded.detail
            """).execute([.text(r.agent), .text(r.scope), .text(r.state), .integer(r.sinceNS), SQLiteValue(r.reason),
                          SQLiteValue(r.alertID), .real(r.cooldownSeconds), .integer(r.updatedNS),
                          .text(r.heldByOperator ? #"{"held_by_operator":true}"# : "{}")])
    }

    /// Appends one transition to the history.
    /// - Parameter actor: `nil` when automatic.
    /// - Throws: `SQLiteError`.
    public static func appendTransition(agent: String, scope: String, tsNS: Int64, from: String, to: String, reason: String?,
                                        alertID: String?, actor: String?, in db: Database) throws(SQLiteError) {
        try db.cachedStatement("""
            INSERT INTO breaker_transitions (agent, scope, ts_ns, from_state, to_state, reason, alert_id, actor)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute([.text(agent), .text(scope), .integer(tsNS), .text(from), .text(to), SQLiteValue(reason),
                          SQLiteValue(alertID), SQLiteValue(actor)])
    }

    /// Agent-scope breakers that are not closed (restored into the Monitor at start).
    /// - Throws: `SQLiteError`.
    public static func notClosed(in db: Database) throws -> [BreakerRecord] {
        try db.fetchAll("""
            SELECT \(columns) FROM breakers WHERE scope = '' AND state != 'closed' ORDER BY agent
            """, row: record)
    }

    /// One agent's breakers (agent scope first).
    /// - Throws: `SQLiteError`.
    public static func breakers(agent: String, in db: Database) throws -> [BreakerRecord] {
        try db.fetchAll("""
            SELECT \(columns) FROM breakers WHERE agent = ? ORDER BY scope
            """, [.text(agent)], row: record)
    }

    static let columns = """
        agent, scope, state, since_ns, reason, alert_id, cooldown_s, updated_ns,
        coalesce(json_extract(detail, '$.held_by_operator'), 0)
        """

    static func record(_ s: Statement) -> BreakerRecord {
        BreakerRecord(agent: s.text(at: 0) ?? "", scope: s.text(at: 1) ?? "", state: s.text(at: 2) ?? "closed",
                      sinceNS: s.int64(at: 3), reason: s.text(at: 4), alertID: s.text(at: 5), cooldownSeconds: s.double(at: 6),
                      updatedNS: s.int64(at: 7), heldByOperator: s.int64(at: 8) != 0)
    }
}
