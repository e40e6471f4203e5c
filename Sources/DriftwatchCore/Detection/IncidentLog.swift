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

    /// Few at a time (pruned as they close), so a linear scan comparing the
    /// kind first is cheaper than hashing a key on every check.
    private(set) var open: [(key: Key, incident: Incident)] = []

    private func index(_ kind: Alert.Kind, _ subject: String) -> Int? {
        open.firstIndex { $0.key.kind == kind && $0.key.subject == subject }
    }

    /// Records a detection; returns whether it should be raised as an alert.
    mutating func admit(_ kind: Alert.Kind, subject: String = "", severity: Alert.Severity, at ts: EventTime,
                        quiet: EventTime) -> Bool
    {
        if let i = index(kind, subject) {
            if ts - open[i].incident.lastSeen < open[i].incident.quiet {
                open[i].incident.lastSeen = max(open[i].incident.lastSeen, ts)
                let escalates = severity > open[i].incident.severity
                if escalates { open[i].incident.severity = severity }
                return escalates
            }
            open[i].incident = Incident(severity: severity, lastSeen: ts, quiet: quiet)
            return true
        }
        open.append((Key(kind: kind, subject: subject), Incident(severity: severity, lastSeen: ts, quiet: quiet)))
        return true
    }

    /// Whether an incident of `kind` is open (seen within the quiet period).
    func isOpen(_ kind: Alert.Kind, subject: String = "", at ts: EventTime, quiet: EventTime) -> Bool {
        guard !open.isEmpty, let i = index(kind, subject) else { return false }
        return ts - open[i].incident.lastSeen < quiet
    }

    /// Whether any incident of `kind` (whatever its subject) is open.
    func hasOpenSubject(of kind: Alert.Kind, at ts: EventTime, quiet: EventTime) -> Bool {
        open.contains { $0.key.kind == kind && ts - $0.incident.lastSeen < quiet }
    }

    /// Drops incidents that have closed (bounded memory); ones admitted with
    /// an unbounded quiet period (a new tool is news once) stay.
    mutating func prune(at ts: EventTime) {
        open.removeAll { ts - $0.incident.lastSeen >= $0.incident.quiet }
    }

    var isEmpty: Bool { open.isEmpty }
}
