#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Testing
@testable import DriftwatchHTTP

/// Runs blocking socket code on its own dispatch queue so it never ties up a Swift
/// concurrency thread (the machine has two; the server's handlers need them).
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "test-blocking").async {
            continuation.resume(with: Result { try body() })
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A response as a test client saw it.
struct WireResponse: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking loopback TCP connection with a receive timeout, for driving the server
/// byte by byte. Used from one thread at a time.
final class TestConnection: @unchecked Sendable {
    let fd: Int32
    private var parser = HTTPMessageParser(mode: .response, limits: HTTPLimits(maxBodyBytes: 64 << 20))

    init(port: Int, receiveTimeoutSeconds: Int = 15) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            Glibc.close(fd)
            throw TestFailure("connect failed: errno \(errno)")
        }
    }

    deinit { Glibc.close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw TestFailure("send failed: errno \(errno)") }
            offset += written
        }
    }

    /// Reads the next response; `nil` if the connection ended first.
    func readResponse() throws -> WireResponse? {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var event = parser.next()
        while true {
            switch event {
            case .message(let message):
                guard case .response(_, let status, _) = message.startLine else { throw TestFailure("not a response") }
                return WireResponse(status: status, headers: message.headers, body: message.body)
            case .error(let error):
                throw TestFailure("bad response: \(error)")
            case .needMoreData:
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw TestFailure("receive timed out") }
                if count <= 0 { return nil }
                parser.append(buffer[0..<count])
                event = parser.next()
            }
        }
    }

    /// Reads raw bytes until `count` have arrived or the peer closes.
    func readRaw(count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: count)
        while out.count < count {
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, count - out.count, 0) }
            if received <= 0 { break }
            out.append(contentsOf: buffer[0..<received])
        }
        return out
    }

    /// Whether the peer has closed: reads (discarding) until EOF or reset, or times out.
    func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received == 0 { return true }
            if received < 0 { return errno == ECONNRESET }
        }
    }
}

/// Starts a server on an ephemeral loopback port, runs `body`, then shuts it down and
/// waits for `run()` to return.
func withServer(
    configure: (inout HTTPServer.Configuration) -> Void = { _ in },
    handler: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse,
    _ body: (HTTPServer) async throws -> Void
) async throws {
    var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0)
    configure(&configuration)
    let server = try HTTPServer(configuration: configuration, log: { _ in }, handler: handler)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        do {
            try await body(server)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
        try await group.waitForAll()
    }
}

func request(_ method: String = "GET", _ path: String, body: String = "", extra: String = "") -> String {
    "\(method) \(path) HTTP/1.1\r\nHost: test\r\nContent-Length: \(body.utf8.count)\r\n\(extra)\r\n\(body)"
}
