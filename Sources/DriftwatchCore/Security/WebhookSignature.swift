/// The `X-Driftwatch-Signature` header of kill-switch webhooks (spec §5).
///
/// The value is `t=<unix seconds>,v1=<hex>` where `<hex>` is the lowercase hex
/// HMAC-SHA256 (RFC 2104) under the webhook's secret of the bytes
/// `"<t>" + "." + body`: the decimal timestamp exactly as it appears in the
/// header, a full stop, then the raw request body. Binding the timestamp into
/// the MAC lets receivers reject replays older than a tolerance.
///
/// Pure: the caller supplies the current time.
public enum WebhookSignature {
    /// The HTTP header that carries the signature.
    public static let headerName = "X-Driftwatch-Signature"
    /// Default maximum distance, in seconds, between the signed timestamp and the verifier's clock.
    public static let defaultTolerance: Int64 = 300

    /// Longest header value ``verify(header:secret:body:now:tolerance:)`` will parse;
    /// a well-formed one is at most 2 + 19 + 4 + 64 = 89 bytes.
    static let maxHeaderBytes = 128
    private static let macHexCount = 2 * HMAC.sha256ByteCount

    /// Returns the header value signing `body` at `timestamp`.
    /// - Parameters:
    ///   - secret: the webhook's shared secret (its UTF-8 bytes when configured as a string).
    ///   - timestamp: Unix time in seconds at which the delivery is attempted; must be non-negative.
    ///   - body: the exact bytes that will be sent as the request body.
    public static func header(secret: [UInt8], timestamp: Int64, body: [UInt8]) -> String {
        precondition(timestamp >= 0, "webhook timestamps are non-negative Unix seconds")
        return "t=\(timestamp),v1=" + HexEncoding.encode(mac(secret: secret, timestamp: timestamp, body: body))
    }

    /// Checks a received header against `body`, throwing the first reason to reject it.
    ///
    /// Parsing is strict: exactly `t=`, 1–19 ASCII digits without leading zeros
    /// (or a single `0`), `,v1=`, 64 lowercase hex digits, and nothing else — no
    /// whitespace, no extra or reordered fields. The timestamp is checked before
    /// the MAC; the MAC is compared in constant time (``ConstantTime``).
    /// - Parameters:
    ///   - now: the verifier's current Unix time in seconds.
    ///   - tolerance: maximum accepted |now − t| in seconds, in either direction; must be non-negative.
    /// - Throws: ``WebhookSignatureError`` with code `.malformedHeader`, `.staleTimestamp` or `.signatureMismatch`.
    public static func verify(
        header: String, secret: [UInt8], body: [UInt8], now: Int64, tolerance: Int64 = defaultTolerance
    ) throws(WebhookSignatureError) {
        precondition(tolerance >= 0, "tolerance must be non-negative")
        guard let (timestamp, receivedMAC) = parse(header) else {
            throw WebhookSignatureError(code: .malformedHeader,
                                        message: "expected t=<unix seconds>,v1=<64 lowercase hex digits>")
        }
        let (skew, overflow) = now.subtractingReportingOverflow(timestamp)
        guard !overflow, skew.magnitude <= tolerance.magnitude else {
            throw WebhookSignatureError(code: .staleTimestamp,
                                        message: "timestamp \(timestamp) is more than \(tolerance)s from now (\(now))")
        }
        guard ConstantTime.equals(receivedMAC, mac(secret: secret, timestamp: timestamp, body: body)) else {
            throw WebhookSignatureError(code: .signatureMismatch, message: "HMAC does not match the body")
        }
    }

    /// HMAC-SHA256(secret, "<timestamp>.<body>"), streamed so the body is not copied.
    static func mac(secret: [UInt8], timestamp: Int64, body: [UInt8]) -> [UInt8] {
        var hmac = HMAC(sha256Key: secret)
        hmac.update(String(timestamp).utf8)
        hmac.update(CollectionOfOne(UInt8(ascii: ".")))
        hmac.update(body)
        return hmac.finalize()
    }

    /// Parses `t=<digits>,v1=<hex>` strictly; `nil` for anything else.
    static func parse(_ header: String) -> (timestamp: Int64, mac: [UInt8])? {
        let bytes = Array(header.utf8.prefix(maxHeaderBytes + 1))
        guard bytes.count <= maxHeaderBytes,
              bytes.count > 2, bytes[0] == UInt8(ascii: "t"), bytes[1] == UInt8(ascii: "=")
        else { return nil }

        var index = 2
        var timestamp: Int64 = 0
        let digitsStart = index
        while index < bytes.count, let digit = decimalDigit(bytes[index]) {
            let (shifted, overflow1) = timestamp.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.addingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2 else { return nil }
            timestamp = next
            index += 1
        }
        let digitCount = index - digitsStart
        guard digitCount > 0, bytes[digitsStart] != UInt8(ascii: "0") || digitCount == 1 else { return nil }

        let separator: [UInt8] = Array(",v1=".utf8)
        guard bytes.count - index == separator.count + macHexCount,
              bytes[index..<(index + separator.count)].elementsEqual(separator)
        else { return nil }
        index += separator.count

        let hex = bytes[index...]
        // Lowercase only: this is the form `header(secret:timestamp:body:)` emits.
        guard hex.allSatisfy({ decimalDigit($0) != nil || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }),
              let mac = HexEncoding.decode(utf8: hex)
        else { return nil }
        return (timestamp, mac)
    }

    private static func decimalDigit(_ byte: UInt8) -> UInt8? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? byte &- UInt8(ascii: "0") : nil
    }
}
