/// Values captured from `{name}` and `{name...}` segments of a route pattern, percent-decoded.
public struct RouteParameters: Sendable, Hashable {
    private var values: [String: String] = [:]

    public init() {}

    init(_ values: [String: String]) { self.values = values }

    /// The captured value for `name`, or `nil` if the pattern has no such parameter.
    public subscript(name: String) -> String? { values[name] }

    /// The captured value for `name`.
    /// - Throws: `HTTPError` 500 if the route has no such parameter (a routing bug, not bad input).
    public func require(_ name: String) throws(HTTPError) -> String {
        guard let value = values[name] else {
            throw HTTPError(.internalServerError, message: "internal server error")
        }
        return value
    }
}
