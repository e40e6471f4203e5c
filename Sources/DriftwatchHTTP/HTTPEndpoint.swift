/// The parts of an `http://` URL that ``HTTPClient`` needs.
struct HTTPEndpoint: Sendable, Hashable {
    let host: String
    let port: Int
    /// Path and query, percent-encoded as given; at least `/`.
    let target: String

    /// The `Host` field value (RFC 9112 §3.2): brackets for IPv6, port when not 80.
    var hostField: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    /// Parses `http://host[:port][/path][?query]`; the fragment is dropped.
    /// - Throws: `.unsupportedScheme` for https and other schemes, `.invalidURL` otherwise.
    init(parsing url: String) throws(HTTPClientError) {
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPClientError(.invalidURL, "URL contains spaces, control or non-ASCII characters")
        }
        guard let schemeEnd = url.firstRange(of: "://") else { throw HTTPClientError(.invalidURL, "missing scheme in \(url)") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" else {
            throw HTTPClientError(.unsupportedScheme, scheme == "https"
                ? "https is not supported by this client (no TLS); use http:// to a local endpoint or a TLS-terminating proxy"
                : "unsupported URL scheme \(scheme)")
        }
        var rest = url[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let target = rest[authorityEnd...]
        guard !authority.isEmpty, !authority.contains("@") else {
            throw HTTPClientError(.invalidURL, "missing host or unsupported user info in \(url)")
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw HTTPClientError(.invalidURL, "unclosed IPv6 literal") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw HTTPClientError(.invalidURL, "junk after IPv6 literal") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        var port = 80
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw HTTPClientError(.invalidURL, "invalid port in \(url)")
            }
            port = value
        }
        guard !host.isEmpty else { throw HTTPClientError(.invalidURL, "empty host in \(url)") }
        self.host = String(host)
        self.port = port
        self.target = target.isEmpty ? "/" : (target.hasPrefix("?") ? "/" + target : String(target))
    }
}
