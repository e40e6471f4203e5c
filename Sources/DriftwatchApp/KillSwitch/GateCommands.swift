public import DriftwatchCore
public import DriftwatchHTTP
import DriftwatchStore

/// What a gate command prints and how it exits.
public struct CommandResult: Sendable, Equatable {
    public var exitCode: Int32
    public var stdout: String?
    public var stderr: String?

    public init(exitCode: Int32, stdout: String? = nil, stderr: String? = nil) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// `driftwatch check`, `driftwatch hook claude-code` and `driftwatch audit verify`
/// (spec §3): the gateways in front of tool calls, and the auditor's check.
public enum GateCommands {
    public static let exitOK: Int32 = 0
    public static let exitBlocked: Int32 = 2
    public static let exitOpen: Int32 = 3
    public static let exitHalfOpen: Int32 = 4
    public static let exitUsage: Int32 = 64
    public static let exitData: Int32 = 65
    public static let exitUnavailable: Int32 = 69

    public static let defaultServer = "http://127.0.0.1:8080"
    /// Environment variable holding a bearer token for servers that require one.
    public static let tokenVariable = "DRIFTWATCH_TOKEN"

    /// A gate sits in front of every tool call: it must answer fast or fall back.
    public static var clientConfiguration: HTTPClient.Configuration {
        var c = HTTPClient.Configuration()
        c.connectTimeout = .seconds(2)
        c.responseTimeout = .seconds(5)
        c.maxResponseBytes = 64 * 1024
        return c
    }

