#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address, as `getaddrinfo` returns it.
struct SocketAddress: Sendable {
    private(set) var storage = sockaddr_storage()
    let length: socklen_t
    let family: Int32

    private init(_ address: UnsafePointer<sockaddr>, length: socklen_t) {
        self.length = length
        self.family = Int32(address.pointee.sa_family)
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length)))
        }
    }

    /// Resolves `host` (an IP literal, `[v6]` in brackets accepted, or — unless
    /// `numericOnly` — a name) and `port`.
    /// - Throws: `SocketAddressError` with the resolver's message.
    static func resolve(host: String, port: Int, numericOnly: Bool) throws(SocketAddressError) -> [SocketAddress] {
        guard (0...65535).contains(port) else {
            throw SocketAddressError(host: host, port: port, message: "port out of range")
        }
        var name = host
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" && numericOnly { name = "127.0.0.1" }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | (numericOnly ? AI_NUMERICHOST | AI_PASSIVE : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw SocketAddressError(host: host, port: port, message: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr,
               entry.pointee.ai_family == AF_INET || entry.pointee.ai_family == AF_INET6 {
                addresses.append(SocketAddress(address, length: entry.pointee.ai_addrlen))
            }
            cursor = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else {
            throw SocketAddressError(host: host, port: port, message: "no IPv4 or IPv6 address")
        }
        return addresses
    }

    func withSockAddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(SystemError) -> Result) throws(SystemError) -> Result {
        var copy = storage
        return try withUnsafePointer(to: &copy) { (pointer) throws(SystemError) -> Result in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(SystemError) -> Result in
                try body(address, length)
            }
        }
    }
}
