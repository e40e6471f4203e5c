/// A request method: any RFC 9110 §9 token, compared case-sensitively.
public struct HTTPMethod: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// The method token as sent on the request line.
    public let rawValue: String

    /// Creates a method; returns `nil` unless `rawValue` is a non-empty token (RFC 9110 §5.6.2).
    public init?(rawValue: String) {
        guard !rawValue.isEmpty, rawValue.utf8.allSatisfy(HTTPGrammar.isTokenByte) else { return nil }
        self.rawValue = rawValue
    }

    /// Creates a method from bytes the parser already validated.
    init(validated rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static let get = HTTPMethod(validated: "GET")
    public static let head = HTTPMethod(validated: "HEAD")
    public static let post = HTTPMethod(validated: "POST")
    public static let put = HTTPMethod(validated: "PUT")
    public static let patch = HTTPMethod(validated: "PATCH")
    public static let delete = HTTPMethod(validated: "DELETE")
    public static let options = HTTPMethod(validated: "OPTIONS")
}
