#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

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

    /// The known top-level keys, in bit order.
    static let knownKeys: [String] = [
        "agent", "tool", "type", "ts", "session", "call_id", "args", "status", "cost_usd", "tokens_in", "tokens_out",
        "latency_ms", "model", "reasoning", "labels",
    ]
    /// The index of a known key given its raw bytes, or nil, dispatching on
    /// length and first byte: no String is built for the hot keys.
    static func knownKeyIndex(_ key: UnsafeRawBufferPointer) -> Int? {
        func equals(_ name: StaticString) -> Bool {
            name.utf8CodeUnitCount == key.count && memcmp(name.utf8Start, key.baseAddress!, key.count) == 0
        }
        guard key.count >= 2 else { return nil }
        switch (key.count, key[0]) {
        case (2, UInt8(ascii: "t")): return equals("ts") ? 3 : nil
        case (4, UInt8(ascii: "t")): return equals("tool") ? 1 : equals("type") ? 2 : nil
        case (4, UInt8(ascii: "a")): return equals("args") ? 6 : nil
        case (5, UInt8(ascii: "a")): return equals("agent") ? 0 : nil
        case (5, UInt8(ascii: "m")): return equals("model") ? 12 : nil
        case (6, UInt8(ascii: "s")): return equals("status") ? 7 : nil
        case (6, UInt8(ascii: "l")): return equals("labels") ? 14 : nil
        case (7, UInt8(ascii: "s")): return equals("session") ? 4 : nil
        case (7, UInt8(ascii: "c")): return equals("call_id") ? 5 : nil
        case (8, UInt8(ascii: "c")): return equals("cost_usd") ? 8 : nil
        case (9, UInt8(ascii: "t")): return equals("tokens_in") ? 9 : nil
        case (9, UInt8(ascii: "r")): return equals("reasoning") ? 13 : nil
        case (10, UInt8(ascii: "t")): return equals("tokens_out") ? 10 : nil
        case (10, UInt8(ascii: "l")): return equals("latency_ms") ? 11 : nil
        default: return nil
        }
    }

    /// Decodes one line (without its terminator).
    /// - Returns: `.event` for a native event; what the adapter decodes for the other formats.
    /// - Throws: `DecodeError` naming the field and the reason.
    public static func decode(_ line: UnsafeRawBufferPointer, options: DecodeOptions = DecodeOptions()) throws(DecodeError) -> DecodedLine {
        var scanner = JSONScanner(line)
        var member: String?
        do {
            return try decodeNative(&scanner, line: line, options: options, member: &member)
        } catch let error as JSONError {
            // A syntax error inside a member's value is blamed on that member (spec §1: name the field).
            throw DecodeError(field: member, error.description)
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

    private static func decodeNative(_ s: inout JSONScanner, line: UnsafeRawBufferPointer, options: DecodeOptions,
                                     member: inout String?) throws -> DecodedLine {
        guard try s.peekType() == UInt8(ascii: "{") else {
            try s.skipValue()  // so that text which is not JSON at all is reported as invalid JSON
            throw DecodeError("a line must be one JSON object")
        }
        try s.beginObject()
        var agent: String?
        var tool: String?
        var kind = Event.Kind.toolCall
        var ts: EventTime?
        var session: String?
        var callID: String?
        var args: JSONValue?
        var status = "ok"
        var cost: Double?
        var tokensIn: Int64?
        var tokensOut: Int64?
        var latency: Double?
        var model: String?
        var reasoning: String?
        var labels: JSONValue?
        // Duplicate keys are rejected (a hostile line must not say two things
        // at once): known keys by bit, others by a short list.
        var seenKnown: UInt32 = 0
        var seenOther: [String] = []
        var first = true
        while let raw = try s.nextMemberKeyBytes(first: first) {
            first = false
            let index: Int?
            if let escaped = raw.escaped {
                index = knownKeys.firstIndex(of: escaped)
            } else {
                index = raw.bytes.isEmpty ? nil : knownKeyIndex(raw.bytes)
            }
            let bit: UInt32 = index.map { 1 << UInt32($0) } ?? 0
            let key = index.map { knownKeys[$0] } ?? raw.escaped ?? String(decoding: raw.bytes, as: UTF8.self)
            if bit != 0 {
                if seenKnown & bit != 0 { throw DecodeError(field: key, "appears twice") }
                seenKnown |= bit
            } else {
                if seenOther.contains(key) { throw DecodeError(field: key, "appears twice") }
                seenOther.append(key)
            }
            member = key
            switch bit {  // the bits of knownKeyBit: agent 0, tool 1, type 2, ts 3, session 4, call_id 5, args 6,
                          // status 7, cost_usd 8, tokens_in 9, tokens_out 10, latency_ms 11, model 12, reasoning 13, labels 14
            case 1 << 0: agent = try string(&s, key, max: maxAgentBytes, nonEmpty: true, noControl: true)
            case 1 << 1: tool = try string(&s, key, max: maxToolBytes, nonEmpty: true, noControl: true)
            case 1 << 2:
                guard let text = try string(&s, key, max: 32) else { break }  // null: the default
                guard let k = Event.Kind(rawValue: text) else {
                    throw DecodeError(field: key, "must be \"tool_call\" or \"llm_call\"")
                }
                kind = k
            case 1 << 3: ts = try timestamp(&s, key)
            case 1 << 4: session = try string(&s, key, max: maxIDBytes, noControl: true)
            case 1 << 5: callID = try string(&s, key, max: maxIDBytes, noControl: true)
            case 1 << 6:
                args = try s.parseValue()
                if args == .null { args = nil }  // like every optional field, null means absent
            case 1 << 7: status = try string(&s, key, max: 64, nonEmpty: true, noControl: true) ?? "ok"
            case 1 << 8: cost = try number(&s, key)
            case 1 << 9: tokensIn = try integer(&s, key)
            case 1 << 10: tokensOut = try integer(&s, key)
            case 1 << 11: latency = try number(&s, key)
            case 1 << 12: model = try string(&s, key, max: maxShortStringBytes, noControl: true)
            case 1 << 13: reasoning = try string(&s, key, max: Int.max).map(truncateReasoning)
            case 1 << 14:
                let value = try s.parseValue()
                switch value {
                case .object: labels = value
                case .null: break
                default: throw DecodeError(field: key, "must be an object")
                }
            default:
                if key == "hook_event_name" {
                    member = nil
                    return try ClaudeCodeHook.decode(try JSONScanner.parse(line), options: options)
                }
                if key == "resourceSpans" {
                    member = nil
                    return .events(try OTLPTraces.decode(try JSONScanner.parse(line)))
                }
                try s.skipValue()
            }
            member = nil
        }
        try s.expectEnd()
        guard let agent else { throw DecodeError(field: "agent", "is required") }
        if kind == .toolCall, tool == nil { throw DecodeError(field: "tool", "is required for a tool_call") }
        return .event(Event(kind: kind, agent: agent, tool: kind == .toolCall ? tool : tool, ts: ts, session: session,
                            callID: callID, args: args, status: status, costUSD: cost, tokensIn: tokensIn,
                            tokensOut: tokensOut, latencyMS: latency, model: model, reasoning: reasoning,
                            labels: labels))
    }

    // MARK: - Field readers

    /// Reads a string field; JSON `null` reads as absent. Validated on the raw
    /// bytes before any String is built.
    static func string(_ s: inout JSONScanner, _ key: String, max: Int, nonEmpty: Bool = false,
                       noControl: Bool = false) throws -> String?
    {
        let t = try s.peekType()
        if t == UInt8(ascii: "n") { _ = try s.parseValue(); return nil }
        guard t == UInt8(ascii: "\"") else { throw DecodeError(field: key, "must be a string") }
        let raw = try s.parseStringBytes()
        if let escaped = raw.escaped {
            try validate(escaped, key, max: max, nonEmpty: nonEmpty, noControl: noControl)
            return escaped
        }
        try validate(raw.bytes, key, max: max, nonEmpty: nonEmpty, noControl: noControl)
        return String(decoding: raw.bytes, as: UTF8.self)
    }

    static func validate(_ value: String, _ key: String, max: Int, nonEmpty: Bool = false, noControl: Bool = false) throws(DecodeError) {
        var value = value
        let result = value.withUTF8 { utf8 in Result { () throws(DecodeError) in
            try validate(UnsafeRawBufferPointer(utf8), key, max: max, nonEmpty: nonEmpty, noControl: noControl)
        } }
        try result.get()
    }

    static func validate(_ bytes: UnsafeRawBufferPointer, _ key: String, max: Int, nonEmpty: Bool = false,
                         noControl: Bool = false) throws(DecodeError)
    {
        let n = bytes.count
        if nonEmpty, n == 0 { throw DecodeError(field: key, "must not be empty") }
        if n > max { throw DecodeError(field: key, "is longer than \(max) bytes (\(n))") }
        if noControl {
            for b in bytes where b < 0x20 || b == 0x7F { throw DecodeError(field: key, "must not contain control characters") }
        }
    }

    static func number(_ s: inout JSONScanner, _ key: String) throws -> Double? {
        let t = try s.peekType()
        if t == UInt8(ascii: "n") { _ = try s.parseValue(); return nil }
        guard t == UInt8(ascii: "-") || JSONScanner.isDigit(t) else { throw DecodeError(field: key, "must be a number ≥ 0") }
        let v = try s.parseNumber()
        guard v >= 0 else { throw DecodeError(field: key, "must be a number ≥ 0") }
        return v
    }

    static func integer(_ s: inout JSONScanner, _ key: String) throws -> Int64? {
        guard let v = try number(&s, key) else { return nil }
        guard v == v.rounded(), v < 9.007_199_254_740_992e15 else { throw DecodeError(field: key, "must be an integer ≥ 0") }
        return Int64(v)
    }

    static func timestamp(_ s: inout JSONScanner, _ key: String) throws -> EventTime? {
        let t = try s.peekType()
        if t == UInt8(ascii: "n") { _ = try s.parseValue(); return nil }
        guard t == UInt8(ascii: "\"") else { throw DecodeError(field: key, "must be a string") }
        let raw = try s.parseStringBytes()
        let parsed: EventTime?
        if let escaped = raw.escaped { parsed = RFC3339.parse(escaped) } else { parsed = RFC3339.parse(raw.bytes) }
        guard let parsed else {
            throw DecodeError(field: key, "must be an RFC 3339 timestamp like 2026-11-20T10:00:00.123Z")
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
