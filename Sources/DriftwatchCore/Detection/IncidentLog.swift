/// Merges repeated detections into one incident (design.md principle 5).
///
/// An incident is keyed by kind and subject (a tool, a transition, or empty)
/// within its scope (an agent or a session). A detection of an open incident
/// is raised again only when its severity escalates or when the incident
/// has been quiet (no detection) for the quiet period.
struct IncidentLog: Sendable {
    struct Key: Hashable, Sendable {
        var kind: Alert.Kind
        var subject: String
    }

    struct Incident: Sendable {
        var severity: Alert.Severity
        var lastSeen: EventTime
        /// How long this incident stays open without a detection (`.max`: for good).
        var quiet: EventTime
    }

    private(set) var open: [Key: Incident] = [:]

    /// Records a detection; returns whether it should be raised as an alert.
    mutating func admit(_ kind: Alert.Kind, subject: String = "", severity: Alert.Severity, at ts: EventTime,
                        quiet: EventTime) -> Bool
    {
        let key = Key(kind: kind, subject: subject)
        if var incident = open[key], ts - incident.lastSeen < incident.quiet {
            incident.lastSeen = max(incident.lastSeen, ts)
            let escalates = severity > incident.severity
            if escalates { incident.severity = severity }
            open[key] = incident
            return escalates
        }
        open[key] = Incident(severity: severity, lastSeen: ts, quiet: quiet)
        return true
    }

    /// Whether an incident of `kind` is open (seen within the quiet period).
    func isOpen(_ kind: Alert.Kind, subject: String = "", at ts: EventTime, quiet: EventTime) -> Bool {
        guard let incident = open[Key(kind: kind, subject: subject)] else { return false }
        return ts - incident.lastSeen < quiet
    }

    /// Whether any incident of `kind` (whatever its subject) is open.
    func hasOpenSubject(of kind: Alert.Kind, at ts: EventTime, quiet: EventTime) -> Bool {
        open.contains { $0.key.kind == kind && ts - $0.value.lastSeen < quiet }
    }

    /// Drops incidents that have closed (bounded memory); ones admitted with
    /// an unbounded quiet period (a new tool is news once) stay.
    mutating func prune(at ts: EventTime) {
        open = open.filter { ts - $0.value.lastSeen < $0.value.quiet }
    }

    var isEmpty: Bool { open.isEmpty }
}
