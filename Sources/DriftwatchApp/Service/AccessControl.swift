public import DriftwatchCore
public import DriftwatchHTTP

/// Bearer-token roles (design.md § Security).
///
/// - `ingest` may send events (`POST /v1/events`, `/v1/traces`, `/v1/hooks/…`);
/// - `viewer` may read (`GET /v1/…`, `/metrics`);
/// - `admin` may do everything, including what the other two may.
///
/// With no token configured at all, everything is open (loopback-only: `serve`
/// refuses another listen address without tokens). Once any token is configured,
/// every route except `/healthz` needs a token whose role allows it; a role without
/// its own token is then reachable with the admin token only.
public struct AccessControl: Sendable {
    public enum Role: String, Sendable {
        case ingest, viewer, admin
    }

    public let tokens: Configuration.Tokens

    public init(tokens: Configuration.Tokens) {
        self.tokens = tokens
    }

    /// Whether a token is required at all.
    public var isOpen: Bool { !tokens.any }

    /// The roles the presented token grants (all three for admin), compared in constant time.
    func roles(for presented: String) -> Set<Role> {
        var roles: Set<Role> = []
        // Every configured token is compared, whatever matched first.
        if let admin = tokens.admin, ConstantTime.equals(presented, admin) { roles.formUnion([.admin, .viewer, .ingest]) }
        if let viewer = tokens.viewer, ConstantTime.equals(presented, viewer) { roles.insert(.viewer) }
        if let ingest = tokens.ingest, ConstantTime.equals(presented, ingest) { roles.insert(.ingest) }
        return roles
    }

    /// Checks that `request` carries a token allowing `role`.
    /// - Throws: `HTTPError` 401 (no or unknown token) or 403 (a valid token of another role).
    public func authorize(_ request: HTTPRequest, as role: Role) throws(HTTPError) {
        guard !isOpen else { return }
        let challenge: HTTPHeaders = ["WWW-Authenticate": "Bearer realm=\"driftwatch\""]
        guard let header = request.headers["Authorization"] else {
            throw HTTPError(.unauthorized, message: "missing bearer token: send Authorization: Bearer <\(acceptedToken(for: role))>",
                            headers: challenge)
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw HTTPError(.unauthorized, message: "the Authorization header must be Bearer <token>", headers: challenge)
        }
        let granted = roles(for: String(parts[1]))
        guard !granted.isEmpty else {
            throw HTTPError(.unauthorized, message: "invalid bearer token", headers: challenge)
        }
        guard granted.contains(role) else {
            throw HTTPError(.forbidden, message: "this token does not have the \(role.rawValue) role (send the \(acceptedToken(for: role)))")
        }
    }

    /// Which token a request for `role` should carry, for error messages.
    func acceptedToken(for role: Role) -> String {
        let own = switch role {
        case .ingest: tokens.ingest
        case .viewer: tokens.viewer
        case .admin: tokens.admin
        }
        return own != nil || role == .admin ? "\(role.rawValue) token" : "admin token (no \(role.rawValue) token is configured)"
    }
}
