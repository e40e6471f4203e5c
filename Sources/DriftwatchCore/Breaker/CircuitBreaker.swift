/// A circuit breaker: closed → open → half-open → closed (design.md § Circuit breakers).
///
/// A pure state machine driven by event time: it takes alerts and calls and
/// returns the transitions they cause. It opens on a critical alert or on
/// `warningsToOpen` warnings within `window`; after `cooldown` the next call
/// finds it half-open and `probeCalls` calls are let through as probes; an
/// alert during the probes re-opens it with the cool-down doubled, and quiet
/// probes close it (and restore the configured cool-down).
///
/// A breaker an operator tripped is *held*: it stays open, whatever the agent's mode and
/// however long, until an operator resets it (a person decided to stop the agent; no
/// timer or probe should overrule that).
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: String, Sendable {
        case closed, open
        case halfOpen = "half_open"
    }

    public struct Settings: Sendable, Equatable {
        public var warningsToOpen = 3
        public var window: EventTime = 600 * RFC3339.nanosPerSecond
        public var cooldown: EventTime = 300 * RFC3339.nanosPerSecond
        public var probeCalls = 5
        /// Doubling stops here, so a flapping agent is retried at least daily.
        public var maxCooldown: EventTime = 86_400 * RFC3339.nanosPerSecond

        public init() {}

        public init(_ c: Configuration.Breaker) {
            warningsToOpen = c.warningsToOpen
            window = EventTime(c.windowSeconds) * RFC3339.nanosPerSecond
            cooldown = EventTime(c.cooldownSeconds) * RFC3339.nanosPerSecond
            probeCalls = c.probeCalls
        }
    }

    /// A transition and why it happened.
    public struct Transition: Sendable, Equatable {
        public var from: State
        public var to: State
        public var at: EventTime
        public var reason: String
        /// The alert that caused an opening, if one did.
        public var alertID: String?
        /// The cool-down now in force (for an opening).
        public var cooldown: EventTime
    }

    public private(set) var state: State = .closed
    public private(set) var since: EventTime = 0
    public private(set) var reason: String = ""
    public private(set) var cooldown: EventTime
    public private(set) var probesLeft = 0
    /// Opened by an operator's ``trip(at:reason:)``: no cool-down, enforced in every mode.
    public private(set) var heldByOperator = false
    /// Times of recent warnings, oldest first (at most `warningsToOpen`).
    private var warnings: [EventTime] = []
    let settings: Settings

    public init(settings: Settings = Settings()) {
        self.settings = settings
        cooldown = settings.cooldown
    }

    /// A breaker as it was saved, for a restart: the state, since when, why,
    /// and the cool-down in force (which may have been doubled).
    public init(settings: Settings = Settings(), restoring state: State, since: EventTime, reason: String, cooldown: EventTime,
                heldByOperator: Bool = false) {
        self.init(settings: settings)
        self.state = state
        self.since = since
        self.reason = reason
        self.cooldown = cooldown
        self.heldByOperator = state == .open && heldByOperator
        if state == .halfOpen { probesLeft = settings.probeCalls }
    }

    /// When an open breaker turns half-open (never for one an operator holds).
    public var reopensAt: EventTime? { state == .open && !heldByOperator ? since + cooldown : nil }

    /// The state as of `now`: an open breaker whose cool-down is over counts as half-open
    /// (probe calls may go through) although the transition is recorded only with the
    /// next event, which may be the first probe itself. Gates ask this: a blocked agent
    /// sends no events, so waiting for one would keep it blocked for ever.
    public func state(at now: EventTime) -> State {
        if let due = reopensAt, now >= due { return .halfOpen }
        return state
    }

    /// Seconds until an open breaker lets probes through, as of `now`.
    public func retryAfterSeconds(at now: EventTime) -> Int? {
        guard let due = reopensAt else { return nil }
        return Int(max(0, (due - now + RFC3339.nanosPerSecond - 1) / RFC3339.nanosPerSecond))
    }

    /// Records an alert (not a breaker transition) at event time `ts`.
    public mutating func record(_ alert: Alert, at ts: EventTime) -> Transition? {
        // The alert's sentence, quoted inside another: without its full stop.
        let sentence = alert.message.hasSuffix(".") ? String(alert.message.dropLast()) : alert.message
        let what = "\(alert.severity.rawValue) \(alert.kind.rawValue): \(sentence)"
        switch state {
        case .open:
            return nil
        case .halfOpen:
            // A probe misbehaved: back to open, for twice as long.
            cooldown = min(cooldown * 2, settings.maxCooldown)
            return move(to: .open, at: ts, reason: "alert during probes: " + what, alertID: alert.id)
        case .closed:
            if alert.severity == .critical {
                return move(to: .open, at: ts, reason: what, alertID: alert.id)
            }
            warnings.removeAll { ts - $0 > settings.window }
            warnings.append(ts)
            if warnings.count >= settings.warningsToOpen {
                return move(to: .open, at: ts, reason: "\(warnings.count) warnings within \(settings.window / RFC3339.nanosPerSecond) s, the last "
                    + what, alertID: alert.id)
            }
            return nil
        }
    }

    /// Advances time to `ts` (an open breaker whose cool-down is over turns half-open).
    public mutating func advance(to ts: EventTime) -> Transition? {
        guard let due = reopensAt, ts >= due else { return nil }
        probesLeft = settings.probeCalls
        return move(to: .halfOpen, at: ts, reason: "cool-down of \(cooldown / RFC3339.nanosPerSecond) s over; letting \(settings.probeCalls) probe calls through", alertID: nil)
    }

    /// Counts a call that raised no alert; quiet probes close a half-open breaker.
    public mutating func quietCall(at ts: EventTime) -> Transition? {
        guard state == .halfOpen else { return nil }
        probesLeft -= 1
        guard probesLeft <= 0 else { return nil }
        cooldown = settings.cooldown
        return move(to: .closed, at: ts, reason: "\(settings.probeCalls) probe calls without an alert", alertID: nil)
    }

    /// An operator's trip (open now, held until reset) or reset (close now). Tripping a
    /// breaker that opened by itself is a transition too (open → open, now held), so the
    /// hold is recorded and the kill switch fires even where the automatic opening did not.
    public mutating func trip(at ts: EventTime, reason: String) -> Transition? {
        guard !heldByOperator else { return nil }
        let t = move(to: .open, at: ts, reason: reason, alertID: nil)
        heldByOperator = true
        return t
    }

    public mutating func reset(at ts: EventTime, reason: String) -> Transition? {
        cooldown = settings.cooldown
        return state == .closed ? nil : move(to: .closed, at: ts, reason: reason, alertID: nil)
    }

    private mutating func move(to next: State, at ts: EventTime, reason: String, alertID: String?) -> Transition {
        let t = Transition(from: state, to: next, at: ts, reason: reason, alertID: alertID, cooldown: cooldown)
        state = next
        since = ts
        self.reason = reason
        heldByOperator = false
        if next != .closed { warnings.removeAll() }
        return t
    }
}
