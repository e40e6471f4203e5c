#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import DriftwatchHTTP

private let echo: @Sendable (HTTPRequest) async throws -> HTTPResponse = { request in
    .text("\(request.method) \(request.path) \(request.body.count)")
}

@Test func servesRequestAndResponseOverLoopback() async throws {
    try await withServer(handler: echo) { server in
        #expect(server.port > 0)
        let response = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send(request("POST", "/v1/events?x=1", body: "hello"))
            return try connection.readResponse()
        }
        #expect(response?.status == 200)
        #expect(response?.text == "POST /v1/events 5")
        #expect(response?.headers["Connection"] == nil)
    }
}

@Test func reusesKeepAliveConnectionForSeveralRequests() async throws {
    try await withServer(handler: echo) { server in
        let texts = try await offPool {
            let connection = try TestConnection(port: server.port)
            var texts: [String] = []
            for index in 0..<5 {
                try connection.send(request("GET", "/r\(index)"))
                guard let response = try connection.readResponse() else { throw TestFailure("closed early") }
                texts.append(response.text)
            }
            return texts
        }
        #expect(texts == (0..<5).map { "GET /r\($0) 0" })
    }
}

@Test func answersPipelinedRequestsInOrder() async throws {
    try await withServer(handler: { request in
        // The first request is the slowest: order must still hold.
        let delay = request.path == "/1" ? 200 : 10
        try await Task.sleep(for: .milliseconds(delay))
        return .text(request.path)
    }) { server in
        let paths = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send(request("GET", "/1") + request("GET", "/2") + request("POST", "/3", body: "x"))
            return try (0..<3).map { _ in try connection.readResponse()?.text }
        }
        #expect(paths == ["/1", "/2", "/3"])
    }
}

@Test func oversizedBodyGets413AndConnectionClose() async throws {
    try await withServer(configure: { $0.limits.maxBodyBytes = 1024 }, handler: echo) { server in
        let (response, closed) = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send("POST /v1/events HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n")
            try? connection.send([UInt8](repeating: 0x61, count: 4096))
            return (try connection.readResponse(), connection.waitForClose())
        }
        #expect(response?.status == 413)
        #expect(response?.headers["Connection"] == "close")
        #expect(closed)
    }
}

@Test func oversizedHeadersGet431() async throws {
    try await withServer(configure: { $0.limits.maxHeaderBytes = 512 }, handler: echo) { server in
        let response = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "a", count: 2000))\r\n\r\n")
            return try connection.readResponse()
        }
        #expect(response?.status == 431)
        #expect(response?.headers["Connection"] == "close")
    }
}

@Test func malformedRequestGets400AndUnsupportedVersion505() async throws {
    try await withServer(handler: echo) { server in
        let statuses = try await offPool {
            try ["GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                 "GET / HTTP/3.0\r\nHost: t\r\n\r\n"].map { wire in
                let connection = try TestConnection(port: server.port)
                try connection.send(wire)
                return try connection.readResponse()?.status
            }
        }
        #expect(statuses == [400, 505])
    }
}

@Test func connectionsBeyondTheLimitGet503WithRetryAfter() async throws {
    try await withServer(configure: { $0.maxConnections = 2 }, handler: echo) { server in
        let (first, rejected) = try await offPool {
            // Two accepted connections, each proven live by a request.
            let held = try (0..<2).map { _ in try TestConnection(port: server.port) }
            for connection in held {
                try connection.send(request("GET", "/"))
                guard try connection.readResponse()?.status == 200 else { throw TestFailure("not served") }
            }
            let third = try TestConnection(port: server.port)
            try? third.send(request("GET", "/"))
            let rejected = try third.readResponse()
            let closed = third.waitForClose()
            return (held.count, closed ? rejected : nil)
        }
        #expect(first == 2)
        #expect(rejected?.status == 503)
        #expect(rejected?.headers["Retry-After"] == "1")
        #expect(rejected?.headers["Connection"] == "close")
    }
}

@Test func slowlorisClientIsDroppedAfterHeaderTimeout() async throws {
    try await withServer(configure: { $0.headerReadTimeout = .milliseconds(300) }, handler: echo) { server in
        let dropped = try await offPool { () -> Bool in
            let connection = try TestConnection(port: server.port)
            try connection.send("GET / HTTP/1.1\r\nHost: t\r\n")
            // Trickle one header line every 100 ms for up to 20 s; the server must hang up.
            for index in 0..<200 {
                usleep(100_000)
                do {
                    try connection.send("X-\(index): v\r\n")
                } catch {
                    return true // reset: the server closed on us
                }
                var descriptor = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
                if poll(&descriptor, 1, 0) > 0 { return connection.waitForClose() }
            }
            return false
        }
        #expect(dropped)
    }
}

@Test func idleKeepAliveConnectionIsClosedAfterIdleTimeout() async throws {
    try await withServer(configure: { $0.idleTimeout = .milliseconds(300) }, handler: echo) { server in
        let (status, closed) = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send(request("GET", "/"))
            return (try connection.readResponse()?.status, connection.waitForClose())
        }
        #expect(status == 200)
        #expect(closed)
    }
}

@Test func expectContinueGetsInterimResponseBeforeBody() async throws {
    try await withServer(handler: echo) { server in
        let (interim, final) = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send("POST /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            let interim = String(decoding: try connection.readRaw(count: 25), as: UTF8.self)
            try connection.send("data")
            return (interim, try connection.readResponse()?.text)
        }
        #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(final == "POST /up 4")
    }
}

