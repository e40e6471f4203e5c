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
                SELECT \(eventColumns) FROM events WHERE block = ? AND agent = ? ORDER BY ts_ns DESC, seq DESC LIMIT ?
                """, [.integer(block), .text(agent), .integer(Int64(remaining))]) { s in event(s) }
        }
        return rows.reversed()
    }

    /// One stored event as the `Event` detection saw, with its `seq` and receipt time.
    public struct Stored: Sendable {
        public var seq: Int64
        public var receivedNS: Int64
        public var event: Event

        public init(seq: Int64, receivedNS: Int64, event: Event) {
            self.seq = seq
            self.receivedNS = receivedNS
            self.event = event
        }
    }

    /// Events after `seq`, in `seq` order (the events a crash left undetected; see
    /// `DetectionProgress`). Arguments, labels and reasoning come back as stored:
    /// canonical and redacted.
    /// - Complexity: a range scan of the table's rowid.
    public static func events(after seq: Int64, in db: Database) throws -> [Stored] {
        try db.fetchAll("SELECT \(eventColumns), seq, received_ns FROM events WHERE seq > ? ORDER BY seq",
                        [.integer(seq)]) { s in
            Stored(seq: s.int64(at: 15), receivedNS: s.int64(at: 16), event: event(s))
        }
    }

    private static let eventColumns = """
        agent, ts_ns, session, call_id, type, tool, args, status, cost_usd, tokens_in, tokens_out, latency_ms, model,
        reasoning, labels
        """

    private static func event(_ s: Statement) -> Event {
        Event(kind: s.text(at: 4) == Event.Kind.llmCall.rawValue ? .llmCall : .toolCall, agent: s.text(at: 0) ?? "",
              tool: s.text(at: 5), ts: s.int64(at: 1), session: s.text(at: 2), callID: s.text(at: 3),
              args: s.text(at: 6).flatMap { try? JSONScanner.parse($0) },
              status: s.text(at: 7) ?? "ok", costUSD: s.isNull(at: 8) ? nil : s.double(at: 8),
              tokensIn: s.isNull(at: 9) ? nil : s.int64(at: 9), tokensOut: s.isNull(at: 10) ? nil : s.int64(at: 10),
              latencyMS: s.isNull(at: 11) ? nil : s.double(at: 11), model: s.text(at: 12),
              reasoning: s.text(at: 13), labels: s.text(at: 14).flatMap { try? JSONScanner.parse($0) })
    }
}
