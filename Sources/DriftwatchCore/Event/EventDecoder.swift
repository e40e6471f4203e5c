/// Decodes one input line (spec §1) into events, detecting the format per line:
/// native event v1, a Claude Code hook payload (`hook_event_name`), or an
/// OpenTelemetry OTLP/JSON batch (`resourceSpans`).
///
/// Native events are read member by member straight from the bytes: known
/// fields are converted in place and only `args` and `labels` build a tree.
public enum EventDecoder {
    public static let maxAgentBytes = 128
    public static let maxToolBytes = 256
    public static let maxIDBytes = 128
    public static let maxShortStringBytes = 256

    /// The known top-level keys; a key's position is its index in `Field`.
    static let knownKeys: [String] = [
        "agent", "tool", "type", "ts", "session", "call_id", "args", "status", "cost_usd", "tokens_in", "tokens_out",
        "latency_ms", "model", "reasoning", "labels",
    ]

    /// Indexes into `knownKeys`.
    enum Field {
        static let agent = 0, tool = 1, type = 2, ts = 3, session = 4, callID = 5, args = 6, status = 7, cost = 8,
                   tokensIn = 9, tokensOut = 10, latency = 11, model = 12, reasoning = 13, labels = 14
    }

    /// The index of a known key, given a plain ASCII key of at most 15 bytes as
    /// the scanner packed it (`JSONStringToken.low`, `high`), or nil. The constants
    /// are the keys' bytes as little-endian words.
    @inline(__always) static func knownKeyIndex(count: Int, low: UInt64, high: UInt64) -> Int? {
        switch (count, low) {
        case (2, 0x7374): return Field.ts
        case (4, 0x6C6F_6F74): return Field.tool
        case (4, 0x6570_7974): return Field.type
        case (4, 0x7367_7261): return Field.args
        case (5, 0x74_6E65_6761): return Field.agent
        case (5, 0x6C_6564_6F6D): return Field.model
        case (6, 0x7375_7461_7473): return Field.status
        case (6, 0x736C_6562_616C): return Field.labels
        case (7, 0x6E_6F69_7373_6573): return Field.session
        case (7, 0x64_695F_6C6C_6163): return Field.callID
        case (8, 0x6473_755F_7473_6F63): return Field.cost
        case (9, 0x695F_736E_656B_6F74): return high == 0x6E ? Field.tokensIn : nil
        case (9, 0x6E69_6E6F_7361_6572): return high == 0x67 ? Field.reasoning : nil
        case (10, 0x6F5F_736E_656B_6F74): return high == 0x7475 ? Field.tokensOut : nil
        case (10, 0x5F79_636E_6574_616C): return high == 0x736D ? Field.latency : nil
        default: return nil
        }
    }

    /// Decodes one line (without its terminator).
    /// - Returns: `.event` for a native event; what the adapter decodes for the other formats.
    /// - Throws: `DecodeError` naming the field and the reason.
    public static func decode(_ line: UnsafeRawBufferPointer, options: DecodeOptions = DecodeOptions()) throws(DecodeError) -> DecodedLine {
        var scanner = JSONScanner(line)
        var member = Member()
        // Filled in place, field by field: built from locals at the end, the
        // 240-byte event was assembled twice and copied (retaining every field).
        var event = Event(agent: "", tool: nil)
        do {
            if let other = try decodeNative(&scanner, line: line, options: options, member: &member, into: &event) {
                return other
            }
            return .event(event)
        } catch let error as JSONError {
            // A syntax error inside a member's value is blamed on that member (spec §1: name the field).
            throw DecodeError(field: member.name, error.description)
        } catch let error as DecodeError {
            throw error
        } catch {
            throw DecodeError("\(error)")
        }
    }

