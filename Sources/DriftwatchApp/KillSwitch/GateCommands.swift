public import DriftwatchCore
import DriftwatchHTTP
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
    public static let exitData: Int32 = 65
    public static let exitUnavailable: Int32 = 69

    public static let defaultServer = "http://127.0.0.1:8080"
    /// Environment variable holding a bearer token for servers that require one.
    public static let tokenVariable = "DRIFTWATCH_TOKEN"

    /// A gate sits in front of every tool call: it must answer fast or fall back.
    static var clientConfiguration: HTTPClient.Configuration {
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
    public static func check(agent: String, server: String, token: String?) -> CommandResult {
        let url = trimmed(server) + "/v1/agents/" + percentEncode(agent) + "/breaker"
        let response: HTTPClientResponse
        do {
            response = try HTTPClient(configuration: clientConfiguration).sendBlocking(.get, url, headers: headers(token))
        } catch {
            return CommandResult(exitCode: exitUnavailable, stderr: "driftwatch check: cannot reach \(server): \(error)")
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
        return CommandResult(exitCode: code, stdout: line)
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
    /// is unreachable a `PreToolUse` falls back to `failMode`, saying so on stderr.
    public static func hookClaudeCode(payload: [UInt8], server: String, agent: String?, failMode: FailMode,
                                      tools: ToolClassifier, token: String?) -> CommandResult {
        let json: JSONValue
        do { json = try JSONScanner.parse(payload) } catch {
            // A malformed payload is Claude Code's problem, not a reason to block work.
            return CommandResult(exitCode: exitOK, stderr: "driftwatch hook: ignoring an invalid hook payload: \(error)")
        }
        let event = json["hook_event_name"]?.stringValue ?? ""
        let tool = json["tool_name"]?.stringValue ?? ""
        var url = trimmed(server) + "/v1/hooks/claude-code"
        if let agent { url += "?agent=" + percentEncode(agent) }
        var h = headers(token)
        try? h.set("Content-Type", "application/json")
        let response: HTTPClientResponse
        do {
            response = try HTTPClient(configuration: clientConfiguration).sendBlocking(.post, url, headers: h, body: payload)
        } catch {
            return unreachable(event: event, tool: tool, server: server, reason: "\(error)", failMode: failMode, tools: tools)
        }
        guard (200..<300).contains(response.statusCode) else {
            let text = String(decoding: response.body.prefix(300), as: UTF8.self)
            return unreachable(event: event, tool: tool, server: server, reason: "HTTP \(response.statusCode): \(text)",
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

    static func unreachable(event: String, tool: String, server: String, reason: String, failMode: FailMode,
                            tools: ToolClassifier) -> CommandResult {
        guard event == "PreToolUse" else {
            return CommandResult(exitCode: exitOK, stderr: "driftwatch hook: could not forward \(event) to \(server): \(reason)")
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
            return CommandResult(exitCode: exitBlocked, stderr: "driftwatch hook: cannot reach \(server) (\(reason)); "
                + "blocking \(tool) (fail-closed: \(why)).")
        }
        return CommandResult(exitCode: exitOK, stderr: "driftwatch hook: cannot reach \(server) (\(reason)); "
            + "allowing \(tool) (fail-open: \(why)).")
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
