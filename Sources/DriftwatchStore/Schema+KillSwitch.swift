extension Schema {
    /// v3-killswitch: the outbox learns which agent a delivery is about, so the sender can
    /// keep deliveries for one agent and one webhook in order (a `breaker.closed` must never
    /// overtake the `breaker.open` before it), and when the last attempt was made.
    @Sendable
    static func createV3KillSwitch(_ db: Database) throws {
        try db.execute("""
            ALTER TABLE outbox ADD COLUMN agent TEXT NOT NULL DEFAULT '';
            ALTER TABLE outbox ADD COLUMN last_attempt_ns INTEGER;
            -- The head of each (agent, webhook) queue: the sender's NOT EXISTS probe.
            CREATE INDEX outbox_pending_order ON outbox (agent, webhook_url, id) WHERE state = 'pending';
            """)
    }
}
