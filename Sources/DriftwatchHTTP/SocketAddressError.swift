/// A host or port could not be turned into a socket address.
public struct SocketAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let message: String

    public var description: String { "cannot use address \(host):\(port): \(message)" }
}
