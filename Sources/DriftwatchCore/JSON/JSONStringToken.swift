/// A JSON string the scanner has read: where its contents lie in the input, and
/// whether those bytes are its value as they stand. Callers can then match or
/// validate a value in place and build a String only if they keep it
/// (`JSONScanner.string(_:)`).
struct JSONStringToken {
    enum Form: UInt8 {
        /// ASCII without escapes, control characters or DEL: the bytes are the value.
        case ascii
        /// Valid UTF-8 with non-ASCII bytes, and otherwise like `ascii`: the bytes
        /// are the value, and the scanner holds it as a String (validating built it).
        case unicode
        /// Escapes or DEL: the bytes are not (or not known to be) the value; the
        /// scanner holds the decoded String.
        case escaped
    }

    /// Offset of the first byte after the opening quote.
    var start: Int
    /// Offset of the closing quote.
    var end: Int
    var form: Form
    /// For an `ascii` string of at most 15 bytes, its bytes packed little-endian,
    /// the first eight in `low`, zero-padded, for comparison with constants; else zero.
    var low: UInt64 = 0
    var high: UInt64 = 0

    var count: Int { end - start }

    /// Whether the input bytes are the value (no escapes, no DEL): valid UTF-8
    /// without control characters.
    var isVerbatim: Bool { form != .escaped }
}
