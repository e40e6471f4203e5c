/// Something that turns a request into a response: a ``Router`` or a closure.
public protocol HTTPResponder: Sendable {
    /// Answers `request`. Throw ``HTTPError`` for a specific status; any other error
    /// becomes a logged 500.
    func respond(to request: HTTPRequest) async throws -> HTTPResponse
}

/// Adapts a closure to ``HTTPResponder``.
public struct ClosureResponder: HTTPResponder {
    private let body: @Sendable (HTTPRequest) async throws -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        self.body = body
    }

    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        try await body(request)
    }
}
