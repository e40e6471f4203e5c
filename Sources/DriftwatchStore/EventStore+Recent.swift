public import DriftwatchCore

extension EventStore {
    /// An agent's most recent stored events, oldest first, as `Event`s (for
    /// learning a baseline from recent behaviour). Arguments come back as
    /// stored: canonical and redacted.
    /// - Complexity: one seek per block on (block, agent, ts_ns), newest block first,
    ///   until `limit` rows (see `collectByBlock`).
    /// - Throws: `SQLiteError`.
    public static func recentEvents(agent: String, limit: Int, in db: Database) throws -> [Event] {
        let rows = try collectByBlock(limit: limit, newestFirst: true, in: db) { block, remaining in
            try db.fetchAll("""
                SELECT ts_ns, session, call_id, type, tool, args, status, cost_usd, tokens_in, tokens_out, latency_ms, model
                FROM events WHERE block = ? AND agent = ? ORDER BY ts_ns DESC, seq DESC LIMIT ?
                """, [.integer(block), .text(agent), .integer(Int64(remaining))]) { s -> Event in
                let args = s.text(at: 5).flatMap { try? JSONScanner.parse($0) }
                return Event(kind: s.text(at: 3) == Event.Kind.llmCall.rawValue ? .llmCall : .toolCall, agent: agent,
                             tool: s.text(at: 4), ts: s.int64(at: 0), session: s.text(at: 1), callID: s.text(at: 2), args: args,
                             status: s.text(at: 6) ?? "ok", costUSD: s.isNull(at: 7) ? nil : s.double(at: 7),
                             tokensIn: s.isNull(at: 8) ? nil : s.int64(at: 8), tokensOut: s.isNull(at: 9) ? nil : s.int64(at: 9),
                             latencyMS: s.isNull(at: 10) ? nil : s.double(at: 10), model: s.text(at: 11))
            }
        }
        return rows.reversed()
    }
}
