#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import DriftwatchHTTP

/// A one-shot raw server: accepts one connection, reads one request, writes canned
/// bytes verbatim (or nothing), then closes. For responses our server never sends.
private final class CannedServer: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 4) == 0
                    && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(descriptor)
            throw TestFailure("canned server bind failed")
        }
        fd = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { Glibc.close(fd) }

    /// Serves one exchange (blocking) and returns the request it read.
    func serveOnce(_ response: String?, holdMilliseconds: UInt32 = 0) throws -> HTTPRequest? {
        let client = accept(fd, nil, nil)
        guard client >= 0 else { throw TestFailure("accept failed") }
        defer { Glibc.close(client) }
        var parser = HTTPRequestParser()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var request: HTTPRequest?
        while request == nil {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            if case .request(let parsed) = parser.feed(Array(buffer[0..<count])) { request = parsed }
        }
        if let response {
            let bytes = Array(response.utf8)
            _ = bytes.withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        if holdMilliseconds > 0 { usleep(holdMilliseconds * 1000) }
        return request
    }
}

@Test func clientPostsToServerAndReadsResponse() async throws {
    try await withServer(handler: { request in
        var response = HTTPResponse.json("{\"got\":\(request.body.count)}", status: .accepted)
        try response.headers.add("X-Echo", request.headers["X-Driftwatch-Event-Id"] ?? "none")
        return response
    }) { server in
        // The in-process server answers from Swift concurrency's pool, which the tests
        // running beside this one may keep busy for seconds on a loaded 2-core machine.
        var configuration = HTTPClient.Configuration()
        configuration.responseTimeout = .seconds(60)
        let client = HTTPClient(configuration: configuration)
        let response = try await client.post("http://127.0.0.1:\(server.port)/kill?x=1",
                                             headers: ["X-Driftwatch-Event-Id": "evt-1"],
                                             body: Array(repeating: 0x7B, count: 300_000))
        #expect(response.statusCode == 202)
        #expect(response.headers["x-echo"] == "evt-1")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"got":300000}"#)
    }
}

@Test func clientSendsHostContentLengthAndConnectionClose() async throws {
    let canned = try CannedServer()
    let port = canned.port
    async let received = offPool { try canned.serveOnce("HTTP/1.1 204 No Content\r\n\r\n") }
    let response = try await HTTPClient().post("http://127.0.0.1:\(port)/hook", body: Array("abc".utf8))
    let request = try await received
    #expect(response.statusCode == 204)
    #expect(request?.headers["Host"] == "127.0.0.1:\(port)")
    #expect(request?.headers["Content-Length"] == "3")
    #expect(request?.headers["Connection"] == "close")
    #expect(request?.body == Array("abc".utf8))
}

@Test func clientDecodesChunkedResponse() async throws {
    let canned = try CannedServer()
    let port = canned.port
    async let served = offPool {
        try canned.serveOnce("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n",
                             holdMilliseconds: 300)
    }
    let response = try await HTTPClient().post("http://127.0.0.1:\(port)/", body: [])
    _ = try await served
    #expect(String(decoding: response.body, as: UTF8.self) == "wikipedia")
}

@Test func clientReadsCloseDelimitedResponseAndSkipsInterim() async throws {
    let canned = try CannedServer()
    let port = canned.port
    async let served = offPool {
        try canned.serveOnce("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close")
    }
    let response = try await HTTPClient().post("http://127.0.0.1:\(port)/", body: [])
    _ = try await served
    #expect(response.statusCode == 200)
    #expect(String(decoding: response.body, as: UTF8.self) == "until close")
}

@Test func clientRefusesOversizedResponse() async throws {
    let canned = try CannedServer()
    let port = canned.port
    async let served = offPool { try canned.serveOnce("HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n") }
    var configuration = HTTPClient.Configuration()
    configuration.maxResponseBytes = 1024
    let error = await #expect(throws: HTTPClientError.self) {
        try await HTTPClient(configuration: configuration).post("http://127.0.0.1:\(port)/", body: [])
    }
    #expect(error?.code == .responseTooLarge)
    _ = try await served
}

@Test func clientTimesOutWhenServerNeverAnswers() async throws {
    let canned = try CannedServer()
    let port = canned.port
    async let served = offPool { try canned.serveOnce(nil, holdMilliseconds: 2000) }
    var configuration = HTTPClient.Configuration()
    configuration.responseTimeout = .milliseconds(300)
    let error = await #expect(throws: HTTPClientError.self) {
        try await HTTPClient(configuration: configuration).post("http://127.0.0.1:\(port)/", body: [])
    }
    #expect(error?.code == .timedOut)
    _ = try await served
}

@Test func clientReportsRefusedConnection() async throws {
    // Bind an ephemeral port, then close it so nothing listens there.
    let port = try CannedServer().port
    let error = await #expect(throws: HTTPClientError.self) {
        try await HTTPClient().post("http://127.0.0.1:\(port)/", body: [])
    }
    #expect(error?.code == .connectFailed)
}

@Test func clientRejectsHTTPSWithClearError() async {
    let error = await #expect(throws: HTTPClientError.self) {
        try await HTTPClient().post("https://example.com/hook", body: [])
    }
    #expect(error?.code == .unsupportedScheme)
    #expect(error?.message.contains("https is not supported") == true)
}

@Test func endpointParsingHandlesPortsIPv6AndQueries() throws {
    let plain = try HTTPEndpoint(parsing: "http://hooks.local/kill")
    #expect(plain.host == "hooks.local" && plain.port == 80 && plain.target == "/kill" && plain.hostField == "hooks.local")
    let v6 = try HTTPEndpoint(parsing: "http://[::1]:9000?a=b#frag")
    #expect(v6.host == "::1" && v6.port == 9000 && v6.target == "/?a=b" && v6.hostField == "[::1]:9000")
    for bad in ["hooks.local/kill", "http://", "http://user@host/", "http://host:99999/", "http://host/a b", "ftp://host/"] {
        #expect(throws: HTTPClientError.self) { try HTTPEndpoint(parsing: bad) }
    }
}
