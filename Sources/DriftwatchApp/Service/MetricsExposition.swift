/// Renders `ServiceMetrics` in the Prometheus text exposition format 0.0.4.
public enum MetricsExposition {
    public static func render(_ s: ServiceMetrics.Snapshot, queueDepth: Int, agents: Int) -> String {
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
