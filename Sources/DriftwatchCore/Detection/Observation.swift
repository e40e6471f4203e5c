/// One tool call as the detectors see it, with everything derived once.
struct Observation {
    let agent: String
    let session: String?
    let ts: EventTime
    let seq: Int64
    let tool: String
    /// Index among the model's tracked tools; nil for untracked or new tools.
    let toolIndex: Int?
    let features: ArgsFeatures
    let failed: Bool
    let toolClass: ToolClassifier.ToolClass?

    var isDestructive: Bool { toolClass == .destructive }

    func alert(_ kind: Alert.Kind, _ severity: Alert.Severity, score: Double, threshold: Double, message: String,
               evidence: JSONValue) -> Alert
    {
        Alert(ts: ts, agent: agent, session: kind.isSessionScoped ? session : nil, kind: kind, severity: severity,
              score: score, threshold: threshold, message: message, evidence: evidence, seq: seq)
    }
}

/// Severity for a statistic against its bound: critical at twice the bound
/// (the condition clearly exceeds the baseline) or on a destructive tool.
func severity(score: Double, threshold: Double, destructive: Bool = false) -> Alert.Severity {
    destructive || score >= 2 * threshold ? .critical : .warning
}
