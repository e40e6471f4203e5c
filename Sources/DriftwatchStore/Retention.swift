/// Retention by age and by row count (spec §6 `retention`), in bounded chunks so that
/// each deletion is a short transaction that ingest batches interleave with.
public struct Retention: Sendable, Equatable {
    /// Events older than this (receipt time) are deleted; alerts older than this (event time) too.
    public var maxAgeNS: Int64
    /// At most this many events are kept; the oldest go first. The count is taken as the
    /// span of `seq` (see `EventStore.seqSpan`), so after duplicates were skipped a few
    /// more rows than strictly needed may go; never fewer.
    public var maxEvents: Int64
    /// Rows deleted per transaction.
    public var chunkRows: Int

    public static let defaultChunkRows = 10_000

    public init(maxAgeNS: Int64, maxEvents: Int64, chunkRows: Int = Retention.defaultChunkRows) {
        precondition(maxAgeNS > 0 && maxEvents > 0 && chunkRows > 0, "retention bounds must be positive")
        self.maxAgeNS = maxAgeNS
        self.maxEvents = maxEvents
        self.chunkRows = chunkRows
    }

    /// Deletes at most ``chunkRows`` expired events and as many expired alerts.
    ///
    /// Run it in its own write transaction, repeatedly, until it returns 0.
    /// Events are examined in `seq` order (oldest first), so a chunk touches only the
    /// head of the table and never scans it.
    ///
    /// - Returns: the number of rows deleted.
    /// - Throws: `SQLiteError`.
    public func deleteChunk(now: Int64, in db: Database) throws(SQLiteError) -> Int {
        var deleted = 0
        let cutoff = now &- maxAgeNS
        // By count: rows ≤ max - min + 1 (see EventStore.seqSpan), an O(log n) bound.
        if let range = try oldestAndNewest(db) {
            let excess = range.newest - range.oldest + 1 - maxEvents
            if excess > 0 {
                try db.execute("DELETE FROM events WHERE seq < ?",
                               [.integer(range.oldest + min(excess, Int64(chunkRows)))])
                deleted += db.changes
            }
        }
        // By age: receipt time grows with seq, so the expired rows are the first ones.
        try db.execute("""
            DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?) AND received_ns < ?
            """, [.integer(Int64(chunkRows)), .integer(cutoff)])
        deleted += db.changes
        try db.execute("DELETE FROM alerts WHERE rowid IN (SELECT rowid FROM alerts WHERE ts_ns < ? LIMIT ?)",
                       [.integer(cutoff), .integer(Int64(chunkRows))])
        deleted += db.changes
        return deleted
    }

    private func oldestAndNewest(_ db: Database) throws(SQLiteError) -> (oldest: Int64, newest: Int64)? {
        do {
            return try db.fetchOne(EventStore.seqRangeSQL) { s -> (oldest: Int64, newest: Int64)? in
                s.isNull(at: 0) ? nil : (s.int64(at: 0), s.int64(at: 1))
            } ?? nil
        } catch let error as SQLiteError {
            throw error
        } catch {
            preconditionFailure("row mapping does not throw: \(error)")
        }
    }
}
