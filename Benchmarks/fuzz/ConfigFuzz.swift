// libFuzzer target for the configuration loader.
// Build and run: Benchmarks/fuzz/run.sh config [seconds]
// Invariants: never crashes; anything accepted re-validates — its JSON written back
// canonically loads again to the same settings, and every documented bound holds.
import DriftwatchCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let config = try? Configuration(bytes: bytes) else { return 0 }
    check(config)
    // Agent patterns are globs matched against every agent name: they must not trap or hang.
    for agent in ["a", "agent-7", "", String(repeating: "a", count: 64)] { _ = config.detection.policy(for: agent) }
    guard let root = try? JSONScanner.parse(bytes) else { fatalError("accepted bytes that do not parse") }
    let again: Configuration
    do { again = try Configuration(bytes: Array(root.canonicalString.utf8)) } catch {
        fatalError("accepted configuration does not re-validate: \(error)")
    }
    check(again)
    expect(again.listen == config.listen && again.db == config.db && again.baselines == config.baselines
        && again.dashboards == config.dashboards && again.tokens == config.tokens && again.webhooks == config.webhooks
        && again.retention == config.retention && again.breaker == config.breaker && again.delivery == config.delivery
        && again.redaction == config.redaction && again.limits == config.limits,
        "re-validated configuration differs")
    return 0
}

/// The bounds Configuration(bytes:) promises for anything it accepts.
func check(_ c: Configuration) {
    for t in [c.tokens.ingest, c.tokens.viewer, c.tokens.admin] {
        if let t { expect(t.utf8.count >= 16, "short token accepted") }
    }
    for w in c.webhooks {
        expect(w.url.hasPrefix("http://") && w.secret.utf8.count >= 16 && !w.events.isEmpty, "bad webhook accepted")
    }
    expect(c.retention.days >= 1 && c.retention.maxEvents >= 1000, "retention bound")
    expect(c.breaker.warningsToOpen >= 1 && c.breaker.windowSeconds >= 1 && c.breaker.cooldownSeconds >= 1
        && c.breaker.probeCalls >= 1, "breaker bound")
    expect(c.delivery.initialBackoffSeconds >= 1 && c.delivery.maxBackoffSeconds >= c.delivery.initialBackoffSeconds
        && c.delivery.giveUpSeconds >= 1 && c.delivery.timeoutSeconds >= 1 && c.delivery.maxInFlight >= 1, "delivery bound")
    expect(c.limits.maxLineBytes >= 1024 && c.limits.maxBodyBytes >= 1024 && c.limits.maxConnections >= 1
        && c.limits.maxQueuedEvents >= 1000 && c.limits.batchSize >= 1, "limits bound")
    expect(c.detection.falseAlarmsPer100k > 0 && c.detection.falseAlarmsPer100k <= 10_000, "false alarm bound")
    expect(c.detection.minCalls >= 50, "min_calls bound")
    for rule in c.detection.agentPolicies {
        if let b = rule.policy.sessionBudgetUSD { expect(b > 0 && b.isFinite, "session budget bound") }
        if let b = rule.policy.hourBudgetUSD { expect(b > 0 && b.isFinite, "hour budget bound") }
    }
}

/// A failed invariant traps with its message (precondition drops messages under -O).
func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
