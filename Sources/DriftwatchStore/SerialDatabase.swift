import Dispatch

/// One `Database` confined to one serial `DispatchQueue`: the building block of
/// `DatabaseQueue` and `DatabasePool`.
///
/// SQLite calls block (disk I/O, busy waits), so they run on this queue's thread,
/// never on the Swift concurrency pool, whose few threads must not block; async
/// callers suspend on a continuation until the work is done.
final class SerialDatabase: @unchecked Sendable {
    // @unchecked: `database` is only touched from blocks running on `queue`, which is serial.
    private let database: Database
    private let queue: DispatchQueue

    /// Takes ownership of `database`; the caller must not keep using it.
    init(_ database: consuming sending Database, label: String) {
        self.database = database
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the queue and blocks the calling thread until it returns.
    ///
    /// - Precondition: not called from this queue (that would deadlock), i.e. not
    ///   from inside another `sync`/`async` body of the same connection.
    func sync<T>(_ body: (Database) throws -> T) throws -> T {
        dispatchPrecondition(condition: .notOnQueue(queue))
        return try queue.sync {
            try body(database)
        }
    }

    /// Queues `body` on the queue and returns at once.
    func post(_ body: @escaping @Sendable (Database) -> Void) {
        queue.async { body(self.database) }
    }

    /// Runs `body` on the queue; the calling task suspends without blocking a thread.
    ///
    /// A task cancelled before the work starts gets `CancellationError`; once
    /// started, the work runs to completion (a half-done SQLite call cannot be
    /// abandoned safely, and the transaction around it decides what is kept).
    func async<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try Task.checkCancellation()
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.database) })
            }
        }
    }
}
