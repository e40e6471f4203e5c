internal import CSQLite
import Synchronization

/// The number of pages in a connection's WAL after its latest commit, as
/// `sqlite3_wal_hook` reports them (see `Database.reportWALPages(into:)`).
final class WALPages: Sendable {
    private let value = Atomic<Int>(0)

    var count: Int { value.load(ordering: .relaxed) }

    fileprivate func store(_ pages: Int32) { value.store(Int(pages), ordering: .relaxed) }
}

extension Database {
    /// From now on, reports the WAL's size after each commit into `pages` and never
    /// checkpoints at commit: SQLite's own `wal_autocheckpoint` is this same hook, so
    /// registering it turns that off. `pages` must outlive the connection.
    func reportWALPages(into pages: WALPages) {
        sqlite3_wal_hook(handle, { context, _, _, count in
            guard let context else { return SQLITE_OK }
            Unmanaged<WALPages>.fromOpaque(context).takeUnretainedValue().store(count)
            return SQLITE_OK
        }, Unmanaged.passUnretained(pages).toOpaque())
    }

    /// Copies WAL pages into the database file as far as no reader still needs them,
    /// without waiting for any lock (`SQLITE_CHECKPOINT_PASSIVE`), then syncs the file
    /// (at `synchronous` NORMAL or FULL).
    /// - Throws: `SQLiteError` from the copy or the sync.
    func checkpointPassive() throws(SQLiteError) {
        try check(sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil), sql: "PRAGMA wal_checkpoint(PASSIVE)")
    }
}
