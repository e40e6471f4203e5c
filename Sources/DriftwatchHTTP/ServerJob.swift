/// A parsed request handed from the reactor to the handler tasks of `HTTPServer.run()`.
struct ServerJob: Sendable {
    let connectionID: UInt64
    let request: HTTPRequest
}
