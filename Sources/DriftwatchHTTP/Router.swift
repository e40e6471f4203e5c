/// Routes requests by method and path pattern to handlers.
///
/// Routes are tried in registration order; the first whose pattern and method match
/// wins. A path that matches some pattern under other methods answers 405 with
/// `Allow` (RFC 9110 §15.5.6); otherwise 404. `HEAD` falls back to the `GET` handler
/// (the server drops the body; RFC 9110 §9.3.2). Path segments are percent-decoded
/// one by one after splitting, so `%2F` never creates a segment boundary; a bad
/// escape answers 400.
public struct Router: HTTPResponder {
    /// A route handler: the request and the values captured from the pattern.
    public typealias Handler = @Sendable (HTTPRequest, RouteParameters) async throws -> HTTPResponse

    private struct Route: Sendable {
        let method: HTTPMethod
        let pattern: RoutePattern
        let handler: Handler
    }

    /// The outcome of routing a method and path, without running a handler.
    enum Resolution {
        case matched(Handler, RouteParameters)
        case notFound
        case methodNotAllowed(allowed: [HTTPMethod])
        case badPath
    }

    private var routes: [Route] = []

    public init() {}

    /// Adds a route. Registering the same method and pattern twice is a programmer error.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, handler: @escaping Handler) {
        let parsed = RoutePattern(pattern)
        precondition(!routes.contains { $0.method == method && $0.pattern == parsed },
                     "duplicate route \(method) \(pattern)")
        routes.append(Route(method: method, pattern: parsed, handler: handler))
    }

    public mutating func get(_ pattern: String, handler: @escaping Handler) { add(.get, pattern, handler: handler) }
    public mutating func post(_ pattern: String, handler: @escaping Handler) { add(.post, pattern, handler: handler) }
    public mutating func put(_ pattern: String, handler: @escaping Handler) { add(.put, pattern, handler: handler) }
    public mutating func delete(_ pattern: String, handler: @escaping Handler) { add(.delete, pattern, handler: handler) }

    /// Runs the matching handler.
    /// - Throws: `HTTPError` 400, 404 or 405 when routing fails; whatever the handler throws.
    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        switch resolve(method: request.method, path: request.path) {
        case .matched(let handler, let parameters):
            return try await handler(request, parameters)
        case .notFound:
            throw HTTPError(.notFound)
        case .badPath:
            throw HTTPError(.badRequest, message: "malformed percent-encoding in path")
        case .methodNotAllowed(let allowed):
            var headers = HTTPHeaders()
            try? headers.add("Allow", allowed.map(\.rawValue).joined(separator: ", "))
            throw HTTPError(.methodNotAllowed, headers: headers)
        }
    }

    /// Finds the route for `method` and the raw (percent-encoded) `path`.
    func resolve(method: HTTPMethod, path: String) -> Resolution {
        guard path.hasPrefix("/") else { return .notFound }
        var segments: [String] = []
        for raw in path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard let decoded = PercentEncoding.decode(raw) else { return .badPath }
            segments.append(decoded)
        }
        var allowed: [HTTPMethod] = []
        var getMatch: (Handler, RouteParameters)?
        for route in routes {
            guard let captured = route.pattern.match(segments) else { continue }
            if route.method == method { return .matched(route.handler, RouteParameters(captured)) }
            if method == .head && route.method == .get && getMatch == nil {
                getMatch = (route.handler, RouteParameters(captured))
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        if let getMatch { return .matched(getMatch.0, getMatch.1) }
        guard !allowed.isEmpty else { return .notFound }
        if allowed.contains(.get) && !allowed.contains(.head) { allowed.append(.head) }
        return .methodNotAllowed(allowed: allowed.sorted { $0.rawValue < $1.rawValue })
    }
}
