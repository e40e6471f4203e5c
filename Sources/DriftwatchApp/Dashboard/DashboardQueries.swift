public import DriftwatchStore

/// The dashboard's reads. Each is bounded: it walks an index (`alerts_agent_ts`, `alerts_ts`,
/// the rowid) and stops at a LIMIT, so a page costs the same with a million events as with a
/// thousand (spec: ≤ 100 ms). Events by agent or session walk `events_block_agent` and
/// `events_block_session` block by block (`EventStore.collectByBlock`): one seek per block
/// at most, 2,442 seeks for 10 million stored events.
public enum DashboardQueries {
    /// Most recent events read for an agent page (tool mix, transitions, spend, sessions).
    public static let agentRecentEvents = 5000
    /// Most calls shown on a session page.
    public static let sessionEvents = 1000
    /// Alerts per page on `/alerts`.
    public static let alertsPerPage = 50

    // MARK: - Overview

    /// Calls and spend per agent since a time, from the rowid range received since then.
    public struct Activity: Sendable, Equatable {
        public var calls = 0
        public var costUSD = 0.0
    }

    /// The first `seq` received at or after `ns`: a binary search over the rowid, since
    /// `received_ns` grows with `seq` (one writer, receipt order). O(log n) probes.
    public static func firstSeq(receivedAtOrAfter ns: Int64, in db: Database) throws -> Int64? {
        // Two queries: SQLite answers a lone min() or max() from the rowid b-tree in
        // O(log n), but `SELECT min(seq), max(seq)` scans the table.
        guard let minSeq = try db.fetchInt64("SELECT min(seq) FROM events"),
              let maxSeq = try db.fetchInt64("SELECT max(seq) FROM events") else { return nil }
        let probe = "SELECT seq, received_ns FROM events WHERE seq >= ? ORDER BY seq LIMIT 1"
        var lo = minSeq
        var hi = maxSeq + 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            guard let row = try db.fetchOne(probe, [.integer(mid)], row: { s in (s.int64(at: 0), s.int64(at: 1)) }) else {
                hi = mid
                continue
            }
            if row.1 >= ns { hi = mid } else { lo = row.0 + 1 }
        }
        return lo > maxSeq ? nil : lo
    }

    /// Most rows the overview's activity scan reads: past it, the window shrinks to the
    /// most recent rows (a fleet of 1,000 busy agents sends far more than this per hour).
    public static let activityMaxRows: Int64 = 50_000

    /// Calls and spend per agent of the events received at or after `sinceNS`, over at
    /// most `maxRows` of the most recent rows, and when the window really starts (the
    /// first row's receipt time: later than `sinceNS` if the store is younger or the
    /// window was cut).
    /// - Complexity: O(min(events since then, maxRows)), read in rowid order.
    public static func activity(receivedSince sinceNS: Int64, maxRows: Int64 = activityMaxRows,
                                in db: Database) throws -> (byAgent: [String: Activity], windowStartNS: Int64?) {
        guard let first = try firstSeq(receivedAtOrAfter: sinceNS, in: db),
              let last = try db.fetchInt64("SELECT max(seq) FROM events") else { return ([:], nil) }
        let from = max(first, last - maxRows + 1)
        let start = try db.fetchOne("SELECT received_ns FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", [.integer(from)],
                                    row: { $0.int64(at: 0) })
        var out: [String: Activity] = [:]
        for (agent, calls, cost) in try db.fetchAll(
            // NOT INDEXED: read the rowid range; grouping through an index on agent would
            // walk every event instead.
            "SELECT agent, count(*), total(cost_usd) FROM events NOT INDEXED WHERE seq >= ? GROUP BY agent", [.integer(from)],
            row: { s in (s.text(at: 0) ?? "", s.int(at: 1), s.double(at: 2)) }) {
            out[agent] = Activity(calls: calls, costUSD: cost)
        }
        return (out, start)
    }

    /// Events received at or after `sinceNS` (for the ingest rate).
    public static func eventCount(receivedSince sinceNS: Int64, in db: Database) throws -> Int {
        guard let first = try firstSeq(receivedAtOrAfter: sinceNS, in: db) else { return 0 }
        return Int(try db.fetchInt64("SELECT count(*) FROM events WHERE seq >= ?", [.integer(first)]) ?? 0)
    }

    /// Alert counts per agent since `sinceNS` (event time): (warnings, criticals).
    public static func alertCounts(since sinceNS: Int64, in db: Database) throws -> [String: (warning: Int, critical: Int)] {
        var out: [String: (warning: Int, critical: Int)] = [:]
        for (agent, severity, n) in try db.fetchAll(
            "SELECT agent, severity, count(*) FROM alerts INDEXED BY alerts_ts WHERE ts_ns >= ? GROUP BY agent, severity",
            [.integer(sinceNS)],
            row: { s in (s.text(at: 0) ?? "", s.text(at: 1) ?? "", s.int(at: 2)) }) {
            if severity == "critical" { out[agent, default: (0, 0)].critical += n } else { out[agent, default: (0, 0)].warning += n }
        }
        return out
    }

    // MARK: - Agent and session

    /// One stored event, as much of it as the pages show.
    public struct EventRow: Sendable {
        public var seq: Int64
        public var tsNS: Int64
        public var agent: String
        public var session: String?
        public var type: String
        public var tool: String?
        public var args: String?
        public var status: String
        public var costUSD: Double?
        public var tokensIn: Int64?
        public var tokensOut: Int64?
        public var latencyMS: Double?
        public var model: String?
        public var reasoning: String?
        public var labels: String?
    }

    static let eventColumns = """
        seq, ts_ns, agent, session, type, tool, args, status, cost_usd, tokens_in, tokens_out, latency_ms, model, reasoning, labels
        """

    static func eventRow(_ s: Statement) -> EventRow {
        EventRow(seq: s.int64(at: 0), tsNS: s.int64(at: 1), agent: s.text(at: 2) ?? "", session: s.text(at: 3),
                 type: s.text(at: 4) ?? "tool_call", tool: s.text(at: 5), args: s.text(at: 6), status: s.text(at: 7) ?? "ok",
                 costUSD: s.isNull(at: 8) ? nil : s.double(at: 8), tokensIn: s.isNull(at: 9) ? nil : s.int64(at: 9),
                 tokensOut: s.isNull(at: 10) ? nil : s.int64(at: 10), latencyMS: s.isNull(at: 11) ? nil : s.double(at: 11),
                 model: s.text(at: 12), reasoning: s.text(at: 13), labels: s.text(at: 14))
    }

    /// The agent's most recent events (newest first), without args/reasoning/labels.
    public static func recentEvents(agent: String, limit: Int = agentRecentEvents, in db: Database) throws -> [EventRow] {
        try EventStore.collectByBlock(limit: limit, newestFirst: true, in: db) { block, remaining in
            try db.fetchAll("""
                SELECT seq, ts_ns, agent, session, type, tool, NULL, status, cost_usd, NULL, NULL, NULL, NULL, NULL, NULL
                FROM events WHERE block = ? AND agent = ? ORDER BY ts_ns DESC, seq DESC LIMIT ?
                """, [.integer(block), .text(agent), .integer(Int64(remaining))], row: eventRow)
        }
    }

    /// A session's calls in time order (all agents that used the id), at most `limit`.
    public static func sessionEvents(_ session: String, limit: Int = sessionEvents, in db: Database) throws -> [EventRow] {
        try EventStore.collectByBlock(limit: limit, newestFirst: false, in: db) { block, remaining in
            try db.fetchAll("SELECT \(eventColumns) FROM events WHERE block = ? AND session = ? ORDER BY ts_ns, seq LIMIT ?",
                            [.integer(block), .text(session), .integer(Int64(remaining))], row: eventRow)
        }
    }

    /// Alerts of `agent` about `session` between two event times.
    public static func sessionAlerts(agent: String, session: String, fromNS: Int64, toNS: Int64,
                                     in db: Database) throws -> [StoredAlert] {
        try db.fetchAll("""
            SELECT \(alertColumns) FROM alerts WHERE agent = ? AND ts_ns BETWEEN ? AND ? AND session = ?
            ORDER BY ts_ns, rowid LIMIT 500
            """, [.text(agent), .integer(fromNS), .integer(toNS), .text(session)], row: { alertRow($0).alert })
    }

    /// Alert counts per session of `agent` since `sinceNS`.
    public static func sessionAlertCounts(agent: String, since sinceNS: Int64, in db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for (session, n) in try db.fetchAll("""
            SELECT session, count(*) FROM alerts WHERE agent = ? AND ts_ns >= ? AND session IS NOT NULL GROUP BY session
            """, [.text(agent), .integer(sinceNS)], row: { s in (s.text(at: 0) ?? "", s.int(at: 1)) }) {
            out[session] = n
        }
        return out
    }

    // MARK: - Alerts

    /// Filters of the `/alerts` page; `nil` or empty means any.
    public struct AlertFilter: Sendable, Equatable {
        public var agent: String?
        /// A kind (`drift.args`) or a family (`drift`).
        public var kind: String?
        public var severity: String?
        public var sinceNS: Int64?
        /// Case-insensitive (ASCII) substring of message, agent, session or kind.
        public var text: String?
        /// Page cursor: alerts strictly older than this (ts_ns, rowid).
        public var before: (ts: Int64, rowid: Int64)?

        public init() {}

        public static func == (a: AlertFilter, b: AlertFilter) -> Bool {
            a.agent == b.agent && a.kind == b.kind && a.severity == b.severity && a.sinceNS == b.sinceNS
                && a.text == b.text && a.before?.ts == b.before?.ts && a.before?.rowid == b.before?.rowid
        }
    }

    static let alertColumns = "rowid, id, seq, ts_ns, agent, session, kind, severity, score, threshold, message, evidence"

    static func alertRow(_ s: Statement) -> (rowid: Int64, alert: StoredAlert) {
        (s.int64(at: 0), StoredAlert(storedID: s.text(at: 1) ?? "", seq: s.isNull(at: 2) ? nil : s.int64(at: 2), tsNS: s.int64(at: 3),
                                      agent: s.text(at: 4) ?? "", session: s.text(at: 5), kind: s.text(at: 6) ?? "",
                                      severity: s.text(at: 7) ?? "", score: s.isNull(at: 8) ? nil : s.double(at: 8),
                                      threshold: s.isNull(at: 9) ? nil : s.double(at: 9), message: s.text(at: 10) ?? "",
                                      evidence: s.text(at: 11) ?? "{}"))
    }

    /// One page of alerts, newest first, and the cursor of the next page if there is one.
    /// Walks `alerts_ts` (or `alerts_agent_ts` with an agent) backwards and stops after
    /// `limit + 1` matches.
    public static func alerts(_ f: AlertFilter, limit: Int = alertsPerPage,
                              in db: Database) throws -> (alerts: [StoredAlert], next: (ts: Int64, rowid: Int64)?) {
        var (conditions, arguments) = AlertStore.filter(agent: f.agent, kind: f.kind, severity: f.severity, sinceNS: f.sinceNS)
        if let text = f.text, !text.isEmpty {
            conditions.append("instr(lower(message || ' ' || agent || ' ' || ifnull(session, '') || ' ' || kind), lower(?)) > 0")
            arguments.append(.text(text))
        }
        if let before = f.before {
            conditions.append("(ts_ns < ? OR (ts_ns = ? AND rowid < ?))")
            arguments += [.integer(before.ts), .integer(before.ts), .integer(before.rowid)]
        }
        arguments.append(.integer(Int64(limit + 1)))
        let rows = try db.fetchAll("""
            SELECT \(alertColumns) FROM alerts\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            ORDER BY ts_ns DESC, rowid DESC LIMIT ?
            """, arguments, row: alertRow)
        guard rows.count > limit else { return (rows.map(\.alert), nil) }
        let last = rows[limit - 1]
        return (rows.prefix(limit).map(\.alert), (last.alert.tsNS, last.rowid))
    }
}
