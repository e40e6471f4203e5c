public import DriftwatchCore

/// One webhook delivery in the durable outbox (spec §5).
public struct OutboxRow: Sendable, Equatable {
    public enum State: String, Sendable {
        case pending, delivered, dead
    }

    public var id: Int64
    /// The `X-Driftwatch-Event-Id` header; the same for every webhook of one event.
    public var eventID: String
    public var eventType: String
    public var agent: String
    public var webhookURL: String
    /// The exact bytes signed and sent.
    public var body: String
    public var attempts: Int
    public var nextAttemptNS: Int64
    public var state: State
    public var lastError: String?
    public var createdNS: Int64
    public var lastAttemptNS: Int64?
    public var deliveredNS: Int64?

    /// The row's public summary (the body is left out: it is in the event's alert).
    public var json: JSONValue {
        .object([
            JSONMember("id", .number(Double(id))),
            JSONMember("event_id", .string(eventID)),
            JSONMember("type", .string(eventType)),
            JSONMember("agent", .string(agent)),
            JSONMember("webhook", .string(webhookURL)),
            JSONMember("state", .string(state.rawValue)),
            JSONMember("attempts", .number(Double(attempts))),
            JSONMember("created", .string(RFC3339.format(createdNS))),
            JSONMember("next_attempt", state == .pending ? .string(RFC3339.format(nextAttemptNS)) : .null),
            JSONMember("last_attempt", lastAttemptNS.map { .string(RFC3339.format($0)) } ?? .null),
            JSONMember("delivered", deliveredNS.map { .string(RFC3339.format($0)) } ?? .null),
            JSONMember("last_error", lastError.map(JSONValue.string) ?? .null),
        ])
    }
}

/// A delivery to enqueue: one per (event, webhook).
public struct NewOutboxRow: Sendable, Equatable {
    public var eventID: String
    public var eventType: String
    public var agent: String
    public var webhookURL: String
    public var body: String

    public init(eventID: String, eventType: String, agent: String, webhookURL: String, body: String) {
        self.eventID = eventID
        self.eventType = eventType
        self.agent = agent
        self.webhookURL = webhookURL
        self.body = body
    }
}


/// The webhook outbox table: rows are inserted in the ingest batch's transaction and
/// moved to `delivered` or `dead` by the sender.
public enum OutboxStore {
    static let columns = """
        id, event_id, event_type, agent, webhook_url, body, attempts, next_attempt_ns, state, last_error,
        created_ns, last_attempt_ns, delivered_ns
        """

    /// Enqueues deliveries, due at once; an (event, webhook) pair already present is skipped.
    /// - Returns: how many rows were new.
    /// - Throws: `SQLiteError`.
    @discardableResult
    public static func insert(_ rows: [NewOutboxRow], createdNS: Int64, in db: Database) throws(SQLiteError) -> Int {
        guard !rows.isEmpty else { return 0 }
        let insert = try db.cachedStatement("""
            INSERT INTO outbox (event_id, event_type, agent, webhook_url, body, next_attempt_ns, created_ns)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, webhook_url) DO NOTHING
            """)
        var inserted = 0
        for r in rows {
            try insert.execute([.text(r.eventID), .text(r.eventType), .text(r.agent), .text(r.webhookURL), .text(r.body),
                                .integer(createdNS), .integer(createdNS)])
            inserted += db.changes
        }
        return inserted
    }

    /// Pending rows due at `nowNS` that head their (agent, webhook) queue, oldest first.
    ///
    /// A row waits while an older row for the same agent and webhook is pending (even one
    /// not yet due), so each receiver sees one agent's transitions in order.
    /// - Throws: `SQLiteError`.
    public static func due(nowNS: Int64, limit: Int, in db: Database) throws -> [OutboxRow] {
        try db.fetchAll("""
            SELECT \(columns) FROM outbox AS o
            WHERE o.state = 'pending' AND o.next_attempt_ns <= ?
              AND NOT EXISTS (SELECT 1 FROM outbox AS p WHERE p.state = 'pending' AND p.agent = o.agent
                              AND p.webhook_url = o.webhook_url AND p.id < o.id)
            ORDER BY o.id LIMIT ?
            """, [.integer(nowNS), .integer(Int64(limit))], row: row)
    }

