import Testing
@testable import DriftwatchCore

/// Event format v1 (spec §1): lines that must be accepted, and what they become.
struct NativeEventDecodingTests {
    static let specExample = #"""
    {"ts":"2026-11-20T10:00:00.123Z","agent":"billing-bot","session":"s-123","tool":"sql.query","args":{"query":"SELECT id FROM invoices WHERE customer_id = ?","params":["c-88"],"limit":50},"status":"ok","tokens_in":1234,"tokens_out":87,"cost_usd":0.0021,"latency_ms":34}
    """#

    @Test func specExampleDecodesToTheExactEvent() throws {
        let expected = Event(
            kind: .toolCall, agent: "billing-bot", tool: "sql.query", ts: 1_795_168_800_123_000_000, session: "s-123",
            args: ["query": "SELECT id FROM invoices WHERE customer_id = ?", "params": ["c-88"], "limit": 50],
            status: "ok", costUSD: 0.0021, tokensIn: 1234, tokensOut: 87, latencyMS: 34)
        #expect(try events(Self.specExample) == [expected])
    }

    @Test func minimalLineDefaultsToAnOkToolCallWithoutTime() throws {
        let event = try EventDecoder.decodeEvent(#"{"agent":"a","tool":"t"}"#)
        #expect(event == Event(agent: "a", tool: "t"))
        #expect(event.kind == .toolCall)
        #expect(event.status == "ok")
        #expect(event.ts == nil)
        #expect(!event.isFailure)
    }

    @Test func llmCallWithoutAToolIsAccepted() throws {
        let event = try EventDecoder.decodeEvent(
            #"{"agent":"a","type":"llm_call","tokens_in":10,"tokens_out":2,"cost_usd":0.5,"model":"m-1"}"#)
        #expect(event == Event(kind: .llmCall, agent: "a", tool: nil, costUSD: 0.5, tokensIn: 10, tokensOut: 2, model: "m-1"))
    }

    @Test func statusOtherThanOkIsAFailure() throws {
        let event = try EventDecoder.decodeEvent(#"{"agent":"a","tool":"t","status":"denied"}"#)
        #expect(event.status == "denied")
        #expect(event.isFailure)
    }

    @Test func unknownFieldsOfAnyShapeAreIgnored() throws {
        let event = try EventDecoder.decodeEvent(
            #"{"x":1,"agent":"a","nested":{"deep":[1,{"k":null}]},"tool":"t","flag":true,"v":"w"}"#)
        #expect(event == Event(agent: "a", tool: "t"))
    }

    @Test func nullOptionalFieldsReadAsAbsent() throws {
        let line = #"""
        {"agent":"a","tool":"t","type":null,"ts":null,"session":null,"call_id":null,"args":null,"status":null,"cost_usd":null,"tokens_in":null,"tokens_out":null,"latency_ms":null,"model":null,"reasoning":null,"labels":null}
        """#
        #expect(try EventDecoder.decodeEvent(line) == Event(agent: "a", tool: "t"))
    }

    @Test func argsMayBeAnyJSONValue() throws {
        for (text, value) in [("[1,2]", [1, 2] as JSONValue), ("\"rm -rf\"", "rm -rf"), ("7", 7), ("false", false),
                              ("{}", [:] as JSONValue)] {
            let event = try EventDecoder.decodeEvent(#"{"agent":"a","tool":"t","args":\#(text)}"#)
            #expect(event.args == value)
        }
    }

    @Test func everyOptionalFieldIsCarried() throws {
        let line = #"""
        {"agent":"a","tool":"t","session":"s","call_id":"c-1","status":"timeout","model":"m","reasoning":"why","labels":{"team":"x"},"latency_ms":1.5}
        """#
        let event = try EventDecoder.decodeEvent(line)
        #expect(event == Event(agent: "a", tool: "t", session: "s", callID: "c-1", status: "timeout", latencyMS: 1.5,
                               model: "m", reasoning: "why", labels: ["team": "x"]))
    }

    @Test func surroundingWhitespaceAndATrailingCarriageReturnAreAccepted() throws {
        // A `\r\n` terminator whose `\n` the splitter removed leaves a `\r`: JSON whitespace.
        #expect(try events(" {\"agent\":\"a\",\"tool\":\"t\"}\r") == [Event(agent: "a", tool: "t")])
        #expect(try events("\t{\"agent\":\"a\",\"tool\":\"t\"} \r\n") == [Event(agent: "a", tool: "t")])
    }

    @Test func escapedCarriageReturnInsideAStringIsKept() throws {
        let event = try EventDecoder.decodeEvent(#"{"agent":"a","tool":"t","args":"x\r"}"#)
        #expect(event.args == "x\r")
    }

    @Test func agentAndToolAtTheirByteLimitsAreAccepted() throws {
        let agent = String(repeating: "a", count: EventDecoder.maxAgentBytes)
        let tool = String(repeating: "é", count: EventDecoder.maxToolBytes / 2)
        let event = try EventDecoder.decodeEvent(#"{"agent":"\#(agent)","tool":"\#(tool)"}"#)
        #expect(event.agent == agent)
        #expect(event.tool == tool)
    }

    // MARK: reasoning

    @Test func reasoningIsTruncatedTo4096Bytes() throws {
        let long = String(repeating: "x", count: 10_000)
        let event = try EventDecoder.decodeEvent(#"{"agent":"a","tool":"t","reasoning":"\#(long)"}"#)
        #expect(event.reasoning == String(repeating: "x", count: Event.maxReasoningBytes))
    }

    @Test func reasoningTruncationNeverSplitsAMultiByteCharacter() throws {
        // "é" is 2 bytes; 4095 ASCII bytes + "é" crosses the limit, so the "é" goes.
        let text = String(repeating: "x", count: 4095) + "é" + "tail"
        let event = try EventDecoder.decodeEvent(#"{"agent":"a","tool":"t","reasoning":"\#(text)"}"#)
        #expect(event.reasoning == String(repeating: "x", count: 4095))
        // A 4-byte emoji straddling the limit.
        let emoji = String(repeating: "x", count: 4094) + "😀"
        #expect(EventDecoder.truncateReasoning(emoji) == String(repeating: "x", count: 4094))
    }

    @Test func reasoningTruncationKeepsWholeGraphemeClusters() {
        // "e" + U+0301 COMBINING ACUTE: cutting between them would change the letter.
        let text = String(repeating: "x", count: 4095) + "e\u{301}"
        #expect(EventDecoder.truncateReasoning(text) == String(repeating: "x", count: 4095))
    }

    @Test func reasoningAtExactlyTheLimitIsUntouched() {
        let text = String(repeating: "ab", count: Event.maxReasoningBytes / 2)
        #expect(EventDecoder.truncateReasoning(text) == text)
    }

    // MARK: timestamps

    @Test func timestampsWithOffsetsFractionsAndNoneDecode() throws {
        func ts(_ text: String) throws -> EventTime? {
            try EventDecoder.decodeEvent(#"{"agent":"a","tool":"t","ts":"\#(text)"}"#).ts
        }
        #expect(try ts("2026-11-20T10:00:00.123Z") == 1_795_168_800_123_000_000)
        #expect(try ts("2026-11-20T10:00:00+02:00") == 1_795_161_600_000_000_000)
        #expect(try ts("2026-11-20T05:30:00-02:30") == 1_795_161_600_000_000_000)
        #expect(try ts("2026-11-20T08:00:00Z") == 1_795_161_600_000_000_000)
        #expect(try ts("2026-11-20T08:00:00.000000001Z") == 1_795_161_600_000_000_001)
        #expect(try EventDecoder.decodeEvent(#"{"agent":"a","tool":"t"}"#).ts == nil)
    }
}

extension NativeEventDecodingTests {
    @Test func reasoningTruncationKeepsEmojiSequencesWhole() {
        // 👨‍👩‍👧 is one character of 18 bytes (three emoji joined by ZWJ).
        let family = "👨‍👩‍👧"
        let text = String(repeating: "x", count: 4090) + family
        #expect(EventDecoder.truncateReasoning(text) == String(repeating: "x", count: 4090))
    }

    @Test func reasoningThatIsOneHugeCharacterIsCutAtAScalarBoundary() {
        let zalgo = "e" + String(repeating: "\u{301}", count: 3000)  // one character, 6001 bytes
        let cut = EventDecoder.truncateReasoning(zalgo)
        #expect(cut.utf8.count <= Event.maxReasoningBytes)
        #expect(cut.utf8.count == 4095)  // "e" + 2047 two-byte marks
        #expect(zalgo.unicodeScalars.starts(with: cut.unicodeScalars))
    }
}

extension NativeEventDecodingTests {
    @Test func aNativeLineDecodesToOneEventWithoutAnArray() throws {
        let decoded = try EventDecoder.decode(#"{"agent":"a","tool":"t","cost_usd":0.5}"#)
        #expect(decoded == .event(Event(agent: "a", tool: "t", costUSD: 0.5)))
    }

    @Test func forEachEventVisitsEveryEventInOrder() throws {
        let one = Event(agent: "a", tool: "t")
        let two = Event(agent: "b", tool: "u")
        var seen: [Event] = []
        DecodedLine.event(one).forEachEvent { seen.append($0) }
        DecodedLine.events([two, one]).forEachEvent { seen.append($0) }
        DecodedLine.events([]).forEachEvent { seen.append($0) }
        #expect(seen == [one, two, one])
    }

    @Test func forEachEventVisitsNothingForABreakerCheck() throws {
        let check = try EventDecoder.decode(#"{"hook_event_name":"PreToolUse","tool_name":"Bash","session_id":"s"}"#)
        guard case .preToolUse = check else { Issue.record("expected a breaker check"); return }
        var count = 0
        check.forEachEvent { _ in count += 1 }
        #expect(count == 0)
    }
}
