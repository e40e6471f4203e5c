/// A response the application returns: status, header fields and body bytes.
///
/// Framing fields (`Content-Length`, `Transfer-Encoding`, `Connection`) are owned by
/// the server, which sets them when it serialises; values set here are replaced.
public struct HTTPResponse: Sendable, Hashable {
    public var status: HTTPStatus
    /// Validated fields (see ``HTTPHeaders``): they cannot inject lines.
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response from already-encoded bytes.
    public static func json(_ body: [UInt8], status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
    }

    /// A JSON response from an encoded string.
    public static func json(_ body: String, status: HTTPStatus = .ok) -> HTTPResponse {
        json(Array(body.utf8), status: status)
    }

    /// A UTF-8 plain-text response.
    public static func text(_ body: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(body.utf8))
    }

    /// A UTF-8 HTML response; the caller is responsible for escaping what it interpolates.
    public static func html(_ body: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(body.utf8))
    }
}
