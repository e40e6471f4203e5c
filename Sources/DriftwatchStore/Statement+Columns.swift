internal import CSQLite

extension Statement {
    /// Whether the column at `index` (0-based) of the current row is NULL.
    public func isNull(at index: Int) -> Bool {
        sqlite3_column_type(handle, column(index)) == SQLITE_NULL
    }

    /// The column at `index` (0-based) as a 64-bit integer; NULL reads as 0.
    public func int64(at index: Int) -> Int64 {
        sqlite3_column_int64(handle, column(index))
    }

    /// The column at `index` (0-based) as an integer; NULL reads as 0.
    public func int(at index: Int) -> Int {
        Int(int64(at: index))
    }

    /// The column at `index` (0-based) as a double; NULL reads as 0.
    public func double(at index: Int) -> Double {
        sqlite3_column_double(handle, column(index))
    }

    /// The column at `index` (0-based) as UTF-8 text, or `nil` for NULL.
    ///
    /// Invalid UTF-8 is repaired with U+FFFD rather than trapping: stored text
    /// came from agents and is untrusted.
    public func text(at index: Int) -> String? {
        let position = column(index)
        guard sqlite3_column_type(handle, position) != SQLITE_NULL else { return nil }
        // Per SQLite's docs: call the text getter first, then ask for its byte count.
        guard let pointer = sqlite3_column_text(handle, position) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, position))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The column at `index` (0-based) as bytes, or `nil` for NULL.
    public func blob(at index: Int) -> [UInt8]? {
        let position = column(index)
        guard sqlite3_column_type(handle, position) != SQLITE_NULL else { return nil }
        // A zero-length blob comes back as a NULL pointer.
        guard let pointer = sqlite3_column_blob(handle, position) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, position))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The column at `index` (0-based) as an `SQLiteValue` of its stored type.
    public func value(at index: Int) -> SQLiteValue {
        switch sqlite3_column_type(handle, column(index)) {
        case SQLITE_INTEGER: .integer(int64(at: index))
        case SQLITE_FLOAT: .real(double(at: index))
        case SQLITE_TEXT: .text(text(at: index) ?? "")
        case SQLITE_BLOB: .blob(blob(at: index) ?? [])
        default: .null
        }
    }

    private func column(_ index: Int) -> Int32 {
        precondition(index >= 0 && index < columnCount, "column \(index) out of range 0..<\(columnCount) in `\(sql)`")
        return Int32(index)
    }
}
