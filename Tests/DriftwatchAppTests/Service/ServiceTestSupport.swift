@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore

/// An event as one NDJSON line (spec §1 field names).
func ndjsonLine(_ e: Event) -> String {
    var members: [JSONMember] = [JSONMember("agent", .string(e.agent))]
    if e.kind == .llmCall { members.append(JSONMember("type", "llm_call")) }
    if let tool = e.tool { members.append(JSONMember("tool", .string(tool))) }
    if let ts = e.ts { members.append(JSONMember("ts", .string(RFC3339.format(ts)))) }
    if let s = e.session { members.append(JSONMember("session", .string(s))) }
    if let c = e.callID { members.append(JSONMember("call_id", .string(c))) }
    if let a = e.args { members.append(JSONMember("args", a)) }
    if e.status != "ok" { members.append(JSONMember("status", .string(e.status))) }
    if let c = e.costUSD { members.append(JSONMember("cost_usd", .number(c))) }
    return JSONValue.object(members).jsonString
}

func ndjson(_ events: [Event]) -> [UInt8] {
    Array(events.map(ndjsonLine).joined(separator: "\n").utf8)
}

func parseJSON(_ bytes: [UInt8]) throws -> JSONValue { try JSONScanner.parse(bytes) }

/// A pipeline and routes over an in-memory store, with the writer loop running for the
/// duration of `body`; routes are called directly, without sockets.
func withRoutes(
    configuration: Configuration = Configuration(),
    baselines: [Baseline] = [],
    clock: WallClock = WallClock { 1_700_000_000_000_000_000 },
    breakerCheck: @escaping BreakerCheck = { _, _, _ in .allow },
    startWriter: Bool = true,
    _ body: (ServiceRoutes, IngestPipeline, any DatabaseWriter) async throws -> Void
) async throws {
    let store = try DatabaseQueue(path: ":memory:", migrator: Schema.migrator)
    let metrics = ServiceMetrics()
    let pipeline = IngestPipeline(store: store, monitor: Monitor(settings: configuration.detection, baselines: baselines),
                                  persistedBaselines: Set(baselines.map(\.agent)),
                                  batchSize: configuration.limits.batchSize,
                                  maxQueuedEvents: configuration.limits.maxQueuedEvents,
                                  redact: configuration.redaction, metrics: metrics, clock: clock, log: { _ in })
    let routes = ServiceRoutes(pipeline: pipeline, store: store, metrics: metrics,
                               access: AccessControl(tokens: configuration.tokens),
                               maxLineBytes: configuration.limits.maxLineBytes,
                               maxBodyBytes: configuration.limits.maxBodyBytes, clock: clock, breakerCheck: breakerCheck)
    try await withThrowingTaskGroup(of: Void.self) { group in
        if startWriter { group.addTask { await pipeline.run() } }
        do {
            try await body(routes, pipeline, store)
        } catch {
            pipeline.finish()
            throw error
        }
        pipeline.finish()
        try await group.waitForAll()
    }
}

func post(_ path: String, _ body: [UInt8], contentType: String = "application/x-ndjson",
          token: String? = nil) -> HTTPRequest {
    var headers: HTTPHeaders = ["Content-Type": contentType]
    if let token { try? headers.add("Authorization", "Bearer \(token)") }
    return HTTPRequest(method: .post, target: path, headers: headers, body: body)
}

func get(_ target: String, token: String? = nil) -> HTTPRequest {
    var headers = HTTPHeaders()
    if let token { try? headers.add("Authorization", "Bearer \(token)") }
    return HTTPRequest(method: .get, target: target, headers: headers)
}

/// Runs a handler, turning a thrown `HTTPError` into its response as the server does.
func respond(_ handler: () async throws -> HTTPResponse) async throws -> HTTPResponse {
    do {
        return try await handler()
    } catch let error as HTTPError {
        return error.response
    }
}

extension ServiceRoutes {
    /// `POST /v1/events`, then waits until detection's results for it are stored too
    /// (alerts, breaker transitions and frozen baselines follow their events by one
    /// writer transaction; see `IngestPipeline`).
    func postEventsDetected(_ request: HTTPRequest) async throws -> HTTPResponse {
        let response = try await postEvents(request)
        await pipeline.settled()
        return response
    }
}