    /// `driftwatch check --agent NAME`: exit 0 closed, 3 open, 4 half-open, 69 unreachable.
    ///
    /// A breaker that opened by itself in `warn` or `observe` mode is reported with exit 0:
    /// those modes show the breaker without stopping the agent (design.md § Circuit
    /// breakers). One an operator tripped stops the agent in every mode (exit 3).
    /// - Parameter client: timeouts and bounds; tests on a loaded machine allow more time.
    public static func check(agent: String, server: String, token: String?,
                             client: HTTPClient.Configuration = clientConfiguration) -> CommandResult {
        if let problem = invalidServer(server) {
            return CommandResult(exitCode: exitUsage, stderr: "driftwatch check: \(problem)")
        }
        let url = trimmed(server) + "/v1/agents/" + percentEncode(agent) + "/breaker"
        let response: HTTPClientResponse
        do {
            response = try HTTPClient(configuration: client).sendBlocking(.get, url, headers: headers(token))
        } catch {
            return CommandResult(exitCode: exitUnavailable, stderr: "driftwatch check: cannot reach \(server): \(error)")
        }
        if let refusal = refusal(response, server: server, token: token, role: "viewer") {
            return CommandResult(exitCode: exitUnavailable, stderr: "driftwatch check: \(refusal)")
        }
        guard response.statusCode == 200, let json = try? JSONScanner.parse(response.body),
              let state = json["state"]?.stringValue
        else {
            return CommandResult(exitCode: exitUnavailable,
                                 stderr: "driftwatch check: \(server) answered \(response.statusCode): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        let mode = json["mode"]?.stringValue ?? "enforce"
        let held = json["held_by_operator"]?.boolValue ?? false
        var line = "\(agent): \(state)"
        if let reason = json["reason"]?.stringValue { line += " (\(reason))" }
        if held {
            line += "; held by an operator until reset"
        } else if let retry = json["retry_after_s"]?.doubleValue, state == "open" {
            line += "; probes in \(Int(retry)) s"
        }
        let enforced = mode == "enforce" || held
        if !enforced && state != "closed" { line += "; mode \(mode): not enforced" }
        let code: Int32 = switch state {
        case "open": enforced ? exitOpen : exitOK
        case "half_open": enforced ? exitHalfOpen : exitOK
        default: exitOK
        }
        // Still exit 0 (spec §3 maps only the state), but a gate set up with a misspelled
        // name must not pass for one that guards the agent.
        let unknown = json["known"]?.boolValue == false
            ? "driftwatch check: \(server) knows no agent \(agent) (no recent events, baseline or breaker); is the name right?"
            : nil
        return CommandResult(exitCode: code, stdout: line, stderr: unknown)
    }

    /// Whether the hook blocks when the server cannot be asked.
    public enum FailMode: Sendable, Equatable {
        /// Closed for tools classed destructive, open for the rest.
        case byToolClass
        case open
        case closed
    }

    /// `driftwatch hook claude-code`: a Claude Code `command` hook (payload on stdin).
    ///
    /// `PreToolUse` asks the server's hook route and exits 2 with the reason on stderr
    /// when it denies (Claude Code shows stderr to the model and blocks the call);
    /// `PostToolUse`/`PostToolUseFailure` are forwarded and never block. When the server
    /// is unreachable a `PreToolUse` falls back to `failMode`, saying so on stderr; when
    /// the hook itself is misconfigured (a bad `--server` URL, a refused token) see
    /// ``misconfigured(event:tool:problem:failOpen:)``.
    public static func hookClaudeCode(payload: [UInt8], server: String, agent: String?, failMode: FailMode,
                                      tools: ToolClassifier, token: String?,
                                      client: HTTPClient.Configuration = clientConfiguration) -> CommandResult {
        let (event, tool): (String, String)
        switch hookCall(payload) {
        case .call(let e, let t): (event, tool) = (e, t)
        case .ignored(let answer): return answer
        }
        if let problem = invalidServer(server) {
            return misconfigured(event: event, tool: tool, problem: problem, failOpen: failMode == .open)
        }
        var url = trimmed(server) + "/v1/hooks/claude-code"
        if let agent { url += "?agent=" + percentEncode(agent) }
        var h = headers(token)
        try? h.set("Content-Type", "application/json")
        let response: HTTPClientResponse
        do {
            response = try HTTPClient(configuration: client).sendBlocking(.post, url, headers: h, body: payload)
        } catch {
            return fallBack(event: event, tool: tool, problem: "cannot reach \(server) (\(error))", failMode: failMode, tools: tools)
        }
        if let refusal = refusal(response, server: server, token: token, role: "ingest") {
            return misconfigured(event: event, tool: tool, problem: refusal, failOpen: failMode == .open)
        }
        guard (200..<300).contains(response.statusCode) else {
            let text = String(decoding: response.body.prefix(300), as: UTF8.self)
            return fallBack(event: event, tool: tool, problem: "cannot reach \(server) (HTTP \(response.statusCode): \(text))",
                            failMode: failMode, tools: tools)
        }
        guard event == "PreToolUse" else { return CommandResult(exitCode: exitOK) }
        let answer = (try? JSONScanner.parse(response.body)) ?? .null
        if let output = answer["hookSpecificOutput"], output["permissionDecision"]?.stringValue == "deny" {
            return CommandResult(exitCode: exitBlocked,
                                 stderr: output["permissionDecisionReason"]?.stringValue ?? "driftwatch: the circuit breaker is open")
        }
        return CommandResult(exitCode: exitOK)
    }

    /// The hook event and tool of a Claude Code payload, or what to answer when it is not one.
    /// A malformed payload is Claude Code's problem, and one without `hook_event_name` was
    /// most likely not sent by a Claude Code hook at all: neither is a reason to block work.
    static func hookCall(_ payload: [UInt8]) -> HookCall {
        let json: JSONValue
        do { json = try JSONScanner.parse(payload) } catch {
            return .ignored(CommandResult(exitCode: exitOK, stderr: "driftwatch hook: ignoring an invalid hook payload: \(error)"))
        }
        guard let event = json["hook_event_name"]?.stringValue, !event.isEmpty else {
            return .ignored(CommandResult(exitCode: exitOK, stderr: "driftwatch hook: ignoring a payload with no hook_event_name "
                + "(not a Claude Code hook payload; is this command configured under \"hooks\" in settings.json?)"))
        }
        return .call(event: event, tool: json["tool_name"]?.stringValue ?? "")
    }

    enum HookCall {
        case call(event: String, tool: String)
        case ignored(CommandResult)
    }

    /// `driftwatch hook claude-code` could not even start (a mistyped option, a missing or
    /// invalid `--config`): answers the hook `payload` as ``misconfigured(event:tool:problem:failOpen:)``.
    public static func hookCannotStart(payload: [UInt8], problem: String, failOpen: Bool) -> CommandResult {
        switch hookCall(payload) {
        case .call(let event, let tool): misconfigured(event: event, tool: tool, problem: problem, failOpen: failOpen)
        case .ignored: CommandResult(exitCode: exitUsage, stderr: "driftwatch hook: \(problem)")
        }
    }

    /// What the hook does when it is itself misconfigured: `problem` (a clause) says how.
    ///
    /// Unlike an unreachable server this does not heal by itself, and Claude Code lets a
    /// call through on any exit but 2, so falling back as for an outage would switch the
    /// kill switch off for good without anyone noticing. A `PreToolUse` is blocked, saying
    /// what to fix, unless `--fail-open` put availability first; otherwise the exit is 64,
    /// which Claude Code shows the user without blocking.
    static func misconfigured(event: String, tool: String, problem: String, failOpen: Bool) -> CommandResult {
        let note = "driftwatch hook is misconfigured: \(problem)"
        guard event == "PreToolUse", !failOpen else {
            let outcome = event == "PreToolUse" ? "; allowing \(tool) (--fail-open)." : "; \(event) not forwarded."
            return CommandResult(exitCode: exitUsage, stderr: note + outcome)
        }
        return CommandResult(exitCode: exitBlocked, stderr: note + "; blocking \(tool) until the hook command is fixed "
            + "(with --fail-open, calls go ahead while the gate cannot decide).")
    }

    /// What the hook does when the server could not be asked or answered with an error:
    /// `problem` says why, as a clause ("cannot reach …"). Post* events are dropped with a
    /// note; a `PreToolUse` falls back to `failMode`.
    static func fallBack(event: String, tool: String, problem: String, failMode: FailMode,
                         tools: ToolClassifier) -> CommandResult {
        guard event == "PreToolUse" else {
            return CommandResult(exitCode: exitOK, stderr: "driftwatch hook: could not forward \(event): \(problem)")
        }
        let destructive = tools.classify(tool) == .destructive
        let block = switch failMode {
        case .open: false
        case .closed: true
        case .byToolClass: destructive
        }
        let why = switch failMode {
        case .open: "--fail-open"
        case .closed: "--fail-closed"
        case .byToolClass: destructive ? "\(tool) is classed destructive" : "\(tool) is not classed destructive"
        }
        if block {
            return CommandResult(exitCode: exitBlocked, stderr: "driftwatch hook: \(problem); blocking \(tool) (fail-closed: \(why)).")
        }
        return CommandResult(exitCode: exitOK, stderr: "driftwatch hook: \(problem); allowing \(tool) (fail-open: \(why)).")
    }

    /// Why `server` cannot be used as `--server`, as one line, or nil. A URL this client
    /// cannot send to is bad usage (spec §3: exit 64), not an unreachable server (69).
    static func invalidServer(_ server: String) -> String? {
        do {
            try HTTPClient.validate(trimmed(server))
            return nil
        } catch {
            return "invalid --server URL: \(error.message) (expected http://HOST:PORT)"
        }
    }

    /// When the server answered 401 or 403, what it refused, as a clause: it was reached,
    /// so "cannot reach" would send the operator after the network instead of the token.
    static func refusal(_ response: HTTPClientResponse, server: String, token: String?, role: String) -> String? {
        guard response.statusCode == 401 || response.statusCode == 403 else { return nil }
        let json = try? JSONScanner.parse(response.body)
        let said = json?["error"]?.stringValue ?? String(decoding: response.body.prefix(200), as: UTF8.self)
        let what = token.map { $0.isEmpty ? "the request without a token" : "the token" } ?? "the request without a token"
        return "\(server) refused \(what) (HTTP \(response.statusCode): \(said)); "
            + "set $\(tokenVariable) to a token with the \(role) role"
    }

    /// `driftwatch audit verify --db FILE`: walks the hash chain; exit 65 naming the first broken row.
    public static func auditVerify(databasePath: String) -> CommandResult {
        do {
            var configuration = Database.Configuration()
            configuration.readOnly = true
            let db = try Database(path: databasePath, configuration: configuration)
            let verifier = try db.transaction(.deferred) { db in try AuditStore.verify(in: db) }
            if let broken = verifier.firstBreak {
                return CommandResult(exitCode: exitData,
                                     stdout: "audit log BROKEN at row \(broken.id): \(broken) (\(verifier.count - 1) rows before it verified)")
            }
            return CommandResult(exitCode: exitOK, stdout: "audit log OK: \(verifier.count) rows, hash chain intact"
                + (verifier.count > 0 ? " (last hash \(verifier.lastHash))" : ""))
        } catch {
            return CommandResult(exitCode: exitData, stderr: "driftwatch audit verify: \(databasePath): \(error)")
        }
    }

    static func headers(_ token: String?) -> HTTPHeaders {
        var h = HTTPHeaders()
        if let token, !token.isEmpty { try? h.set("Authorization", "Bearer " + token) }
        return h
    }

    static func trimmed(_ server: String) -> String {
        var s = server
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }

    /// RFC 3986 unreserved characters pass; every other byte is %XX.
    static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
