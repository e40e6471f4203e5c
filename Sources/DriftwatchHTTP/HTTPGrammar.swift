/// Byte classes from the HTTP ABNF, shared by the parsers, headers and router.
enum HTTPGrammar {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// `tchar` (RFC 9110 §5.6.2): the characters allowed in methods and field names.
    private static let tokenTable: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(byte)] = true }
        for scalar in "!#$%&'*+-.^_`|~".utf8 { table[Int(scalar)] = true }
        return table
    }()

    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool { tokenTable[Int(byte)] }

    /// A byte allowed inside a field value (RFC 9110 §5.5): visible ASCII, SP, HTAB and obs-text.
    /// CR, LF, NUL and the other controls are refused so a value can never split a message.
    @inline(__always)
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= 0x20 && byte != 0x7F)
    }

    /// A byte allowed in a request-target: visible ASCII only (RFC 9112 §3.2, RFC 3986 §2).
    @inline(__always)
    static func isTargetByte(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    /// ASCII case-insensitive comparison, as field names and codings require (RFC 9110 §5.1).
    static func equalsIgnoringCase(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { lowercased($0) == lowercased($1) }
    }

    /// The bytes with leading and trailing SP/HTAB removed, as a string.
    static func trimmed(_ bytes: some BidirectionalCollection<UInt8>) -> String {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start != end, isWhitespace(bytes[start]) { start = bytes.index(after: start) }
        while end != start, isWhitespace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Splits a comma-separated field value into trimmed, lowercased, non-empty elements
    /// (RFC 9110 §5.6.1 list syntax).
    static func listElements(_ value: String) -> [String] {
        value.split(separator: ",").compactMap { element in
            let trimmed = Self.trimmed(element.utf8)
            guard !trimmed.isEmpty else { return nil }
            return String(decoding: trimmed.utf8.map(lowercased), as: UTF8.self)
        }
    }
}
