extension HTTPRequest {
    /// The body with its content coding removed (RFC 9110 §8.4): unchanged without
    /// `Content-Encoding` (or with `identity`), decompressed for `gzip`.
    ///
    /// The parser's body limit applies to the bytes on the wire; `maxBytes` applies the
    /// same bound to what they decompress to, so a small compressed body cannot become
    /// a large one. Decoding stops as soon as the limit would be passed.
    /// - Parameter maxBytes: the most bytes the decoded body may have; pass the server's
    ///   ``HTTPLimits/maxBodyBytes``.
    /// - Throws: `HTTPError` 415 for an unsupported coding (see ``ContentCoding``), 400
    ///   naming what is malformed and its byte offset, 413 past `maxBytes`.
    public func decodedBody(maxBytes: Int) throws(HTTPError) -> [UInt8] {
        switch try ContentCoding(contentEncoding: headers.values(for: "Content-Encoding")) {
        case .identity:
            return body
        case .gzip:
            do {
                return try GzipDecoder.decompress(body, maxOutputBytes: maxBytes)
            } catch {
                if case .outputLimitExceeded = error.code {
                    throw HTTPError(.contentTooLarge, message: "gzip body decompresses to more than the body limit of "
                        + "\(maxBytes) bytes (stopped at byte \(error.offset) of \(body.count) compressed)")
                }
                throw HTTPError(.badRequest, message: "invalid gzip body: \(error)")
            }
        }
    }
}
