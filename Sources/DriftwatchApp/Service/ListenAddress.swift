/// A `HOST:PORT` listen address (`127.0.0.1:8080`, `[::1]:8080`, `localhost:0`).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// - Throws: `ServiceError.usage` naming the expected form.
    public init(parsing text: String) throws(ServiceError) {
        let bad = ServiceError.usage("listen address \(text) must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080")
        guard let colon = text.lastIndex(of: ":") else { throw bad }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { throw bad }
        self.host = host
        self.port = port
    }

    /// Whether only this machine can connect: `localhost`, 127.0.0.0/8 or `::1`.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The address as a URL authority (`[::1]:8080` for IPv6).
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Why `serve` could not start, with the exit code it maps to (spec §3).
public enum ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Bad usage or an unsafe setting (exit 64).
    case usage(String)
    /// Bad data: configuration, baseline files, a store written by a newer version (exit 65).
    case data(String)
    /// A resource is unavailable: the address is in use, the store cannot be opened (exit 69).
    case unavailable(String)

    public var exitCode: Int32 {
        switch self {
        case .usage: 64
        case .data: 65
        case .unavailable: 69
        }
    }

    public var description: String {
        switch self {
        case .usage(let m), .data(let m), .unavailable(let m): m
        }
    }
}
