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

    let base: UnsafeRawBufferPointer
    public private(set) var index: Int
    let maxDepth: Int

    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONScanner.defaultMaxDepth) {
        self.base = bytes
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

    @inline(__always) var atEnd: Bool { index >= base.count }
    @inline(__always) func peek() -> UInt8 { base[index] }

    func fail(_ reason: String, at offset: Int? = nil) -> JSONError {
        JSONError(offset: offset ?? index, reason: reason)
    }

    public mutating func skipWhitespace() {
        while index < base.count {
            switch base[index] {
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

    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONError) {
        skipWhitespace()
        guard !atEnd else { throw fail("unexpected end of input, expected \(what)") }
        guard peek() == byte else { throw fail("expected \(what)") }
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
        guard let key = try nextMemberKeyBytes(first: first) else { return nil }
        return key.escaped ?? String(decoding: key.bytes, as: UTF8.self)
    }

    /// Reads the next member's key and the `:` after it, or nil at `}`. The
    /// key comes as its raw bytes, without building a String, when it has no
    /// escapes (`escaped` is then nil); a key with escapes is decoded into
    /// `escaped` and its bytes are empty.
    public mutating func nextMemberKeyBytes(first: Bool) throws(JSONError) -> (bytes: UnsafeRawBufferPointer, escaped: String?)? {
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
        let key = try parseStringBytes()
        try expect(UInt8(ascii: ":"), "':' after an object key")
        return key
    }

    /// Parses a string at the opening quote, returning its raw bytes when it has
    /// no escapes (validated UTF-8), else the decoded String.
    public mutating func parseStringBytes() throws(JSONError) -> (bytes: UnsafeRawBufferPointer, escaped: String?) {
        let start = index + 1
        var i = start
        var ascii = true
        while i < base.count {
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: base[start..<i])
                if !ascii, String(validating: slice, as: UTF8.self) == nil { throw fail("invalid UTF-8 in a string", at: start) }
                index = i + 1
                return (slice, nil)
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { break }
            if b >= 0x80 { ascii = false }
            i += 1
        }
        let s = try parseEscapedString(from: start)
        return (UnsafeRawBufferPointer(start: nil, count: 0), s)
    }

    // MARK: - Values

    /// The type of the next value, without consuming it.
    public mutating func peekType() throws(JSONError) -> UInt8 {
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
        guard index + n <= base.count else { throw fail("unexpected end of input in a literal") }
        let p = word.utf8Start
        for i in 0..<n where base[index + i] != p[i] {
            throw fail("invalid literal (expected \(word))")
        }
        index += n
    }

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

    // MARK: - Strings

    /// Parses a string starting at the opening quote.
    public mutating func parseString() throws(JSONError) -> String {
        let start = index + 1
        var i = start
        // Fast path: plain ASCII/UTF-8 without escapes.
        while i < base.count {
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                let s = try makeString(start, i)
                index = i + 1
                return s
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { break }
            i += 1
        }
        return try parseEscapedString(from: start)
    }

    private func makeString(_ from: Int, _ to: Int) throws(JSONError) -> String {
        let slice = UnsafeRawBufferPointer(rebasing: base[from..<to])
        var ascii = true
        for b in slice where b >= 0x80 { ascii = false; break }
        if ascii { return String(decoding: slice, as: UTF8.self) }
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw fail("invalid UTF-8 in a string", at: from)
        }
        return s
    }

    mutating func parseEscapedString(from start: Int) throws(JSONError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var i = start
        while true {
            guard i < base.count else { throw fail("unterminated string", at: start - 1) }
            let b = base[i]
            if b == UInt8(ascii: "\"") { break }
            if b < 0x20 { throw fail("unescaped control character in a string", at: i) }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            i += 1
            guard i < base.count else { throw fail("unterminated escape", at: i) }
            let e = base[i]
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
                    guard i + 6 <= base.count, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else {
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
        guard i + 4 <= base.count else { throw fail("truncated \\u escape", at: i) }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = base[i + k]
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

    // MARK: - Numbers

    private static let exactPowersOfTen: [Double] = (0...22).map { p in
        var v = 1.0
        for _ in 0..<p { v *= 10 }
        return v
    }

    /// Parses an RFC 8259 number. Uses Clinger's exact fast path (≤ 15
    /// significant digits, |exponent| ≤ 22) and falls back to the standard
    /// library's correctly rounded conversion otherwise.
    public mutating func parseNumber() throws(JSONError) -> Double {
        let start = index
        var i = index
        var negative = false
        if base[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < base.count, Self.isDigit(base[i]) else { throw fail("invalid number", at: start) }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        if base[i] == UInt8(ascii: "0") {
            i += 1
            if i < base.count, Self.isDigit(base[i]) { throw fail("leading zeros are not allowed in numbers", at: start) }
        } else {
            while i < base.count, Self.isDigit(base[i]) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(base[i] - 48); digits += 1 } else { exponent += 1 }
                i += 1
            }
        }
        if i < base.count, base[i] == UInt8(ascii: ".") {
            i += 1
            guard i < base.count, Self.isDigit(base[i]) else { throw fail("a digit must follow the decimal point", at: i) }
            while i < base.count, Self.isDigit(base[i]) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(base[i] - 48)
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                }
                i += 1
            }
        }
        if i < base.count, base[i] == UInt8(ascii: "e") || base[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < base.count, base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") {
                expNegative = base[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < base.count, Self.isDigit(base[i]) else { throw fail("invalid exponent", at: i) }
            var e = 0
            while i < base.count, Self.isDigit(base[i]) {
                if e < 100_000 { e = e * 10 + Int(base[i] - 48) }
                i += 1
            }
            exponent += expNegative ? -e : e
        }
        index = i
        if digits <= 15, exponent >= -22, exponent <= 22 {
            var v = Double(mantissa)
            if exponent < 0 { v /= Self.exactPowersOfTen[-exponent] } else if exponent > 0 { v *= Self.exactPowersOfTen[exponent] }
            return negative ? -v : v
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: base[start..<i]), as: UTF8.self)
        guard let v = Double(text), v.isFinite else { throw fail("number out of range", at: start) }
        return v
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    static func describe(_ b: UInt8) -> String {
        (0x21..<0x7F).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    static func clip(_ s: String) -> String {
        s.utf8.count <= 64 ? s : String(s.prefix(64)) + "…"
    }
}
