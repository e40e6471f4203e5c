/// A header field the application tried to set is not valid: the name is not a
/// token or the value holds CR, LF, NUL or another control character.
///
/// Refusing these is what makes response splitting (header injection) impossible:
/// no value can end a line early (RFC 9110 §5.5, RFC 9112 §2.2).
public struct HTTPHeaderFieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offending field name (the value is withheld: it may be attacker-controlled).
    public let name: String
    /// Whether the name (rather than the value) was invalid.
    public let invalidName: Bool

    public var description: String {
        invalidName ? "invalid header field name \(String(reflecting: name))"
                    : "invalid value for header field \(String(reflecting: name)): control characters are not allowed"
    }
}
