/// Claude Code hook payloads (spec §1 "Other formats"): what a `command` hook
/// reads on stdin and what an `http` hook POSTs.
///
/// Mapping, by `hook_event_name`:
/// - `PostToolUse`, `PostToolUseFailure` → one `tool_call`: `tool_name` → tool,
///   `tool_input` → args, `session_id` → session, `tool_use_id` → call_id,
///   `duration_ms` → latency_ms, `timestamp` (RFC 3339, when present) → ts.
///   Without a timestamp `ts` stays nil and the service stamps receipt time.
/// - `PreToolUse` → `.preToolUse`, a breaker check (spec §5), not an event.
/// - Every other event (`SessionStart`, `Stop`, `UserPromptSubmit`, …) → no events.
///
/// Status is `error` for `PostToolUseFailure`, or for a `PostToolUse` whose
/// `tool_response` is an object that reports failure: `is_error: true` or
/// `isError: true` (MCP results), `success: false`, or an `error` member that is
/// neither `null`, `false` nor `""`. Anything else is `ok`: tool responses vary by
/// tool, and an unrecognised shape must not turn successes into errors.
///
/// The agent is `options.claudeCodeAgent`; inside a sub-agent the payload's
/// `agent_type` is appended (`claude-code/Explore`).
///
/// Rejected, with the field named: a payload that is not an object, a
/// `hook_event_name` that is not a string, a tool event without a string
/// `tool_name`, and mapped fields of the wrong type or over the native limits
/// (`EventDecoder.maxToolBytes`, `maxIDBytes`, `maxAgentBytes`).
public enum ClaudeCodeHook {
    /// Decodes one hook payload.
    /// - Parameters:
    ///   - payload: the parsed JSON object Claude Code sent.
    ///   - options: supplies the agent name (`--agent`, `?agent=`).
    /// - Throws: `DecodeError` naming the payload field at fault.
    public static func decode(_ payload: JSONValue, options: DecodeOptions) throws(DecodeError) -> DecodedLine {
        guard case .object = payload else { throw DecodeError("a Claude Code hook payload must be a JSON object") }
        guard let name = payload["hook_event_name"]?.stringValue else {
            throw DecodeError(field: "hook_event_name", "must be a string")
        }
        let failed: Bool
        switch name {
        case "PreToolUse":
            let tool = try toolName(payload)
            let session = try optionalString(payload, "session_id", max: EventDecoder.maxIDBytes)
            return .preToolUse(agent: try agent(payload, options), tool: tool, session: session)
        case "PostToolUse": failed = responseReportsFailure(payload["tool_response"])
        case "PostToolUseFailure": failed = true
        default: return .events([])
        }
        let tool = try toolName(payload)
        var args = payload["tool_input"]
        if args == .null { args = nil }
        var latency: Double?
        switch payload["duration_ms"] {
        case nil, .null?: break
        case .number(let ms)? where ms >= 0: latency = ms
        default: throw DecodeError(field: "duration_ms", "must be a number ≥ 0")
        }
        var ts: EventTime?
        switch payload["timestamp"] {
        case nil, .null?: break
        case .string(let text)?:
            guard let t = RFC3339.parse(text) else {
                throw DecodeError(field: "timestamp", "must be an RFC 3339 timestamp like 2026-11-20T10:00:00.123Z")
            }
            ts = t
        default: throw DecodeError(field: "timestamp", "must be an RFC 3339 timestamp string")
        }
        let call = Event(kind: .toolCall, agent: try agent(payload, options), tool: tool, ts: ts,
                          session: try optionalString(payload, "session_id", max: EventDecoder.maxIDBytes),
                          callID: try optionalString(payload, "tool_use_id", max: EventDecoder.maxIDBytes),
                          args: args, status: failed ? "error" : "ok", latencyMS: latency)
        return .events([call])
    }

    /// Whether a `PostToolUse` `tool_response` says the call failed (see the type's doc comment).
    static func responseReportsFailure(_ response: JSONValue?) -> Bool {
        guard let response, case .object = response else { return false }
        if response["is_error"] == .bool(true) || response["isError"] == .bool(true) { return true }
        if response["success"] == .bool(false) { return true }
        switch response["error"] {
        case nil, .null?, .bool(false)?, .string("")?: return false
        default: return true
        }
    }

    static func toolName(_ payload: JSONValue) throws(DecodeError) -> String {
        guard let value = payload["tool_name"] else { throw DecodeError(field: "tool_name", "is required") }
        guard let tool = value.stringValue else { throw DecodeError(field: "tool_name", "must be a string") }
        try EventDecoder.validate(tool, "tool_name", max: EventDecoder.maxToolBytes, nonEmpty: true, noControl: true)
        return tool
    }

    /// A string member, nil when absent, `null` or empty (Claude Code sends `""` for unknowns).
    static func optionalString(_ payload: JSONValue, _ key: String, max: Int) throws(DecodeError) -> String? {
        switch payload[key] {
        case nil, .null?: return nil
        case .string(let text)?:
            if text.isEmpty { return nil }
            try EventDecoder.validate(text, key, max: max, noControl: true)
            return text
        default: throw DecodeError(field: key, "must be a string")
        }
    }

    /// `options.claudeCodeAgent`, with a sub-agent's `agent_type` appended.
    static func agent(_ payload: JSONValue, _ options: DecodeOptions) throws(DecodeError) -> String {
        try EventDecoder.validate(options.claudeCodeAgent, "agent", max: EventDecoder.maxAgentBytes, nonEmpty: true,
                                  noControl: true)
        guard let type = try optionalString(payload, "agent_type", max: EventDecoder.maxAgentBytes) else {
            return options.claudeCodeAgent
        }
        let agent = "\(options.claudeCodeAgent)/\(type)"
        if agent.utf8.count > EventDecoder.maxAgentBytes {
            throw DecodeError(field: "agent_type",
                              "makes the agent name \"\(options.claudeCodeAgent)/…\" longer than \(EventDecoder.maxAgentBytes) bytes")
        }
        return agent
    }
}
