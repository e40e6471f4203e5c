extension Database {
    /// How a connection is opened and which per-connection pragmas it sets.
    public struct Configuration: Sendable {
        /// `PRAGMA synchronous` level for a WAL database.
        public enum Synchronous: String, Sendable {
            /// fsync at checkpoints only. In WAL mode a committed transaction survives a
            /// process crash (including `kill -9`): it is in the WAL file, and the OS has it.
            /// Only a power loss or kernel crash can lose the last few commits, and never
            /// corrupts the database. The right trade for a monitor ingesting batches.
            case normal = "NORMAL"
            /// fsync the WAL at every commit: survives power loss, at the cost of one
            /// fsync per transaction (milliseconds on most disks).
            case full = "FULL"
        }

        /// Open without write access (a reader connection, `audit verify`).
        public var readOnly = false
        /// Create the file if it does not exist (ignored when `readOnly`).
        public var createIfMissing = true
        /// Put a file database in WAL mode, so readers never block the writer nor it them.
        /// The mode is persistent in the file; in-memory databases ignore it.
        public var writeAheadLog = true
        /// Durability of commits; see `Synchronous`.
        public var synchronous = Synchronous.normal
        /// How long a statement waits for another connection's lock before failing with
        /// `SQLITE_BUSY`. Locks are held for one batch's transaction, so a few seconds is
        /// ample; a longer wait would only hide a stuck writer.
        public var busyTimeout = Duration.seconds(5)
        /// Enforce `REFERENCES` clauses (SQLite leaves them off by default, per connection).
        public var foreignKeys = true
        /// Page cache of this connection, in KiB (`PRAGMA cache_size = -N`; SQLite's default
        /// is 2 MiB). Measured in `serve` (`Benchmarks/ingest.py`, 4 clients): 64 MiB took
        /// 20-second runs from 56k to 65k events/s, but in 30-second runs it gained
        /// nothing (54k either way) and raised request p99 from 112 to 307–330 ms (16 MiB
        /// alike), so `serve` keeps the default.
        public var cacheKiB = 2048
        /// WAL pages after which a commit checkpoints them into the database file
        /// (`PRAGMA wal_autocheckpoint`; SQLite's default, 1,000, is 4 MiB). Larger
        /// intervals raise the bare insert rate (`DriftwatchBench store`: ≈ 1.3× at
        /// 10,000) but make the commit that checkpoints correspondingly longer: in
        /// `serve`, 10,000 raised the ingest-to-webhook p99 from 17 to 47 ms and request
        /// p99 from 87 to 162 ms without raising ingest, so `serve` keeps the default.
        /// The WAL file is truncated back to `walSizeLimitBytes` after a checkpoint.
        public var walAutocheckpointPages = 1000
        /// Whether `DatabasePool` checkpoints on a connection and thread of its own
        /// instead of inside the commit that crosses `walAutocheckpointPages`.
        ///
        /// A checkpoint copies the WAL into the database file and then waits for the disk
        /// (`fdatasync`). Measured in `serve` (`Benchmarks/ingest.py`, 8 clients): the
        /// writer spent most of each batch blocked in that wait, at about a third of one
        /// core, so ingest stayed near 70k events/s whatever the concurrency. In the
        /// background the writer only appends to the WAL; the checkpointer catches up
        /// between batches, and SQLite restarts the WAL once it has. If it falls behind
        /// by `8 × walAutocheckpointPages`, the writer checkpoints itself after its next
        /// commit, so the WAL stays bounded when the disk is slower than ingest.
        /// Ignored by `DatabaseQueue`.
        public var checkpointInBackground = false
        /// `PRAGMA journal_size_limit`: what is left of the WAL file after a checkpoint.
        public var walSizeLimitBytes = 64 * 1024 * 1024

        public init() {}

        /// The busy timeout in whole milliseconds, clamped to what SQLite accepts.
        var busyTimeoutMilliseconds: Int32 {
            let (seconds, attoseconds) = busyTimeout.components
            let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
            guard !milliseconds.overflow else { return seconds < 0 ? 0 : Int32.max }
            let total = milliseconds.partialValue + attoseconds / 1_000_000_000_000_000
            return Int32(clamping: max(0, total))
        }
    }
}
