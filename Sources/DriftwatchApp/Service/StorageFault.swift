import DriftwatchStore

/// Why the store cannot take writes right now, when the reason is the storage itself
/// rather than the data: the disk is full, the file system is read-only, or it reports
/// I/O errors. Each is an operator's problem that retrying the same request later may
/// outlive, so ingest answers 503 and `/healthz` names it (issue 6, faults).
public struct StorageFault: Sendable, Equatable, CustomStringConvertible {
    /// The class of fault; its raw value is the `reason` in `/healthz` answers.
    public enum Kind: String, Sendable, Equatable {
        /// `SQLITE_FULL`, or `ENOSPC` / `EDQUOT` from the file system.
        case diskFull = "disk_full"
        /// `SQLITE_READONLY`, or `EROFS` from the file system.
        case readOnly = "read_only"
        /// Any other `SQLITE_IOERR`: the disk or file system failed the write.
        case ioError = "io_error"
    }

    public let kind: Kind
    /// The SQLite error behind it, with its extended code and errno.
    public let detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// Classifies `error`; `nil` when it is not a storage fault (a busy lock, a constraint, a bug).
    public init?(_ error: any Error) {
        guard let e = error as? SQLiteError else { return nil }
        if e.isFull {
            kind = .diskFull
        } else if e.isReadOnly {
            kind = .readOnly
        } else if e.isIOError {
            kind = .ioError
        } else {
            return nil
        }
        detail = e.description
    }

    /// What the operator should know, in a few words.
    public var summary: String {
        switch kind {
        case .diskFull: "the disk holding the store is full"
        case .readOnly: "the store is read-only"
        case .ioError: "the store's disk reports I/O errors"
        }
    }

    public var description: String { "\(summary) (\(detail))" }
}
