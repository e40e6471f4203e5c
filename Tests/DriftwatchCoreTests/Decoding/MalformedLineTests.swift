import Testing
@testable import DriftwatchCore

/// Hostile and malformed lines (spec §1): each is rejected with an error that
/// names the field to blame, and never stops decoding of the next line.
struct MalformedLineTests {
    /// A malformed line and the field its error must name.
    struct Case: Sendable, CustomTestStringConvertible {
        var line: String
        var field: String
        var testDescription: String { line.count > 80 ? String(line.prefix(77)) + "…" : line }
    }

    static let fieldErrors: [Case] = [
        Case(line: #"{"tool":"t"}"#, field: "agent"),
        Case(line: #"{"agent":null,"tool":"t"}"#, field: "agent"),
        Case(line: #"{"agent":"a"}"#, field: "tool"),
        Case(line: #"{"agent":"a","type":"tool_call","tool":null}"#, field: "tool"),
        Case(line: #"{"agent":"","tool":"t"}"#, field: "agent"),
        Case(line: #"{"agent":"\#(String(repeating: "a", count: 129))","tool":"t"}"#, field: "agent"),
        Case(line: #"{"agent":"a\u0007b","tool":"t"}"#, field: "agent"),
        Case(line: #"{"agent":"a\u007fb","tool":"t"}"#, field: "agent"),
        Case(line: #"{"agent":42,"tool":"t"}"#, field: "agent"),
        Case(line: #"{"agent":["a"],"tool":"t"}"#, field: "agent"),
        Case(line: #"{"agent":"a","tool":""}"#, field: "tool"),
        Case(line: #"{"agent":"a","tool":"\#(String(repeating: "t", count: 257))"}"#, field: "tool"),
        Case(line: #"{"agent":"a","tool":true}"#, field: "tool"),
        Case(line: #"{"agent":"a","tool":"t","cost_usd":"0.01"}"#, field: "cost_usd"),
        Case(line: #"{"agent":"a","tool":"t","cost_usd":-0.01}"#, field: "cost_usd"),
        Case(line: #"{"agent":"a","tool":"t","tokens_in":1.5}"#, field: "tokens_in"),
        Case(line: #"{"agent":"a","tool":"t","tokens_in":-1}"#, field: "tokens_in"),
        Case(line: #"{"agent":"a","tool":"t","tokens_out":"7"}"#, field: "tokens_out"),
        Case(line: #"{"agent":"a","tool":"t","tokens_out":1e300}"#, field: "tokens_out"),
        Case(line: #"{"agent":"a","tool":"t","latency_ms":"x"}"#, field: "latency_ms"),
        Case(line: #"{"agent":"a","tool":"t","latency_ms":-3}"#, field: "latency_ms"),
        Case(line: #"{"agent":"a","tool":"t","ts":"yesterday"}"#, field: "ts"),
        Case(line: #"{"agent":"a","tool":"t","ts":"2026-02-30T00:00:00Z"}"#, field: "ts"),
        Case(line: #"{"agent":"a","tool":"t","ts":"2026-11-20T10:00:00"}"#, field: "ts"),
        Case(line: #"{"agent":"a","tool":"t","ts":1795168800}"#, field: "ts"),
        Case(line: #"{"agent":"a","tool":"t","type":"tool"}"#, field: "type"),
        Case(line: #"{"agent":"a","tool":"t","type":1}"#, field: "type"),
        Case(line: #"{"agent":"a","tool":"t","status":""}"#, field: "status"),
        Case(line: #"{"agent":"a","tool":"t","status":0}"#, field: "status"),
        Case(line: #"{"agent":"a","tool":"t","session":7}"#, field: "session"),
        Case(line: #"{"agent":"a","tool":"t","session":"\#(String(repeating: "s", count: 129))"}"#, field: "session"),
        Case(line: #"{"agent":"a","tool":"t","call_id":{}}"#, field: "call_id"),
        Case(line: #"{"agent":"a","tool":"t","labels":[1]}"#, field: "labels"),
        Case(line: #"{"agent":"a","tool":"t","reasoning":5}"#, field: "reasoning"),
        Case(line: #"{"agent":"a","agent":"b","tool":"t"}"#, field: "agent"),
        Case(line: #"{"agent":"a","tool":"t","cost_usd":NaN}"#, field: "cost_usd"),
        Case(line: #"{"agent":"a","tool":"t","cost_usd":Infinity}"#, field: "cost_usd"),
        // Syntax errors inside a member's value are blamed on that member.
        Case(line: #"{"agent":"a","tool":"t","cost_usd":-Infinity}"#, field: "cost_usd"),
        Case(line: #"{"agent":"a","tool":"t","tokens_in":01}"#, field: "tokens_in"),
        Case(line: #"{"agent":"a","tool":"t","args":{"x":NaN}}"#, field: "args"),
        Case(line: #"{"agent":"a","tool":"t","args":{"k":1,"k":2}}"#, field: "args"),
        Case(line: #"{"agent":"a","tool":"t","args":[1,2,]}"#, field: "args"),
        Case(line: #"{"agent":"a","tool":"t","args":"\ud800"}"#, field: "args"),
        Case(line: #"{"agent":"a","tool":"t","args":"\udc00x"}"#, field: "args"),
        Case(line: "{\"agent\":\"a\",\"tool\":\"t\",\"args\":\"tab\there\"}", field: "args"),
        Case(line: "{\"agent\":\"a\u{01}\",\"tool\":\"t\"}", field: "agent"),
        Case(line: #"{"agent":"a","tool":"t","args":"\x"}"#, field: "args"),
        Case(line: #"{"agent":"a","tool":"t","args":\#(String(repeating: "[", count: 65))1\#(String(repeating: "]", count: 65))}"#,
             field: "args"),
        Case(line: #"{"agent":"a","tool":"t","args":\#(String(repeating: #"{"a":"#, count: 65))1\#(String(repeating: "}", count: 65))}"#,
             field: "args"),
        Case(line: #"{"agent":"a","tool":"t","labels":{"x":tru}}"#, field: "labels"),
    ]

    @Test(arguments: fieldErrors)
    func rejectionNamesTheField(_ c: Case) throws {
        let error = try #require(rejection(c.line))
        #expect(error.field == c.field)
        #expect(error.description.contains("\"\(c.field)\""))
    }

    /// Lines that are not one JSON object: there is no field to blame.
    static let syntaxErrors: [String] = [
        "",
        "   ",
        "hello",
        "[1,2]",
        #""just a string""#,
        "42",
        "null",
        #"{"agent":"a","tool":"t",}"#,
        #"{"agent":"a","tool":"t"} trailing"#,
        #"{"agent":"a","tool":"t"}{"agent":"b","tool":"t"}"#,
        #"{"agent":"a","tool":"t""#,
        #"{"agent" "a"}"#,
        #"{agent:"a"}"#,
        #"{'agent':'a'}"#,
        #"{"agent":"a","tool":"t"} // comment"#,
        #"{"agent":"a","tool":"t","#,
        #"{"agent":"a"   "tool":"t"}"#,
    ]

    @Test(arguments: syntaxErrors)
    func nonObjectAndSyntaxErrorsAreRejectedWithoutAField(_ line: String) throws {
        let error = try #require(rejection(line))
        #expect(error.field == nil)
        #expect(!error.description.isEmpty)
    }

    @Test func nonJSONIsCountedAsInvalidJSON() throws {
        for line in ["hello", "", #"{"agent":"a","tool":"t",}"#, "{\"agent\":\"a\",\"tool\":\"t\"} x"] {
            #expect(try #require(rejection(line)).category == "invalid_json", "\(line)")
        }
    }

    @Test func jsonThatIsNotAnObjectSaysSo() throws {
        for line in ["[1,2]", #""s""#, "3", "true", "null"] {
            let error = try #require(rejection(line))
            #expect(error.description.contains("JSON object"), "\(line)")
        }
    }

    @Test func categoriesSeparateMissingFromInvalidFields() throws {
        #expect(try #require(rejection(#"{"tool":"t"}"#)).category == "missing_field")
        #expect(try #require(rejection(#"{"agent":"a","tool":"t","cost_usd":"1"}"#)).category == "invalid_field")
    }

    @Test func errorMessagesExplainTheConstraint() throws {
        #expect(try #require(rejection(#"{"agent":"a","tool":"t","tokens_in":1.5}"#)).description
            == #""tokens_in" must be an integer ≥ 0"#)
        #expect(try #require(rejection(#"{"agent":"a","tool":"t","cost_usd":-1}"#)).description
            == #""cost_usd" must be a number ≥ 0"#)
        // An integer field says "integer" whichever way the value fails it.
        for value in ["-1", "-0.5", "1.5", "\"7\"", "true", "1e300"] {
            #expect(try #require(rejection(#"{"agent":"a","tool":"t","tokens_out":\#(value)}"#)).description
                == #""tokens_out" must be an integer ≥ 0"#, "\(value)")
            #expect(try #require(rejection(#"{"agent":"a","tool":"t","tokens_in":\#(value)}"#)).description
                == #""tokens_in" must be an integer ≥ 0"#, "\(value)")
        }
        #expect(try #require(rejection(#"{"agent":"a","tool":"t","args":[1,]}"#)).description
            == #""args" invalid JSON at byte 35: trailing commas are not allowed"#)
        #expect(try #require(rejection(#"{"tool":"t"}"#)).description == #""agent" is required"#)
        let long = try #require(rejection(#"{"agent":"\#(String(repeating: "a", count: 129))","tool":"t"}"#))
        #expect(long.description.contains("128"))
    }

    // MARK: bytes a Swift string cannot hold

    static let base = Array(#"{"agent":"a","tool":"t","args":""#.utf8)
    static let end = Array(#""}"#.utf8)

    @Test(arguments: [
        [0xFF],  // never valid in UTF-8
        [0xC3],  // truncated 2-byte sequence
        [0xC0, 0xAF],  // overlong "/"
        [0xE0, 0x80, 0xAF],  // overlong
        [0xED, 0xA0, 0x80],  // UTF-8-encoded surrogate U+D800
        [0xF4, 0x90, 0x80, 0x80],  // beyond U+10FFFF
        [0x80],  // lone continuation byte
    ] as [[UInt8]])
    func invalidUTF8IsRejected(_ bad: [UInt8]) throws {
        let error = try #require(rejection(bytes: Self.base + bad + Self.end))
        #expect(error.field == "args")
        #expect(error.category == "invalid_json")
        #expect(error.description.contains("UTF-8"))
    }

    @Test func invalidUTF8InAnUnknownFieldIsStillRejected() throws {
        let line = Array(#"{"agent":"a","tool":"t","x":""#.utf8) + [0xFE] + Self.end
        #expect(rejection(bytes: line) != nil)
    }

    @Test func invalidUTF8InAKeyIsRejected() throws {
        let line = Array(#"{"agent":"a","tool":"t",""#.utf8) + [0xFF] + Array(#"":1}"#.utf8)
        #expect(try #require(rejection(bytes: line)).category == "invalid_json")
    }

    @Test func rawNULByteIsRejected() throws {
        let line = Array(#"{"agent":"a"#.utf8) + [0x00] + Array(#"","tool":"t"}"#.utf8)
        #expect(try #require(rejection(bytes: line)).field == "agent")
    }

    @Test func validMultiByteUTF8IsAccepted() throws {
        let line = Self.base + Array("é😀中".utf8) + Self.end
        let result = try line.withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .event(let event) = result else { Issue.record("expected an event"); return }
        #expect(event.args == "é😀中")
    }

    /// C1 control characters (U+0080–U+009F: NEL, CSI, …) are control characters too
    /// (spec §1 "no control chars"), in the fields that refuse C0 controls and DEL.
    @Test(arguments: ["agent", "tool", "session", "call_id", "status", "model"])
    func c1ControlCharactersAreRejectedWhereControlCharactersAre(_ field: String) throws {
        for scalar in ["\u{80}", "\u{85}", "\u{9B}", "\u{9F}"] {
            // Raw UTF-8 (C2 xx), alone and after other non-ASCII text, and escaped.
            for value in ["a" + scalar + "b", "é" + scalar, scalar] {
                let line = Self.line(field, value: value)
                let error = try #require(rejection(line), "\(field) \(Array(value.unicodeScalars))")
                #expect(error.field == field)
                #expect(error.reason == "must not contain control characters")
            }
            let hex = String(scalar.unicodeScalars.first!.value, radix: 16)
            let escaped = Self.line(field, raw: #""a\u00\#(hex)b""#)
            #expect(try #require(rejection(escaped)).field == field, "\(escaped)")
        }
    }

    @Test func nonControlCharactersNextToTheC1RangeAreAccepted() throws {
        // U+00A0 (C2 A0), U+007E, U+0100 (C4 80), U+00C2 (C3 82), and an 80 byte inside a
        // longer sequence (U+2080: E2 82 80) are not C1 controls.
        for value in ["a\u{A0}b", "~", "\u{100}", "x\u{2080}y", "€", "\u{C2}", "\u{C2}\u{A0}"] {
            for field in ["agent", "tool", "session", "call_id", "status", "model"] {
                #expect(rejection(Self.line(field, value: value)) == nil, "\(field) \(value)")
            }
        }
        // Fields without the rule keep C1 characters: they are data.
        #expect(rejection(#"{"agent":"a","tool":"t","reasoning":"x\#u{85}y","args":{"k":"\#u{85}"}}"#) == nil)
    }

    /// A valid line with `field` set to `value` (JSON-escaped by the writer as needed).
    static func line(_ field: String, value: String) -> String {
        line(field, raw: JSONValue.string(value).jsonString)
    }

    static func line(_ field: String, raw: String) -> String {
        let others = [("agent", #""a""#), ("tool", #""t""#)].filter { $0.0 != field }.map { #""\#($0.0)":\#($0.1)"# }
        return "{" + (others + [#""\#(field)":\#(raw)"#]).joined(separator: ",") + "}"
    }

    @Test func aRejectedLineDoesNotAffectTheNext() throws {
        #expect(rejection(#"{"agent":"a","tool":"t","args":[1,]}"#) != nil)
        #expect(try events(#"{"agent":"a","tool":"t"}"#).count == 1)
    }
}
