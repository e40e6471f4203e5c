import Foundation
@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import Testing

/// `driftwatch check` and `driftwatch hook claude-code` without a `serve` process:
/// bad `--server` URLs, payloads that are not hook payloads, and refused tokens.
struct GateCommandsTests {
    static let post = Array(#"{"hook_event_name":"PostToolUse","tool_name":"Read","tool_input":{}}"#.utf8)
    static let pre = Array(#"{"hook_event_name":"PreToolUse","tool_name":"db.drop_table","tool_input":{}}"#.utf8)
    static let bash = Array(#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}}"#.utf8)
    /// The gate's own 2 s / 5 s timeouts are for production; a parallel test run on two
    /// loaded cores has answered the in-process server later than that.
    static var patient: HTTPClient.Configuration {
        var c = GateCommands.clientConfiguration
        c.connectTimeout = .seconds(60)
        c.responseTimeout = .seconds(60)
        return c
    }

    /// Spec §3: bad usage exits 64 with a one-line reason; 69 is for a server that is
    /// really unreachable, which a URL that cannot be parsed never was.
    @Test(arguments: ["notaurl", "https://127.0.0.1:8080", "http://", "http://host:99999", "ftp://x", "http://a b"])
    func anInvalidServerURLIsBadUsage(_ server: String) {
        let check = GateCommands.check(agent: "bot", server: server, token: nil)
        #expect(check.exitCode == 64)
        let message = check.stderr ?? ""
        #expect(message.hasPrefix("driftwatch check: invalid --server URL") && !message.contains("\n"), "\(message)")
        #expect(!message.contains("cannot reach"))
        // The hook's own misconfiguration blocks a PreToolUse (the only exit Claude Code
        // blocks on) unless --fail-open; anything else is reported with 64.
        for (payload, mode, code) in [(Self.post, GateCommands.FailMode.closed, Int32(64)), (Self.pre, .byToolClass, 2),
                                      (Self.pre, .open, 64)] {
            let hook = GateCommands.hookClaudeCode(payload: payload, server: server, agent: nil, failMode: mode,
                                                   tools: ToolClassifier(), token: nil)
            #expect(hook.exitCode == code, "\(hook)")
            #expect(hook.stderr?.hasPrefix("driftwatch hook is misconfigured: invalid --server URL") == true, "\(hook)")
        }
    }

    @Test func aPayloadWithoutHookEventNameIsNamedAndNotForwarded() {
        // The server is never asked (nothing listens on this address).
        for payload in [#"{"tool_name":"Read"}"#, #"{"hook_event_name":""}"#, #"{"hook_event_name":7}"#, "[1]"] {
            let result = GateCommands.hookClaudeCode(payload: Array(payload.utf8), server: "http://127.0.0.1:9", agent: nil,
                                                     failMode: .closed, tools: ToolClassifier(), token: nil)
            #expect(result.exitCode == 0)
            let message = result.stderr ?? ""
            #expect(message.contains("no hook_event_name"), "\(message)")
            #expect(!message.contains("  "), "\(message)")
        }
    }

    /// A server that answers 401 or 403 was reached: the message says it refused the token.
    /// That is the hook's misconfiguration, not an outage: a PreToolUse is blocked even for
    /// a tool the outage fallback would allow (the audit found `Bash` let through).
    @Test func aRefusedTokenIsNotCalledUnreachable() async throws {
        let server = try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), responder: ClosureResponder { request in
            if request.headers["Authorization"] == "Bearer viewer-token-0123456789" {
                throw HTTPError(.forbidden, message: "this token does not have the ingest role")
            }
            throw HTTPError(.unauthorized, message: "invalid bearer token")
        }, log: { _ in })
        let url = "http://127.0.0.1:\(server.port)"
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let results = try await blocking {
                [
                    GateCommands.hookClaudeCode(payload: Self.post, server: url, agent: nil, failMode: .byToolClass,
                                                tools: ToolClassifier(), token: "wrong-token-0123456789", client: Self.patient),
                    GateCommands.hookClaudeCode(payload: Self.pre, server: url, agent: nil, failMode: .closed,
                                                tools: ToolClassifier(), token: "viewer-token-0123456789", client: Self.patient),
                    GateCommands.check(agent: "bot", server: url, token: nil, client: Self.patient),
                    GateCommands.hookClaudeCode(payload: Self.bash, server: url, agent: nil, failMode: .byToolClass,
                                                tools: ToolClassifier(), token: nil, client: Self.patient),
                    GateCommands.hookClaudeCode(payload: Self.bash, server: url, agent: nil, failMode: .open,
                                                tools: ToolClassifier(), token: nil, client: Self.patient),
                ]
            }
            await server.shutdown()
            try await group.waitForAll()
            let (post, pre, check, bash, bashOpen) = (results[0], results[1], results[2], results[3], results[4])
            #expect(post.exitCode == 64)
            #expect(post.stderr?.contains("\(url) refused the token (HTTP 401: invalid bearer token)") == true, "\(post)")
            #expect(post.stderr?.contains("PostToolUse not forwarded") == true, "\(post)")
            #expect(pre.exitCode == GateCommands.exitBlocked)
            #expect(pre.stderr?.contains("\(url) refused the token (HTTP 403: this token does not have the ingest role)") == true,
                    "\(pre)")
            #expect(pre.stderr?.contains("blocking db.drop_table until the hook command is fixed") == true, "\(pre)")
            #expect(bash.exitCode == GateCommands.exitBlocked, "\(bash)")
            #expect(bash.stderr?.contains("refused the request without a token (HTTP 401") == true, "\(bash)")
            #expect(bashOpen.exitCode == 64 && bashOpen.stderr?.contains("allowing Bash (--fail-open)") == true, "\(bashOpen)")
            #expect(check.exitCode == GateCommands.exitUnavailable)
            #expect(check.stderr?.contains("refused the request without a token (HTTP 401") == true, "\(check)")
            for r in results { #expect(r.stderr?.contains("cannot reach") == false, "\(r)") }
        }
    }

    /// The denial names the agent's own reset route (percent-encoded), and does not
    /// point a session's breaker at a reset that acts on the agent's breaker only.
    @Test func theDenialNamesTheRealResetRouteOrNoneForASession() {
        let agent = BreakerControl.denyReason(agent: "billing bot", BreakerStatus(
            state: .open, since: 0, reason: "tripped by an operator: INC-1", retryAfterSeconds: nil, mode: .enforce, heldByOperator: true))
        #expect(agent.contains("POST /v1/agents/billing%20bot/breaker"), "\(agent)")
        #expect(!agent.contains("{agent}"), "\(agent)")
        let session = BreakerControl.denyReason(agent: "bot", BreakerStatus(
            state: .open, since: 0, reason: "critical loop.repeat", retryAfterSeconds: 120, mode: .enforce, session: "s-1"))
        #expect(session.contains("session s-1 of bot") && session.contains("after its cool-down"), "\(session)")
        #expect(!session.contains("POST"), "\(session)")
    }
}
