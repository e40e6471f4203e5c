internal import CSQLite
#if canImport(Glibc)
internal import Glibc
#endif

/// An error reported by SQLite: the extended result code, SQLite's message, and the SQL that failed.
///
/// Bound argument values are never part of the error: event arguments may hold
/// secrets or personal data, and errors end up in logs (design.md § Security).
/// Only the SQL text with its `?` placeholders is kept.
public struct SQLiteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An SQLite result code, primary (`SQLITE_BUSY`) or extended (`SQLITE_BUSY_SNAPSHOT`).
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32

        public init(rawValue: Int32) {
            self.rawValue = rawValue
        }

        /// The primary code: the low 8 bits of an extended code.
        public var primary: Code { Code(rawValue: rawValue & 0xFF) }

        /// SQLite's English description of the code (`"database is locked"`).
        public var description: String {
            String(cString: sqlite3_errstr(rawValue))
        }

        public static let error = Code(rawValue: SQLITE_ERROR)
        public static let internalError = Code(rawValue: SQLITE_INTERNAL)
        public static let permission = Code(rawValue: SQLITE_PERM)
        public static let abort = Code(rawValue: SQLITE_ABORT)
        public static let busy = Code(rawValue: SQLITE_BUSY)
        public static let locked = Code(rawValue: SQLITE_LOCKED)
        public static let noMemory = Code(rawValue: SQLITE_NOMEM)
        public static let readOnly = Code(rawValue: SQLITE_READONLY)
        public static let interrupt = Code(rawValue: SQLITE_INTERRUPT)
        public static let ioError = Code(rawValue: SQLITE_IOERR)
        public static let corrupt = Code(rawValue: SQLITE_CORRUPT)
        public static let full = Code(rawValue: SQLITE_FULL)
        public static let cannotOpen = Code(rawValue: SQLITE_CANTOPEN)
        public static let schema = Code(rawValue: SQLITE_SCHEMA)
        public static let tooBig = Code(rawValue: SQLITE_TOOBIG)
        public static let constraint = Code(rawValue: SQLITE_CONSTRAINT)
        public static let mismatch = Code(rawValue: SQLITE_MISMATCH)
        public static let misuse = Code(rawValue: SQLITE_MISUSE)
        public static let range = Code(rawValue: SQLITE_RANGE)
        public static let notADatabase = Code(rawValue: SQLITE_NOTADB)

        // Extended constraint codes, so callers can tell a duplicate from a bad value.
        // Swift does not import these macros (they are expressions), so they are spelled out as in sqlite3.h.
        public static let constraintUnique = Code(rawValue: SQLITE_CONSTRAINT | (8 << 8))  // SQLITE_CONSTRAINT_UNIQUE
        public static let constraintPrimaryKey = Code(rawValue: SQLITE_CONSTRAINT | (6 << 8))  // SQLITE_CONSTRAINT_PRIMARYKEY
        public static let constraintForeignKey = Code(rawValue: SQLITE_CONSTRAINT | (3 << 8))  // SQLITE_CONSTRAINT_FOREIGNKEY
        public static let constraintNotNull = Code(rawValue: SQLITE_CONSTRAINT | (5 << 8))  // SQLITE_CONSTRAINT_NOTNULL
        public static let constraintCheck = Code(rawValue: SQLITE_CONSTRAINT | (1 << 8))  // SQLITE_CONSTRAINT_CHECK
        public static let constraintTrigger = Code(rawValue: SQLITE_CONSTRAINT | (7 << 8))  // SQLITE_CONSTRAINT_TRIGGER
        public static let constraintDataType = Code(rawValue: SQLITE_CONSTRAINT | (12 << 8))  // SQLITE_CONSTRAINT_DATATYPE
    }

    /// The extended result code (extended codes are enabled on every connection).
    public let code: Code
    /// SQLite's message for this failure, e.g. `"UNIQUE constraint failed: events.agent, events.call_id"`.
    public let message: String
    /// The SQL that failed, with placeholders, if the failure came from a statement.
    public let sql: String?
    /// The operating system's `errno` behind an I/O failure (`ENOSPC`, `EROFS`, `EIO`…),
    /// when SQLite recorded one: it tells a read-only file system (which SQLite reports as
    /// a plain `SQLITE_IOERR_WRITE`) from a failing disk.
    public let systemErrno: Int32?

    public init(code: Code, message: String, sql: String? = nil, systemErrno: Int32? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
        self.systemErrno = systemErrno
    }

    /// Another connection holds a conflicting lock for longer than the busy timeout.
    public var isBusy: Bool { code.primary == .busy || code.primary == .locked }
    /// A UNIQUE, PRIMARY KEY, NOT NULL, CHECK, FOREIGN KEY or trigger constraint failed.
    public var isConstraintViolation: Bool { code.primary == .constraint }
    /// A UNIQUE or PRIMARY KEY constraint failed: the row already exists.
    public var isUniqueViolation: Bool { code == .constraintUnique || code == .constraintPrimaryKey }
    /// The disk (or the configured size limit) is full; `/healthz` reports the store as not writable.
    public var isFull: Bool { code.primary == .full || systemErrno == ENOSPC || systemErrno == EDQUOT }
    /// The database or its directory cannot be written: SQLite's `SQLITE_READONLY`, or a
    /// write refused by the file system — read-only (`EROFS`, e.g. ext4 remounted
    /// read-only after errors) or not permitted (`EPERM`/`EACCES`, e.g. an immutable
    /// file) — which SQLite reports as an I/O error.
    public var isReadOnly: Bool {
        code.primary == .readOnly || systemErrno == EROFS || systemErrno == EPERM || systemErrno == EACCES
    }
    /// The file is damaged or is not an SQLite database.
    public var isCorrupt: Bool { code.primary == .corrupt || code.primary == .notADatabase }
    /// An I/O error from the operating system.
    public var isIOError: Bool { code.primary == .ioError }

    public var description: String {
        var text = "SQLite error \(code.rawValue) (\(code)): \(message)"
        if let systemErrno {
            text += " [errno \(systemErrno): \(String(cString: strerror(systemErrno)))]"
        }
        if let sql {
            text += " — while executing `\(sql)`"
        }
        return text
    }
}

extension SQLiteError {
    /// Builds an error from the connection's current error state.
    ///
    /// Takes the result code from the caller rather than `sqlite3_extended_errcode`
    /// because the latter can already describe a later call on the same connection.
    /// The OS `errno` is kept for failures that come from the file system (I/O, full,
    /// read-only, cannot open), where it names the cause.
    init(code: Int32, connection: OpaquePointer?, sql: String?) {
        let message: String
        // The connection's message describes its last failed API call; some calls
        // (sqlite3_db_cacheflush) return an error without recording one ("not an error").
        if let connection, sqlite3_errcode(connection) & 0xFF == code & 0xFF, let text = sqlite3_errmsg(connection) {
            message = String(cString: text)
        } else {
            message = String(cString: sqlite3_errstr(code))
        }
        var systemErrno: Int32?
        if let connection, [SQLITE_IOERR, SQLITE_FULL, SQLITE_READONLY, SQLITE_CANTOPEN].contains(code & 0xFF) {
            let e = sqlite3_system_errno(connection)
            if e != 0 { systemErrno = e }
        }
        self.init(code: Code(rawValue: code), message: message, sql: sql, systemErrno: systemErrno)
    }
}
