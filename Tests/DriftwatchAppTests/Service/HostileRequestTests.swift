import Foundation
@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore
import Testing

/// Hostile input (issue 6 item 6): every request below is answered with a clear 4xx, or,
/// for a line-level NDJSON problem, a rejected line in the 202 reply naming the line and
/// what is wrong, and nothing stored changes. Routes are called without sockets; attacks on
/// the HTTP framing go through `HTTPRequestParser` as raw bytes.
struct HostileRequestTests {
    /// What a hostile request must not change: stored events, agents, alerts and audit rows.
    struct Snapshot: Equatable {
        var events: Int64
        var agents: Int
        var alerts: Int
        var audit: Int
    }

    static func snapshot(_ store: any DatabaseWriter) async throws -> Snapshot {
        try await store.read { db in
            Snapshot(events: try EventStore.count(in: db), agents: try AgentStore.count(in: db),
                     alerts: try AlertStore.countsByKind(in: db).values.reduce(0, +),
                     audit: try AuditStore.recent(limit: 10_000, in: db).count)
        }
    }

    /// Stores one ordinary event so "no change" is measured against a non-empty store.
    static func seed(_ routes: ServiceRoutes) async throws {
        let r = try await routes.postEvents(post("/v1/events", Array(#"{"agent":"good","tool":"t","call_id":"seed"}"#.utf8)))
        #expect(r.status == .accepted)
    }

    /// Every header value a response carries is free of CR, LF and NUL.
    static func expectCleanHeaders(_ response: HTTPResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        for field in response.headers {
            #expect(!field.value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 },
                    "\(field.name) carries a control character", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Path traversal

    @Test(arguments: [
        "/v1/agents/..%2F..%2Fetc", "/v1/agents/..%2F..%2Fetc%2Fpasswd", "/v1/agents/%2e%2e", "/v1/agents/a%00b",
        "/static/../Package.swift", "/static/..%2F..%2FPackage.swift", "/static/%2e%2e/Package.swift",
        "/../../etc/passwd", "/static/driftwatch.css%00.html", "/agents/..%2F..%2Fetc", "/agents/%2e%2e%2f%2e%2e%2fetc/rebaseline",
    ])
    func pathTraversalInRoutesIsA4xxAndReadsNoFile(_ target: String) async throws {
        try await withDashboard { router, _, pipeline, store in
            // The API routes over the same store, alongside the dashboard's.
            let routes = ServiceRoutes(pipeline: pipeline, store: store, metrics: ServiceMetrics(),
                                       access: AccessControl(tokens: .init()), maxLineBytes: 1 << 20, clock: WallClock { testNow })
            try await Self.seed(routes)
            let before = try await Self.snapshot(store)
            for r in [router, routes.router] {
                let response = try await r.call(get(target))
                #expect((400..<500).contains(response.status.code), "\(target) → \(response.status.code)")
                let text = response.text
                #expect(!text.contains("PackageDescription") && !text.contains("root:x:0"), "\(target) leaked a file")
                Self.expectCleanHeaders(response)
            }
            #expect(try await Self.snapshot(store) == before)
        }
    }

    /// Agent names are opaque keys (Claude Code names contain `/`), never file paths: a
    /// dotted name reads a breaker status like any unseen agent, and changes nothing.
    @Test func aDottedAgentNameIsAKeyNotAPath() async throws {
        try await withRoutes { routes, _, store in
            try await Self.seed(routes)
            let before = try await Self.snapshot(store)
            let status = try await routes.router.call(get("/v1/agents/..%2F..%2Fetc/breaker"))
            let state = try parseJSON(status.body)["state"]
            #expect(status.status == .ok && state == "closed")
            let agent = try await routes.router.call(get("/v1/agents/..%2F..%2Fetc"))
            #expect(agent.status == .notFound)
            #expect(try await Self.snapshot(store) == before)
        }
    }

    @Test func nulAndRawTraversalBytesInTheTargetAreRefusedByTheParser() {
        for raw in ["GET /v1/agents/a\u{0}b HTTP/1.1\r\nHost: x\r\n\r\n", "GET /static/\\..\\Package.swift HTTP/1.1\r\nHost: x\r\n\r\n",
                    "GET /v1/agents/a%zz HTTP/1.1\r\nHost: x\r\n\r\n"] {
            var parser = HTTPRequestParser()
            switch parser.feed(Array(raw.utf8)) {
            case .error(let e):
                #expect(e.status == .badRequest && e == .invalidTarget, "\(raw.debugDescription): \(e)")
            case .request(let r):
                // A target the parser lets through must still fail routing cleanly.
                #expect(!r.path.contains("\u{0}"), "\(raw.debugDescription) reached routing with a NUL")
            case .needMoreData:
                Issue.record("\(raw.debugDescription): parser wants more data")
            }
        }
    }

    // MARK: - Header injection

    static let crlfAgent = "a\r\nSet-Cookie: pwned=1"

    @Test func agentNameWithCRLFCannotTripABreakerThroughTheAPI() async throws {
        try await withRoutes { routes, _, store in
            try await Self.seed(routes)
            let before = try await Self.snapshot(store)
            let target = "/v1/agents/" + DashboardURL.encode(Self.crlfAgent) + "/breaker"
            let body = Array(#"{"action":"trip","reason":"x"}"#.utf8)
            let response = try await routes.router.call(post(target, body, contentType: "application/json"))
            #expect(response.status == .badRequest)
            #expect(response.text.contains("control characters"), "\(response.text)")
            Self.expectCleanHeaders(response)
            #expect(try await Self.snapshot(store) == before)
        }
    }

    @Test func agentNameWithCRLFInTheDashboardBreakerFormNeverReachesLocation() async throws {
        try await withDashboard(tokens: DashboardAccessTests.tokens) { router, dashboard, pipeline, store in
            _ = pipeline
            let before = try await Self.snapshot(store)
            let admin = dashboard.auth.issue(.admin)
            let csrf = dashboard.auth.csrfToken(for: request(.get, "/", cookie: admin))
            for agent in [Self.crlfAgent, "a\rb", "a\nLocation: //evil", "a\u{0}b"] {
                let target = "/agents/" + DashboardURL.encode(agent) + "/breaker"
                let response = try await router.call(request(.post, target, cookie: admin,
                                                              form: [("csrf", csrf), ("action", "trip"), ("reason", "x")]))
                #expect(response.status == .badRequest, "\(agent.debugDescription) → \(response.status.code)")
                #expect(response.text.contains("control characters"))
                #expect(response.headers["Location"] == nil && response.headers.values(for: "Set-Cookie").isEmpty)
                Self.expectCleanHeaders(response)
            }
            #expect(try await Self.snapshot(store) == before)
        }
    }

    @Test func loginNextWithCRLFBecomesALocalRedirectWithoutInjectedHeaders() async throws {
        try await withDashboard(tokens: DashboardAccessTests.tokens) { router, _, _, store in
            let before = try await Self.snapshot(store)
            for next in ["/agents/x\r\nSet-Cookie: pwned=1", "/\r\nLocation: http://evil", "//evil.example/", "/\\evil", "http://evil/"] {
                let response = try await router.call(request(.post, "/login",
                                                             form: [("token", DashboardAccessTests.tokens.admin ?? ""), ("next", next)]))
                #expect(response.status == .seeOther)
                #expect(response.headers["Location"] == "/", "\(next.debugDescription) → \(response.headers["Location"] ?? "nil")")
                #expect(response.headers.values(for: "Set-Cookie").count == 1)
                #expect(!(response.headers["Set-Cookie"] ?? "").contains("pwned"))
                Self.expectCleanHeaders(response)
            }
            #expect(try await Self.snapshot(store) == before)
        }
    }

    @Test func headersRefuseCRLFAsTheLastLineOfDefence() {
        var headers = HTTPHeaders()
        for value in ["/a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\u{0}b"] {
            #expect(throws: HTTPHeaderFieldError.self) { try headers.set("Location", value) }
            #expect(throws: HTTPHeaderFieldError.self) { try headers.set("Content-Disposition", "attachment; filename=\"\(value)\"") }
        }
        #expect(headers.count == 0)
    }

    // MARK: - Hostile JSON in NDJSON lines

    /// Posts one good line, then each hostile line; each hostile line must be rejected by
    /// line number with an error containing `mentions`, and only the good line stored.
    static func expectRejected(_ lines: [(String, [String])], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await withRoutes { routes, _, store in
            try await Self.seed(routes)
            let before = try await Self.snapshot(store)
            var body = Array(#"{"agent":"good","tool":"t","call_id":"fresh"}"#.utf8)
            for (line, _) in lines { body += [0x0A] + Self.bytes(line) }
            let response = try await routes.postEvents(post("/v1/events", body))
            #expect(response.status == .accepted, sourceLocation: sourceLocation)
            let json = try parseJSON(response.body)
            #expect(json["accepted"] == 1, "\(response.text)", sourceLocation: sourceLocation)
            #expect(json["rejected"] == .number(Double(lines.count)), "\(response.text)", sourceLocation: sourceLocation)
            let errors = json["errors"]?.arrayValue ?? []
            for (i, (line, mentions)) in lines.enumerated() {
                let error = errors.first { $0["line"] == .number(Double(i + 2)) }?["error"]?.stringValue
                #expect(error != nil, "line \(i + 2) \(line.debugDescription) not listed", sourceLocation: sourceLocation)
                for word in mentions {
                    #expect(error?.contains(word) == true, "line \(i + 2): \(error ?? "nil") lacks \(word)", sourceLocation: sourceLocation)
                }
            }
            var after = before
            after.events += 1
            #expect(try await Self.snapshot(store) == after, sourceLocation: sourceLocation)
        }
    }

    /// Test lines spell raw bytes as `\xHH` (so invalid UTF-8 can be written in a Swift string).
    static func bytes(_ line: String) -> [UInt8] {
        var out: [UInt8] = []
        var u = Array(line.utf8)[...]
        while let b = u.first {
            if b == UInt8(ascii: "\\"), u.count >= 4, u.dropFirst().first == UInt8(ascii: "x"),
               let v = UInt8(String(decoding: u.dropFirst(2).prefix(2), as: UTF8.self), radix: 16) {
                out.append(v); u = u.dropFirst(4)
            } else {
                out.append(b); u = u.dropFirst()
            }
        }
        return out
    }

    @Test func oversizedNumbersAreRejectedLines() async throws {
        let digits400 = String(repeating: "9", count: 400)
        try await Self.expectRejected([
            (#"{"agent":"a","tool":"t","cost_usd":1e999}"#, ["out of range"]),
            (#"{"agent":"a","tool":"t","cost_usd":-1e999}"#, []),
            (#"{"agent":"a","tool":"t","cost_usd":\#(digits400)}"#, ["out of range"]),
            (#"{"agent":"a","type":"llm_call","tokens_in":\#(digits400)}"#, ["out of range"]),
            (#"{"agent":"a","type":"llm_call","tokens_out":1e999}"#, ["out of range"]),
            (#"{"agent":"a","type":"llm_call","tokens_in":1e300}"#, ["tokens_in"]),
            (#"{"agent":"a","tool":"t","args":{"n":\#(digits400)}}"#, ["out of range"]),
        ])
    }

    /// The largest finite numbers are valid JSON and valid costs: the detectors, budgets and
    /// API must survive them (no trap on an overflowing sum or an Int conversion).
    @Test func hugeFiniteNumbersAreStoredWithoutTrapping() async throws {
        var configuration = Configuration()
        configuration.detection.agentPolicies = [AgentPolicyRule(pattern: "*", policy: AgentPolicy(mode: .enforce, sessionBudgetUSD: 1e308))]
        try await withRoutes(configuration: configuration) { routes, _, store in
            var body: [UInt8] = []
            for i in 0..<300 {
                let line = #"{"agent":"big","tool":"t\#(i % 3)","session":"s","call_id":"c\#(i)","cost_usd":1.7976931348623157e308}"#
                body += Array(line.utf8) + [0x0A]
                let llm = #"{"agent":"big","type":"llm_call","session":"s","call_id":"l\#(i)","tokens_in":9007199254740991,"tokens_out":9007199254740991,"cost_usd":1e308}"#
                body += Array(llm.utf8) + [0x0A]
            }
            let response = try await routes.postEvents(post("/v1/events", body))
            #expect(response.status == .accepted)
            #expect(try parseJSON(response.body)["accepted"] == 600, "\(response.text.prefix(400))")
            #expect(try await Self.snapshot(store).events == 600)
            for target in ["/v1/agents/big", "/v1/agents", "/v1/alerts", "/v1/agents/big/breaker", "/metrics"] {
                let r = try await routes.router.call(get(target))
                #expect(r.status == .ok, "\(target) → \(r.status.code)")
            }
        }
    }

    @Test func deeplyNestedJSONIsRejectedAtTheDepthCap() async throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let deeper = String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        try await Self.expectRejected([
            (#"{"agent":"a","tool":"t","args":{"x":\#(deep)}}"#, ["nest"]),
            (#"{"agent":"a","tool":"t","args":\#(deeper)}"#, ["nest"]),
            (#"{"agent":"a","tool":"t","extra":\#(deep)}"#, ["nest"]),
        ])
    }

    @Test func deeplyNestedBodiesAreRefusedEverywhere() async throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        try await withRoutes { routes, _, store in
            try await Self.seed(routes)
            let before = try await Self.snapshot(store)
            // A whole application/json body.
            let r1 = try await routes.postEvents(post("/v1/events", Array(deep.utf8), contentType: "application/json"))
            let accepted = r1.status.code == 400 ? nil : try parseJSON(r1.body)["accepted"]
            #expect(r1.status.code == 400 || accepted == 0, "\(r1.status.code) \(r1.text.prefix(200))")
            #expect(r1.text.contains("nest"), "\(r1.text.prefix(300))")
            // OTLP, the Claude Code hook and the breaker API.
            for (path, type) in [("/v1/traces", "application/json"), ("/v1/hooks/claude-code", "application/json")] {
                let r = try await routes.router.call(post(path, Array(deep.utf8), contentType: type))
                #expect((400..<500).contains(r.status.code), "\(path) → \(r.status.code)")
                #expect(r.text.contains("nest"), "\(path): \(r.text.prefix(300))")
            }
            let r3 = try await routes.router.call(post("/v1/agents/a/breaker", Array(deep.utf8), contentType: "application/json"))
            #expect(r3.status == .badRequest && r3.text.contains("nest"), "\(r3.text.prefix(300))")
            #expect(try await Self.snapshot(store) == before)
        }
        #expect(throws: ConfigurationError.self) { try Configuration(bytes: Array(deep.utf8)) }
        do {
            _ = try Configuration(bytes: Array((#"{"agents":"# + deep + "}").utf8))
        } catch {
            #expect(error.description.contains("nest"), "\(error)")
        }
    }

    @Test func nanAndInfinityAreRejectedLines() async throws {
        try await Self.expectRejected([
            (#"{"agent":"a","tool":"t","cost_usd":NaN}"#, ["cost_usd", "number"]),
            (#"{"agent":"a","tool":"t","cost_usd":Infinity}"#, ["cost_usd", "number"]),
            (#"{"agent":"a","tool":"t","cost_usd":-Infinity}"#, ["byte"]),
            (#"{"agent":"a","tool":"t","cost_usd":"NaN"}"#, ["cost_usd"]),
            (#"{"agent":"a","tool":"t","args":{"x":NaN}}"#, ["byte"]),
            (#"{"agent":"a","type":"llm_call","tokens_in":Infinity}"#, ["tokens_in", "integer"]),
        ])
    }

    @Test func duplicateKeysAreRejectedLines() async throws {
        try await Self.expectRejected([
            (#"{"agent":"a","agent":"b","tool":"t"}"#, ["\"agent\" appears twice"]),
            (#"{"agent":"a","tool":"t","cost_usd":0.1,"cost_usd":99}"#, ["\"cost_usd\" appears twice"]),
            (#"{"agent":"a","tool":"t","args":{"k":1,"k":2}}"#, ["duplicate", "k"]),
            (#"{"agent":"a","tool":"t","call_id":"x","call_id":"y"}"#, ["\"call_id\" appears twice"]),
            (#"{"agent":"a","tool":"t","ag\u0065nt":"b"}"#, ["\"agent\" appears twice"]),  // escaped spelling
        ])
    }

    @Test func overlongAndInvalidUTF8AreRejectedLines() async throws {
        try await Self.expectRejected([
            (#"{"agent":"a\xC0\xAF","tool":"t"}"#, ["UTF-8"]),            // overlong "/"
            (#"{"agent":"a","tool":"t\xED\xA0\x80"}"#, ["UTF-8"]),        // UTF-8-encoded surrogate
            (#"{"agent":"a","tool":"t","args":{"p":"..\xC0\xAF..\xC0\xAFetc"}}"#, ["UTF-8"]),
            (#"{"agent":"a","tool":"t","args":{"\xE0\x80\xAF":1}}"#, ["UTF-8"]),  // 3-byte overlong
            (#"{"agent":"a","tool":"\xF4\x90\x80\x80"}"#, ["UTF-8"]),     // above U+10FFFF
            (#"{"agent":"a","tool":"\xFF"}"#, ["UTF-8"]),
            (#"{"agent":"a","tool":"t","args":{"s":"\ud800"}}"#, ["surrogate"]),
        ])
    }

    // MARK: - Request smuggling

    /// Feeds raw bytes; the parser must refuse with `expected` and hand no request on.
    static func expectRefused(_ raw: String, _ expected: HTTPParserError, sourceLocation: SourceLocation = #_sourceLocation) {
        var parser = HTTPRequestParser()
        var event = parser.feed(Array(raw.utf8))
        var requests = 0
        while case .request = event { requests += 1; event = parser.next() }
        #expect(requests == 0, "\(raw.debugDescription): a request got through", sourceLocation: sourceLocation)
        guard case .error(let e) = event else {
            Issue.record("\(raw.debugDescription): not refused (\(event))", sourceLocation: sourceLocation)
            return
        }
        #expect(e == expected, "\(raw.debugDescription): \(e)", sourceLocation: sourceLocation)
        #expect((400..<600).contains(e.status.code) && !e.reason.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func contentLengthWithTransferEncodingIsRefused() {
        let smuggled = "GET /v1/agents HTTP/1.1\r\nHost: x\r\n\r\n"
        Self.expectRefused("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                           + smuggled, .contentLengthWithTransferEncoding)
        Self.expectRefused("POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n"
                           + smuggled, .contentLengthWithTransferEncoding)
        #expect(HTTPParserError.contentLengthWithTransferEncoding.status == .badRequest)
        #expect(HTTPParserError.contentLengthWithTransferEncoding.reason.contains("Content-Length and Transfer-Encoding"))
    }

    @Test func otherFramingAmbiguitiesAreRefused() {
        let head = "POST /v1/events HTTP/1.1\r\nHost: x\r\n"
        Self.expectRefused(head + "Content-Length: 4\r\nContent-Length: 40\r\n\r\nabcd", .conflictingContentLength)
        Self.expectRefused(head + "Content-Length: 4, 40\r\n\r\nabcd", .conflictingContentLength)
        Self.expectRefused(head + "Content-Length: +4\r\n\r\nabcd", .invalidContentLength)
        Self.expectRefused(head + "Content-Length: 0x4\r\n\r\nabcd", .invalidContentLength)
        Self.expectRefused(head + "Content-Length : 4\r\n\r\nabcd", .invalidHeaderName)
        Self.expectRefused(head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .invalidTransferEncoding)
        Self.expectRefused(head + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", .invalidTransferEncoding)
        Self.expectRefused(head + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", .invalidTransferEncoding)  // chunked not last
        Self.expectRefused(head + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", .unsupportedTransferEncoding)
        Self.expectRefused(head + "Transfer-Encoding:\tchunked\r\n Content-Length: 4\r\n\r\n0\r\n\r\n", .obsoleteLineFolding)
        Self.expectRefused("POST /v1/events HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .invalidTransferEncoding)
        Self.expectRefused(head + "Transfer-Encoding: chunked\r\n\r\n4\nabcd\r\n0\r\n\r\n", .invalidChunkedEncoding)
        Self.expectRefused(head + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n", .invalidChunkSize)
        Self.expectRefused(head + "Content-Length: 99999999999999999999999\r\n\r\n", .bodyTooLarge)
        Self.expectRefused(head + "Content-Length: 9000000\r\n\r\n", .bodyTooLarge)
        Self.expectRefused(head + "Host: y\r\nContent-Length: 0\r\n\r\n", .duplicateHost)
        Self.expectRefused(head + "X: a\rb\r\n\r\n", .bareCarriageReturn)
    }

    // MARK: - --dashboards

    @Test(arguments: ["{{> ../../etc/passwd}}", "{{>../../etc/passwd}}", "{{> /etc/passwd}}", "{{> ..%2F..%2Fetc%2Fpasswd}}",
                      "{{> overview/../../../etc/passwd}}"])
    func aTemplateIncludingAPathIsAStartUpErrorNamingFileAndLine(_ tag: String) throws {
        let dir = try TemporaryDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: shippedDashboards) {
            try FileManager.default.copyItem(atPath: shippedDashboards + "/" + name, toPath: dir.file(name))
        }
        let original = try String(contentsOfFile: dir.file("error.html"), encoding: .utf8)
        _ = try dir.write("error.html", "<p>\n" + tag + "\n</p>\n" + original)
        do {
            _ = try TemplateSet(directory: dir.path)
            Issue.record("\(tag) loaded")
        } catch {
            #expect(error.file.hasSuffix("error.html") && error.line == 2, "\(error)")
            #expect(!"\(error)".contains("root:"), "\(error)")
        }
    }
}
