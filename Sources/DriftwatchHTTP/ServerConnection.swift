/// One accepted connection's state, owned and mutated only by the reactor thread.
final class ServerConnection {
    /// How to frame the response to the request a handler is working on.
    struct PendingResponse {
        let isHEAD: Bool
        let keepAlive: Bool
        let isHTTP10: Bool
    }

    /// Unique for the server's lifetime (never reused, unlike descriptor numbers).
    let id: UInt64
    let socket: SocketDescriptor
    /// False for connections accepted only to be told 503.
    let countsTowardLimit: Bool
    var parser: HTTPRequestParser
    var phase: ConnectionPhase
    var pending: PendingResponse?
    var outbound: [UInt8] = []
    var outboundOffset = 0
    var closeAfterFlush = false
    var readClosed = false
    var requestCount = 0
    var registeredEvents: UInt32 = 0

    init(id: UInt64, socket: SocketDescriptor, limits: HTTPLimits, phase: ConnectionPhase, countsTowardLimit: Bool) {
        self.id = id
        self.socket = socket
        self.parser = HTTPRequestParser(limits: limits)
        self.phase = phase
        self.countsTowardLimit = countsTowardLimit
    }

    var hasPendingOutput: Bool { outboundOffset < outbound.count }

    /// The epoll interest this connection needs now: write while output is queued;
    /// otherwise read, but only when no request is with a handler, so a pipelining
    /// client is back-pressured by TCP rather than buffered without bound.
    var desiredEvents: UInt32 {
        if phase.isLingering { return Epoll.readable }
        if hasPendingOutput { return Epoll.writable }
        if pending == nil && !readClosed && !closeAfterFlush { return Epoll.readable }
        return 0
    }
}

@available(*, unavailable)
extension ServerConnection: Sendable {}
