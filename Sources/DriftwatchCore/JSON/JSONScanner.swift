/// A strict, bounded, byte-level JSON scanner (RFC 8259).
///
/// Rejects what lenient parsers accept and attackers exploit: trailing commas,
/// comments, `NaN`/`Infinity`, leading zeros, unescaped control characters,
/// invalid or overlong UTF-8, lone surrogates, duplicate object keys, and
/// nesting deeper than `maxDepth`. It works on the caller's buffer and never
/// copies the input; only the values it returns allocate.
///
/// The event decoder drives it member by member (`nextMember`, `parseValue`,
/// `skipValue`) so that known top-level fields are read without building a tree.
public struct JSONScanner: ~Copyable {
    public static let defaultMaxDepth = 64

    /// The input's first byte; for an empty input, a valid dummy (nothing is read
    /// at or beyond `length`).
    let pointer: UnsafeRawPointer
    /// The input's length in bytes.
    let length: Int
    public internal(set) var index: Int
    let maxDepth: Int
    /// The value of the last string parsed whose bytes could not be used as they
    /// stand (`JSONStringToken.Form.unicode`, `.escaped`).
    var decoded = ""
    /// Whether a string of valid non-ASCII UTF-8 was read verbatim (`Form.unicode`): only
    /// then can a value hold a C1 control character, which callers may refuse.
    var sawUnicodeString = false

    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONScanner.defaultMaxDepth) {
        let empty: StaticString = ""
        self.pointer = bytes.baseAddress ?? UnsafeRawPointer(empty.utf8Start)
        self.length = bytes.count
        self.index = 0
        self.maxDepth = maxDepth
    }

    /// Parses a complete JSON text (one value, optional surrounding whitespace).
    /// - Throws: `JSONError` naming the byte offset and the reason.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        var scanner = JSONScanner(bytes, maxDepth: maxDepth)
        let value = try scanner.parseValue()
        try scanner.expectEnd()
        return value
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(JSONError) in try parse(buffer, maxDepth: maxDepth) } }
        return try result.get()
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    // MARK: - Cursor

    @inline(__always) var atEnd: Bool { index >= length }
    @inline(__always) func peek() -> UInt8 { byte(at: index) }
    /// The byte at `offset`, which the caller has checked is below `length`.
    @inline(__always) func byte(at offset: Int) -> UInt8 {
        pointer.load(fromByteOffset: offset, as: UInt8.self)
    }

    func fail(_ reason: String, at offset: Int? = nil) -> JSONError {
        JSONError(offset: offset ?? index, reason: reason)
    }

    /// Skips JSON whitespace. Inlined for the common case, where the next byte is
    /// not whitespace at all.
    @inline(__always) public mutating func skipWhitespace() {
        if index < length, byte(at: index) > 0x20 { return }
        skipWhitespaceLoop()
    }

    mutating func skipWhitespaceLoop() {
        while index < length {
            switch byte(at: index) {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Throws unless only whitespace remains.
    public mutating func expectEnd() throws(JSONError) {
        skipWhitespace()
        if !atEnd { throw fail("unexpected data after the JSON value") }
    }

    @inline(__always) mutating func expect(_ byte: UInt8, _ what: @autoclosure () -> String) throws(JSONError) {
        skipWhitespace()
        guard !atEnd else { throw fail("unexpected end of input, expected \(what())") }
        guard peek() == byte else { throw fail("expected \(what())") }
        index += 1
    }

    // MARK: - Member-by-member object walking

    /// Consumes the `{` that opens an object.
    public mutating func beginObject() throws(JSONError) {
        try expect(UInt8(ascii: "{"), "'{' (a JSON object)")
    }

    /// Reads the next member's key and the `:` after it, or nil at `}`.
    /// `first` is true for the first call after `beginObject`.
    public mutating func nextMemberKey(first: Bool) throws(JSONError) -> String? {
        guard let key = try nextMemberKeyToken(first: first) else { return nil }
        return string(key)
    }

    /// Reads the next member's key and the `:` after it, or nil at `}`, without
    /// building a String for it. `first` is true for the first call after `beginObject`.
    ///
    /// The shapes compact JSON always has, `"key":` first and `,"key":` after, are
    /// read directly; anything else (whitespace, the end, errors) takes the general
    /// path, which checks the same things in the same order.
    @inline(__always)
    mutating func nextMemberKeyToken(first: Bool) throws(JSONError) -> JSONStringToken? {
        let i = index
        if i &+ 1 < length {
            let b = byte(at: i)
            if first ? b == UInt8(ascii: "\"") : b == UInt8(ascii: ",") && byte(at: i &+ 1) == UInt8(ascii: "\"") {
                index = first ? i : i &+ 1
                let key = try parseStringToken()
                if index < length, byte(at: index) == UInt8(ascii: ":") {
                    index &+= 1
                } else {
                    try expect(UInt8(ascii: ":"), "':' after an object key")
                }
                return key
            }
        }
        return try nextMemberKeyTokenSlowly(first: first)
    }

    mutating func nextMemberKeyTokenSlowly(first: Bool) throws(JSONError) -> JSONStringToken? {
        skipWhitespace()
        guard !atEnd else { throw fail("unexpected end of input inside an object") }
        if peek() == UInt8(ascii: "}") { index += 1; return nil }
        if !first {
            guard peek() == UInt8(ascii: ",") else { throw fail("expected ',' or '}' in an object") }
            index += 1
            skipWhitespace()
        }
        guard !atEnd, peek() == UInt8(ascii: "\"") else {
            throw fail(first ? "expected a string key or '}'" : "expected a string key (trailing commas are not allowed)")
        }
        let key = try parseStringToken()
        try expect(UInt8(ascii: ":"), "':' after an object key")
        return key
    }

    // MARK: - Strings

    /// Parses a string at the opening quote and locates its value, building a
    /// String only when its bytes are not the value as they stand (escapes) or
    /// must be validated (non-ASCII); see `JSONStringToken.Form`.
    ///
    /// Inlined for the common case, a plain ASCII string of at most 15 bytes that
    /// two word loads take whole; `parseLongStringToken` does the rest.
    @inline(__always)
    mutating func parseStringToken() throws(JSONError) -> JSONStringToken {
        let start = index &+ 1
        if start &+ 16 <= length {
            let p = pointer + start
            let low = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
            let lowStops = Self.stopLanes(low)
            var count = 0
            var packedLow = low
            var packedHigh: UInt64 = 0
            if lowStops != 0 {
                count = lowStops.trailingZeroBitCount &>> 3
                packedLow = low & ((1 &<< UInt64(truncatingIfNeeded: count &* 8)) &- 1)
            } else {
                let high = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                let highStops = Self.stopLanes(high)
                let lane = highStops.trailingZeroBitCount &>> 3  // 8 when there is no stop
                count = 8 &+ lane
                packedHigh = high & ((1 &<< UInt64(truncatingIfNeeded: lane &* 8)) &- 1)
            }
            if count < 16, p.load(fromByteOffset: count, as: UInt8.self) == UInt8(ascii: "\""),
               (packedLow | packedHigh) & 0x8080_8080_8080_8080 == 0
            {
                index = start &+ count &+ 1
                return JSONStringToken(start: start, end: start &+ count, form: .ascii, low: packedLow, high: packedHigh)
            }
        }
        return try parseLongStringToken(from: start)
    }

    /// `parseStringToken` for any string.
    mutating func parseLongStringToken(from start: Int) throws(JSONError) -> JSONStringToken {
        let (end, ascii) = scanPlainString(from: start)
        if end < length, byte(at: end) == UInt8(ascii: "\"") {
            if ascii {
                index = end + 1
                var token = JSONStringToken(start: start, end: end, form: .ascii)
                if token.count <= 15 {
                    for i in 0..<token.count {
                        let b = UInt64(byte(at: start + i))
                        if i < 8 { token.low |= b << (8 * i) } else { token.high |= b << (8 * (i - 8)) }
                    }
                }
                return token
            }
            guard let s = String(validating: slice(start, end), as: UTF8.self) else {
                throw fail("invalid UTF-8 in a string", at: start)
            }
            decoded = s
            index = end + 1
            sawUnicodeString = true
            return JSONStringToken(start: start, end: end, form: .unicode)
        }
        // An escape, a DEL, a control character (rejected there, at its offset) or no closing quote.
        decoded = try parseEscapedString(from: start)
        return JSONStringToken(start: start, end: index - 1, form: .escaped)
    }

    /// The value of the string `token` locates; valid until the next string is parsed.
    @inline(__always) func string(_ token: JSONStringToken) -> String {
        token.form == .ascii ? asciiString(token.start, token.end) : decoded
    }

    /// The input bytes from `start` up to `end`.
    @inline(__always) func slice(_ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: pointer + start, count: end - start)
    }

    /// A String from input bytes the scanner found to be ASCII, without the UTF-8
    /// validation `String(decoding:as:)` would repeat. Up to 15 bytes fill a small
    /// (inline) string; longer ones need storage either way, and `String(decoding:)`
    /// is the cheaper way to it.
    func asciiString(_ start: Int, _ end: Int) -> String {
        let source = slice(start, end)
        guard source.count <= 15 else { return String(decoding: source, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: source.count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            return source.count
        }
    }

    /// Finds the first quote, backslash, control character or DEL at or after
    /// `start` (or the end of the input) and tells whether every byte before it
    /// is ASCII. Eight bytes at a time: most of a line is string contents.
    @inline(__always)
    func scanPlainString(from start: Int) -> (end: Int, ascii: Bool) {
        let count = length
        let p = pointer
        var i = start
        var seen: UInt64 = 0  // every byte before `i`, OR-ed together: bit 7 of a lane is set by non-ASCII
        while i + 8 <= count {
            let word = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let stops = Self.stopLanes(word)
            if stops != 0 {
                let lane = stops.trailingZeroBitCount >> 3
                seen |= word & ((1 &<< UInt64(lane &* 8)) &- 1)
                return (i + lane, seen & 0x8080_8080_8080_8080 == 0)
            }
            seen |= word
            i += 8
        }
        while i < count {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 || b == 0x7F { break }
            seen |= UInt64(b)
            i += 1
        }
        return (i, seen & 0x8080_8080_8080_8080 == 0)
    }

    /// Bit 7 of each byte lane of `word` that holds a quote, a backslash, a byte
    /// below 0x20 or DEL. Lanes above the lowest flagged one may be flagged
    /// spuriously (a borrow carries upwards), so only the lowest flag is meaningful.
    @inline(__always) static func stopLanes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let delete = word ^ (ones &* 0x7F)
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let zeroDelete = (delete &- ones) & ~delete
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | zeroDelete | control) & (ones &* 0x80)
    }

    // MARK: - Values

    /// The type of the next value, without consuming it.
    @inline(__always) public mutating func peekType() throws(JSONError) -> UInt8 {
        skipWhitespace()
        guard !atEnd else { throw fail("unexpected end of input, expected a value") }
        return peek()
    }

    public mutating func parseValue() throws(JSONError) -> JSONValue {
        try parseValue(depth: 0)
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        skipWhitespace()
        guard !atEnd else { throw fail("unexpected end of input, expected a value") }
        switch peek() {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "N"), UInt8(ascii: "I"): throw fail("NaN and Infinity are not JSON numbers")
        default: throw fail("unexpected character \(Self.describe(peek()))")
        }
    }

    /// Validates and skips one value without building it.
    public mutating func skipValue() throws(JSONError) {
        _ = try parseValue(depth: 0)
    }

    mutating func literal(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        guard index + n <= length else { throw fail("unexpected end of input in a literal") }
        let p = word.utf8Start
        for i in 0..<n where byte(at: index + i) != p[i] {
            throw fail("invalid literal (expected \(word))")
        }
        index += n
    }

    /// Room reserved by the first member of an object or element of an array.
    static let initialCapacity = 4

    mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
        index += 1  // {
        var members: [JSONMember] = []
        var first = true
        while let key = try nextMemberKey(first: first) {
            let keyOffset = index
            first = false
            let value = try parseValue(depth: depth)
            if members.count < 16 {
                for m in members where m.key == key { throw fail("duplicate key \"\(Self.clip(key))\"", at: keyOffset) }
            } else if members.contains(where: { $0.key == key }) {
                throw fail("duplicate key \"\(Self.clip(key))\"", at: keyOffset)
            }
            // One allocation for the small objects tool arguments usually are, not
            // one per doubling from a single member.
            if members.isEmpty { members.reserveCapacity(Self.initialCapacity) }
            members.append(JSONMember(key, value))
        }
        return .object(members)
    }

    mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
        index += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if !atEnd, peek() == UInt8(ascii: "]") { index += 1; return .array(items) }
        items.reserveCapacity(Self.initialCapacity)
        while true {
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard !atEnd else { throw fail("unexpected end of input inside an array") }
            let b = peek()
            index += 1
            if b == UInt8(ascii: "]") { return .array(items) }
            guard b == UInt8(ascii: ",") else { throw fail("expected ',' or ']' in an array", at: index - 1) }
            skipWhitespace()
            if !atEnd, peek() == UInt8(ascii: "]") { throw fail("trailing commas are not allowed") }
        }
    }

    /// Parses a string starting at the opening quote.
    public mutating func parseString() throws(JSONError) -> String {
        string(try parseStringToken())
    }

    mutating func parseEscapedString(from start: Int) throws(JSONError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var i = start
        while true {
            guard i < length else { throw fail("unterminated string", at: start - 1) }
            let b = byte(at: i)
            if b == UInt8(ascii: "\"") { break }
            if b < 0x20 { throw fail("unescaped control character in a string", at: i) }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            i += 1
            guard i < length else { throw fail("unterminated escape", at: i) }
            let e = byte(at: i)
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 6 <= length, byte(at: i) == UInt8(ascii: "\\"), byte(at: i + 1) == UInt8(ascii: "u") else {
                        throw fail("lone surrogate in \\u escape", at: i - 6)
                    }
                    let low = try hex4(at: i + 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid surrogate pair", at: i) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("lone surrogate in \\u escape", at: i - 6)
                }
                appendUTF8(scalar, to: &out)
            default:
                throw fail("invalid escape \\\(Self.describe(e))", at: i - 2)
            }
        }
        let end = i
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8 in a string", at: start) }
        index = end + 1
        return s
    }

    private func hex4(at i: Int) throws(JSONError) -> UInt32 {
        guard i + 4 <= length else { throw fail("truncated \\u escape", at: i) }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = byte(at: i + k)
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape", at: i + k)
            }
            v = v << 4 | d
        }
        return v
    }

    private func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80: out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6)); out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12)); out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18)); out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    static func describe(_ b: UInt8) -> String {
        (0x21..<0x7F).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    static func clip(_ s: String) -> String {
        s.utf8.count <= 64 ? s : String(s.prefix(64)) + "…"
    }
}
