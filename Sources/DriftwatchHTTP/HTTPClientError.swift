/// Why an ``HTTPClient`` request failed.
public struct HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The URL is not `http://host[:port][/path]`.
        case invalidURL
        /// `https://` (or another scheme): this client has no TLS.
        case unsupportedScheme
        /// The host name did not resolve.
        case cannotResolve
        /// No address accepted the connection.
        case connectFailed
        /// Connecting, sending or receiving took longer than configured.
        case timedOut
        /// A socket call failed mid-exchange.
        case io
        /// The response is not valid HTTP/1.x, or exceeds the header limits.
        case malformedResponse
        /// The response body exceeds `maxResponseBytes`.
        case responseTooLarge
    }

    public let code: Code
    /// Human-readable context (URL, errno text); never contains the request body.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
