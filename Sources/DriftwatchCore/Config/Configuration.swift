/// The configuration file (spec §6): every field optional with a documented
/// default, and **an unknown key is an error** naming its path, because a
/// typo must never silently disable a protection.
public struct Configuration: Sendable {
    public var listen = "127.0.0.1:8080"
    public var db = "driftwatch.db"
    public var baselines = "baselines"
    public var dashboards = "dashboards"
    public var tokens = Tokens()
    public var webhooks: [Webhook] = []
    public var retention = Retention()
    public var breaker = Breaker()
    public var delivery = Delivery()
    public var redaction = true
    public var durability = Durability.processCrash
    public var limits = Limits()
    public var detection = DetectionSettings()

    /// What an acknowledged (202) event must survive.
    public enum Durability: String, Sendable, Equatable, CaseIterable {
        /// A crash or `kill -9` of driftwatch (SQLite WAL with `synchronous = NORMAL`:
        /// each commit is in the WAL file, and the kernel has it). A power loss, kernel
        /// crash or a file system that stops writing back can lose the last commits.
        case processCrash = "process_crash"
        /// Also a power loss (`synchronous = FULL`: one fsync of the WAL per batch,
        /// which costs ingest throughput on most disks).
        case powerLoss = "power_loss"
    }

    public struct Tokens: Sendable, Equatable {
        public var ingest: String?
        public var viewer: String?
        public var admin: String?

        public var any: Bool { ingest != nil || viewer != nil || admin != nil }
    }

    public struct Webhook: Sendable, Equatable {
        public var url: String
        public var secret: String
        /// Event types delivered; default both breaker transitions.
        public var events: [String] = ["breaker.open", "breaker.closed"]

        public init(url: String, secret: String, events: [String] = ["breaker.open", "breaker.closed"]) {
            self.url = url
            self.secret = secret
            self.events = events
        }
    }

    public struct Retention: Sendable, Equatable {
        public var days = 30
        public var maxEvents = 10_000_000
    }

    public struct Breaker: Sendable, Equatable {
        public var warningsToOpen = 3
        public var windowSeconds = 600
        public var cooldownSeconds = 300
        public var probeCalls = 5
    }

    /// Webhook delivery from the outbox (spec §5): retried with exponential backoff and
    /// jitter from `initial_backoff_s`, doubling up to `max_backoff_s`, until `give_up_s`
    /// after the row was enqueued, then dead-lettered.
    public struct Delivery: Sendable, Equatable {
        public var initialBackoffSeconds = 1
        public var maxBackoffSeconds = 300
        public var giveUpSeconds = 86_400
        /// Longest one attempt may take (connect and response).
        public var timeoutSeconds = 10
        /// Deliveries attempted at once (to different agents or webhooks).
        public var maxInFlight = 16
    }

    /// Input and service limits (style.md convention 10).
    public struct Limits: Sendable, Equatable {
        public var maxLineBytes = 256 * 1024
        public var maxBodyBytes = 8 * 1024 * 1024
        public var maxConnections = 512
        public var maxQueuedEvents = 200_000
        public var batchSize = 4096
    }

    public init() {}

    /// Parses a configuration file's bytes.
    /// - Throws: `ConfigurationError` naming the key path (`breaker.cooldown_s`) and the problem.
    public init(bytes: [UInt8]) throws(ConfigurationError) {
        let root: JSONValue
        do { root = try JSONScanner.parse(bytes) } catch { throw ConfigurationError(path: "", error.description) }
        try self.init(json: root)
    }

