#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// A tiny HTTP/1.1 client for webhook delivery: one request per connection,
/// `http://` only, bounded in time and size.
///
/// Each request runs blocking socket code (with `poll` for the timeouts) on its own
/// serial dispatch queue, awaited through a continuation. Serial queues are backed by
/// libdispatch's overcommit pool, so a request waiting on the network gets its own
/// thread and never occupies one of Swift concurrency's (a `.concurrent` queue would
/// share the width-limited pool that, on Linux, also runs async tasks).
public struct HTTPClient: Sendable {
    /// Timeouts and size bounds; each a named field with a default.
    public struct Configuration: Sendable {
        /// Longest time to establish the TCP connection.
        public var connectTimeout: Duration = .seconds(5)
        /// Longest time from connected to the complete response (send and receive).
        public var responseTimeout: Duration = .seconds(10)
        /// Largest response body accepted.
        public var maxResponseBytes = 1024 * 1024
        /// Limits for the status line and header section of the response.
        public var maxHeaderBytes = HTTPLimits.defaultMaxHeaderBytes

        public init() {}
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Checks that this client can send to `url` (`http://host[:port][/path]`), without
    /// connecting: a command-line option can then be reported as bad usage before any
    /// attempt is mistaken for an unreachable server.
    /// - Throws: `HTTPClientError` with `.invalidURL` or `.unsupportedScheme`, and why.
    public static func validate(_ url: String) throws(HTTPClientError) {
        _ = try HTTPEndpoint(parsing: url)
    }

    /// Sends `POST url` with `body` and returns the response, whatever its status.
    /// - Throws: `HTTPClientError`; https URLs fail with `.unsupportedScheme`.
    public func post(_ url: String, headers: HTTPHeaders = [:], body: [UInt8]) async throws(HTTPClientError) -> HTTPClientResponse {
        try await send(.post, url, headers: headers, body: body)
    }

    /// Sends one request and returns the response, whatever its status.
    /// `Host`, `Content-Length`, `Transfer-Encoding` and `Connection` are set by the client.
    /// - Throws: `HTTPClientError`.
    public func send(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:],
                     body: [UInt8] = []) async throws(HTTPClientError) -> HTTPClientResponse {
        let endpoint = try HTTPEndpoint(parsing: url)
        let configuration = configuration
        let result: Result<HTTPClientResponse, HTTPClientError> = await withCheckedContinuation { continuation in
            DispatchQueue(label: "http-client").async {
                continuation.resume(returning: Result { () throws(HTTPClientError) in
                    try Self.exchange(method, endpoint, headers: headers, body: body, configuration: configuration)
                })
            }
        }
        return try result.get()
    }

    // MARK: - Blocking exchange (runs on `queue`)