@Test func handlerErrorsBecomeStatusesWithoutLeakingDetails() async throws {
    struct Secret: Error {}
    try await withServer(handler: { request in
        if request.path == "/teapot" { throw HTTPError(.conflict, message: "already tripped") }
        throw Secret()
    }) { server in
        let responses = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send(request("GET", "/teapot") + request("GET", "/boom"))
            return try [connection.readResponse(), connection.readResponse()]
        }
        #expect(responses[0]?.status == 409)
        #expect(responses[0]?.text == #"{"error":"already tripped"}"#)
        #expect(responses[1]?.status == 500)
        #expect(responses[1]?.text.contains("Secret") == false)
    }
}

@Test func headRequestGetsHeadersWithoutBody() async throws {
    var router = Router()
    router.get("/page") { _, _ in .html("<p>hello</p>") }
    let responder = router
    try await withServer(handler: { try await responder.respond(to: $0) }) { server in
        let (head, next) = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send("HEAD /page HTTP/1.1\r\nHost: t\r\n\r\n")
            // Read raw: a HEAD response's Content-Length describes a body that is not sent.
            var raw: [UInt8] = []
            while !String(decoding: raw, as: UTF8.self).hasSuffix("\r\n\r\n") { raw += try connection.readRaw(count: 1) }
            try connection.send(request("GET", "/page"))
            return (String(decoding: raw, as: UTF8.self), try connection.readResponse()?.text)
        }
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.contains("Content-Length: 12\r\n"))
        #expect(next == "<p>hello</p>")
    }
}

@Test func gracefulShutdownCompletesInFlightSlowHandler() async throws {
    let started = Mutex(false)
    let server = try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), log: { _ in }) { _ in
        started.withLock { $0 = true }
        try await Task.sleep(for: .milliseconds(500))
        return .text("finished")
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        let port = server.port
        async let answer = offPool { () -> WireResponse? in
            let connection = try TestConnection(port: port)
            try connection.send(request("GET", "/slow"))
            return try connection.readResponse()
        }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        await server.shutdown()
        let response = try await answer
        #expect(response?.status == 200)
        #expect(response?.text == "finished")
        #expect(response?.headers["Connection"] == "close")
        try await group.waitForAll()
        // The listener is gone.
        #expect(throws: (any Error).self) { _ = try TestConnection(port: port) }
    }
}

@Test func shutdownClosesIdleConnectionsPromptly() async throws {
    try await withServer(configure: { $0.drainTimeout = .seconds(30) }, handler: echo) { server in
        let connection = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send(request("GET", "/"))
            _ = try connection.readResponse()
            return connection
        }
        let clock = ContinuousClock()
        let elapsed = await clock.measure { await server.shutdown() }
        #expect(elapsed < .seconds(30))
        #expect(try await offPool { connection.waitForClose() })
    }
}

@Test func bindsIPv6Loopback() async throws {
    let server = try HTTPServer(configuration: .init(host: "::1", port: 0), log: { _ in }, handler: echo)
    #expect(server.port > 0)
    await server.shutdown()
}

@Test func connectionPhaseDeadlinesFollowTheirTimeouts() {
    let start = ContinuousClock.now
    let timeouts = ConnectionPhase.Timeouts(header: .seconds(1), body: .seconds(2), idle: .seconds(3),
                                            write: .seconds(4), linger: .seconds(5))
    #expect(ConnectionPhase.readingHead(since: start).deadline(timeouts) == start + .seconds(1))
    #expect(ConnectionPhase.readingBody(since: start).deadline(timeouts) == start + .seconds(2))
    #expect(ConnectionPhase.idle(since: start).deadline(timeouts) == start + .seconds(3))
    #expect(ConnectionPhase.writing(since: start).deadline(timeouts) == start + .seconds(4))
    #expect(ConnectionPhase.lingering(since: start).deadline(timeouts) == start + .seconds(5))
    #expect(ConnectionPhase.handling.deadline(timeouts) == nil)
}

@Test func connectionCloseRequestIsAnsweredThenClosed() async throws {
    try await withServer(handler: echo) { server in
        let (response, closed) = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send(request("GET", "/bye", extra: "Connection: close\r\n"))
            return (try connection.readResponse(), connection.waitForClose())
        }
        #expect(response?.text == "GET /bye 0")
        #expect(response?.headers["Connection"] == "close")
        #expect(closed)
    }
}

@Test func http10KeepAliveIsHonouredAndAnnounced() async throws {
    try await withServer(handler: echo) { server in
        let responses = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let first = try connection.readResponse()
            try connection.send("GET /b HTTP/1.0\r\n\r\n")
            return [first, try connection.readResponse()]
        }
        #expect(responses[0]?.headers["Connection"] == "keep-alive")
        #expect(responses[1]?.text == "GET /b 0")
        #expect(responses[1]?.headers["Connection"] == "close")
    }
}

@Test func connectionClosesAfterMaxRequestsPerConnection() async throws {
    try await withServer(configure: { $0.maxRequestsPerConnection = 2 }, handler: echo) { server in
        let (first, second, closed) = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send(request("GET", "/1") + request("GET", "/2") + request("GET", "/3"))
            return (try connection.readResponse(), try connection.readResponse(), connection.waitForClose())
        }
        #expect(first?.headers["Connection"] == nil)
        #expect(second?.headers["Connection"] == "close")
        #expect(closed)
    }
}

@Test func slowBodyGets408AfterBodyTimeout() async throws {
    try await withServer(configure: { $0.bodyReadTimeout = .milliseconds(300) }, handler: echo) { server in
        let (response, closed) = try await offPool {
            let connection = try TestConnection(port: server.port)
            try connection.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab")
            return (try connection.readResponse(), connection.waitForClose())
        }
        #expect(response?.status == 408)
        #expect(closed)
    }
}
