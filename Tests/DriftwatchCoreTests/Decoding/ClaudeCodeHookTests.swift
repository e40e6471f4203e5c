import Testing
@testable import DriftwatchCore

/// Claude Code hook payloads (spec §1 "Other formats"), shaped as Claude Code sends them.
struct ClaudeCodeHookTests {
    static let postToolUse = #"""
    {"session_id":"8c35adc1-5f0e-4b7e-9c53-2a1d1b0f7e11","transcript_path":"/home/u/.claude/projects/p/8c35adc1.jsonl","cwd":"/home/u/repo","permission_mode":"default","hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"npm test","description":"Run the test suite"},"tool_response":{"stdout":"42 passing","stderr":"","interrupted":false,"isImage":false},"tool_use_id":"toolu_01ABC123"}
    """#

    @Test func postToolUseBecomesAnOkToolCall() throws {
        let expected = Event(
            agent: "claude-code", tool: "Bash", session: "8c35adc1-5f0e-4b7e-9c53-2a1d1b0f7e11", callID: "toolu_01ABC123",
            args: ["command": "npm test", "description": "Run the test suite"], status: "ok")
        #expect(try events(Self.postToolUse) == [expected])
    }

    @Test func postToolUseFailureIsAnError() throws {
        let line = #"""
        {"session_id":"abc123","transcript_path":"/t.jsonl","cwd":"/r","permission_mode":"default","hook_event_name":"PostToolUseFailure","tool_name":"Bash","tool_input":{"command":"npm test","description":"Run test suite"},"tool_use_id":"toolu_02","error":"Command exited with non-zero status code 1","is_interrupt":false}
        """#
        let event = try #require(try events(line).first)
        #expect(event.status == "error")
        #expect(event.tool == "Bash")
        #expect(event.callID == "toolu_02")
        #expect(event.session == "abc123")
    }

    @Test func durationAndTimestampAreUsedWhenPresent() throws {
        let line = #"""
        {"hook_event_name":"PostToolUse","session_id":"s","tool_name":"Read","tool_input":{"file_path":"/x"},"tool_response":{"type":"text"},"tool_use_id":"t","duration_ms":12.5,"timestamp":"2026-11-20T10:00:00.123Z"}
        """#
        let event = try #require(try events(line).first)
        #expect(event.latencyMS == 12.5)
        #expect(event.ts == 1_795_168_800_123_000_000)
    }

    @Test func withoutATimestampTheServiceStampsReceiptTime() throws {
        #expect(try events(Self.postToolUse).first?.ts == nil)
    }

    @Test func subAgentTypeIsAppendedToTheAgent() throws {
        let line = #"""
        {"hook_event_name":"PostToolUse","session_id":"s","agent_id":"a-1","agent_type":"Explore","tool_name":"Grep","tool_input":{"pattern":"TODO"},"tool_response":{},"tool_use_id":"t"}
        """#
        #expect(try events(line).first?.agent == "claude-code/Explore")
        #expect(try events(line, options: DecodeOptions(claudeCodeAgent: "ci-bot")).first?.agent == "ci-bot/Explore")
    }

    @Test func agentNameComesFromTheOptions() throws {
        #expect(try events(Self.postToolUse, options: DecodeOptions(claudeCodeAgent: "repo-bot")).first?.agent == "repo-bot")
    }

    @Test(arguments: [
        #"{"is_error":true,"content":"boom"}"#, #"{"isError":true,"content":[]}"#, #"{"success":false}"#,
        #"{"error":"ENOENT"}"#, #"{"error":{"code":1}}"#, #"{"error":true}"#,
    ])
    func failureReportedInTheToolResponseIsAnError(_ response: String) throws {
        let line = #"{"hook_event_name":"PostToolUse","tool_name":"mcp__db__query","tool_response":\#(response)}"#
        #expect(try events(line).first?.status == "error")
    }

    @Test(arguments: [
        #"{"success":true,"filePath":"/x"}"#, #"{"error":null}"#, #"{"error":""}"#, #"{"error":false}"#,
        #"{"is_error":false}"#, #""plain text result""#, #"[{"type":"text","text":"ok"}]"#, "null",
    ])
    func otherToolResponsesAreOk(_ response: String) throws {
        let line = #"{"hook_event_name":"PostToolUse","tool_name":"Write","tool_response":\#(response)}"#
        #expect(try events(line).first?.status == "ok")
    }

    @Test func preToolUseIsABreakerCheckNotAnEvent() throws {
        let line = #"""
        {"session_id":"s-9","transcript_path":"/t.jsonl","cwd":"/r","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"file_path":"/r/x.txt","content":"hi"},"tool_use_id":"toolu_03"}
        """#
        #expect(try EventDecoder.decode(line) == .preToolUse(agent: "claude-code", tool: "Write", session: "s-9"))
    }

    @Test func preToolUseInASubAgentChecksTheSubAgentsBreaker() throws {
        let line = #"{"hook_event_name":"PreToolUse","agent_type":"Plan","tool_name":"Bash","tool_input":{}}"#
        #expect(try EventDecoder.decode(line) == .preToolUse(agent: "claude-code/Plan", tool: "Bash", session: nil))
    }

    @Test(arguments: ["SessionStart", "SessionEnd", "Stop", "SubagentStop", "UserPromptSubmit", "Notification",
                      "PreCompact", "PermissionRequest", "SomethingNew"])
    func otherHookEventsYieldNoEvents(_ name: String) throws {
        let line = #"{"session_id":"s","hook_event_name":"\#(name)","source":"startup","prompt":"hi"}"#
        #expect(try EventDecoder.decode(line) == .events([]))
    }

    @Test func missingToolNameIsRejected() throws {
        for name in ["PostToolUse", "PostToolUseFailure", "PreToolUse"] {
            let error = try #require(rejection(#"{"hook_event_name":"\#(name)","tool_input":{}}"#))
            #expect(error.field == "tool_name")
            #expect(error.description.contains("tool_name"))
        }
    }

    @Test(arguments: [
        (#""tool_name":7"#, "tool_name"), (#""tool_name":"""#, "tool_name"),
        (#""tool_name":"\#(String(repeating: "x", count: 257))""#, "tool_name"),
        (#""tool_name":"a\nb""#, "tool_name"),
        (#""tool_name":"Bash","session_id":5"#, "session_id"),
        (#""tool_name":"Bash","tool_use_id":["x"]"#, "tool_use_id"),
        (#""tool_name":"Bash","tool_use_id":"\#(String(repeating: "x", count: 129))""#, "tool_use_id"),
        (#""tool_name":"Bash","duration_ms":-1"#, "duration_ms"),
        (#""tool_name":"Bash","duration_ms":"5""#, "duration_ms"),
        (#""tool_name":"Bash","timestamp":"noon""#, "timestamp"),
        (#""tool_name":"Bash","timestamp":1795168800"#, "timestamp"),
        (#""tool_name":"Bash","agent_type":3"#, "agent_type"),
        (#""tool_name":"Bash","agent_type":"\#(String(repeating: "x", count: 120))""#, "agent_type"),
    ])
    func wrongTypedOrOversizedFieldsAreRejected(_ members: String, _ field: String) throws {
        let error = try #require(rejection(#"{"hook_event_name":"PostToolUse",\#(members)}"#))
        #expect(error.field == field)
        #expect(error.description.contains(field))
    }

    @Test func nonStringHookEventNameIsRejected() throws {
        #expect(try #require(rejection(#"{"hook_event_name":1,"tool_name":"Bash"}"#)).field == "hook_event_name")
    }

    @Test func invalidAgentOptionIsRejected() throws {
        let error = try #require(rejection(Self.postToolUse, options: DecodeOptions(claudeCodeAgent: "")))
        #expect(error.field == "agent")
        let control = try #require(rejection(Self.postToolUse, options: DecodeOptions(claudeCodeAgent: "a\u{1}")))
        #expect(control.field == "agent")
    }

    @Test func emptySessionAndAgentTypeReadAsAbsent() throws {
        let line = #"{"hook_event_name":"PostToolUse","tool_name":"Bash","session_id":"","agent_type":""}"#
        let event = try #require(try events(line).first)
        #expect(event.session == nil)
        #expect(event.agent == "claude-code")
    }

    @Test func missingToolInputLeavesArgsAbsent() throws {
        #expect(try events(#"{"hook_event_name":"PostToolUse","tool_name":"Bash"}"#).first?.args == nil)
        #expect(try events(#"{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":null}"#).first?.args == nil)
    }

    @Test func decodeAcceptsAParsedPayloadDirectly() throws {
        let payload = try json(#"{"hook_event_name":"PostToolUseFailure","tool_name":"Edit"}"#)
        let result = try ClaudeCodeHook.decode(payload, options: DecodeOptions())
        #expect(result == .events([Event(agent: "claude-code", tool: "Edit", status: "error")]))
        #expect(throws: DecodeError.self) { try ClaudeCodeHook.decode([1, 2], options: DecodeOptions()) }
    }

    @Test func malformedJSONInAHookPayloadIsRejected() throws {
        #expect(rejection(#"{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"a":1,}}"#) != nil)
        #expect(rejection(#"{"hook_event_name":"PostToolUse","tool_name":"Bash"} x"#) != nil)
    }
}
