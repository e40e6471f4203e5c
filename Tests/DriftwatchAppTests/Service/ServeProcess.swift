#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import DriftwatchHTTP

/// Runs blocking work on its own dispatch queue, off the two-thread concurrency pool
/// (the service under test and its clients need those threads).
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "test-blocking").async { continuation.resume(with: Result { try body() }) }
    }
}

struct ServeTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A real `driftwatch serve` child process on a loopback ephemeral port
/// (`--listen 127.0.0.1:0`; the bound port is read from its start-up line on stderr,
/// which goes to a file so a chatty child can never block on a full pipe).
final class ServeProcess: @unchecked Sendable {
    /// The `driftwatch` executable built next to the test bundle, or `nil` (tests skip).
    static let binary: String? = {
        var candidates: [String] = []
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("driftwatch").path)
        }
        // Tests/DriftwatchAppTests/Service/ServeProcess.swift → package root → .build/debug.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/driftwatch").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// How long start-up may take on a loaded machine.
    static let startTimeout: TimeInterval = 60

    let process: ChildProcess
    let stderrPath: String
    private(set) var port = 0

    /// Starts `driftwatch <arguments>` in `directory`.
    init(_ arguments: [String], in directory: String, stdin: Bool = false, label: String = "serve") throws {
        guard let binary = Self.binary else { throw ServeTestFailure("driftwatch binary not built") }
        stderrPath = directory + "/\(label)-\(UUID().uuidString.prefix(8)).stderr"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process = try ChildProcess(binary, arguments, in: directory, stdinPipe: stdin, stderrPath: stderrPath)
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Starts `serve` and waits for its start-up line.
    static func serve(_ arguments: [String], in directory: String, stdin: Bool = false) async throws -> ServeProcess {
        let server = try ServeProcess(["serve", "--listen", "127.0.0.1:0"] + arguments, in: directory, stdin: stdin)
        try await server.waitForPort()
        return server
    }

    private func waitForPort() async throws {
        let deadline = Date().addingTimeInterval(Self.startTimeout)
        while Date() < deadline {
            if let range = stderr.range(of: #"serving on http://127\.0\.0\.1:([0-9]+)"#, options: .regularExpression) {
                let text = stderr[range]
                port = Int(text[text.index(after: text.lastIndex(of: ":")!)...]) ?? 0
                return
            }
            guard process.isRunning else {
                throw ServeTestFailure("serve exited with \(process.terminationStatus) before listening: \(stderr)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServeTestFailure("serve did not start within \(Self.startTimeout) s: \(stderr)")
    }

    /// Runs the process to completion (for commands that exit by themselves).
    func waitForExit() async throws -> Int32 {
        let process = self.process
        return try await blocking { process.waitForExit() }
    }

    /// SIGTERM, then waits: the graceful path.
    func stop() async throws -> Int32 {
        process.signal(SIGTERM)
        return try await waitForExit()
    }

    /// SIGKILL, then waits: the crash path.
    func kill9() async throws {
        process.signal(SIGKILL)
        _ = try await waitForExit()
    }

    func writeStdin(_ bytes: [UInt8]) {
        process.writeStdin(bytes)
    }

    func closeStdin() {
        process.closeStdin()
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// One request on a fresh connection.
    func request(_ method: HTTPMethod, _ path: String, body: [UInt8] = [], contentType: String? = nil,
                 token: String? = nil, headers extra: HTTPHeaders = [:]) async throws -> HTTPClientResponse {
        var headers = extra
        if let contentType { try headers.add("Content-Type", contentType) }
        if let token { try headers.add("Authorization", "Bearer \(token)") }
        var configuration = HTTPClient.Configuration()
        configuration.responseTimeout = .seconds(60)
        configuration.maxResponseBytes = 16 << 20
        return try await HTTPClient(configuration: configuration).send(method, base + path, headers: headers, body: body)
    }

    /// Sends raw bytes on one connection, optionally half-closes, and returns everything
    /// the server sends back until it closes (or 30 s pass).
    func raw(_ bytes: [UInt8], halfClose: Bool = false) async throws -> String {
        let port = self.port
        return try await blocking {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ServeTestFailure("socket failed") }
            defer { close(fd) }
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw ServeTestFailure("connect failed: errno \(errno)") }
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { break }  // the server may close early (431, 413): read its answer
                offset += n
            }
            if halfClose { shutdown(fd, Int32(SHUT_WR)) }
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                out.append(contentsOf: buffer[0..<n])
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

