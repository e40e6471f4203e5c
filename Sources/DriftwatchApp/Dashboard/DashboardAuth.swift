import DriftwatchCore
public import DriftwatchHTTP
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Dashboard sessions and CSRF protection (design.md § Security).
///
/// - **Login**: `POST /login` with a viewer or admin token sets the cookie
///   `dw_session=<role>.<expiry unix s>.<hex HMAC-SHA256(key, "dw-session|role|expiry")>`,
///   `HttpOnly; SameSite=Strict; Path=/`. The cookie carries no token, only the role and
///   its expiry, and cannot be forged or extended without the key.
/// - **Key**: HMAC-SHA256(admin token, "driftwatch dashboard cookie key v1") when an admin
///   token is configured, so sessions survive a restart and die when the admin token is
///   rotated; otherwise 32 random bytes per process (sessions end with the process).
/// - **CSRF**: every state-changing form carries `csrf = hex HMAC(key, "dw-csrf|" + cookie)`,
///   checked in constant time on POST; in open mode (no tokens on loopback) the cookie is
///   replaced by the fixed string `open`, so the per-process key still keeps another site
///   from forging a form post to 127.0.0.1.
/// - **Bearer tokens** keep working for scripts (`Authorization: Bearer …`).
public struct DashboardAuth: Sendable {
    public enum Role: String, Sendable, Comparable {
        case viewer, admin

        public static func < (a: Role, b: Role) -> Bool { a == .viewer && b == .admin }
    }

    public static let cookieName = "dw_session"
    /// How long a login lasts.
    public let sessionLifetimeSeconds: Int64

    public let access: AccessControl
    private let key: [UInt8]
    private let now: @Sendable () -> Int64

    /// - Parameters:
    ///   - now: Unix seconds (injected for tests).
    ///   - randomKey: the per-process key used when no admin token is configured.
    public init(access: AccessControl, sessionLifetimeSeconds: Int64 = 12 * 3600,
                now: @escaping @Sendable () -> Int64 = DashboardAuth.unixSeconds, randomKey: [UInt8]? = nil) {
        self.access = access
        self.sessionLifetimeSeconds = sessionLifetimeSeconds
        self.now = now
        if let admin = access.tokens.admin {
            key = HMAC.sha256(key: Array(admin.utf8), message: Array("driftwatch dashboard cookie key v1".utf8))
        } else {
            key = randomKey ?? Self.randomBytes(32)
        }
    }

    /// The system clock in Unix seconds.
    public static let unixSeconds: @Sendable () -> Int64 = { Int64(time(nil)) }

    static func randomBytes(_ n: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
    }

    /// Whether no token is configured (loopback only): everyone is admin.
    public var isOpen: Bool { access.isOpen }

    // MARK: - Who is asking

    /// The caller's role: admin in open mode; else from a valid cookie or bearer token.
    public func role(of request: HTTPRequest) -> Role? {
        if isOpen { return .admin }
        if let cookie = Self.cookie(Self.cookieName, in: request), let role = verify(cookie) { return role }
        if let header = request.headers["Authorization"] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let granted = access.roles(for: String(parts[1]))
                if granted.contains(.admin) { return .admin }
                if granted.contains(.viewer) { return .viewer }
            }
        }
        return nil
    }

    /// The value a form's CSRF field must carry for this request's session.
    public func csrfToken(for request: HTTPRequest) -> String {
        let subject = isOpen ? "open" : (Self.cookie(Self.cookieName, in: request) ?? "")
        return HexEncoding.encode(HMAC.sha256(key: key, message: Array(("dw-csrf|" + subject).utf8)))
    }

    /// Checks a state-changing request: a role of at least `role` and, for a browser
    /// session, the form's `csrf` field. A bearer-token client (no cookie, not open mode)
    /// needs no CSRF token: browsers never attach that header on their own.
    /// - Throws: `HTTPError` 401 (nobody), 403 (role too low or CSRF token wrong).
    public func authorizeAction(_ request: HTTPRequest, form: [(name: String, value: String)],
                                as required: Role = .admin) throws(HTTPError) {
        guard let role = role(of: request) else {
            throw HTTPError(.unauthorized, message: "log in first")
        }
        guard role >= required else {
            throw HTTPError(.forbidden, message: "this needs the \(required.rawValue) role; you are logged in as \(role.rawValue)")
        }
        let usesBrowserSession = isOpen || Self.cookie(Self.cookieName, in: request) != nil
        guard usesBrowserSession else { return }
        let presented = form.first { $0.name == "csrf" }?.value ?? ""
        guard ConstantTime.equals(presented, csrfToken(for: request)) else {
            throw HTTPError(.forbidden, message: "the form's CSRF token is missing or wrong: reload the page and try again")
        }
    }

    // MARK: - Cookies

    /// A signed session value for `role`, valid for ``sessionLifetimeSeconds``.
    public func issue(_ role: Role) -> String {
        let expiry = now() + sessionLifetimeSeconds
        let payload = role.rawValue + "." + String(expiry)
        return payload + "." + signature(payload)
    }

    /// The role a session value grants, if its signature is valid and it has not expired.
    public func verify(_ value: String) -> Role? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let role = Role(rawValue: String(parts[0])), let expiry = Int64(parts[1]) else { return nil }
        let payload = parts[0] + "." + parts[1]
        guard ConstantTime.equals(String(parts[2]), signature(String(payload))), expiry > now() else { return nil }
        return role
    }

    private func signature(_ payload: String) -> String {
        HexEncoding.encode(HMAC.sha256(key: key, message: Array(("dw-session|" + payload).utf8)))
    }

    /// The `Set-Cookie` value for a login.
    public func setCookie(_ value: String) -> String {
        "\(Self.cookieName)=\(value); HttpOnly; SameSite=Strict; Path=/; Max-Age=\(sessionLifetimeSeconds)"
    }

    /// The `Set-Cookie` value that ends a session.
    public static var clearCookie: String { "\(cookieName)=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0" }

    /// The value of cookie `name` in the request's `Cookie` headers (RFC 6265 §5.4).
    public static func cookie(_ name: String, in request: HTTPRequest) -> String? {
        for header in request.headers.values(for: "Cookie") {
            for pair in header.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if kv.count == 2, kv[0].trimmingSpacesSubstring == name { return String(kv[1].trimmingSpacesSubstring) }
            }
        }
        return nil
    }
}

extension Substring {
    var trimmingSpacesSubstring: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
