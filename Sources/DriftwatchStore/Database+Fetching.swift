extension Database {
    /// Runs a query and maps every result row with `row`.
    ///
    /// - Parameters:
    ///   - sql: one statement; cached.
    ///   - arguments: bound to parameters 1…n.
    ///   - row: reads the current row's columns from the statement; called once per row.
    /// - Throws: `SQLiteError`, or whatever `row` throws.
    public func fetchAll<T>(_ sql: String, _ arguments: [SQLiteValue] = [],
                            row: (Statement) throws -> T) throws -> [T]
    {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        // Reset when done or abandoned: a statement left mid-iteration holds its read
        // snapshot open, which in WAL mode keeps checkpoints from completing.
        defer { statement.reset() }
        var rows: [T] = []
        while try statement.step() == .row {
            rows.append(try row(statement))
        }
        return rows
    }

    /// Runs a query and maps its first row with `row`, or returns `nil` if there is none.
    ///
    /// - Throws: `SQLiteError`, or whatever `row` throws.
    public func fetchOne<T>(_ sql: String, _ arguments: [SQLiteValue] = [],
                            row: (Statement) throws -> T) throws -> T?
    {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        guard try statement.step() == .row else { return nil }
        return try row(statement)
    }

    /// The first column of the first row as an integer, or `nil` if there is no row or it is NULL.
    ///
    /// - Throws: `SQLiteError`.
    public func fetchInt64(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> Int64? {
        try fetchOne(sql, arguments) { $0.isNull(at: 0) ? nil : $0.int64(at: 0) } ?? nil
    }

    /// The first column of the first row as text, or `nil` if there is no row or it is NULL.
    ///
    /// - Throws: `SQLiteError`.
    public func fetchText(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> String? {
        try fetchOne(sql, arguments) { $0.text(at: 0) } ?? nil
    }
}
