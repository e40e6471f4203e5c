/// Every way an HTTP/1.1 message can be refused by the parser: a closed set, each
/// case with the status a server answers and a short reason.
///
/// After any of these the connection cannot be trusted to be in sync, so the
/// server answers with `Connection: close` (RFC 9112 §9.6 and §11.2 on smuggling).
public enum HTTPParserError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request line is not `method SP request-target SP HTTP-version` (RFC 9112 §3).
    case invalidRequestLine
    /// The method is not a token (RFC 9110 §9.1).
    case invalidMethod
    /// The request-target has bytes outside visible ASCII, a bad form or bad percent-encoding (RFC 9112 §3.2).
    case invalidTarget
    /// The version is not `HTTP/DIGIT.DIGIT` (RFC 9112 §2.3).
    case invalidVersion
    /// A well-formed version other than 1.0 and 1.1 → 505.
    case unsupportedVersion
    /// The status line of a response is malformed (client side only).
    case invalidStatusLine
    /// The request line exceeds `maxRequestLineBytes` → 414.
    case requestLineTooLong
    /// The header section exceeds `maxHeaderBytes` → 431.
    case headerSectionTooLarge
    /// More than `maxHeaderCount` field lines → 431.
    case tooManyHeaders
    /// A field name is empty, not a token, or followed by whitespace before the colon (RFC 9112 §5.1).
    case invalidHeaderName
    /// A field value contains CR, LF, NUL or another control character (RFC 9110 §5.5).
    case invalidHeaderValue
    /// A field line starts with whitespace: obsolete line folding, refused (RFC 9112 §5.2).
    case obsoleteLineFolding
    /// A bare CR inside a line (RFC 9112 §2.2).
    case bareCarriageReturn
    /// An HTTP/1.1 request without `Host` (RFC 9112 §3.2).
    case missingHost
    /// More than one `Host` field line (RFC 9112 §3.2).
    case duplicateHost
    /// `Content-Length` is not a non-empty run of digits (RFC 9110 §8.6).
    case invalidContentLength
    /// Several `Content-Length` values that differ (RFC 9112 §6.3 item 5).
    case conflictingContentLength
    /// Both `Content-Length` and `Transfer-Encoding`: a request smuggling vector (RFC 9112 §6.1, §11.2).
    case contentLengthWithTransferEncoding
    /// `Transfer-Encoding` where `chunked` is not the final coding, appears twice, or in HTTP/1.0 (RFC 9112 §6.1, §6.3).
    case invalidTransferEncoding
    /// A transfer coding other than `chunked` → 501 (RFC 9112 §6.1).
    case unsupportedTransferEncoding
    /// A chunk-size line is not hex digits optionally followed by extensions, or is too long (RFC 9112 §7.1).
    case invalidChunkSize
    /// Chunk data is not followed by CRLF, or a chunked line ends in a bare LF (RFC 9112 §7.1).
    case invalidChunkedEncoding
    /// Trailer section over the header limits → 431 (RFC 9112 §7.1.2).
    case trailersTooLarge
    /// The body exceeds `maxBodyBytes` → 413.
    case bodyTooLarge
    /// The peer closed the connection in the middle of a message.
    case incompleteMessage

    /// The status a server answers this error with.
    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: .uriTooLong
        case .headerSectionTooLarge, .tooManyHeaders, .trailersTooLarge: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedTransferEncoding: .notImplemented
        case .invalidRequestLine, .invalidMethod, .invalidTarget, .invalidVersion, .invalidStatusLine,
             .invalidHeaderName, .invalidHeaderValue, .obsoleteLineFolding, .bareCarriageReturn,
             .missingHost, .duplicateHost, .invalidContentLength, .conflictingContentLength,
             .contentLengthWithTransferEncoding, .invalidTransferEncoding, .invalidChunkSize,
             .invalidChunkedEncoding, .incompleteMessage:
            .badRequest
        }
    }

    /// A short, fixed reason safe to send to the peer (it never echoes input).
    public var reason: String {
        switch self {
        case .invalidRequestLine: "malformed request line"
        case .invalidMethod: "invalid method"
        case .invalidTarget: "invalid request target"
        case .invalidVersion: "malformed HTTP version"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 are supported"
        case .invalidStatusLine: "malformed status line"
        case .requestLineTooLong: "request line too long"
        case .headerSectionTooLarge: "header section too large"
        case .tooManyHeaders: "too many header fields"
        case .invalidHeaderName: "invalid header field name"
        case .invalidHeaderValue: "invalid header field value"
        case .obsoleteLineFolding: "obsolete line folding is not accepted"
        case .bareCarriageReturn: "bare CR in message"
        case .missingHost: "missing Host header"
        case .duplicateHost: "more than one Host header"
        case .invalidContentLength: "invalid Content-Length"
        case .conflictingContentLength: "conflicting Content-Length values"
        case .contentLengthWithTransferEncoding: "both Content-Length and Transfer-Encoding"
        case .invalidTransferEncoding: "invalid Transfer-Encoding"
        case .unsupportedTransferEncoding: "unsupported transfer coding"
        case .invalidChunkSize: "invalid chunk size"
        case .invalidChunkedEncoding: "malformed chunked encoding"
        case .trailersTooLarge: "trailer section too large"
        case .bodyTooLarge: "body larger than the limit on message bodies; send smaller requests"
        case .incompleteMessage: "connection closed mid-message"
        }
    }

    public var description: String { "\(status.code) \(reason)" }
}
