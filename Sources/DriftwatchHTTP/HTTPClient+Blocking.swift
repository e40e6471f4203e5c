extension HTTPClient {
    /// ``send(_:_:headers:body:)`` for short-lived command-line tools with nothing else to
    /// do meanwhile (`driftwatch check`, `driftwatch hook`): blocks the calling thread.
    /// - Throws: `HTTPClientError`.
    public func sendBlocking(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:],
                             body: [UInt8] = []) throws(HTTPClientError) -> HTTPClientResponse {
        try Self.exchange(method, try HTTPEndpoint(parsing: url), headers: headers, body: body, configuration: configuration)
    }
}
