#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Commands for the reactor thread from anywhere else (handler tasks, `shutdown()`),
/// with a self-pipe that wakes its `epoll_wait`.
///
/// The commands and the "closed" flag live under one lock, and the pipe is written
/// only under it, so a late post after the reactor exits can never write into a
/// descriptor number that has since been reused.
final class ReactorMailbox: Sendable {
    enum Command: Sendable {
        /// A handler finished the request in flight on `connectionID`.
        case respond(connectionID: UInt64, response: HTTPResponse)
        /// Begin graceful shutdown.
        case shutdown
    }

    private struct State {
        var commands: [Command] = []
        var wakePending = false
        var closed = false
    }

    private let state = Mutex(State())
    /// The end the reactor registers with epoll.
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    init() throws(SystemError) {
        var ends: [Int32] = [-1, -1]
        _ = try Syscall.call("pipe") { pipe(&ends) }
        for end in ends {
            _ = try Syscall.call("fcntl") { fcntl(end, F_SETFD, FD_CLOEXEC) }
            let flags = try Syscall.call("fcntl") { fcntl(end, F_GETFL) }
            _ = try Syscall.call("fcntl") { fcntl(end, F_SETFL, flags | O_NONBLOCK) }
        }
        readDescriptor = ends[0]
        writeDescriptor = ends[1]
    }

    /// Queues `command` and wakes the reactor; ignored once the reactor has exited.
    func post(_ command: Command) {
        state.withLock { state in
            guard !state.closed else { return }
            state.commands.append(command)
            if !state.wakePending {
                state.wakePending = true
                var byte: UInt8 = 1
                _ = write(writeDescriptor, &byte, 1)
            }
        }
    }

    /// Takes every queued command (reactor thread only).
    func takeAll() -> [Command] {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(readDescriptor, &sink, sink.count) > 0 {}
        return state.withLock { state in
            state.wakePending = false
            defer { state.commands = [] }
            return state.commands
        }
    }

    /// Drops queued commands and closes the pipe; later posts are ignored.
    func close() {
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            state.commands = []
            Syscall.close(readDescriptor)
            Syscall.close(writeDescriptor)
        }
    }
}
