/// A value that can be bound to a statement parameter or read from a column.
///
/// Used where arguments are passed as a list (`execute(_:_:)`, `fetchAll`);
/// hot paths bind typed values directly (`Statement.bind(_:at:)`) and skip the enum.
public enum SQLiteValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLiteValue: ExpressibleByNilLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }
}

extension SQLiteValue {
    /// `.text`, or `.null` for `nil`.
    public init(_ value: String?) { self = value.map(SQLiteValue.text) ?? .null }
    /// `.integer`, or `.null` for `nil`.
    public init(_ value: Int64?) { self = value.map(SQLiteValue.integer) ?? .null }
    /// `.integer`, or `.null` for `nil`.
    public init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    /// `.real`, or `.null` for `nil`.
    public init(_ value: Double?) { self = value.map(SQLiteValue.real) ?? .null }
    /// `.blob`, or `.null` for `nil`.
    public init(_ value: [UInt8]?) { self = value.map(SQLiteValue.blob) ?? .null }
}
