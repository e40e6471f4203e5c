extension HTTPResponse {
    /// Framing fields the server writes itself (RFC 9112 §6, §9.6); application values are dropped.
    private static let framingFields = ["content-length", "transfer-encoding", "connection"]

    /// The head of the response on the wire: status line, fields, `Content-Length`,
    /// `Connection: close` when closing, and the empty line.
    ///
    /// - Parameters:
    ///   - close: whether the server closes the connection after this response.
    ///   - keepAliveHTTP10: send `Connection: keep-alive` because an HTTP/1.0 client asked for it.
    func serializedHead(close: Bool, keepAliveHTTP10: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + headers.count * 32)
        // We speak HTTP/1.1 whatever the request version (RFC 9110 §6.2).
        out.append(contentsOf: "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n".utf8)
        for field in headers where !Self.framingFields.contains(where: {
            HTTPGrammar.equalsIgnoringCase($0.utf8, field.name.utf8)
        }) {
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: field.value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        // RFC 9110 §8.6: no Content-Length in 1xx or 204; 304 keeps the body-less framing too.
        if !status.forbidsBody {
            out.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        }
        if close {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if keepAliveHTTP10 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        return out
    }

    /// The whole response on the wire; the body is omitted for HEAD requests and statuses without content.
    func serialized(close: Bool, keepAliveHTTP10: Bool = false, headRequest: Bool = false) -> [UInt8] {
        var out = serializedHead(close: close, keepAliveHTTP10: keepAliveHTTP10)
        if !headRequest && !status.forbidsBody { out.append(contentsOf: body) }
        return out
    }
}
