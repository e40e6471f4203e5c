internal import CSQLite

/// `SQLITE_TRANSIENT`: SQLite copies the bytes before the bind call returns.
///
/// The C macro is a cast of -1 to a function pointer, which Swift does not import.
/// Copying once inside SQLite is cheaper than keeping Swift storage alive until the
/// next step, and lets us pass a string's contiguous UTF-8 storage without a Swift copy.
private var transientDestructor: sqlite3_destructor_type {
    unsafeBitCast(-1 as Int, to: sqlite3_destructor_type.self)
}

extension Statement {
    /// Binds a 64-bit integer to the parameter at `index` (1-based).
    public func bind(_ value: Int64, at index: Int) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, parameter(index), value))
    }

    /// Binds an integer to the parameter at `index` (1-based).
    public func bind(_ value: Int, at index: Int) throws(SQLiteError) {
        try bind(Int64(value), at: index)
    }

    /// Binds a double to the parameter at `index` (1-based); SQLite stores NaN as NULL.
    public func bind(_ value: Double, at index: Int) throws(SQLiteError) {
        try check(sqlite3_bind_double(handle, parameter(index), value))
    }

    /// Binds UTF-8 text to the parameter at `index` (1-based), embedded NULs included.
    ///
    /// - Complexity: one copy, made by SQLite; a native Swift string lends its
    ///   UTF-8 storage directly (a bridged or non-contiguous one is made contiguous first).
    public func bind(_ value: String, at index: Int) throws(SQLiteError) {
        let position = parameter(index)
        var value = value
        let code = value.withUTF8 { bytes -> Int32 in
            // A NULL pointer would bind SQL NULL, not the empty string.
            guard let base = bytes.baseAddress else {
                return sqlite3_bind_text64(handle, position, "", 0, transientDestructor, UInt8(SQLITE_UTF8))
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                sqlite3_bind_text64(handle, position, chars, UInt64(bytes.count), transientDestructor,
                                    UInt8(SQLITE_UTF8))
            }
        }
        try check(code)
    }

    /// Binds bytes as a BLOB to the parameter at `index` (1-based).
    public func bind(_ value: [UInt8], at index: Int) throws(SQLiteError) {
        let position = parameter(index)
        let code = value.withUnsafeBytes { bytes -> Int32 in
            // A NULL pointer would bind SQL NULL, not an empty blob.
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite3_bind_zeroblob(handle, position, 0)
            }
            return sqlite3_bind_blob64(handle, position, base, UInt64(bytes.count), transientDestructor)
        }
        try check(code)
    }

    /// Binds SQL NULL to the parameter at `index` (1-based).
    public func bindNull(at index: Int) throws(SQLiteError) {
        try check(sqlite3_bind_null(handle, parameter(index)))
    }

    /// Binds an optional integer; `nil` binds NULL.
    public func bind(_ value: Int64?, at index: Int) throws(SQLiteError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds an optional integer; `nil` binds NULL.
    public func bind(_ value: Int?, at index: Int) throws(SQLiteError) {
        if let value { try bind(Int64(value), at: index) } else { try bindNull(at: index) }
    }

    /// Binds an optional double; `nil` binds NULL.
    public func bind(_ value: Double?, at index: Int) throws(SQLiteError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds optional text; `nil` binds NULL.
    public func bind(_ value: String?, at index: Int) throws(SQLiteError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds an optional blob; `nil` binds NULL.
    public func bind(_ value: [UInt8]?, at index: Int) throws(SQLiteError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    /// Binds any `SQLiteValue` to the parameter at `index` (1-based).
    public func bind(_ value: SQLiteValue, at index: Int) throws(SQLiteError) {
        switch value {
        case .null: try bindNull(at: index)
        case .integer(let integer): try bind(integer, at: index)
        case .real(let real): try bind(real, at: index)
        case .text(let text): try bind(text, at: index)
        case .blob(let blob): try bind(blob, at: index)
        }
    }

    /// Binds `arguments` to parameters 1…n.
    ///
    /// - Precondition: `arguments.count` equals `parameterCount`: a mismatch is a bug in the caller's SQL.
    public func bind(_ arguments: [SQLiteValue]) throws(SQLiteError) {
        precondition(arguments.count == parameterCount,
                     "\(arguments.count) arguments for \(parameterCount) parameters in `\(sql)`")
        for (offset, argument) in arguments.enumerated() {
            try bind(argument, at: offset + 1)
        }
    }

    private func parameter(_ index: Int) -> Int32 {
        precondition(index >= 1 && index <= parameterCount,
                     "parameter \(index) out of range 1...\(parameterCount) in `\(sql)`")
        return Int32(index)
    }

    private func check(_ code: Int32) throws(SQLiteError) {
        guard code == SQLITE_OK else {
            throw SQLiteError(code: code, connection: connection, sql: sql)
        }
    }
}
