/// Size limits applied while parsing an HTTP/1.1 message.
///
/// Every field has a named default; a request that exceeds one is refused with
/// the status its `HTTPParserError` maps to, and the connection is closed
/// (design.md § Data flow, "Bounded everything").
public struct HTTPLimits: Sendable, Hashable {
    /// Default for ``maxRequestLineBytes``: 8 KiB, as RFC 9112 §3 recommends at least.
    public static let defaultMaxRequestLineBytes = 8 * 1024
    /// Default for ``maxHeaderBytes``: 16 KiB.
    public static let defaultMaxHeaderBytes = 16 * 1024
    /// Default for ``maxHeaderCount``: 100 field lines.
    public static let defaultMaxHeaderCount = 100
    /// Default for ``maxBodyBytes``: 8 MiB.
    public static let defaultMaxBodyBytes = 8 * 1024 * 1024
    /// Default for ``maxChunkLineBytes``: 1 KiB (size plus ignored extensions).
    public static let defaultMaxChunkLineBytes = 1024

    /// Longest accepted request line (status line for responses), without its CRLF. Exceeded → 414.
    public var maxRequestLineBytes: Int
    /// Largest accepted header section (all field lines with their line ends). Exceeded → 431.
    /// Trailers of a chunked body get the same budget again.
    public var maxHeaderBytes: Int
    /// Most field lines accepted in the header section (and, separately, in trailers). Exceeded → 431.
    public var maxHeaderCount: Int
    /// Largest accepted decoded body. Exceeded → 413, detected from `Content-Length`
    /// before any body byte is read.
    public var maxBodyBytes: Int
    /// Longest chunk-size line (hex size plus chunk extensions). Exceeded → 400.
    public var maxChunkLineBytes: Int

    /// Creates limits; every argument defaults to its named default.
    public init(
        maxRequestLineBytes: Int = HTTPLimits.defaultMaxRequestLineBytes,
        maxHeaderBytes: Int = HTTPLimits.defaultMaxHeaderBytes,
        maxHeaderCount: Int = HTTPLimits.defaultMaxHeaderCount,
        maxBodyBytes: Int = HTTPLimits.defaultMaxBodyBytes,
        maxChunkLineBytes: Int = HTTPLimits.defaultMaxChunkLineBytes
    ) {
        precondition(maxRequestLineBytes > 0 && maxHeaderBytes > 0 && maxHeaderCount > 0
            && maxBodyBytes >= 0 && maxChunkLineBytes > 0, "HTTP limits must be positive")
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
    }
}
