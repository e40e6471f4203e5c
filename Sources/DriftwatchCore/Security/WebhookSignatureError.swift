/// Why a webhook signature header was rejected by ``WebhookSignature/verify(header:secret:body:now:tolerance:)``.
public struct WebhookSignatureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The closed set of rejection reasons.
    public enum Code: Sendable, Hashable {
        /// The header is not exactly `t=<unix seconds>,v1=<64 lowercase hex digits>`.
        case malformedHeader
        /// The signed timestamp is further than the tolerance from `now` (replay or clock skew).
        case staleTimestamp
        /// The MAC does not match the body under this secret.
        case signatureMismatch
    }

    /// The reason for the rejection.
    public var code: Code
    /// Human-readable context for logs; never contains the secret or the expected MAC.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "webhook signature rejected (\(code)): \(message)" }
}