    static func exchange(_ method: HTTPMethod, _ endpoint: HTTPEndpoint, headers: HTTPHeaders, body: [UInt8],
                                 configuration: Configuration) throws(HTTPClientError) -> HTTPClientResponse {
        let addresses: [SocketAddress]
        do {
            addresses = try SocketAddress.resolve(host: endpoint.host, port: endpoint.port, numericOnly: false)
        } catch {
            throw HTTPClientError(.cannotResolve, error.description)
        }
        let socket = try connect(addresses, endpoint: endpoint, timeout: configuration.connectTimeout)
        defer { socket.close() }
        let deadline = ContinuousClock.now + configuration.responseTimeout

        var request: [UInt8] = []
        request.append(contentsOf: "\(method.rawValue) \(endpoint.target) HTTP/1.1\r\nHost: \(endpoint.hostField)\r\n".utf8)
        for field in headers where !["host", "content-length", "transfer-encoding", "connection"].contains(where: {
            HTTPGrammar.equalsIgnoringCase($0.utf8, field.name.utf8)
        }) {
            request.append(contentsOf: "\(field.name): \(field.value)\r\n".utf8)
        }
        request.append(contentsOf: "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8)
        request.append(contentsOf: body)
        try sendAll(request, on: socket, deadline: deadline)
        return try receiveResponse(on: socket, headRequest: method == .head, deadline: deadline,
                                   configuration: configuration)
    }

    private static func connect(_ addresses: [SocketAddress], endpoint: HTTPEndpoint,
                                timeout: Duration) throws(HTTPClientError) -> SocketDescriptor {
        let deadline = ContinuousClock.now + timeout
        var lastError = "no address"
        for address in addresses {
            do {
                guard let socket = try connect(address, until: deadline) else {
                    throw HTTPClientError(.timedOut, "connecting to \(endpoint.hostField)")
                }
                return socket
            } catch {
                lastError = "\(error)"
            }
        }
        throw HTTPClientError(.connectFailed, "\(endpoint.hostField): \(lastError)")
    }

    /// A non-blocking connect bounded by `deadline`.
    /// - Returns: the connected socket, or `nil` on timeout.
    private static func connect(_ address: SocketAddress,
                                until deadline: ContinuousClock.Instant) throws(SystemError) -> SocketDescriptor? {
        let socket = try SocketDescriptor.makeStream(family: address.family)
        do throws(SystemError) {
            try socket.setNonBlocking()
            let failure = try address.withSockAddr { pointer, length in
                Glibc.connect(socket.rawValue, pointer, length) == -1 ? errno : 0
            }
            if failure != 0 && failure != EINPROGRESS && failure != EINTR {
                throw SystemError(call: "connect", errno: failure)
            }
            guard try wait(socket, for: Int16(POLLOUT), until: deadline) else {
                socket.close()
                return nil
            }
            let pending = socket.pendingError()
            if pending != 0 { throw SystemError(call: "connect", errno: pending) }
            socket.setNoDelay()
            return socket
        } catch {
            socket.close()
            throw error
        }
    }

    private static func sendAll(_ bytes: [UInt8], on socket: SocketDescriptor,
                                deadline: ContinuousClock.Instant) throws(HTTPClientError) {
        var offset = 0
        while offset < bytes.count {
            var written: Int?
            var ready = true
            do throws(SystemError) {
                written = try socket.send(bytes, from: offset)
                if written == nil { ready = try wait(socket, for: Int16(POLLOUT), until: deadline) }
            } catch {
                throw HTTPClientError(.io, error.description)
            }
            guard ready else { throw HTTPClientError(.timedOut, "sending the request") }
            offset += written ?? 0
        }
    }

    private static func receiveResponse(on socket: SocketDescriptor, headRequest: Bool, deadline: ContinuousClock.Instant,
                                        configuration: Configuration) throws(HTTPClientError) -> HTTPClientResponse {
        var parser = HTTPMessageParser(mode: .response, limits: HTTPLimits(
            maxHeaderBytes: configuration.maxHeaderBytes, maxBodyBytes: configuration.maxResponseBytes))
        parser.expectResponseToHEAD(headRequest)
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var event = HTTPMessageParser.Event.needMoreData
        while true {
            switch event {
            case .message(let message):
                guard case .response(_, let status, let reason) = message.startLine else {
                    preconditionFailure("response parser produced a request")
                }
                if (100..<200).contains(status) {
                    // Interim response (RFC 9110 §15.2): skip it and read the final one.
                    parser.expectResponseToHEAD(headRequest)
                    event = parser.next()
                    continue
                }
                return HTTPClientResponse(statusCode: status, reasonPhrase: reason, headers: message.headers,
                                          body: message.body)
            case .error(let error):
                if error == .bodyTooLarge {
                    throw HTTPClientError(.responseTooLarge, "response body over \(configuration.maxResponseBytes) bytes")
                }
                throw HTTPClientError(.malformedResponse, error.reason)
            case .needMoreData:
                break
            }
            var received: Int?
            var ready = true
            do throws(SystemError) {
                received = try socket.receive(into: &buffer)
                if received == nil { ready = try wait(socket, for: Int16(POLLIN), until: deadline) }
            } catch {
                throw HTTPClientError(.io, error.description)
            }
            guard ready else { throw HTTPClientError(.timedOut, "waiting for the response") }
            if received == nil { continue }
            guard let count = received, count > 0 else {
                event = parser.finish()
                if case .needMoreData = event {
                    throw HTTPClientError(.malformedResponse, "connection closed before a response")
                }
                continue
            }
            parser.append(buffer[0..<count])
            event = parser.next()
        }
    }

    /// Polls `socket` for `events` until `deadline`.
    /// - Returns: false on timeout.
    private static func wait(_ socket: SocketDescriptor, for events: Int16,
                             until deadline: ContinuousClock.Instant) throws(SystemError) -> Bool {
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return false }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: socket.rawValue, events: events, revents: 0)
            let ready = try Syscall.call("poll") { poll(&descriptor, 1, milliseconds) }
            if ready > 0 { return true }
        }
    }
}
