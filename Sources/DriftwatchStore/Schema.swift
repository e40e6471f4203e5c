/// driftwatch's database schema, as migrations (design.md § Storage).
///
/// Conventions:
/// - Times are `INTEGER` Unix nanoseconds (`*_ns`), durations carry their unit in the name.
/// - JSON is stored as canonical JSON `TEXT`; the store never interprets it in SQL.
/// - Tables are `STRICT` (SQLite ≥ 3.37), so a wrongly typed bind fails loudly instead
///   of being stored as whatever type SQLite could coerce it to.
/// - Nothing here is ever edited after release: a change is a new migration (`"v2"`, …).
public enum Schema {
    /// The migrator for the current schema; run it on every open.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", createV1)
        migrator.registerMigration("v2", createV2)
        migrator.registerMigration("v3-killswitch", createV3KillSwitch)
        migrator.registerMigration("v4-blocks", createV4Blocks)
        migrator.registerMigration("v5-detection-progress", createV5DetectionProgress)
        return migrator
    }

    /// v1: events, alerts, baselines, breakers and their transitions, webhook outbox, audit log.
    @Sendable
    static func createV1(_ db: Database) throws {
        try db.execute("""
            -- One row per accepted event (spec.md §1). `seq` is the store's ordinal, referenced
            -- by alerts; AUTOINCREMENT keeps it from being reused after retention empties the table.
            CREATE TABLE events (
                seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                ts_ns       INTEGER NOT NULL,              -- event time
                received_ns INTEGER NOT NULL,              -- wall clock at ingest
                agent       TEXT    NOT NULL,
                session     TEXT,
                call_id     TEXT,
                type        TEXT    NOT NULL DEFAULT 'tool_call' CHECK (type IN ('tool_call', 'llm_call')),
                tool        TEXT,
                args        TEXT,                          -- canonical JSON, redacted
                status      TEXT    NOT NULL DEFAULT 'ok',
                cost_usd    REAL    CHECK (cost_usd >= 0),
                tokens_in   INTEGER CHECK (tokens_in >= 0),
                tokens_out  INTEGER CHECK (tokens_out >= 0),
                latency_ms  REAL    CHECK (latency_ms >= 0),
                model       TEXT,
                reasoning   TEXT,                          -- truncated to 4 KiB before storage
                labels      TEXT                           -- JSON object
            ) STRICT;
            -- Idempotency (spec.md §1 `call_id`): insert with ON CONFLICT DO NOTHING.
            CREATE UNIQUE INDEX events_agent_call_id ON events (agent, call_id) WHERE call_id IS NOT NULL;
            CREATE INDEX events_agent_ts ON events (agent, ts_ns);
            CREATE INDEX events_session_ts ON events (session, ts_ns) WHERE session IS NOT NULL;

            -- Alerts outlive the events that raised them (retention), so `seq` is not a foreign key.
            CREATE TABLE alerts (
                id         TEXT    PRIMARY KEY NOT NULL,   -- deterministic in replay
                seq        INTEGER,
                ts_ns      INTEGER NOT NULL,
                agent      TEXT    NOT NULL,
                session    TEXT,
                kind       TEXT    NOT NULL,               -- e.g. drift.tools, loop.repeat
                severity   TEXT    NOT NULL CHECK (severity IN ('warning', 'critical')),
                score      REAL,
                threshold  REAL,
                message    TEXT    NOT NULL,
                evidence   TEXT    NOT NULL DEFAULT '{}'   -- JSON object
            ) STRICT;
            CREATE INDEX alerts_agent_ts ON alerts (agent, ts_ns);
            CREATE INDEX alerts_ts ON alerts (ts_ns);

            -- The baseline in force per agent; history lives in baselines/<agent>.json under
            -- version control and in the audit log.
            CREATE TABLE baselines (
                agent       TEXT    PRIMARY KEY NOT NULL,
                version     INTEGER NOT NULL,
                created_ns  INTEGER NOT NULL,
                body        TEXT    NOT NULL,              -- baseline JSON
                approved    INTEGER NOT NULL DEFAULT 0 CHECK (approved IN (0, 1))
            ) STRICT;

            -- Current breaker per agent ('' scope) or per session ('session:<id>').
            CREATE TABLE breakers (
                agent        TEXT    NOT NULL,
                scope        TEXT    NOT NULL DEFAULT '',
                state        TEXT    NOT NULL CHECK (state IN ('closed', 'open', 'half_open')),
                since_ns     INTEGER NOT NULL,
                reason       TEXT,
                alert_id     TEXT,                         -- the alert that opened it, if any
                cooldown_s   REAL    NOT NULL DEFAULT 0,   -- doubles on each re-open
                probes_left  INTEGER NOT NULL DEFAULT 0,
                detail       TEXT    NOT NULL DEFAULT '{}', -- JSON: the rest of Core's breaker state
                updated_ns   INTEGER NOT NULL,
                PRIMARY KEY (agent, scope)
            ) STRICT, WITHOUT ROWID;

            -- Every breaker transition, automatic or by hand (design.md § Circuit breakers).
            CREATE TABLE breaker_transitions (
                id          INTEGER PRIMARY KEY,
                agent       TEXT    NOT NULL,
                scope       TEXT    NOT NULL DEFAULT '',
                ts_ns       INTEGER NOT NULL,
                from_state  TEXT    NOT NULL CHECK (from_state IN ('closed', 'open', 'half_open')),
                to_state    TEXT    NOT NULL CHECK (to_state IN ('closed', 'open', 'half_open')),
                reason      TEXT,
                alert_id    TEXT,
                actor       TEXT                           -- NULL when automatic
            ) STRICT;
            CREATE INDEX breaker_transitions_agent_ts ON breaker_transitions (agent, ts_ns);

            -- Durable webhook outbox (spec.md §5): at-least-once, retried across restarts.
            -- One row per (event, webhook); `event_id` is the X-Driftwatch-Event-Id header.
            CREATE TABLE outbox (
                id               INTEGER PRIMARY KEY,
                event_id         TEXT    NOT NULL,
                event_type       TEXT    NOT NULL,         -- breaker.open, breaker.closed
                webhook_url      TEXT    NOT NULL,
                body             TEXT    NOT NULL,         -- exact bytes signed and sent
                attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                next_attempt_ns  INTEGER NOT NULL,
                state            TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
                last_error       TEXT,
                created_ns       INTEGER NOT NULL,
                delivered_ns     INTEGER,
                UNIQUE (event_id, webhook_url)
            ) STRICT;
            -- The sender polls for due deliveries; delivered and dead rows stay out of the index.
            CREATE INDEX outbox_due ON outbox (next_attempt_ns) WHERE state = 'pending';

            -- Append-only, hash-chained audit log (design.md § Storage, `audit verify`):
            -- hash = SHA-256(prev_hash || canonical content). The triggers below make
            -- accidental edits fail; deliberate tampering is caught by the chain.
            CREATE TABLE audit (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                ts_ns      INTEGER NOT NULL,
                actor      TEXT    NOT NULL,
                role       TEXT    NOT NULL,
                action     TEXT    NOT NULL,               -- breaker.trip, baseline.approve, …
                subject    TEXT    NOT NULL,               -- usually an agent
                detail     TEXT    NOT NULL DEFAULT '{}',  -- JSON object
                prev_hash  TEXT    NOT NULL,               -- hex; 64 zeros for the first row
                hash       TEXT    NOT NULL UNIQUE         -- hex
            ) STRICT;
            CREATE INDEX audit_ts ON audit (ts_ns);
            CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
                BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
            CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
                BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
            """)
    }
}
