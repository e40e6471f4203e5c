extension Schema {
    /// v5-detection-progress: the newest `seq` whose detection results (alerts, breaker
    /// transitions, frozen baselines) are stored.
    ///
    /// Ingest commits events first and detects them after (`IngestPipeline`), so that the
    /// next batch's inserts run beside the previous batch's detection. Events above this
    /// mark were acknowledged but their detection results never reached the store (the
    /// process died in between); the service feeds them through detection again when it
    /// starts. Stores from before this migration detected inside the ingest transaction,
    /// so everything they hold counts as detected.
    @Sendable
    static func createV5DetectionProgress(_ db: Database) throws {
        try db.execute("""
            CREATE TABLE detection_progress (
                id          INTEGER PRIMARY KEY CHECK (id = 1),
                through_seq INTEGER NOT NULL
            ) STRICT;
            INSERT INTO detection_progress (id, through_seq)
                VALUES (1, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0));
            """)
    }
}

/// Reads and advances `detection_progress` (schema v5).
public enum DetectionProgress {
    /// The newest `seq` whose detection results are stored.
    public static func throughSeq(in db: Database) throws -> Int64 {
        try db.fetchInt64("SELECT through_seq FROM detection_progress WHERE id = 1") ?? 0
    }

    /// Records that detection results up to `seq` are stored (never moves back).
    public static func advance(to seq: Int64, in db: Database) throws {
        try db.execute("UPDATE detection_progress SET through_seq = max(through_seq, ?) WHERE id = 1", [.integer(seq)])
    }
}
