/// A content coding of a request body that the server can remove (RFC 9110 §8.4).
///
/// Only `gzip` is decoded: it is what HTTP clients and the OpenTelemetry Collector's
/// `otlphttp` exporter send by default. `deflate` is refused rather than guessed at:
/// RFC 9110 defines it as the zlib format, but clients have long sent raw DEFLATE under
/// that name too.
public enum ContentCoding: String, Sendable, Hashable {
    case identity
    case gzip

    /// The codings a request may use, as an `Accept-Encoding` value for 415 replies
    /// (RFC 9110 §15.5.16 says that is how to tell a client which ones work).
    public static let accepted = "gzip, identity"

    /// The coding of a body from its `Content-Encoding` field values.
    ///
    /// Absent, empty or `identity` means none; `gzip` or its alias `x-gzip` (RFC 9110
    /// §8.4.1.3), case-insensitive, means gzip. Anything else — another coding, or
    /// several codings stacked — is refused.
    /// - Throws: `HTTPError` 415 naming the coding and listing the supported ones, with
    ///   `Accept-Encoding` set.
    public init(contentEncoding values: [String]) throws(HTTPError) {
        let codings = values.flatMap(HTTPGrammar.listElements).filter { $0 != "identity" }
        switch codings {
        case []:
            self = .identity
        case ["gzip"], ["x-gzip"]:
            self = .gzip
        default:
            let named = codings.filter { $0 != "gzip" && $0 != "x-gzip" }
            let problem = named.isEmpty
                ? "Content-Encoding \(codings.joined(separator: ", ")) applies more than one coding"
                : "Content-Encoding \(named.joined(separator: ", ")) is not supported"
            throw HTTPError(.unsupportedMediaType,
                            message: problem + ": send the body uncompressed or with Content-Encoding: gzip",
                            headers: ["Accept-Encoding": Self.accepted])
        }
    }
}
