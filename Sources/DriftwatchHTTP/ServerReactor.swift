#if canImport(Glibc)
import Glibc
#endif

/// The event loop: one thread blocked in `epoll_wait`, owning the listening socket
/// and every connection. It never blocks on anything else and never runs handler
/// code: complete requests go out through `jobs`, responses come back through the
/// mailbox. Idle connections cost a table entry and a descriptor, no thread.
///
/// Timeouts are checked by a sweep every ``tick``: simpler than a timer heap and
/// cheap at the connection counts one instance carries.
final class ServerReactor {
    private static let listenerToken: UInt64 = 0
    private static let mailboxToken: UInt64 = 1
    private static let tick: Duration = .milliseconds(50)
    private static let readChunk = 64 * 1024
    private static let continueBytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private let configuration: HTTPServer.Configuration
    private let timeouts: ConnectionPhase.Timeouts
    private let listener: SocketDescriptor
    private let mailbox: ReactorMailbox
    private let jobs: AsyncStream<ServerJob>.Continuation
    private let log: @Sendable (String) -> Void
    private let epoll: Epoll
    private let readBuffer: UnsafeMutableRawBufferPointer
    private let overCapacityResponse: [UInt8]

    private var connections: [UInt64: ServerConnection] = [:]
    private var activeCount = 0
    private var rejectedCount = 0
    private var nextID: UInt64 = 2
    private var listenerOpen = true
    private var listenerPausedUntil: ContinuousClock.Instant?
    private var shutdownDeadline: ContinuousClock.Instant?
    /// Set if the loop itself failed; `run()` rethrows it.
    private(set) var fatalError: SystemError?

    init(configuration: HTTPServer.Configuration, listener: SocketDescriptor, mailbox: ReactorMailbox,
         jobs: AsyncStream<ServerJob>.Continuation, log: @escaping @Sendable (String) -> Void) throws(SystemError) {
        self.configuration = configuration
        self.timeouts = configuration.timeouts
        self.listener = listener
        self.mailbox = mailbox
        self.jobs = jobs
        self.log = log
        self.epoll = try Epoll()
        self.readBuffer = .allocate(byteCount: Self.readChunk, alignment: 16)
        var headers = HTTPHeaders()
        try? headers.add("Retry-After", String(configuration.retryAfterSeconds))
        overCapacityResponse = HTTPError(.serviceUnavailable, message: "too many connections", headers: headers)
            .response.serialized(close: true)
        do {
            try epoll.add(listener.rawValue, events: Epoll.readable, token: Self.listenerToken)
            try epoll.add(mailbox.readDescriptor, events: Epoll.readable, token: Self.mailboxToken)
        } catch {
            epoll.close()
            readBuffer.deallocate()
            throw error
        }
    }

    deinit {
        readBuffer.deallocate()
    }

    /// Runs until shutdown has drained (or timed out), then closes everything and
    /// finishes `jobs`.
    func run() {
        let events = UnsafeMutableRawBufferPointer.allocate(byteCount: Epoll.eventStride * 256, alignment: 16)
        defer { events.deallocate() }
        var nextSweep = ContinuousClock.now + Self.tick
        while true {
            let timeout: Int32
            if connections.isEmpty && shutdownDeadline == nil && listenerPausedUntil == nil {
                timeout = -1
            } else {
                timeout = Self.milliseconds(until: nextSweep)
            }
            let count: Int
            do {
                count = try epoll.wait(into: events, timeoutMilliseconds: timeout)
            } catch {
                log("http: reactor stopped: \(error)")
                fatalError = error
                break
            }
            for index in 0..<count {
                let (flags, token) = Epoll.event(at: index, in: events)
                handle(flags, token: token)
            }
            let now = ContinuousClock.now
            if now >= nextSweep {
                sweep(now)
                nextSweep = now + Self.tick
            }
            if let deadline = shutdownDeadline, connections.isEmpty || now >= deadline { break }
        }
        closeEverything()
    }

    // MARK: - Events

    private func handle(_ flags: UInt32, token: UInt64) {
        switch token {
        case Self.listenerToken:
            acceptConnections()
        case Self.mailboxToken:
            for command in mailbox.takeAll() { execute(command) }
        default:
            guard let connection = connections[token] else { return }
            if flags & (Epoll.error | Epoll.hangUp) != 0 && !connection.phase.isLingering {
                close(connection) // reset or fully closed: nothing more can be delivered
                return
            }
            if flags & (Epoll.readable | Epoll.hangUp | Epoll.error) != 0 { readable(connection) }
            if flags & Epoll.writable != 0, connections[token] != nil { flush(connection) }
        }
    }