    public init(json root: JSONValue) throws(ConfigurationError) {
        self.init()
        let r = ConfigReader(path: "")
        for m in try r.members(root) {
            let r = r.at(m.key)
            switch m.key {
            case "listen": listen = try r.string(m.value)
            case "db": db = try r.string(m.value)
            case "durability":
                let text = try r.string(m.value)
                guard let d = Durability(rawValue: text) else {
                    throw r.error("must be one of \(Durability.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
                }
                durability = d
            case "baselines": baselines = try r.string(m.value)
            case "dashboards": dashboards = try r.string(m.value)
            case "tokens":
                for t in try r.members(m.value) {
                    let tr = r.at(t.key)
                    let token = try tr.string(t.value)
                    guard token.utf8.count >= 16 else { throw tr.error("must be at least 16 characters (a guessable token is no protection)") }
                    switch t.key {
                    case "ingest": tokens.ingest = token
                    case "viewer": tokens.viewer = token
                    case "admin": tokens.admin = token
                    default: throw tr.unknown()
                    }
                }
            case "webhooks":
                guard let items = m.value.arrayValue else { throw r.error("must be an array") }
                for (i, item) in items.enumerated() {
                    let wr = r.at("\(i)")
                    var url: String?
                    var secret: String?
                    var events = ["breaker.open", "breaker.closed"]
                    for f in try wr.members(item) {
                        let fr = wr.at(f.key)
                        switch f.key {
                        case "url":
                            let u = try fr.string(f.value)
                            guard u.hasPrefix("http://") else {
                                throw fr.error("must be an http:// URL (for https, put a local TLS-terminating proxy in front; see README)")
                            }
                            url = u
                        case "secret":
                            let s = try fr.string(f.value)
                            guard s.utf8.count >= 16 else { throw fr.error("must be at least 16 characters") }
                            secret = s
                        case "events":
                            guard let list = f.value.arrayValue, !list.isEmpty else { throw fr.error("must be a non-empty array") }
                            events = try list.enumerated().map { (j, v) throws(ConfigurationError) in
                                let e = try fr.at("\(j)").string(v)
                                guard e == "breaker.open" || e == "breaker.closed" || e == "breaker.half_open" else {
                                    throw fr.at("\(j)").error("must be breaker.open, breaker.half_open or breaker.closed")
                                }
                                return e
                            }
                        default: throw fr.unknown()
                        }
                    }
                    guard let url else { throw wr.at("url").error("is required") }
                    guard let secret else { throw wr.at("secret").error("is required") }
                    webhooks.append(Webhook(url: url, secret: secret, events: events))
                }
            case "retention":
                for f in try r.members(m.value) {
                    switch f.key {
                    case "days": retention.days = try r.at(f.key).int(f.value, min: 1)
                    case "max_events": retention.maxEvents = try r.at(f.key).int(f.value, min: 1000)
                    default: throw r.at(f.key).unknown()
                    }
                }
            case "learning":
                for f in try r.members(m.value) {
                    switch f.key {
                    case "min_calls": detection.minCalls = try r.at(f.key).int(f.value, min: 50)
                    default: throw r.at(f.key).unknown()
                    }
                }
            case "detection":
                for f in try r.members(m.value) {
                    switch f.key {
                    case "false_alarms_per_100k":
                        let v = try r.at(f.key).number(f.value)
                        guard v > 0, v <= 10_000 else { throw r.at(f.key).error("must be in (0, 10000]") }
                        detection.falseAlarmsPer100k = v
                    default: throw r.at(f.key).unknown()
                    }
                }
            case "breaker":
                for f in try r.members(m.value) {
                    let fr = r.at(f.key)
                    switch f.key {
                    case "warnings_to_open": breaker.warningsToOpen = try fr.int(f.value, min: 1)
                    case "window_s": breaker.windowSeconds = try fr.int(f.value, min: 1)
                    case "cooldown_s": breaker.cooldownSeconds = try fr.int(f.value, min: 1)
                    case "probe_calls": breaker.probeCalls = try fr.int(f.value, min: 1)
                    default: throw fr.unknown()
                    }
                }
                detection.breaker = CircuitBreaker.Settings(breaker)
            case "delivery":
                for f in try r.members(m.value) {
                    let fr = r.at(f.key)
                    switch f.key {
                    case "initial_backoff_s": delivery.initialBackoffSeconds = try fr.int(f.value, min: 1)
                    case "max_backoff_s": delivery.maxBackoffSeconds = try fr.int(f.value, min: 1)
                    case "give_up_s": delivery.giveUpSeconds = try fr.int(f.value, min: 1)
                    case "timeout_s": delivery.timeoutSeconds = try fr.int(f.value, min: 1)
                    case "max_in_flight": delivery.maxInFlight = try fr.int(f.value, min: 1)
                    default: throw fr.unknown()
                    }
                }
                guard delivery.maxBackoffSeconds >= delivery.initialBackoffSeconds else {
                    throw r.at("max_backoff_s").error("must be ≥ initial_backoff_s")
                }
            case "agents":
                for a in try r.members(m.value) {
                    let ar = r.at(a.key)
                    var policy = AgentPolicy()
                    for f in try ar.members(a.value) {
                        let fr = ar.at(f.key)
                        switch f.key {
                        case "mode":
                            guard let mode = AgentPolicy.Mode(rawValue: try fr.string(f.value)) else {
                                throw fr.error("must be observe, warn or enforce")
                            }
                            policy.mode = mode
                        case "budgets":
                            for b in try fr.members(f.value) {
                                let br = fr.at(b.key)
                                let v = try br.number(b.value)
                                guard v > 0 else { throw br.error("must be a number > 0") }
                                switch b.key {
                                case "session_usd": policy.sessionBudgetUSD = v
                                case "hour_usd": policy.hourBudgetUSD = v
                                default: throw br.unknown()
                                }
                            }
                        default: throw fr.unknown()
                        }
                    }
                    detection.agentPolicies.append(AgentPolicyRule(pattern: a.key, policy: policy))
                }
            case "tools":
                for t in try r.members(m.value) {
                    guard let c = ToolClassifier.ToolClass(rawValue: try r.at(t.key).string(t.value)) else {
                        throw r.at(t.key).error("must be read, write or destructive")
                    }
                    detection.toolClasses.rules.append((t.key, c))
                }
            case "redaction":
                for f in try r.members(m.value) {
                    switch f.key {
                    case "enabled":
                        guard let b = f.value.boolValue else { throw r.at(f.key).error("must be true or false") }
                        redaction = b
                    default: throw r.at(f.key).unknown()
                    }
                }
            case "limits":
                for f in try r.members(m.value) {
                    let fr = r.at(f.key)
                    switch f.key {
                    case "max_line_bytes": limits.maxLineBytes = try fr.int(f.value, min: 1024)
                    case "max_body_bytes": limits.maxBodyBytes = try fr.int(f.value, min: 1024)
                    case "max_connections": limits.maxConnections = try fr.int(f.value, min: 1)
                    case "max_queued_events": limits.maxQueuedEvents = try fr.int(f.value, min: 1000)
                    case "batch_size": limits.batchSize = try fr.int(f.value, min: 1)
                    case "max_agents": detection.maxAgents = try fr.int(f.value, min: 100)
                    case "max_open_sessions": detection.maxOpenSessions = try fr.int(f.value, min: 1000)
                    default: throw fr.unknown()
                    }
                }
            default:
                throw r.unknown()
            }
        }
    }
}

/// A configuration problem at a key path.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { path.isEmpty ? "configuration: \(reason)" : "configuration: \"\(path)\" \(reason)" }
}

struct ConfigReader {
    var path: String

    func at(_ key: String) -> ConfigReader { ConfigReader(path: path.isEmpty ? key : path + "." + key) }
    func error(_ reason: String) -> ConfigurationError { ConfigurationError(path: path, reason) }
    func unknown() -> ConfigurationError { ConfigurationError(path: path, "is not a known key (check the spelling; see the README's configuration table)") }

    func members(_ v: JSONValue) throws(ConfigurationError) -> [JSONMember] {
        guard let o = v.objectValue else { throw error("must be an object") }
        return o
    }

    func string(_ v: JSONValue) throws(ConfigurationError) -> String {
        guard let s = v.stringValue, !s.isEmpty else { throw error("must be a non-empty string") }
        return s
    }

    func number(_ v: JSONValue) throws(ConfigurationError) -> Double {
        guard let d = v.doubleValue else { throw error("must be a number") }
        return d
    }

    func int(_ v: JSONValue, min: Int) throws(ConfigurationError) -> Int {
        guard let d = v.doubleValue, d == d.rounded(), d >= Double(min), d < 1e15 else {
            throw error("must be an integer ≥ \(min)")
        }
        return Int(d)
    }
}
