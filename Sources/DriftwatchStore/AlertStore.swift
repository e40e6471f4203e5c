public import DriftwatchCore

/// An alert as stored, with `evidence` kept as the JSON text it was written as.
public struct StoredAlert: Sendable, Equatable {
    public var id: String
    public var seq: Int64?
    public var tsNS: Int64
    public var agent: String
    public var session: String?
    public var kind: String
    public var severity: String
    public var score: Double?
    public var threshold: Double?
    public var message: String
    public var evidence: String

    /// The alert in the spec §2 shape, field order as `Alert.json`.
    public var json: JSONValue {
        let parsedEvidence = (try? JSONScanner.parse(evidence)) ?? .string(evidence)
        return .object([
            JSONMember("id", .string(id)),
            JSONMember("ts", .string(RFC3339.format(tsNS))),
            JSONMember("agent", .string(agent)),
            JSONMember("session", session.map(JSONValue.string) ?? .null),
            JSONMember("kind", .string(kind)),
            JSONMember("severity", .string(severity)),
            JSONMember("score", score.map(JSONValue.number) ?? .null),
            JSONMember("threshold", threshold.map(JSONValue.number) ?? .null),
            JSONMember("message", .string(message)),
            JSONMember("evidence", parsedEvidence),
            JSONMember("seq", seq.map { .number(Double($0)) } ?? .null),
        ])
    }
}

/// Filters for ``AlertStore/query(_:in:)``; `nil` means "any".
public struct AlertQuery: Sendable, Equatable {
    public var agent: String?
    /// A kind (`drift.new_tool`) or a family (`drift`, the text before the first dot).
    public var kind: String?
    public var severity: String?
    /// Alerts whose event time is at or after this (Unix nanoseconds).
    public var sinceNS: Int64?
    public var limit: Int

    public static let defaultLimit = 100
    public static let maxLimit = 1000

    public init(agent: String? = nil, kind: String? = nil, severity: String? = nil, sinceNS: Int64? = nil,
                limit: Int = AlertQuery.defaultLimit) {
        precondition(limit > 0, "limit must be positive")
        self.agent = agent
        self.kind = kind
        self.severity = severity
        self.sinceNS = sinceNS
        self.limit = limit
    }
}

/// Stores and queries alerts (spec §2).
public enum AlertStore {
    static let insertSQL = """
        INSERT INTO alerts (id, seq, ts_ns, agent, session, kind, severity, score, threshold, message, evidence)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO NOTHING
        """

    /// Inserts alerts; an alert whose id is already stored is skipped (ids are derived
    /// from agent, session, kind and seq, so a re-insert is the same alert).
    /// - Returns: how many were new.
    /// - Throws: `SQLiteError`.
    @discardableResult
    public static func insert(_ alerts: [Alert], in db: Database) throws(SQLiteError) -> Int {
        guard !alerts.isEmpty else { return 0 }
        let insert = try db.cachedStatement(insertSQL)
        var inserted = 0
        for a in alerts {
            try insert.bind(a.id, at: 1)
            try insert.bind(a.seq, at: 2)
            try insert.bind(a.ts, at: 3)
            try insert.bind(a.agent, at: 4)
            try insert.bind(a.session, at: 5)
            try insert.bind(a.kind.rawValue, at: 6)
            try insert.bind(a.severity.rawValue, at: 7)
            try insert.bind(a.score.isFinite ? a.score : nil, at: 8)
            try insert.bind(a.threshold.isFinite ? a.threshold : nil, at: 9)
            try insert.bind(a.message, at: 10)
            try insert.bind(a.evidence.jsonString, at: 11)
            let before = db.totalChanges
            try insert.execute()
            if db.totalChanges != before { inserted += 1 }
        }
        return inserted
    }

    /// Alerts matching `query`, newest first (event time, then insertion order).
    /// - Throws: `SQLiteError`.
    /// SQL conditions (joined with AND) and their bound values for the usual
    /// alert filters; a `kind` without a dot is a family (`drift` matches
    /// `drift.tools`, `drift.new_tool`, …). Values are always bound.
    public static func filter(agent: String?, kind: String?, severity: String?, sinceNS: Int64?) -> ([String], [SQLiteValue]) {
        var conditions: [String] = []
        var arguments: [SQLiteValue] = []
        if let agent, !agent.isEmpty {
            conditions.append("agent = ?")
            arguments.append(.text(agent))
        }
        if let kind, !kind.isEmpty {
            if kind.contains(".") {
                conditions.append("kind = ?")
                arguments.append(.text(kind))
            } else {
                conditions.append("substr(kind, 1, ?) = ?")
                arguments.append(.integer(Int64(kind.utf8.count + 1)))
                arguments.append(.text(kind + "."))
            }
        }
        if let severity, !severity.isEmpty {
            conditions.append("severity = ?")
            arguments.append(.text(severity))
        }
        if let sinceNS {
            conditions.append("ts_ns >= ?")
            arguments.append(.integer(sinceNS))
        }
        return (conditions, arguments)
    }

    public static func query(_ query: AlertQuery, in db: Database) throws(SQLiteError) -> [StoredAlert] {
        var (conditions, arguments) = filter(agent: query.agent, kind: query.kind, severity: query.severity, sinceNS: query.sinceNS)
        arguments.append(.integer(Int64(query.limit)))
        // The SQL text depends only on which filters are present (16 variants), so the
        // statement cache stays small; values are always bound.
        let sql = """
            SELECT id, seq, ts_ns, agent, session, kind, severity, score, threshold, message, evidence
            FROM alerts\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            ORDER BY ts_ns DESC, rowid DESC LIMIT ?
            """
        do {
            return try db.fetchAll(sql, arguments) { s in
                StoredAlert(id: s.text(at: 0) ?? "", seq: s.isNull(at: 1) ? nil : s.int64(at: 1), tsNS: s.int64(at: 2),
                            agent: s.text(at: 3) ?? "", session: s.text(at: 4), kind: s.text(at: 5) ?? "",
                            severity: s.text(at: 6) ?? "", score: s.isNull(at: 7) ? nil : s.double(at: 7),
                            threshold: s.isNull(at: 8) ? nil : s.double(at: 8), message: s.text(at: 9) ?? "",
                            evidence: s.text(at: 10) ?? "{}")
            }
        } catch let error as SQLiteError {
            throw error
        } catch {
            preconditionFailure("row mapping does not throw: \(error)")
        }
    }

    /// Alert counts per kind, for `/metrics` at start-up.
    /// - Throws: `SQLiteError`.
    public static func countsByKind(in db: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (kind, n) in try db.fetchAll("SELECT kind, count(*) FROM alerts GROUP BY kind", row: { s in
            (s.text(at: 0) ?? "", s.int(at: 1))
        }) {
            counts[kind] = n
        }
        return counts
    }
}
