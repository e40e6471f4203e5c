extension HTTPServer {
    /// Everything the server bounds, each a named field with a default
    /// (design.md § Data flow, "Bounded everything").
    public struct Configuration: Sendable {
        /// An IPv4 or IPv6 literal (`::1` or `[::1]`); `localhost` means 127.0.0.1. No name lookup.
        public var host: String = "127.0.0.1"
        /// 0 binds an ephemeral port; read the result from ``HTTPServer/port``.
        public var port: Int = 8080
        /// Parser limits: request line, header section, header count, body.
        public var limits = HTTPLimits()
        /// Open connections served at once; beyond it a connection gets 503 with
        /// `Retry-After` and is closed.
        public var maxConnections = 1024
        /// Requests served on one connection before the server closes it.
        public var maxRequestsPerConnection = 1000
        /// `listen(2)` backlog.
        public var backlog: Int32 = 511
        /// Longest time to receive a complete request head, from accept or first byte.
        public var headerReadTimeout: Duration = .seconds(10)
        /// Longest time to receive a complete body once its head has arrived.
        public var bodyReadTimeout: Duration = .seconds(60)
        /// Longest a keep-alive connection may sit between requests.
        public var idleTimeout: Duration = .seconds(60)
        /// Longest time to finish writing a response to a peer that stopped reading.
        public var writeTimeout: Duration = .seconds(30)
        /// Longest time to discard input after a response that closes the connection,
        /// so the peer reads it instead of receiving a reset (RFC 9112 §9.6).
        public var lingerTimeout: Duration = .seconds(2)
        /// Longest `shutdown()` waits for in-flight requests before closing everything.
        public var drainTimeout: Duration = .seconds(10)
        /// `Retry-After` seconds sent with the over-capacity 503.
        public var retryAfterSeconds = 1

        public init(host: String = "127.0.0.1", port: Int = 8080) {
            self.host = host
            self.port = port
        }

        var timeouts: ConnectionPhase.Timeouts {
            ConnectionPhase.Timeouts(header: headerReadTimeout, body: bodyReadTimeout, idle: idleTimeout,
                                     write: writeTimeout, linger: lingerTimeout)
        }
    }
}