    private func acceptConnections() {
        while listenerOpen {
            let accepted: SocketDescriptor?
            do {
                accepted = try listener.accept()
            } catch {
                log("http: \(error)")
                if [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errno) {
                    // Out of descriptors: stop listening briefly instead of spinning on a
                    // level-triggered listener that can never be drained.
                    epoll.remove(listener.rawValue)
                    listenerPausedUntil = ContinuousClock.now + .milliseconds(100)
                }
                return
            }
            guard let socket = accepted else { return }
            socket.setNoDelay()
            let now = ContinuousClock.now
            let id = nextID
            nextID += 1
            if activeCount >= configuration.maxConnections {
                // Over capacity: say 503 + Retry-After, then close. The rejected connection
                // lingers so the peer can read it, bounded by a second pool of the same size.
                guard rejectedCount < configuration.maxConnections else {
                    socket.close()
                    continue
                }
                let connection = ServerConnection(id: id, socket: socket, limits: configuration.limits,
                                                  phase: .writing(since: now), countsTowardLimit: false)
                connection.outbound = overCapacityResponse
                connection.closeAfterFlush = true
                guard register(connection) else { continue }
                rejectedCount += 1
                flush(connection)
                continue
            }
            let connection = ServerConnection(id: id, socket: socket, limits: configuration.limits,
                                              phase: .readingHead(since: now), countsTowardLimit: true)
            guard register(connection) else { continue }
            activeCount += 1
        }
    }

    private func register(_ connection: ServerConnection) -> Bool {
        do {
            let events = connection.desiredEvents
            try epoll.add(connection.socket.rawValue, events: events, token: connection.id)
            connection.registeredEvents = events
            connections[connection.id] = connection
            return true
        } catch {
            log("http: \(error)")
            connection.socket.close()
            return false
        }
    }

    private func readable(_ connection: ServerConnection) {
        if connection.phase.isLingering {
            discardInput(connection)
            return
        }
        guard connection.pending == nil, !connection.readClosed else { return }
        let received: Int?
        do {
            received = try connection.socket.receive(into: readBuffer)
        } catch {
            close(connection)
            return
        }
        guard let received else { return }
        if received == 0 {
            peerClosed(connection)
            return
        }
        let event = connection.parser.feed(UnsafeRawBufferPointer(rebasing: readBuffer[0..<received]))
        process(connection, event)
    }

    /// The peer finished sending. Answer a request already with a handler, then close;
    /// a partial request can never be completed, so close at once.
    private func peerClosed(_ connection: ServerConnection) {
        connection.readClosed = true
        if connection.pending != nil || connection.hasPendingOutput {
            connection.closeAfterFlush = true
            updateInterest(connection)
        } else {
            close(connection)
        }
    }

    private func process(_ connection: ServerConnection, _ event: HTTPRequestParser.Event) {
        switch event {
        case .needMoreData:
            let now = ContinuousClock.now
            switch connection.parser.progress {
            case .betweenRequests:
                break
            case .readingHead:
                if !connection.phase.isReadingHead { connection.phase = .readingHead(since: now) }
            case .readingBody:
                if !connection.phase.isReadingBody { connection.phase = .readingBody(since: now) }
            }
            if connection.parser.expectsContinue {
                // RFC 9110 §10.1.1: the head is acceptable (limits passed), invite the body.
                connection.parser.acknowledgeContinue()
                connection.outbound.append(contentsOf: Self.continueBytes)
                flush(connection)
            }

        case .request(let request):
            connection.requestCount += 1
            let keepAlive = request.keepAlive && shutdownDeadline == nil
                && connection.requestCount < configuration.maxRequestsPerConnection
            connection.pending = .init(isHEAD: request.method == .head, keepAlive: keepAlive,
                                       isHTTP10: request.version == .http1_0)
            connection.phase = .handling
            updateInterest(connection)
            jobs.yield(ServerJob(connectionID: connection.id, request: request))

        case .error(let error):
            // After a framing error the byte stream cannot be trusted: answer and close
            // (RFC 9112 §11.2).
            respondAndClose(connection, status: error.status, message: error.reason)
        }
    }

    private func respondAndClose(_ connection: ServerConnection, status: HTTPStatus, message: String) {
        connection.outbound.append(contentsOf: HTTPError(status, message: message).response.serialized(close: true))
        connection.closeAfterFlush = true
        connection.phase = .writing(since: ContinuousClock.now)
        flush(connection)
    }

    private func execute(_ command: ReactorMailbox.Command) {
        switch command {
        case .shutdown:
            beginShutdown()
        case .respond(let id, let response):
            guard let connection = connections[id], let pending = connection.pending else { return }
            connection.pending = nil
            let close = !pending.keepAlive || connection.readClosed || shutdownDeadline != nil
            connection.outbound.append(contentsOf: response.serialized(
                close: close, keepAliveHTTP10: pending.isHTTP10 && !close, headRequest: pending.isHEAD))
            connection.closeAfterFlush = close
            connection.phase = .writing(since: ContinuousClock.now)
            flush(connection)
        }
    }

