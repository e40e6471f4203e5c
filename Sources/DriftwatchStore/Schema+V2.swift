extension Schema {
    /// v2: per-agent counters for `GET /v1/agents`, and the heartbeat row `/healthz` writes.
    ///
    /// Counters are kept incrementally (one upsert per agent per ingest batch) rather than
    /// computed with `count(*)` over `events`, which is O(rows) and would also forget
    /// everything retention deleted.
    @Sendable
    static func createV2(_ db: Database) throws {
        try db.execute("""
            CREATE TABLE agents (
                agent          TEXT    PRIMARY KEY NOT NULL,
                events         INTEGER NOT NULL DEFAULT 0,   -- accepted events, duplicates excluded
                tool_calls     INTEGER NOT NULL DEFAULT 0,
                errors         INTEGER NOT NULL DEFAULT 0,   -- events whose status is not ok
                cost_usd       REAL    NOT NULL DEFAULT 0,
                tokens_in      INTEGER NOT NULL DEFAULT 0,
                tokens_out     INTEGER NOT NULL DEFAULT 0,
                first_seen_ns  INTEGER NOT NULL,             -- event time
                last_seen_ns   INTEGER NOT NULL,             -- event time
                updated_ns     INTEGER NOT NULL              -- wall clock of the last batch
            ) STRICT, WITHOUT ROWID;

            -- One row; `/healthz` updates it and commits, which proves the store takes writes
            -- (a rolled-back write never reaches the disk, so it cannot detect a full disk).
            CREATE TABLE heartbeat (
                id     INTEGER PRIMARY KEY CHECK (id = 1),
                ts_ns  INTEGER NOT NULL
            ) STRICT;
            INSERT INTO heartbeat (id, ts_ns) VALUES (1, 0);
            """)
    }
}
