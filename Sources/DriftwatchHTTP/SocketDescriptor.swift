#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket file descriptor with the handful of operations the server and client need.
///
/// A plain value: the owner closes it explicitly (the reactor owns every server
/// socket; the client closes in a `defer`).
struct SocketDescriptor: Hashable, Sendable {
    let rawValue: Int32

    init(rawValue: Int32) {
        precondition(rawValue >= 0, "invalid file descriptor")
        self.rawValue = rawValue
    }

    /// Creates a stream socket for `family`, close-on-exec.
    static func makeStream(family: Int32) throws(SystemError) -> SocketDescriptor {
        let fd = try Syscall.call("socket") {
            socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        return SocketDescriptor(rawValue: fd)
    }

    /// A non-blocking listening socket bound to `address` with `SO_REUSEADDR`
    /// (so a restart does not wait out TIME_WAIT).
    static func makeListener(address: SocketAddress, backlog: Int32) throws(SystemError) -> SocketDescriptor {
        let socket = try makeStream(family: address.family)
        do {
            try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            try address.withSockAddr { (pointer, length) throws(SystemError) in
                _ = try Syscall.call("bind") { bind(socket.rawValue, pointer, length) }
            }
            _ = try Syscall.call("listen") { listen(socket.rawValue, backlog) }
            try socket.setNonBlocking()
            return socket
        } catch {
            socket.close()
            throw error
        }
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec socket.
    /// - Returns: `nil` when no connection is pending.
    /// - Throws: `SystemError`, e.g. `EMFILE` when out of descriptors.
    func accept() throws(SystemError) -> SocketDescriptor? {
        while true {
            do throws(SystemError) {
                guard let fd = try Syscall.nonBlocking("accept", { Glibc.accept(rawValue, nil, nil) }) else { return nil }
                let client = SocketDescriptor(rawValue: fd)
                do {
                    // accept4 is not exported to Swift by Glibc's module, hence the two calls.
                    _ = try Syscall.call("fcntl") { fcntl(fd, F_SETFD, FD_CLOEXEC) }
                    try client.setNonBlocking()
                } catch {
                    client.close()
                    throw error
                }
                return client
            } catch where error.errno == ECONNABORTED {
                continue // the peer gave up while queued; take the next one
            }
        }
    }

    func setNonBlocking() throws(SystemError) {
        let flags = try Syscall.call("fcntl") { fcntl(rawValue, F_GETFL) }
        _ = try Syscall.call("fcntl") { fcntl(rawValue, F_SETFL, flags | O_NONBLOCK) }
    }

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws(SystemError) {
        var value = value
        _ = try Syscall.call("setsockopt") {
            setsockopt(rawValue, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Disables Nagle's algorithm: responses are written whole, and waiting for an
    /// ACK before the next pipelined response would only add latency.
    func setNoDelay() {
        try? setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    }

    /// Reads into `buffer`.
    /// - Returns: bytes read, 0 at end of stream, `nil` if it would block.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
        try Syscall.nonBlocking("recv") { recv(rawValue, buffer.baseAddress, buffer.count, 0) }
    }

    /// Writes from `bytes` with `MSG_NOSIGNAL`, so a peer that has gone away yields
    /// `EPIPE` instead of a process-killing SIGPIPE; no signal disposition is changed.
    /// - Returns: bytes written, or `nil` if it would block.
    func send(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> Int? {
        try Syscall.nonBlocking("send") { Glibc.send(rawValue, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Sends `bytes[offset...]`; see ``send(_:)``.
    func send(_ bytes: [UInt8], from offset: Int) throws(SystemError) -> Int? {
        try Syscall.nonBlocking("send") {
            bytes.withUnsafeBytes { raw in
                Glibc.send(rawValue, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
        }
    }

    /// Receives into `buffer` from its start; see ``receive(into:)``.
    func receive(into buffer: inout [UInt8]) throws(SystemError) -> Int? {
        try Syscall.nonBlocking("recv") {
            buffer.withUnsafeMutableBytes { raw in recv(rawValue, raw.baseAddress, raw.count, 0) }
        }
    }

    /// Half-closes the sending side, so the peer sees end of stream after our last byte.
    func shutdownWrite() {
        _ = Glibc.shutdown(rawValue, Int32(SHUT_WR))
    }

    func close() {
        Syscall.close(rawValue)
    }

    /// The local port the socket is bound to (for port 0 binds).
    func localPort() throws(SystemError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { (pointer) throws(SystemError) -> Int32 in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(SystemError) -> Int32 in
                try Syscall.call("getsockname") { getsockname(rawValue, address, &length) }
            }
        }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        }
    }

    /// The pending socket error (`SO_ERROR`), used after a non-blocking connect.
    func pendingError() -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(rawValue, SOL_SOCKET, SO_ERROR, &value, &length)
        return value
    }
}
