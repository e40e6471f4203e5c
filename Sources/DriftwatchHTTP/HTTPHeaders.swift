/// An ordered list of header fields with case-insensitive lookup (RFC 9110 §5).
///
/// Every field in it is valid by construction: names are tokens and values contain
/// no control characters other than HTAB, so serialising it can never inject a line.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One field line.
    public struct Field: Sendable, Hashable {
        public let name: String
        public let value: String
    }

    private(set) var fields: [Field] = []

    /// Creates an empty list.
    public init() {}

    /// Creates headers from literal pairs written in source; an invalid pair is a programmer error.
    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements {
            do { try add(name, value) } catch { preconditionFailure("\(error)") }
        }
    }

    /// Creates headers from fields the parser already validated.
    init(validatedFields: [Field]) { self.fields = validatedFields }

    /// The number of field lines.
    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value for `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        fields.first { HTTPGrammar.equalsIgnoringCase($0.name.utf8, name.utf8) }?.value
    }

    /// All values for `name`, in order.
    public func values(for name: String) -> [String] {
        fields.filter { HTTPGrammar.equalsIgnoringCase($0.name.utf8, name.utf8) }.map(\.value)
    }

    /// Whether a field named `name` is present.
    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Appends a field after validating it; surrounding whitespace of the value is trimmed.
    /// - Throws: `HTTPHeaderFieldError` if the name is not a token or the value contains a control character.
    public mutating func add(_ name: String, _ value: String) throws(HTTPHeaderFieldError) {
        fields.append(try Self.validated(name, value))
    }

    /// Replaces every field named `name` with one field.
    /// - Throws: `HTTPHeaderFieldError` as for ``add(_:_:)``.
    public mutating func set(_ name: String, _ value: String) throws(HTTPHeaderFieldError) {
        let field = try Self.validated(name, value)
        remove(name)
        fields.append(field)
    }

    /// Removes every field named `name`.
    public mutating func remove(_ name: String) {
        fields.removeAll { HTTPGrammar.equalsIgnoringCase($0.name.utf8, name.utf8) }
    }

    private static func validated(_ name: String, _ value: String) throws(HTTPHeaderFieldError) -> Field {
        guard !name.isEmpty, name.utf8.allSatisfy(HTTPGrammar.isTokenByte) else {
            throw HTTPHeaderFieldError(name: name, invalidName: true)
        }
        guard value.utf8.allSatisfy(HTTPGrammar.isFieldValueByte) else {
            throw HTTPHeaderFieldError(name: name, invalidName: false)
        }
        return Field(name: name, value: HTTPGrammar.trimmed(value.utf8))
    }
}
