import DriftwatchCore
import DriftwatchHTTP

/// The demo's kill-switch receiver (issue 5): a tiny HTTP server on an ephemeral
/// 127.0.0.1 port that checks each delivery's `X-Driftwatch-Signature` with
/// ``WebhookSignature/verify(header:secret:body:now:tolerance:)`` and answers 200
/// (401 for a bad signature), so the demo's open breaker shows a delivered webhook.
final class DemoWebhookReceiver: Sendable {
    static let path = "/driftwatch-demo/webhook"

    let server: HTTPServer
    let secret: String

    /// Binds the port (the server answers once ``run()`` is called).
    /// - Throws: what `HTTPServer.init` throws (no free port).
    init(log: @escaping @Sendable (String) -> Void) throws {
        let secret = HexEncoding.encode(DashboardAuth.randomBytes(16))
        self.secret = secret
        let now = DashboardAuth.unixSeconds
        server = try HTTPServer(configuration: HTTPServer.Configuration(host: "127.0.0.1", port: 0), log: log, handler: { request in
            guard request.method == HTTPMethod.post, request.path == Self.path else { return .text("not found\n", status: .notFound) }
            do {
                try WebhookSignature.verify(header: request.headers[WebhookSignature.headerName] ?? "", secret: Array(secret.utf8),
                                            body: request.body, now: now())
            } catch {
                log("demo: the loopback receiver refused a webhook: \(error)")
                return .text("bad signature\n", status: .unauthorized)
            }
            let type = request.headers["X-Driftwatch-Event-Type"] ?? "a webhook"
            log("demo: the loopback receiver got \(type) (signature verified) and answered 200")
            return .text("ok\n")
        })
    }

    var webhook: Configuration.Webhook {
        Configuration.Webhook(url: "http://127.0.0.1:\(server.port)\(Self.path)", secret: secret)
    }

    func run(log: @Sendable (String) -> Void) async {
        do { try await server.run() } catch { log("demo: the loopback webhook receiver stopped: \(error)") }
    }

    func shutdown() async { await server.shutdown() }
}
