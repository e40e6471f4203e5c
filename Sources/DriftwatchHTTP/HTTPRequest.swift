/// A complete, parsed HTTP/1.x request with its body fully read.
public struct HTTPRequest: Sendable {
    /// The method token, case-sensitive (RFC 9110 §9.1).
    public var method: HTTPMethod
    /// The request-target exactly as received (RFC 9112 §3.2).
    public var target: String
    /// The path of the target, still percent-encoded so `%2F` stays distinguishable
    /// from `/`; the router decodes each segment. Absolute-form targets are reduced
    /// to their path; the asterisk-form is `*`.
    public var path: String
    /// Query parameters in order, percent-decoded with `+` as space.
    public var query: [(name: String, value: String)]
    /// The protocol version of the request line.
    public var version: HTTPVersion
    /// The header fields, case-insensitive on lookup.
    public var headers: HTTPHeaders
    /// The decoded body (chunked framing removed).
    public var body: [UInt8]

    /// Creates a request; used by tests and by code that calls a router directly.
    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
                headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.target = target
        let (path, query) = Self.splitTarget(Array(target.utf8))
        self.path = String(decoding: path, as: UTF8.self)
        self.query = query.flatMap { PercentEncoding.decodeQuery($0) } ?? []
        self.version = version
        self.headers = headers
        self.body = body
    }

    init(method: HTTPMethod, target: String, path: String, query: [(name: String, value: String)],
         version: HTTPVersion, headers: HTTPHeaders, body: [UInt8]) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The first value of query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// Whether the client wants the connection kept open after this exchange:
    /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`
    /// (RFC 9112 §9.3).
    public var keepAlive: Bool {
        let options = headers.values(for: "Connection").flatMap(HTTPGrammar.listElements)
        if options.contains("close") { return false }
        if version == .http1_0 { return options.contains("keep-alive") }
        return true
    }

    /// Splits a target into path bytes and optional query bytes (RFC 9112 §3.2).
    static func splitTarget(_ bytes: [UInt8]) -> (path: ArraySlice<UInt8>, query: ArraySlice<UInt8>?) {
        var rest = bytes[...]
        // absolute-form: drop "scheme://authority" and keep the path (RFC 9112 §3.2.2).
        if let first = rest.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "*"),
           let schemeEnd = rest.firstRange(of: Array("://".utf8)) {
            let afterAuthority = rest[schemeEnd.upperBound...]
            let pathStart = afterAuthority.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
            rest = pathStart.map { afterAuthority[$0...] } ?? []
            if rest.first != UInt8(ascii: "/") { rest = ArraySlice([UInt8(ascii: "/")] + rest) }
        }
        guard let questionMark = rest.firstIndex(of: UInt8(ascii: "?")) else { return (rest, nil) }
        return (rest[..<questionMark], rest[rest.index(after: questionMark)...])
    }
}