    /// Writes queued output until done or the socket would block (then waits for EPOLLOUT).
    private func flush(_ connection: ServerConnection) {
        while connection.hasPendingOutput {
            let written: Int?
            do {
                written = try connection.socket.send(connection.outbound, from: connection.outboundOffset)
            } catch {
                close(connection) // EPIPE / ECONNRESET: the peer is gone
                return
            }
            guard let written else {
                updateInterest(connection)
                return
            }
            connection.outboundOffset += written
        }
        connection.outbound.removeAll(keepingCapacity: connection.outbound.capacity <= 64 * 1024)
        connection.outboundOffset = 0

        guard connection.phase.isWriting else {
            updateInterest(connection) // an interim 100 Continue went out; keep reading the body
            return
        }
        if connection.closeAfterFlush {
            beginLingeringClose(connection)
            return
        }
        let now = ContinuousClock.now
        switch connection.parser.progress {
        case .betweenRequests:
            connection.phase = .idle(since: now)
            connection.parser.releaseBufferIfEmpty()
            connection.outbound = []
        case .readingHead: connection.phase = .readingHead(since: now)
        case .readingBody: connection.phase = .readingBody(since: now)
        }
        updateInterest(connection)
        if connection.parser.bufferedByteCount > 0 {
            // A pipelined request arrived while we were busy: serve it now, in order.
            process(connection, connection.parser.next())
        }
    }

    /// Half-closes and discards input until the peer closes, so the response we just
    /// sent is not destroyed by a reset triggered by unread data (RFC 9112 §9.6).
    private func beginLingeringClose(_ connection: ServerConnection) {
        guard !connection.readClosed else {
            close(connection)
            return
        }
        connection.socket.shutdownWrite()
        connection.phase = .lingering(since: ContinuousClock.now)
        updateInterest(connection)
    }

    private func discardInput(_ connection: ServerConnection) {
        for _ in 0..<16 {
            do {
                guard let received = try connection.socket.receive(into: readBuffer) else { return }
                if received == 0 { break }
            } catch {
                break
            }
        }
        close(connection)
    }

    private func updateInterest(_ connection: ServerConnection) {
        let events = connection.desiredEvents
        guard events != connection.registeredEvents else { return }
        do {
            try epoll.modify(connection.socket.rawValue, events: events, token: connection.id)
            connection.registeredEvents = events
        } catch {
            log("http: \(error)")
            close(connection)
        }
    }

    private func close(_ connection: ServerConnection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        epoll.remove(connection.socket.rawValue)
        connection.socket.close()
        if connection.countsTowardLimit { activeCount -= 1 } else { rejectedCount -= 1 }
    }

    // MARK: - Time and shutdown

    private func sweep(_ now: ContinuousClock.Instant) {
        if let until = listenerPausedUntil, now >= until, listenerOpen {
            listenerPausedUntil = nil
            do {
                try epoll.add(listener.rawValue, events: Epoll.readable, token: Self.listenerToken)
            } catch {
                log("http: \(error)")
                listenerPausedUntil = now + .milliseconds(100)
            }
        }
        for connection in Array(connections.values) {
            guard let deadline = connection.phase.deadline(timeouts), now >= deadline else { continue }
            if (connection.phase.isReadingHead || connection.phase.isReadingBody)
                && connection.parser.progress != .betweenRequests {
                // RFC 9110 §15.5.9: tell a slow client why, best effort, then drop it.
                let response = HTTPError(.requestTimeout).response.serialized(close: true)
                _ = try? connection.socket.send(response, from: 0)
            }
            close(connection)
        }
    }

    /// Stops accepting, closes connections with nothing in progress, and lets the
    /// others finish (their responses carry `Connection: close`) until the drain deadline.
    private func beginShutdown() {
        guard shutdownDeadline == nil else { return }
        shutdownDeadline = ContinuousClock.now + configuration.drainTimeout
        closeListener()
        for connection in Array(connections.values)
        where connection.pending == nil && !connection.hasPendingOutput {
            if connection.phase.isIdle
                || (connection.phase.isReadingHead && connection.parser.progress == .betweenRequests) {
                close(connection)
            }
        }
    }

    private func closeListener() {
        guard listenerOpen else { return }
        listenerOpen = false
        epoll.remove(listener.rawValue)
        listener.close()
    }

    private func closeEverything() {
        for connection in Array(connections.values) { close(connection) }
        closeListener()
        epoll.close()
        mailbox.close()
        jobs.finish()
    }

    private static func milliseconds(until instant: ContinuousClock.Instant) -> Int32 {
        let remaining = ContinuousClock.now.duration(to: instant)
        guard remaining > .zero else { return 0 }
        let (seconds, attoseconds) = remaining.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }
}

@available(*, unavailable)
extension ServerReactor: Sendable {}
