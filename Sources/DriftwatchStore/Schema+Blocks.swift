extension Schema {
    /// v4-blocks: the `events` indexes lead with the event's *block* (`EventStore.blockShift`).
    ///
    /// An (agent, ts_ns) index has one insertion point per agent and a (session, ts_ns)
    /// index one per open session, so every batch dirtied about one index page per agent
    /// and per session, and SQLite wrote each of those pages to the WAL at every commit
    /// and again at every checkpoint. With a fleet of 1,000 agents that was 4.5 KB written
    /// per 176-byte event and 37,700 rows/s (`DriftwatchBench store`, 500,000 events,
    /// batches of 4,096). Led by the block, a batch's index entries land together in the
    /// newest block's few pages: 1.1 KB written per event and 96,500 rows/s, same machine.
    ///
    /// Rows stored before this migration keep block 0, where the new indexes work as the
    /// old ones did. Reads walk the blocks (`EventStore.collectByBlock`).
    @Sendable
    static func createV4Blocks(_ db: Database) throws {
        try db.execute("""
            ALTER TABLE events ADD COLUMN block INTEGER NOT NULL DEFAULT 0;
            DROP INDEX events_agent_ts;
            DROP INDEX events_session_ts;
            CREATE INDEX events_block_agent ON events (block, agent, ts_ns);
            CREATE INDEX events_block_session ON events (block, session, ts_ns) WHERE session IS NOT NULL;
            """)
    }
}
