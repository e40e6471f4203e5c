import DriftwatchCore
import DriftwatchHTTP
import Foundation

/// `driftwatch demo` (spec §3): the real service — same store, pipeline, detectors and
/// dashboard as `serve` — over a temporary store, fed live by ``DemoFleet`` and the
/// ``DemoScript`` misbehaviour, until SIGINT/SIGTERM.
public struct DemoRunner: Sendable {
    public var listen: String
    public var baselinesDirectory: String
    public var dashboardsDirectory: String
    private let log: @Sendable (String) -> Void

    public init(listen: String = "127.0.0.1:8080", baselinesDirectory: String = "baselines/demo",
                dashboardsDirectory: String = "dashboards", log: @escaping @Sendable (String) -> Void) {
        self.listen = listen
        self.baselinesDirectory = baselinesDirectory
        self.dashboardsDirectory = dashboardsDirectory
        self.log = log
    }

    /// Runs the demo until a signal; the temporary store is deleted afterwards.
    /// - Throws: `ServiceError` with its exit code (bad listen address, port in use, missing files).
    public func run() async throws(ServiceError) {
        try checkFiles()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-demo-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .unavailable("cannot create a temporary directory: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: directory) }

        let script = DemoScript(agentsByPersona: DemoFleet(origin: 0).agentsByPersona)
        var configuration = Configuration()
        DemoScript.configure(&configuration)
        configuration.dashboards = dashboardsDirectory
        let receiver: DemoWebhookReceiver
        do {
            receiver = try DemoWebhookReceiver(log: log)
        } catch {
            throw .unavailable("cannot start the demo's loopback webhook receiver: \(error)")
        }
        configuration.webhooks = [receiver.webhook]
        var settings = try ServeSettings(configuration: configuration, listen: listen,
                                         databasePath: directory.appendingPathComponent("demo.db").path,
                                         baselinesDirectory: baselinesDirectory)
        settings.dashboardsDirectoryIsExplicit = true
        settings.dashboardNotice = ["This is driftwatch demo: \(DemoFleet.agents) simulated agents stream live; "
            + "misbehaviour is scheduled from the start:"] + script.steps.map(\.announcement)
            + ["When a breaker opens, its kill-switch webhook goes to a built-in receiver on 127.0.0.1:\(receiver.server.port): see Webhooks."]
        let service = try DriftwatchService(settings: settings, log: log)
        let url = "http://\(ListenAddress(host: settings.listen.host, port: service.port))/"
        log("""
            driftwatch demo: open \(url) in a browser (Ctrl-C stops the demo and deletes its store).
              \(DemoFleet.agents) simulated agents (billing, CI, support, research, ops) stream about 30 events/s,
              monitored against the baselines in \(baselinesDirectory)/. What will happen, from now:
            """ + script.steps.map { "\n    " + $0.announcement }.joined())
        let pipeline = service.pipeline
        let clock = WallClock.system
        await withDiscardingTaskGroup { group in
            group.addTask { await receiver.run(log: log) }
            group.addTask {
                await Self.feed(pipeline: pipeline, script: script, clock: clock, log: log)
            }
            await service.run()
            await receiver.shutdown()
            group.cancelAll()
        }
    }

    /// The demo reads its fleet's baselines and the dashboard's templates from files,
    /// relative to the working directory by default. Run from anywhere else, they are
    /// missing: a data error (spec §3: 65) that says where to run it, before anything
    /// starts, rather than bad usage for a command given no options at all.
    /// - Throws: `ServiceError.data`.
    func checkFiles() throws(ServiceError) {
        for (directory, option) in [(baselinesDirectory, "--baselines"), (dashboardsDirectory, "--dashboards")] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                let here = FileManager.default.currentDirectoryPath
                throw .data("the demo needs \(directory)/, which is not in \(here): run driftwatch demo from the repository root "
                    + "(it reads baselines/demo/ and dashboards/), or pass \(option) DIR")
            }
        }
    }

    /// Submits the fleet's due events, and the script's, every 200 ms until cancelled.
    static func feed(pipeline: IngestPipeline, script: DemoScript, clock: WallClock,
                     log: @Sendable (String) -> Void) async {
        let start = clock.now()
        var fleet = DemoFleet(origin: start, streamSeed: UInt64(truncatingIfNeeded: start))
        var scripted: [(ts: Int64, event: Event, announcement: String?)] = []
        for step in script.steps {
            for (i, call) in step.calls.enumerated() {
                var event = call.event
                let ts = start + (step.at * 1_000_000_000) + Int64(call.offset * 1e9)
                event.ts = ts
                scripted.append((ts, event, i == 0 ? step.announcement : nil))
            }
        }
        scripted.sort { $0.ts < $1.ts }
        var nextScripted = 0
        while !Task.isCancelled {
            let now = clock.now()
            var batch = fleet.events(until: now)
            while nextScripted < scripted.count, scripted[nextScripted].ts <= now {
                if let line = scripted[nextScripted].announcement { log("demo: now " + line.trimmingSpaces) }
                batch.append(scripted[nextScripted].event)
                nextScripted += 1
            }
            batch.sort { ($0.ts ?? 0) < ($1.ts ?? 0) }
            if !batch.isEmpty {
                do {
                    _ = try await pipeline.submit(batch, receivedNS: now)
                } catch {
                    if case IngestPipeline.SubmitError.shuttingDown = error { return }
                    log("demo: \(error)")
                }
            }
            do { try await Task.sleep(for: .milliseconds(200)) } catch { return }
        }
    }
}
