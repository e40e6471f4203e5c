/// Appends events to the `events` table, idempotently by `(agent, call_id)` (spec §1).
public enum EventStore {
    static let insertSQL = """
        INSERT INTO events (ts_ns, received_ns, agent, session, call_id, type, tool, args, status,
                            cost_usd, tokens_in, tokens_out, latency_ms, model, reasoning, labels, block)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    /// A block is 2^12 = 4,096 consecutive `seq`s: the events indexes lead with it (see
    /// `Schema.createV4Blocks`), so a batch's index entries land in a few pages.
    public static let blockShift = 12

    /// The block of a batch's events: that of the next `seq` SQLite will draw. The whole
    /// batch shares it, so a block can hold more than 4,096 rows; it never decreases,
    /// since `sqlite_sequence` remembers the largest `seq` ever drawn.
    static func nextBlock(in db: Database) throws(SQLiteError) -> Int64 {
        let last = try db.cachedStatement("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
        defer { last.reset() }
        let seq = try last.step() == .row ? last.int64(at: 0) : 0
        return (seq + 1) >> blockShift
    }

    /// Inserts `records` in order with one cached prepared statement.
    ///
    /// Call it inside a transaction (`DatabaseWriter.write`): the batch is then one
    /// commit, and either all of it is stored or none.
    ///
    /// - Returns: for each record, its `seq` (rowid), or `nil` if an event with the same
    ///   `agent` and `call_id` is already stored (earlier, or earlier in this batch).
    /// - Throws: `SQLiteError`.
    public static func append(_ records: [EventRecord], in db: Database) throws(SQLiteError) -> [Int64?] {
        let insert = try db.cachedStatement(insertSQL)
        let block = try nextBlock(in: db)
        var seqs: [Int64?] = []
        seqs.reserveCapacity(records.count)
        for r in records {
            try insert.bind(r.tsNS, at: 1)
            try insert.bind(r.receivedNS, at: 2)
            try insert.bind(r.agent, at: 3)
            try insert.bind(r.session, at: 4)
            try insert.bind(r.callID, at: 5)
            try insert.bind(r.type, at: 6)
            try insert.bind(r.tool, at: 7)
            try insert.bind(r.args, at: 8)
            try insert.bind(r.status, at: 9)
            try insert.bind(r.costUSD, at: 10)
            try insert.bind(r.tokensIn, at: 11)
            try insert.bind(r.tokensOut, at: 12)
            try insert.bind(r.latencyMS, at: 13)
            try insert.bind(r.model, at: 14)
            try insert.bind(r.reasoning, at: 15)
            try insert.bind(r.labels, at: 16)
            try insert.bind(block, at: 17)
            let before = db.totalChanges
            try insert.execute()
            // A conflict (DO NOTHING) inserts no row and leaves the total unchanged.
            seqs.append(db.totalChanges != before ? db.lastInsertRowID : nil)
        }
        return seqs
    }

    /// The oldest and newest `seq` (both NULL when the table is empty), O(log n).
    ///
    /// Two scalar subqueries, because SQLite's min/max optimisation applies only to a
    /// query with a single `min()` or `max()`: `SELECT min(seq), max(seq) FROM events`
    /// scans a whole index instead, which made every retention chunk O(rows) and
    /// stalled ingest once a large store began to expire rows (Benchmarks/load/soak.py).
    public static let seqRangeSQL = "SELECT (SELECT min(seq) FROM events), (SELECT max(seq) FROM events)"

    /// An upper bound on the number of stored events: `max(seq) - min(seq) + 1`, O(log n)
    /// where `count(*)` scans the table.
    ///
    /// Exact unless duplicates were skipped: SQLite draws the AUTOINCREMENT rowid before it
    /// detects the `(agent, call_id)` conflict, so a duplicate leaves a gap. Retention only
    /// deletes the oldest rows, so the bound never undercounts.
    public static func seqSpan(in db: Database) throws -> Int64 {
        let range = try db.fetchOne(seqRangeSQL) { s -> (Int64, Int64)? in
            s.isNull(at: 0) ? nil : (s.int64(at: 0), s.int64(at: 1))
        }
        guard let range = range ?? nil else { return 0 }
        return range.1 - range.0 + 1
    }

    /// The exact number of stored events; O(rows), for tests and tools.
    public static func count(in db: Database) throws -> Int64 {
        try db.fetchInt64("SELECT count(*) FROM events") ?? 0
    }
}
