/// Claude Code hook payloads (spec §1). Being written; rejects until then.
public enum ClaudeCodeHook {
    public static func decode(_ payload: JSONValue, options: DecodeOptions) throws(DecodeError) -> DecodedLine {
        throw DecodeError(field: "hook_event_name", "Claude Code payloads are not supported yet")
    }
}
