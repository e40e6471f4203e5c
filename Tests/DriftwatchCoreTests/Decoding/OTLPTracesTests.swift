import Testing
@testable import DriftwatchCore

/// An OTLP string attribute.
private func str(_ key: String, _ value: String) -> String {
    #"{"key":"\#(key)","value":{"stringValue":"\#(value)"}}"#
}

/// An OTLP int attribute; pass `"\"12\""` for the string form 64-bit integers may take.
private func int(_ key: String, _ value: String) -> String {
    #"{"key":"\#(key)","value":{"intValue":\#(value)}}"#
}

/// OTLP/JSON span batches read through the GenAI semantic conventions (spec §1 "Other formats").
struct OTLPTracesTests {
    // MARK: builders for OTLP/JSON text

    static let trace = "5b8efff798038103d269b633813fc60c"

    static func span(_ id: String, parent: String = "", name: String = "span", start: String = #""1795168800123000000""#,
                     end: String = #""1795168800157000000""#, status: String = "{}", _ attributes: [String]) -> String
    {
        #"""
        {"traceId":"\#(trace)","spanId":"\#(id)","parentSpanId":"\#(parent)","name":"\#(name)","kind":1,"startTimeUnixNano":\#(start),"endTimeUnixNano":\#(end),"attributes":[\#(attributes.joined(separator: ","))],"status":\#(status)}
        """#
    }

    static func batch(resource: [String] = [str("service.name", "weather-svc")], _ spans: [String]) -> String {
        #"""
        {"resourceSpans":[{"resource":{"attributes":[\#(resource.joined(separator: ","))]},"scopeSpans":[{"scope":{"name":"agents","version":"1.0"},"spans":[\#(spans.joined(separator: ","))]}]}]}
        """#
    }

    static func labels(_ span: String) -> JSONValue { ["trace_id": .string(trace), "span_id": .string(span)] }

    static let agentSpan = span("00f067aa0ba902b7", name: "invoke_agent planner", [
        str("gen_ai.operation.name", "invoke_agent"), str("gen_ai.agent.name", "planner"),
        str("gen_ai.conversation.id", "conv-1"),
    ])

    // MARK: tool calls

    @Test func toolSpansInheritAgentAndConversationFromTheInvokeAgentSpan() throws {
        let line = Self.batch([
            Self.agentSpan,
            Self.span("a000000000000001", parent: "00f067aa0ba902b7", name: "execute_tool get_weather", [
                str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "get_weather"),
                str("gen_ai.tool.call.id", "call_1"), str("gen_ai.tool.call.arguments", #"{\"city\":\"Paris\"}"#),
            ]),
            Self.span("a000000000000002", parent: "00f067aa0ba902b7", name: "execute_tool search",
                      start: #""1795168801000000000""#, end: #""1795168801500000000""#, [
                str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "search"),
            ]),
        ])
        let expected = [
            Event(agent: "planner", tool: "get_weather", ts: 1_795_168_800_123_000_000, session: "conv-1", callID: "call_1",
                  args: ["city": "Paris"], latencyMS: 34, labels: Self.labels("a000000000000001")),
            Event(agent: "planner", tool: "search", ts: 1_795_168_801_000_000_000, session: "conv-1", latencyMS: 500,
                  labels: Self.labels("a000000000000002")),
        ]
        #expect(try events(line) == expected)
    }

    @Test func inheritanceSkipsIntermediateSpansAndIgnoresBatchOrder() throws {
        // Child listed before its parent and grandparent; the middle span carries nothing.
        let line = Self.batch([
            Self.span("c000000000000003", parent: "b000000000000002", [
                str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "fetch"),
            ]),
            Self.span("b000000000000002", parent: "00f067aa0ba902b7", name: "http", [str("http.method", "GET")]),
            Self.agentSpan,
        ])
        let event = try #require(try events(line).first)
        #expect(event.agent == "planner")
        #expect(event.session == "conv-1")
    }

    @Test func theSpansOwnAttributesWinOverInheritedOnes() throws {
        let line = Self.batch([
            Self.agentSpan,
            Self.span("a000000000000001", parent: "00f067aa0ba902b7", [
                str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
                str("gen_ai.agent.name", "worker"), str("gen_ai.conversation.id", "conv-2"),
            ]),
        ])
        let event = try #require(try events(line).first)
        #expect(event.agent == "worker")
        #expect(event.session == "conv-2")
    }

    @Test func agentIdIsUsedWhenThereIsNoAgentName() throws {
        let line = Self.batch([Self.span("a000000000000001", [
            str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"), str("gen_ai.agent.id", "asst_42"),
        ])])
        #expect(try events(line).first?.agent == "asst_42")
    }

    @Test func resourceServiceNameIsTheLastFallbackForTheAgent() throws {
        let line = Self.batch([Self.span("a000000000000001", parent: "ffffffffffffffff", [
            str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "lookup"),
        ])])
        let event = try #require(try events(line).first)
        #expect(event.agent == "weather-svc")
        #expect(event.session == nil)
    }

    @Test func resourceAgentAttributesBeatServiceName() throws {
        let line = Self.batch(resource: [str("service.name", "svc"), str("gen_ai.agent.name", "res-agent"),
                                         str("gen_ai.conversation.id", "res-conv")],
                              [Self.span("a000000000000001", [
                                  str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
                              ])])
        let event = try #require(try events(line).first)
        #expect(event.agent == "res-agent")
        #expect(event.session == "res-conv")
    }

    @Test func ancestorsAreFoundAcrossResourcesInTheSameBatch() throws {
        let parent = Self.batch(resource: [str("service.name", "orchestrator")], [Self.agentSpan])
        let child = Self.batch(resource: [str("service.name", "tools")], [Self.span("a000000000000001", parent: "00f067aa0ba902b7", [
            str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
        ])])
        // Merge the two resourceSpans arrays into one batch.
        let line = String(parent.dropLast(2)) + "," + String(child.dropFirst(#"{"resourceSpans":["#.count))
        let event = try #require(try events(line).first)
        #expect(event.agent == "planner")
    }

    @Test func toolNameFallsBackToTheSpanName() throws {
        let line = Self.batch([Self.span("a000000000000001", name: "execute_tool get_time", [
            str("gen_ai.operation.name", "execute_tool"),
        ])])
        #expect(try events(line).first?.tool == "get_time")
    }

    @Test func argumentsThatAreNotJSONAreKeptAsAString() throws {
        func args(_ attribute: String) throws -> JSONValue? {
            let line = Self.batch([Self.span("a000000000000001", [
                str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"), attribute,
            ])])
            return try events(line).first?.args
        }
        #expect(try args(str("gen_ai.tool.call.arguments", #"{\"q\":\"SELECT 1\",\"limit\":5}"#)) == ["q": "SELECT 1", "limit": 5])
        #expect(try args(str("gen_ai.tool.call.arguments", "city=Paris")) == "city=Paris")
        #expect(try args(str("gen_ai.tool.call.arguments", #"{\"unterminated\":"#)) == #"{"unterminated":"#)
        #expect(try args(str("gen_ai.tool.call.arguments", "[1,2]")) == [1, 2])
        let structured = #"""
        {"key":"gen_ai.tool.call.arguments","value":{"kvlistValue":{"values":[{"key":"city","value":{"stringValue":"Paris"}},{"key":"days","value":{"intValue":"3"}},{"key":"tags","value":{"arrayValue":{"values":[{"boolValue":true},{"doubleValue":1.5}]}}}]}}}
        """#
        #expect(try args(structured) == ["city": "Paris", "days": 3, "tags": [true, 1.5]])
    }

    // MARK: status

    @Test(arguments: [#"{"code":2,"message":"boom"}"#, #"{"code":"STATUS_CODE_ERROR"}"#])
    func errorStatusMakesAnErrorCall(_ status: String) throws {
        let line = Self.batch([Self.span("a000000000000001", status: status, [
            str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
        ])])
        #expect(try events(line).first?.status == "error")
    }

    @Test func errorTypeAttributeMakesAnErrorCall() throws {
        let line = Self.batch([Self.span("a000000000000001", status: #"{"code":0}"#, [
            str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"), str("error.type", "timeout"),
        ])])
        #expect(try events(line).first?.status == "error")
    }

    @Test(arguments: ["{}", #"{"code":1}"#, #"{"code":"STATUS_CODE_OK"}"#, #"{"code":0,"message":""}"#])
    func unsetOrOkStatusIsOk(_ status: String) throws {
        let line = Self.batch([Self.span("a000000000000001", status: status, [
            str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
        ])])
        #expect(try events(line).first?.status == "ok")
    }

    // MARK: model calls

    @Test func chatSpanWithUsageBecomesAnLLMCall() throws {
        let line = Self.batch([
            Self.agentSpan,
            Self.span("d000000000000001", parent: "00f067aa0ba902b7", name: "chat gpt-4o", [
                str("gen_ai.operation.name", "chat"), str("gen_ai.request.model", "gpt-4o"),
                str("gen_ai.response.model", "gpt-4o-2024-08-06"), int("gen_ai.usage.input_tokens", #""1234""#),
                int("gen_ai.usage.output_tokens", "87"),
                #"{"key":"gen_ai.usage.cost","value":{"doubleValue":0.0021}}"#,
            ]),
        ])
        let expected = Event(kind: .llmCall, agent: "planner", tool: nil, ts: 1_795_168_800_123_000_000, session: "conv-1",
                             costUSD: 0.0021, tokensIn: 1234, tokensOut: 87, latencyMS: 34, model: "gpt-4o-2024-08-06",
                             labels: Self.labels("d000000000000001"))
        #expect(try events(line) == [expected])
    }

    @Test(arguments: ["text_completion", "generate_content"])
    func otherModelOperationsAreLLMCallsToo(_ operation: String) throws {
        let line = Self.batch([Self.span("d000000000000001", [
            str("gen_ai.operation.name", operation), str("gen_ai.request.model", "m"),
            int("gen_ai.usage.input_tokens", "5"),
        ])])
        let event = try #require(try events(line).first)
        #expect(event.kind == .llmCall)
        #expect(event.model == "m")
        #expect(event.tokensIn == 5)
        #expect(event.tokensOut == nil)
    }

    @Test func olderPromptAndCompletionTokenNamesAreAccepted() throws {
        let line = Self.batch([Self.span("d000000000000001", [
            str("gen_ai.operation.name", "chat"), int("gen_ai.usage.prompt_tokens", #""10""#),
            int("gen_ai.usage.completion_tokens", #""3""#),
        ])])
        let event = try #require(try events(line).first)
        #expect(event.tokensIn == 10)
        #expect(event.tokensOut == 3)
    }

    @Test func costUSDAttributeIsAccepted() throws {
        let line = Self.batch([Self.span("d000000000000001", [
            str("gen_ai.operation.name", "chat"), #"{"key":"gen_ai.usage.cost_usd","value":{"doubleValue":0.5}}"#,
        ])])
        #expect(try events(line).first?.costUSD == 0.5)
    }

    // MARK: ignored spans

    @Test func spansThatAreNotToolOrModelCallsAreIgnored() throws {
        let line = Self.batch([
            Self.agentSpan,  // invoke_agent: lends attributes, yields nothing itself
            Self.span("e000000000000001", name: "GET /v1/users", [str("http.request.method", "GET")]),
            Self.span("e000000000000002", [str("gen_ai.operation.name", "embeddings"), int("gen_ai.usage.input_tokens", "9")]),
            Self.span("e000000000000003", [str("gen_ai.operation.name", "chat"), str("gen_ai.request.model", "m")]),  // no usage
            Self.span("e000000000000004", name: "execute_tool x", []),  // no operation attribute
        ])
        #expect(try events(line) == [])
        let result = try OTLPTraces.decodeBatch(try json(line))
        #expect(result.ignored == 5)
        #expect(result.rejected.isEmpty)
    }

    @Test func emptyBatchesYieldNothing() throws {
        #expect(try events(#"{"resourceSpans":[]}"#) == [])
        #expect(try events(#"{"resourceSpans":[{"resource":{}}]}"#) == [])
        #expect(try events(#"{"resourceSpans":[{"scopeSpans":[{"scope":{}}]}]}"#) == [])
    }

    // MARK: times and integers

    @Test func timesMayBeNumbersAndZeroMeansUnknown() throws {
        let numeric = Self.batch([Self.span("a000000000000001", start: "1795168800000000000", end: "1795168800002000000", [
            str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
        ])])
        let event = try #require(try events(numeric).first)
        #expect(event.ts.map { abs($0 - 1_795_168_800_000_000_000) < 1_000 } == true)
        #expect(event.latencyMS.map { abs($0 - 2) < 0.001 } == true)

        let zero = Self.batch([Self.span("a000000000000001", start: #""0""#, end: #""0""#, [
            str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
        ])])
        let unknown = try #require(try events(zero).first)
        #expect(unknown.ts == nil)
        #expect(unknown.latencyMS == nil)
    }

    @Test func endBeforeStartLeavesLatencyUnknown() throws {
        let line = Self.batch([Self.span("a000000000000001", start: #""2000""#, end: #""1000""#, [
            str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
        ])])
        #expect(try events(line).first?.latencyMS == nil)
    }

    // MARK: rejections

    @Test func aSpanWithNoAgentAnywhereIsRejectedByPath() throws {
        let line = Self.batch(resource: [], [
            Self.span("a000000000000001", [str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "ok")]),
            Self.span("a000000000000002", [str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t")]),
        ])
        let error = try #require(rejection(line))
        #expect(error.field == "resourceSpans[0].scopeSpans[0].spans[0].attributes.gen_ai.agent.name")
        #expect(error.description.contains("spans[0]"))
        #expect(error.reason.contains("1 more rejected span"))
    }

    @Test func decodeBatchKeepsGoodSpansAndReportsBadOnes() throws {
        let line = Self.batch([
            Self.span("a000000000000001", [str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "good")]),
            Self.span("a000000000000002", [str("gen_ai.operation.name", "execute_tool")]),  // no tool name
            Self.span("a000000000000003", [str("gen_ai.operation.name", "chat"), int("gen_ai.usage.input_tokens", #""-4""#)]),
        ])
        let result = try OTLPTraces.decodeBatch(try json(line))
        #expect(result.events.map(\.tool) == ["good"])
        #expect(result.rejected.map(\.field) == [
            "resourceSpans[0].scopeSpans[0].spans[1].attributes.gen_ai.tool.name",
            "resourceSpans[0].scopeSpans[0].spans[2].attributes.gen_ai.usage.input_tokens",
        ])
        #expect(throws: DecodeError.self) { try OTLPTraces.decode(try json(line)) }
    }

    @Test(arguments: [
        (str("gen_ai.tool.name", String(repeating: "x", count: 257)), "gen_ai.tool.name"),
        (#"{"key":"gen_ai.tool.name","value":{"intValue":"7"}}"#, "gen_ai.tool.name"),
        (str("gen_ai.agent.name", String(repeating: "x", count: 129)), "gen_ai.agent.name"),
        (str("gen_ai.conversation.id", String(repeating: "x", count: 129)), "gen_ai.conversation.id"),
        (str("gen_ai.tool.call.id", String(repeating: "x", count: 129)), "gen_ai.tool.call.id"),
        (str("gen_ai.usage.input_tokens", "many"), "gen_ai.usage.input_tokens"),
        (#"{"key":"gen_ai.usage.output_tokens","value":{"doubleValue":1.5}}"#, "gen_ai.usage.output_tokens"),
        (#"{"key":"gen_ai.usage.cost","value":{"doubleValue":-1}}"#, "gen_ai.usage.cost"),
        (#"{"key":"gen_ai.usage.cost","value":{"doubleValue":"NaN"}}"#, "gen_ai.usage.cost"),
    ])
    func badAttributesRejectTheSpanNamingTheAttribute(_ attribute: String, _ key: String) throws {
        let line = Self.batch([Self.span("a000000000000001", [
            str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"), attribute,
        ])])
        let error = try #require(rejection(line))
        #expect(error.field == "resourceSpans[0].scopeSpans[0].spans[0].attributes.\(key)")
    }

    @Test func badTimesRejectTheSpan() throws {
        let line = Self.batch([Self.span("a000000000000001", start: #""soon""#, [
            str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
        ])])
        #expect(try #require(rejection(line)).field == "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano")
    }

    @Test(arguments: [
        (#"{"resourceSpans":{}}"#, "resourceSpans"),
        (#"{"resourceSpans":[1]}"#, "resourceSpans[0]"),
        (#"{"resourceSpans":[{"scopeSpans":{}}]}"#, "resourceSpans[0].scopeSpans"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":"x"}]}]}"#, "resourceSpans[0].scopeSpans[0].spans"),
        (#"{"resourceSpans":[{"resource":{"attributes":{}},"scopeSpans":[]}]}"#, "resourceSpans[0].resource.attributes"),
    ])
    func malformedBatchStructureRejectsTheBatch(_ line: String, _ field: String) throws {
        #expect(try #require(rejection(line)).field == field)
    }

    @Test func batchesOverTheSpanCapAreRejected() throws {
        let spans = JSONValue.array(Array(repeating: [:], count: OTLPTraces.maxSpans + 1))
        let batch: JSONValue = ["resourceSpans": [["scopeSpans": [["spans": spans]]]]]
        #expect(throws: DecodeError(field: "resourceSpans",
                                    "holds 100001 spans, more than 100000; send smaller batches")) {
            try OTLPTraces.decodeBatch(batch)
        }
        let atCap: JSONValue = ["resourceSpans": [["scopeSpans": [["spans": .array(Array(repeating: [:], count: 1000))]]]]]
        #expect(try OTLPTraces.decodeBatch(atCap).ignored == 1000)
    }

    @Test func parentCyclesTerminate() throws {
        let line = Self.batch(resource: [], [
            Self.span("a000000000000001", parent: "a000000000000002", [
                str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
            ]),
            Self.span("a000000000000002", parent: "a000000000000001", []),
        ])
        #expect(rejection(line)?.field == "resourceSpans[0].scopeSpans[0].spans[0].attributes.gen_ai.agent.name")
    }

    @Test func ancestorWalkStopsAtTheDepthCap() throws {
        func chain(length: Int) -> String {
            // span 0 is the agent root; span k's parent is span k-1; the last span is the tool call.
            var spans = [Self.span(Self.id(0), [str("gen_ai.agent.name", "root-agent")])]
            for k in 1..<length { spans.append(Self.span(Self.id(k), parent: Self.id(k - 1), [])) }
            spans.append(Self.span(Self.id(length), parent: Self.id(length - 1), [
                str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
            ]))
            return Self.batch(spans)
        }
        #expect(try events(chain(length: OTLPTraces.maxAncestorDepth)).first?.agent == "root-agent")
        #expect(try events(chain(length: OTLPTraces.maxAncestorDepth + 1)).first?.agent == "weather-svc")
    }

    static func id(_ k: Int) -> String {
        let hex = String(k, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    @Test func idsMatchRegardlessOfHexCase() throws {
        let line = Self.batch([
            Self.agentSpan,
            Self.span("a000000000000001", parent: "00F067AA0BA902B7", [
                str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "t"),
            ]),
        ])
        #expect(try events(line).first?.agent == "planner")
    }
}