    /// When the earliest pending row is due, or `nil` when none is pending.
    /// - Throws: `SQLiteError`.
    public static func nextDueNS(in db: Database) throws -> Int64? {
        try db.fetchInt64("SELECT min(next_attempt_ns) FROM outbox WHERE state = 'pending'")
    }

    /// Records a 2xx answer.
    /// - Throws: `SQLiteError`.
    public static func markDelivered(id: Int64, attempts: Int, atNS: Int64, in db: Database) throws(SQLiteError) {
        try db.execute("""
            UPDATE outbox SET state = 'delivered', attempts = ?, last_attempt_ns = ?, delivered_ns = ?, last_error = NULL
            WHERE id = ? AND state = 'pending'
            """, [.integer(Int64(attempts)), .integer(atNS), .integer(atNS), .integer(id)])
    }

    /// Records a failed attempt and when to try again.
    /// - Throws: `SQLiteError`.
    public static func markRetry(id: Int64, attempts: Int, atNS: Int64, nextAttemptNS: Int64, error: String,
                                 in db: Database) throws(SQLiteError) {
        try db.execute("""
            UPDATE outbox SET attempts = ?, last_attempt_ns = ?, next_attempt_ns = ?, last_error = ?
            WHERE id = ? AND state = 'pending'
            """, [.integer(Int64(attempts)), .integer(atNS), .integer(nextAttemptNS), .text(error), .integer(id)])
    }

    /// Gives up on a row (dead letter): it stays visible in the API and dashboard.
    /// - Throws: `SQLiteError`.
    public static func markDead(id: Int64, attempts: Int, atNS: Int64, error: String, in db: Database) throws(SQLiteError) {
        try db.execute("""
            UPDATE outbox SET state = 'dead', attempts = ?, last_attempt_ns = ?, last_error = ?
            WHERE id = ? AND state = 'pending'
            """, [.integer(Int64(attempts)), .integer(atNS), .text(error), .integer(id)])
    }

    /// The newest rows, optionally of one state.
    /// - Throws: `SQLiteError`.
    public static func recent(state: OutboxRow.State? = nil, agent: String? = nil, limit: Int,
                              in db: Database) throws -> [OutboxRow] {
        var conditions: [String] = []
        var arguments: [SQLiteValue] = []
        if let state {
            conditions.append("state = ?")
            arguments.append(.text(state.rawValue))
        }
        if let agent {
            conditions.append("agent = ?")
            arguments.append(.text(agent))
        }
        arguments.append(.integer(Int64(limit)))
        return try db.fetchAll("""
            SELECT \(columns) FROM outbox\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            ORDER BY id DESC LIMIT ?
            """, arguments, row: row)
    }

    /// Rows per state (`driftwatch_webhook_outbox{state=…}`).
    /// - Throws: `SQLiteError`.
    public static func countsByState(in db: Database) throws -> [String: Int] {
        var counts: [String: Int] = ["pending": 0, "delivered": 0, "dead": 0]
        for (state, n) in try db.fetchAll("SELECT state, count(*) FROM outbox GROUP BY state", row: { s in
            (s.text(at: 0) ?? "", s.int(at: 1))
        }) {
            counts[state] = n
        }
        return counts
    }

    static func row(_ s: Statement) -> OutboxRow {
        OutboxRow(id: s.int64(at: 0), eventID: s.text(at: 1) ?? "", eventType: s.text(at: 2) ?? "", agent: s.text(at: 3) ?? "",
                  webhookURL: s.text(at: 4) ?? "", body: s.text(at: 5) ?? "", attempts: s.int(at: 6),
                  nextAttemptNS: s.int64(at: 7), state: OutboxRow.State(rawValue: s.text(at: 8) ?? "") ?? .pending,
                  lastError: s.text(at: 9), createdNS: s.int64(at: 10),
                  lastAttemptNS: s.isNull(at: 11) ? nil : s.int64(at: 11), deliveredNS: s.isNull(at: 12) ? nil : s.int64(at: 12))
    }
}
