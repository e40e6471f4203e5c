/// An incremental, pure HTTP/1.1 request parser: feed it bytes as they arrive and it
/// returns each complete request, in order, with its body.
///
/// It never rescans consumed input (see `HTTPMessageParser`), enforces every
/// ``HTTPLimits`` field, and refuses ambiguous framing (RFC 9112 §6.3, §11.2). After
/// an error it stays failed: the caller must answer ``HTTPParserError/status`` and
/// close the connection. Several requests in one feed (pipelining, RFC 9112 §9.3.2)
/// are returned one per call: call ``next()`` until it says `.needMoreData`.
///
/// Bare LF line ends are accepted in the request line and header section
/// (RFC 9112 §2.2); the chunked framing requires CRLF.
public struct HTTPRequestParser: Sendable {
    /// What the parser can say after being fed.
    public enum Event: Sendable {
        /// The buffered bytes do not yet hold a complete request.
        case needMoreData
        /// A complete request; more may be buffered behind it.
        case request(HTTPRequest)
        /// The input is not acceptable; the parser stays in this state.
        case error(HTTPParserError)
    }

    /// Where the parser is within the current request.
    public enum Progress: Sendable, Equatable {
        /// No byte of the next request has arrived.
        case betweenRequests
        /// Reading the request line or header section.
        case readingHead
        /// The head is complete; reading the body.
        case readingBody
    }

    private var engine: HTTPMessageParser
    private var failure: HTTPParserError?

    /// Creates a parser enforcing `limits`.
    public init(limits: HTTPLimits = HTTPLimits()) {
        engine = HTTPMessageParser(mode: .request, limits: limits)
    }

    /// The limits this parser enforces.
    public var limits: HTTPLimits { engine.limits }

    /// Appends `bytes` and returns the next event.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Event {
        engine.append(bytes)
        return next()
    }

    /// Appends `bytes` and returns the next event.
    public mutating func feed(_ bytes: [UInt8]) -> Event {
        engine.append(bytes)
        return next()
    }

    /// Returns the next event from bytes already buffered, e.g. a pipelined request.
    public mutating func next() -> Event {
        if let failure { return .error(failure) }
        switch engine.next() {
        case .needMoreData:
            return .needMoreData
        case .error(let error):
            failure = error
            return .error(error)
        case .message(let message):
            guard case .request(let method, let target, let version) = message.startLine else {
                preconditionFailure("request parser produced a response")
            }
            let (path, queryBytes) = HTTPRequest.splitTarget(target)
            var query: [(name: String, value: String)] = []
            if let queryBytes {
                guard let decoded = PercentEncoding.decodeQuery(queryBytes) else {
                    failure = .invalidTarget
                    return .error(.invalidTarget)
                }
                query = decoded
            }
            return .request(HTTPRequest(
                method: method, target: String(decoding: target, as: UTF8.self),
                path: String(decoding: path, as: UTF8.self), query: query,
                version: version, headers: message.headers, body: message.body))
        }
    }

    /// Tells the parser the peer closed its side. Mid-request this is `incompleteMessage`.
    public mutating func finish() -> Event {
        if let failure { return .error(failure) }
        switch engine.finish() {
        case .error(let error):
            failure = error
            return .error(error)
        case .needMoreData, .message:
            return .needMoreData
        }
    }

    /// True once a request head carried `Expect: 100-continue` and none of its body has
    /// arrived: the server should send `100 Continue` and call ``acknowledgeContinue()``
    /// (RFC 9110 §10.1.1).
    public var expectsContinue: Bool { engine.continueRequested }

    /// Records that the interim `100 Continue` was sent (or deliberately skipped).
    public mutating func acknowledgeContinue() { engine.acknowledgeContinue() }

    /// Where the parser is within the current request.
    public var progress: Progress {
        switch engine.progress {
        case .betweenMessages: .betweenRequests
        case .readingHead: .readingHead
        case .readingBody: .readingBody
        }
    }

    /// Frees buffer storage when nothing is buffered (the server calls it when a
    /// connection goes idle).
    mutating func releaseBufferIfEmpty() { engine.releaseBufferIfEmpty() }

    /// Bytes buffered but not yet part of a returned request.
    public var bufferedByteCount: Int { engine.bufferedByteCount }
}
