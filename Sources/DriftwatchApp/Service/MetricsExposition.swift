/// Renders `ServiceMetrics` in the Prometheus text exposition format 0.0.4.
public enum MetricsExposition {
    /// What the detection state holds (`Monitor`): live agents, open sessions, agents set aside.
    public struct Detection: Sendable {
        public var liveAgents = 0
        public var openSessions = 0
        public var agentsSetAside = 0

        public init(liveAgents: Int = 0, openSessions: Int = 0, agentsSetAside: Int = 0) {
            self.liveAgents = liveAgents
            self.openSessions = openSessions
            self.agentsSetAside = agentsSetAside
        }
    }

    public static func render(_ s: ServiceMetrics.Snapshot, queueDepth: Int, agents: Int, detection: Detection) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("driftwatch_events_total", "counter", "Events stored (duplicates excluded).")
        out += "driftwatch_events_total \(s.eventsTotal)\n"
        family("driftwatch_duplicate_events_total", "counter", "Events acknowledged but not stored again (same agent and call_id).")
        out += "driftwatch_duplicate_events_total \(s.duplicatesTotal)\n"
        family("driftwatch_rejected_lines_total", "counter", "Input lines rejected, by reason.")
        for reason in s.rejectedByReason.keys.sorted() {
            out += "driftwatch_rejected_lines_total{reason=\"\(escape(reason))\"} \(s.rejectedByReason[reason]!)\n"
        }
        family("driftwatch_alerts_total", "counter", "Alerts raised, by kind.")
        for kind in s.alertsByKind.keys.sorted() {
            out += "driftwatch_alerts_total{kind=\"\(escape(kind))\"} \(s.alertsByKind[kind]!)\n"
        }
        family("driftwatch_batch_commit_seconds", "histogram", "Time to write and commit one ingest batch.")
        for (bound, count) in zip(ServiceMetrics.commitBuckets, s.commitBucketCounts) {
            out += "driftwatch_batch_commit_seconds_bucket{le=\"\(bound)\"} \(count)\n"
        }
        out += "driftwatch_batch_commit_seconds_bucket{le=\"+Inf\"} \(s.commitCount)\n"
        out += "driftwatch_batch_commit_seconds_sum \(s.commitSecondsSum)\n"
        out += "driftwatch_batch_commit_seconds_count \(s.commitCount)\n"
        family("driftwatch_overloaded_requests_total", "counter", "Submissions refused with 503 because the ingest queue was full.")
        out += "driftwatch_overloaded_requests_total \(s.overloadedTotal)\n"
        family("driftwatch_queue_depth", "gauge", "Events waiting for the writer.")
        out += "driftwatch_queue_depth \(queueDepth)\n"
        family("driftwatch_agents", "gauge", "Agents that have sent events.")
        out += "driftwatch_agents \(agents)\n"
        family("driftwatch_live_agents", "gauge", "Agents with live detection state (bounded by limits.max_agents).")
        out += "driftwatch_live_agents \(detection.liveAgents)\n"
        family("driftwatch_open_sessions", "gauge", "Open sessions tracked over all agents (bounded by limits.max_open_sessions).")
        out += "driftwatch_open_sessions \(detection.openSessions)\n"
        family("driftwatch_agents_set_aside_total", "counter", "Least recently active agents whose live state was dropped to stay within the limits.")
        out += "driftwatch_agents_set_aside_total \(detection.agentsSetAside)\n"
        return out
    }

    /// A label value with `\`, `"` and newline escaped, as the format requires.
    static func escape(_ value: String) -> String {
        var out = ""
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
