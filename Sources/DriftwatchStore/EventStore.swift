/// Appends events to the `events` table, idempotently by `(agent, call_id)` (spec §1).
public enum EventStore {
    /// Parameters per row: the event's `seq`, then its 17 columns.
    static let parametersPerRow = 18

    /// Rows per INSERT statement.
    ///
    /// Every statement opens the table and its three indexes, reads and rewrites
    /// `sqlite_sequence` (AUTOINCREMENT), and frees its registers and cursors when it
    /// halts. Measured with `DriftwatchBench store` (500,000 events, batches of 4,096,
    /// medians of 5 alternated pairs, Benchmarks/README.md): one row per statement took
    /// 6.84 µs of writer CPU per row and 115k rows/s; 32 rows per statement 5.24 µs and
    /// 143k rows/s. 8 rows gained about half as much and 128 no more than 32. 32 rows
    /// are 576 parameters, under the 999 of SQLite's oldest default limit.
    static let rowsPerStatement = 32

    /// An INSERT of `rows` events with their `seq`s given (see `append`).
    ///
    /// `OR FAIL`: a failing row (a CHECK constraint) ends the statement and keeps the rows
    /// before it, as a loop of one-row INSERTs did, and the transaction around the batch
    /// rolls it all back. With the default, `ABORT`, SQLite would undo the statement's
    /// earlier rows itself, so it keeps a statement journal for a multi-row INSERT and
    /// copies every page the statement touches to a temporary file first: 32-row
    /// statements then took 8.9 µs per row, more than one-row statements' 6.2.
    ///
    /// The conflict target is the `(agent, call_id)` index: only a duplicate event is
    /// skipped, and a `seq` already taken would fail the statement instead.
    static func insertSQL(rows: Int) -> String {
        let row = "(" + repeatElement("?", count: parametersPerRow).joined(separator: ", ") + ")"
        return """
            INSERT OR FAIL INTO events (seq, ts_ns, received_ns, agent, session, call_id, type, tool, args, status,
                                        cost_usd, tokens_in, tokens_out, latency_ms, model, reasoning, labels, block)
            VALUES \(repeatElement(row, count: rows).joined(separator: ",\n       "))
            ON CONFLICT (agent, call_id) WHERE call_id IS NOT NULL DO NOTHING
            """
    }

    static let insertOneSQL = insertSQL(rows: 1)
    static let insertManySQL = insertSQL(rows: rowsPerStatement)

    /// A block is 2^12 = 4,096 consecutive `seq`s: the events indexes lead with it (see
    /// `Schema.createV4Blocks`), so a batch's index entries land in a few pages.
    public static let blockShift = 12

    /// The `seq` AUTOINCREMENT would draw next: one above the largest ever drawn
    /// (`sqlite_sequence`, which outlives deleted rows) and the largest stored.
    static func nextSeq(in db: Database) throws(SQLiteError) -> Int64 {
        let next = try db.cachedStatement("""
            SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
                       coalesce((SELECT max(seq) FROM events), 0)) + 1
            """)
        defer { next.reset() }
        _ = try next.step()
        return next.int64(at: 0)
    }

    /// Inserts `records` in order, `rowsPerStatement` rows per INSERT.
    ///
    /// Call it inside a transaction (`DatabaseWriter.write`): the batch is then part of
    /// one commit. Outside one, it opens its own, so either all of the batch is stored or
    /// none.
    ///
    /// Record `i` gets `seq` `n + i`, where `n` is the `seq` AUTOINCREMENT would draw next
    /// (`nextSeq`): the numbers SQLite drew when it chose them row by row, a duplicate
    /// leaving its gap as before. Given explicitly, they tell which row is which without
    /// relying on the order in which SQLite inserts a statement's rows or returns them
    /// (`RETURNING` promises none). A statement that inserts fewer rows than it holds
    /// had duplicates; the `seq`s it stored then say which.
    ///
    /// The batch shares one block, that of its first `seq`: a block can hold more than
    /// 4,096 rows, and it never decreases.
    ///
    /// - Returns: for each record, its `seq`, or `nil` if an event with the same
    ///   `agent` and `call_id` is already stored (earlier, or earlier in this batch).
    /// - Throws: `SQLiteError`.
    public static func append(_ records: [EventRecord], in db: Database) throws(SQLiteError) -> [Int64?] {
        guard db.isInTransaction else {
            // Each statement would commit on its own, and one with a failing row would keep
            // the rows before it without rewriting `sqlite_sequence` past their `seq`s.
            do {
                return try db.transaction { db in try append(records, in: db) }
            } catch let error as SQLiteError {
                throw error
            } catch {
                preconditionFailure("append threw \(error), not an SQLiteError")
            }
        }
        let firstSeq = try nextSeq(in: db)
        let block = firstSeq >> blockShift
        var seqs: [Int64?] = []
        seqs.reserveCapacity(records.count)
        var start = records.startIndex
        while start < records.endIndex {
            let rows = records.endIndex - start >= rowsPerStatement ? rowsPerStatement : 1
            let first = firstSeq + Int64(start - records.startIndex)
            let insert = try db.cachedStatement(rows == 1 ? insertOneSQL : insertManySQL)
            for (offset, record) in records[start..<start + rows].enumerated() {
                try bind(record, seq: first + Int64(offset), block: block, to: insert,
                         from: offset * parametersPerRow)
            }
            let before = db.totalChanges
            try insert.execute()
            let range = first...(first + Int64(rows - 1))
            if db.totalChanges - before == rows {
                seqs.append(contentsOf: range.map { $0 })
            } else {
                let stored = try storedSeqs(in: range, db: db)
                seqs.append(contentsOf: range.map { stored.contains($0) ? $0 : nil })
            }
            start += rows
        }
        return seqs
    }

    /// Binds `record` to parameters `offset + 1 ... offset + parametersPerRow`.
    private static func bind(_ r: EventRecord, seq: Int64, block: Int64, to insert: Statement,
                             from offset: Int) throws(SQLiteError) {
        try insert.bind(seq, at: offset + 1)
        try insert.bind(r.tsNS, at: offset + 2)
        try insert.bind(r.receivedNS, at: offset + 3)
        try insert.bind(r.agent, at: offset + 4)
        try insert.bind(r.session, at: offset + 5)
        try insert.bind(r.callID, at: offset + 6)
        try insert.bind(r.type, at: offset + 7)
        try insert.bind(r.tool, at: offset + 8)
        try insert.bind(r.args, at: offset + 9)
        try insert.bind(r.status, at: offset + 10)
        try insert.bind(r.costUSD, at: offset + 11)
        try insert.bind(r.tokensIn, at: offset + 12)
        try insert.bind(r.tokensOut, at: offset + 13)
        try insert.bind(r.latencyMS, at: offset + 14)
        try insert.bind(r.model, at: offset + 15)
        try insert.bind(r.reasoning, at: offset + 16)
        try insert.bind(r.labels, at: offset + 17)
        try insert.bind(block, at: offset + 18)
    }

    /// The `seq`s in `range` that are stored.
    private static func storedSeqs(in range: ClosedRange<Int64>, db: Database) throws(SQLiteError) -> Set<Int64> {
        let select = try db.cachedStatement("SELECT seq FROM events WHERE seq BETWEEN ? AND ?")
        defer { select.reset() }
        try select.bind(range.lowerBound, at: 1)
        try select.bind(range.upperBound, at: 2)
        var stored: Set<Int64> = []
        while try select.step() == .row { stored.insert(select.int64(at: 0)) }
        return stored
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
