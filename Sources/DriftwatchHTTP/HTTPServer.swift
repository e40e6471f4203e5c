#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// An HTTP/1.1 server on POSIX sockets: an epoll reactor thread for I/O, Swift
/// concurrency tasks for handlers.
///
/// Lifecycle: `init` binds and listens (so ``port`` is known at once, also for port
/// 0); ``run()`` serves until ``shutdown()`` or cancellation, then returns. Handler
/// tasks are children of `run()`'s task group (structured concurrency, no detached
/// tasks); the reactor only hands them requests and writes back their responses.
///
/// Each connection serves one request at a time, in order; pipelined requests wait
/// in the parser's buffer and the socket is not read meanwhile (back-pressure).
///
/// SIGPIPE: every socket write uses `MSG_NOSIGNAL`, so a vanished peer is an `EPIPE`
/// error rather than a signal. The process signal disposition is left alone.
public final class HTTPServer: Sendable {
    /// The configuration the server was created with.
    public let configuration: Configuration
    /// The bound TCP port: the configured one, or the ephemeral one chosen for port 0.
    public let port: Int

    private let listener: SocketDescriptor
    private let mailbox: ReactorMailbox
    private let responder: any HTTPResponder
    private let log: @Sendable (String) -> Void
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        enum Phase { case ready, running, finished }
        var phase = Phase.ready
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Binds `configuration.host:configuration.port` and starts listening.
    /// - Parameters:
    ///   - responder: answers every request; see ``HTTPResponder`` for how errors map.
    ///   - log: receives one line per server-side problem (handler errors, accept
    ///     failures); defaults to standard error.
    /// - Throws: `SocketAddressError` for a bad host or port, `SystemError` if binding fails.
    public init(configuration: Configuration = Configuration(), responder: some HTTPResponder,
                log: @escaping @Sendable (String) -> Void = HTTPServer.logToStandardError) throws {
        precondition(configuration.maxConnections > 0 && configuration.maxRequestsPerConnection > 0,
                     "connection limits must be positive")
        let address = try SocketAddress.resolve(host: configuration.host, port: configuration.port, numericOnly: true)[0]
        let listener = try SocketDescriptor.makeListener(address: address, backlog: configuration.backlog)
        do {
            self.port = try listener.localPort()
            self.mailbox = try ReactorMailbox()
        } catch {
            listener.close()
            throw error
        }
        self.listener = listener
        self.configuration = configuration
        self.responder = responder
        self.log = log
    }

    /// Convenience for a closure responder.
    public convenience init(configuration: Configuration = Configuration(),
                            log: @escaping @Sendable (String) -> Void = HTTPServer.logToStandardError,
                            handler: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) throws {
        try self.init(configuration: configuration, responder: ClosureResponder(handler), log: log)
    }

    deinit {
        if lifecycle.withLock({ $0.phase == .ready }) {
            listener.close()
            mailbox.close()
        }
    }

    /// Serves until ``shutdown()`` completes or the calling task is cancelled
    /// (cancellation starts the same graceful shutdown, but handlers see it too).
    /// Calling it twice is a programmer error; after `shutdown()` it returns at once.
    /// - Throws: `SystemError` if the event loop itself fails.
    public func run() async throws {
        let start = lifecycle.withLock { state -> Bool in
            switch state.phase {
            case .ready:
                state.phase = .running
                return true
            case .running:
                preconditionFailure("HTTPServer.run() called twice")
            case .finished:
                return false
            }
        }
        guard start else { return }

        let (jobs, continuation) = AsyncStream.makeStream(of: ServerJob.self)
        let failure = Mutex<SystemError?>(nil)
        let reactorThread = Thread { [configuration, listener, mailbox, log] in
            do throws(SystemError) {
                let reactor = try ServerReactor(configuration: configuration, listener: listener,
                                                mailbox: mailbox, jobs: continuation, log: log)
                reactor.run()
                failure.withLock { $0 = reactor.fatalError }
            } catch {
                failure.withLock { $0 = error }
                listener.close()
                mailbox.close()
                continuation.finish()
            }
        }
        reactorThread.name = "http-reactor"
        reactorThread.start()

        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for await job in jobs {
                    group.addTask { [self] in
                        let response = await self.response(for: job.request)
                        self.mailbox.post(.respond(connectionID: job.connectionID, response: response))
                    }
                }
                // The reactor has exited: any handler still running answers a connection
                // that is already closed (drain timeout or peer gone), so stop it.
                group.cancelAll()
            }
        } onCancel: {
            mailbox.post(.shutdown)
        }

        let waiters = lifecycle.withLock { state in
            state.phase = .finished
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Stops accepting, closes idle connections, lets in-flight requests finish
    /// (at most ``Configuration/drainTimeout``), and returns once ``run()`` has returned.
    /// Safe to call more than once, or before `run()`.
    public func shutdown() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            enum Action { case resume, closeUnstarted, signal }
            let action = lifecycle.withLock { state -> Action in
                switch state.phase {
                case .ready:
                    state.phase = .finished
                    return .closeUnstarted
                case .running:
                    state.waiters.append(waiter)
                    return .signal
                case .finished:
                    return .resume
                }
            }
            switch action {
            case .resume:
                waiter.resume()
            case .closeUnstarted:
                listener.close()
                mailbox.close()
                waiter.resume()
            case .signal:
                mailbox.post(.shutdown)
            }
        }
    }

    /// Runs the responder, turning `HTTPError` into its response and anything else
    /// into a 500 that reveals nothing (the detail goes to the log).
    private func response(for request: HTTPRequest) async -> HTTPResponse {
        do {
            return try await responder.respond(to: request)
        } catch let error as HTTPError {
            return error.response
        } catch {
            // The path only: the query may carry tokens.
            log("http: handler for \(request.method) \(request.path) failed: \(error)")
            return HTTPError(.internalServerError).response
        }
    }

    /// Writes `message` and a newline to standard error.
    public static let logToStandardError: @Sendable (String) -> Void = { message in
        let line = Array((message + "\n").utf8)
        line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }
}
