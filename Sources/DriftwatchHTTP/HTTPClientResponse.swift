/// A response received by ``HTTPClient``.
public struct HTTPClientResponse: Sendable {
    /// The status code, e.g. 200.
    public let statusCode: Int
    /// The reason phrase as sent (informational).
    public let reasonPhrase: String
    public let headers: HTTPHeaders
    /// The decoded body (chunked framing removed).
    public let body: [UInt8]
}