    public static func decode(_ line: String, options: DecodeOptions = DecodeOptions()) throws(DecodeError) -> DecodedLine {
        let bytes = Array(line.utf8)
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(DecodeError) in try decode(buffer, options: options) } }
        return try result.get()
    }

    /// Convenience for native lines that must yield exactly one event.
    public static func decodeEvent(_ line: String) throws(DecodeError) -> Event {
        switch try decode(line) {
        case .event(let event): return event
        case .events(let events) where events.count == 1: return events[0]
        default: throw DecodeError("line is not a single event")
        }
    }

    /// The member whose value is being read, blamed for a syntax error in it.
    /// Plain fields, so that marking each member costs a store.
    struct Member {
        static let none = -1, other = -2
        /// An index into `knownKeys`, `none`, or `other` for `otherKey`.
        var index = Member.none
        var otherKey = ""

        var name: String? {
            switch index {
            case Member.none: nil
            case Member.other: otherKey
            default: knownKeys[index]
            }
        }
    }

    /// Decodes a native event into `event`, whose fields must hold their defaults
    /// (but `agent`, which must be present); returns nil for that, or what a line
    /// in another format decodes to.
    private static func decodeNative(_ s: inout JSONScanner, line: UnsafeRawBufferPointer, options: DecodeOptions,
                                     member: inout Member, into event: inout Event) throws -> DecodedLine? {
        guard try s.peekType() == UInt8(ascii: "{") else {
            try s.skipValue()  // so that text which is not JSON at all is reported as invalid JSON
            throw DecodeError("a line must be one JSON object")
        }
        try s.beginObject()
        var hasAgent = false
        // Duplicate keys are rejected (a hostile line must not say two things
        // at once): known keys by bit, others by a short list.
        var seenKnown: UInt32 = 0
        var seenOther: [String] = []
        var first = true
        while let key = try s.nextMemberKeyToken(first: first) {
            first = false
            let index: Int?
            switch key.form {
            case .ascii:  // the usual case; every known key is short
                index = key.count <= 15 ? knownKeyIndex(count: key.count, low: key.low, high: key.high) : nil
            case .escaped: index = knownKeys.firstIndex(of: s.decoded)  // "\u0061gent" is "agent"
            case .unicode: index = nil  // every known key is ASCII
            }
            guard let index else {
                let name = s.string(key)
                if seenOther.contains(name) { throw DecodeError(field: name, "appears twice") }
                seenOther.append(name)
                if name == "hook_event_name" {
                    return try ClaudeCodeHook.decode(try JSONScanner.parse(line), options: options)
                }
                if name == "resourceSpans" {
                    return .events(try OTLPTraces.decode(try JSONScanner.parse(line)))
                }
                member.index = Member.other
                member.otherKey = name
                try s.skipValue()
                member.index = Member.none
                continue
            }
            let bit: UInt32 = 1 &<< UInt32(truncatingIfNeeded: index)
            if seenKnown & bit != 0 { throw DecodeError(field: knownKeys[index], "appears twice") }
            seenKnown |= bit
            member.index = index
            switch index {
            case Field.agent:
                if let agent = try string(&s, index, max: maxAgentBytes, nonEmpty: true, noControl: true) {
                    event.agent = agent
                    hasAgent = true
                }
            case Field.tool: event.tool = try string(&s, index, max: maxToolBytes, nonEmpty: true, noControl: true)
            case Field.type:
                guard let text = try string(&s, index, max: 32) else { break }  // null: the default
                guard let k = Event.Kind(rawValue: text) else {
                    throw DecodeError(field: knownKeys[index], "must be \"tool_call\" or \"llm_call\"")
                }
                event.kind = k
            case Field.ts: event.ts = try timestamp(&s, index)
            case Field.session: event.session = try string(&s, index, max: maxIDBytes, noControl: true)
            case Field.callID: event.callID = try string(&s, index, max: maxIDBytes, noControl: true)
            case Field.args:
                let args = try s.parseValue()
                if args != .null { event.args = args }  // like every optional field, null means absent
            case Field.status:
                if let status = try string(&s, index, max: 64, nonEmpty: true, noControl: true) { event.status = status }
            case Field.cost: event.costUSD = try number(&s, index)
            case Field.tokensIn: event.tokensIn = try integer(&s, index)
            case Field.tokensOut: event.tokensOut = try integer(&s, index)
            case Field.latency: event.latencyMS = try number(&s, index)
            case Field.model: event.model = try string(&s, index, max: maxShortStringBytes, noControl: true)
            case Field.reasoning: event.reasoning = try string(&s, index, max: Int.max).map(truncateReasoning)
            default:  // Field.labels
                let value = try s.parseValue()
                switch value {
                case .object: event.labels = value
                case .null: break
                default: throw DecodeError(field: knownKeys[index], "must be an object")
                }
            }
            member.index = Member.none
        }
        try s.expectEnd()
        // C1 controls (U+0080–U+009F) are valid UTF-8, so the scanner hands them out as
        // verbatim text; only a line with a non-ASCII string can hold one.
        if s.sawUnicodeString { try rejectC1Controls(in: event) }
        guard hasAgent else { throw DecodeError(field: "agent", "is required") }
        if event.kind == .toolCall, event.tool == nil { throw DecodeError(field: "tool", "is required for a tool_call") }
        return nil
    }

    // MARK: - Field readers

    /// Reads a string field; JSON `null` reads as absent. Validated on the input
    /// bytes before any String is built. `field` indexes `knownKeys`, for errors.
    @inline(__always)
    static func string(_ s: inout JSONScanner, _ field: Int, max: Int, nonEmpty: Bool = false,
                       noControl: Bool = false) throws -> String?
    {
        let t = try s.peekType()
        if t == UInt8(ascii: "n") { _ = try s.parseValue(); return nil }
        guard t == UInt8(ascii: "\"") else { throw DecodeError(field: knownKeys[field], "must be a string") }
        let token = try s.parseStringToken()
        // Verbatim bytes hold no C0 control character and no DEL (the scanner stops at
        // them), so only escaped strings need that check here. Verbatim non-ASCII can
        // still hold a C1 control: `decodeNative` checks those once per line, because a
        // check here, inlined at every string field, took `decodeNative` past the
        // optimizer's inlining budget and cost ≈ 190 instructions per line (callgrind).
        let reason = token.isVerbatim
            ? violation(s.slice(token.start, token.end), max: max, nonEmpty: nonEmpty, noControl: false)
            : violation(s.decoded, max: max, nonEmpty: nonEmpty, noControl: noControl)
        if let reason { throw DecodeError(field: knownKeys[field], reason) }
        return s.string(token)
    }

    static func validate(_ value: String, _ key: String, max: Int, nonEmpty: Bool = false, noControl: Bool = false) throws(DecodeError) {
        if let reason = violation(value, max: max, nonEmpty: nonEmpty, noControl: noControl) {
            throw DecodeError(field: key, reason)
        }
    }

    static func violation(_ value: String, max: Int, nonEmpty: Bool, noControl: Bool) -> String? {
        var value = value
        return value.withUTF8 { utf8 in
            violation(UnsafeRawBufferPointer(utf8), max: max, nonEmpty: nonEmpty, noControl: noControl)
        }
    }

    /// What is wrong with a string field's bytes, or nil.
    @inline(__always)
    static func violation(_ bytes: UnsafeRawBufferPointer, max: Int, nonEmpty: Bool, noControl: Bool) -> String? {
        let n = bytes.count
        if nonEmpty, n == 0 { return "must not be empty" }
        if n > max { return "is longer than \(max) bytes (\(n))" }
        if noControl, containsControl(bytes) { return "must not contain control characters" }
        return nil
    }

    /// Throws for the first field that refuses control characters and holds a C1 control
    /// (`string` has checked C0 and DEL, and C1 in escaped values, as it read them).
    @inline(never)
    static func rejectC1Controls(in event: Event) throws(DecodeError) {
        let checked: [(field: Int, value: String?)] = [
            (Field.agent, event.agent), (Field.tool, event.tool), (Field.session, event.session),
            (Field.callID, event.callID), (Field.status, event.status), (Field.model, event.model),
        ]
        for (field, value) in checked {
            guard var value else { continue }
            if value.withUTF8({ containsControl(UnsafeRawBufferPointer($0)) }) {
                throw DecodeError(field: knownKeys[field], "must not contain control characters")
            }
        }
    }

    /// Whether valid UTF-8 `bytes` hold a control character (Unicode general category
    /// Cc): C0 (U+0000–U+001F), DEL, or C1 (U+0080–U+009F, encoded C2 80 to C2 9F; C2 is
    /// only ever a lead byte, so the pair cannot occur inside another character).
    /// Out of line: it runs only for escaped or non-ASCII values of the checked fields.
    @inline(never)
    static func containsControl(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var previous: UInt8 = 0
        for b in bytes {
            if b < 0x20 || b == 0x7F || (previous == 0xC2 && b < 0xA0 && b >= 0x80) { return true }
            previous = b
        }
        return false
    }

    /// Reads a number field ≥ 0. `integer` says which constraint a rejection names, so an
    /// integer field says "integer" whether its value is negative, fractional or no number.
    @inline(__always) static func number(_ s: inout JSONScanner, _ field: Int, integer: Bool = false) throws -> Double? {
        let t = try s.peekType()
        if t == UInt8(ascii: "n") { _ = try s.parseValue(); return nil }
        guard t == UInt8(ascii: "-") || JSONScanner.isDigit(t) else { throw numberError(field, integer: integer) }
        let v = try s.parseNumber()
        guard v >= 0 else { throw numberError(field, integer: integer) }
        return v
    }

    static func numberError(_ field: Int, integer: Bool) -> DecodeError {
        DecodeError(field: knownKeys[field], integer ? "must be an integer ≥ 0" : "must be a number ≥ 0")
    }

    @inline(__always) static func integer(_ s: inout JSONScanner, _ field: Int) throws -> Int64? {
        guard let v = try number(&s, field, integer: true) else { return nil }
        // v ≥ 0 here; below 2^53 the conversion to Int64 is exact, and converting it
        // back tells an integer (the same test as `v == v.rounded()`, without libm).
        guard v < 9.007_199_254_740_992e15, Double(Int64(v)) == v else {
            throw DecodeError(field: knownKeys[field], "must be an integer ≥ 0")
        }
        return Int64(v)
    }

    static func timestamp(_ s: inout JSONScanner, _ field: Int) throws -> EventTime? {
        let t = try s.peekType()
        if t == UInt8(ascii: "n") { _ = try s.parseValue(); return nil }
        guard t == UInt8(ascii: "\"") else { throw DecodeError(field: knownKeys[field], "must be a string") }
        let token = try s.parseStringToken()
        let parsed = token.isVerbatim ? RFC3339.parse(s.slice(token.start, token.end)) : RFC3339.parse(s.decoded)
        guard let parsed else {
            throw DecodeError(field: knownKeys[field], "must be an RFC 3339 timestamp like 2026-11-20T10:00:00.123Z")
        }
        return parsed
    }

    /// Truncates at a character (grapheme cluster) boundary to at most
    /// `Event.maxReasoningBytes` bytes, so that no letter loses its accent and no
    /// emoji sequence is split. A first character longer than the limit on its
    /// own (a pathological cluster) is cut at a Unicode scalar boundary instead.
    static func truncateReasoning(_ text: String) -> String {
        let limit = Event.maxReasoningBytes
        guard text.utf8.count > limit else { return text }
        var end = text.startIndex
        var bytes = 0
        for character in text {
            let n = character.utf8.count
            if bytes + n > limit { break }
            bytes += n
            end = text.index(after: end)
        }
        if end == text.startIndex {
            var scalarBytes = 0
            var scalars = String.UnicodeScalarView()
            for scalar in text.unicodeScalars {
                scalarBytes += UTF8.width(scalar)
                if scalarBytes > limit { break }
                scalars.append(scalar)
            }
            return String(scalars)
        }
        return String(text[..<end])
    }
}
