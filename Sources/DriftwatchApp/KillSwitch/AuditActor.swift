/// Who did something, as the audit log records it (design.md § Security: the actor's role).
public struct AuditActor: Sendable, Equatable {
    /// `driftwatch` for automatic actions, `token:<role>` for a bearer token, `dashboard:admin` for a
    /// dashboard form, `anonymous` without tokens.
    public var name: String
    /// `system`, `admin`, `viewer`, `ingest`, or `open` when no tokens are configured (loopback only).
    public var role: String

    public init(name: String, role: String) {
        self.name = name
        self.role = role
    }

    /// Breaker transitions driven by detections, baselines frozen by the learner.
    public static let system = AuditActor(name: "driftwatch", role: "system")

    public var isSystem: Bool { self == .system }
}
