import Foundation
public import DriftwatchCore
import DriftwatchHTTP
public import DriftwatchStore

/// `driftwatch serve` (spec §3–4): the store, the ingest pipeline, the HTTP API and,
/// with `--stdin`, a pipe source, under one task group; SIGTERM / SIGINT stop it
/// gracefully (stop accepting, drain in-flight requests, commit the last batch).
public final class DriftwatchService: Sendable {
    public let settings: ServeSettings
    private let store: DatabasePool
    let pipeline: IngestPipeline
    private let metrics = ServiceMetrics()
    private let server: HTTPServer
    private let log: @Sendable (String) -> Void
    private let baselineCount: Int
    private let sender: WebhookSender

    /// Opens the store, loads baselines and binds the listen address.
    /// How `serve` opens its store: SQLite's defaults but for the `durability` the
    /// configuration asks for and checkpoints in the background (page cache and
    /// checkpoint interval were measured and left at the defaults; see
    /// `Database.Configuration`).
    public static func storeConfiguration(_ configuration: Configuration) -> Database.Configuration {
        var database = Database.Configuration()
        database.checkpointInBackground = true
        database.synchronous = switch configuration.durability {
        case .processCrash: .normal
        case .powerLoss: .full
        }
        return database
    }

    /// - Throws: `ServiceError` with the exit code to use.
    public init(settings: ServeSettings, clock: WallClock = .system,
                log: @escaping @Sendable (String) -> Void = { printError($0) }) throws(ServiceError) {
        try settings.validate()
        self.settings = settings
        self.log = log
        let configuration = settings.configuration
        let store: DatabasePool
        do {
            store = try DatabasePool(path: settings.databasePath, configuration: Self.storeConfiguration(configuration),
                                     migrator: Schema.migrator)
        } catch let error as MigrationError {
            throw .data("store \(settings.databasePath): \(error)")
        } catch let error as SQLiteError where error.isCorrupt {
            throw .data("store \(settings.databasePath) is not a driftwatch database: \(error.message)")
        } catch {
            throw .unavailable("cannot open the store \(settings.databasePath): \(error)")
        }
        self.store = store

        // Baselines: learned ones from the table, then files, which win for the same agent
        // (a reviewed file is the operator's decision; design.md § Baselines).
        var baselines: [String: Baseline] = [:]
        do {
            for b in try store.readSync({ db in
                try BaselineStore.loadAll(in: db) { agent, reason in
                    log("warning: stored baseline for \(agent) is unreadable and was skipped: \(reason)")
                }
            }) {
                baselines[b.agent] = b
            }
        } catch {
            throw .unavailable("cannot read baselines from the store: \(error)")
        }
        var isDirectory: ObjCBool = false
        let directoryExists = FileManager.default.fileExists(atPath: settings.baselinesDirectory, isDirectory: &isDirectory)
        if directoryExists && isDirectory.boolValue {
            do {
                for b in try BaselineFiles.loadAll(from: settings.baselinesDirectory) { baselines[b.agent] = b }
            } catch {
                throw .data("baselines in \(settings.baselinesDirectory): \(error)")
            }
        } else if settings.baselinesDirectoryIsExplicit {
            throw .usage("baselines directory \(settings.baselinesDirectory) does not exist")
        }
        baselineCount = baselines.count

        do {
            let loaded = Array(baselines.values), now = clock.now()
            try store.writeSync { db in try ConfigurationAudit.record(configuration, baselines: loaded, at: now, in: db) }
        } catch {
            throw .unavailable("cannot write the audit log: \(error)")
        }
        var monitor = Monitor(settings: configuration.detection, baselines: Array(baselines.values))
        do {
            try BreakerRestore.restore(into: &monitor, from: store, log: log)
        } catch {
            throw .unavailable("cannot read breaker state from the store: \(error)")
        }
        let breakers = BreakerRecorder(webhooks: configuration.webhooks)
        pipeline = IngestPipeline(
            store: store, monitor: monitor,
            persistedBaselines: Set(baselines.keys), batchSize: configuration.limits.batchSize,
            maxQueuedEvents: configuration.limits.maxQueuedEvents, redact: configuration.redaction,
            metrics: metrics, clock: clock, breakers: breakers, log: log)
        do {
            let undetected = try pipeline.recoverUndetected()
            if undetected > 0 {
                log("driftwatch: \(undetected) stored events had not been through detection (the previous run stopped "
                    + "between their commit and their alerts' commit); detecting them first")
            }
        } catch {
            throw .unavailable("cannot read undetected events from the store: \(error)")
        }
        sender = WebhookSender(store: store, webhooks: configuration.webhooks, delivery: configuration.delivery,
                               signal: breakers.signal, clock: clock, log: log)
        var routes = ServiceRoutes(pipeline: pipeline, store: store, metrics: metrics,
                                   access: AccessControl(tokens: configuration.tokens),
                                   maxLineBytes: configuration.limits.maxLineBytes,
                                   maxBodyBytes: configuration.limits.maxBodyBytes, clock: clock,
                                   breakerCheck: BreakerControl(pipeline: pipeline, clock: clock).check)
        routes.dashboard = try Dashboard.load(settings: settings, routes: routes, log: log)
        if routes.dashboard == nil {
            // Only a default directory may be missing (a named one is a start-up error).
            let here = FileManager.default.currentDirectoryPath
            routes.dashboardOffReason = "there is no \(configuration.dashboards)/ directory in \(here), where serve was started"
        }
        var http = HTTPServer.Configuration(host: settings.listen.host, port: settings.listen.port)
        http.limits.maxBodyBytes = configuration.limits.maxBodyBytes
        http.maxConnections = configuration.limits.maxConnections
        http.drainTimeout = settings.drainTimeout
        do {
            server = try HTTPServer(configuration: http, responder: routes.router, log: log)
        } catch {
            throw .unavailable("cannot listen on \(settings.listen): \(error)")
        }
        self.retention = Retention(
            maxAgeNS: Int64(configuration.retention.days) * 86_400 * 1_000_000_000,
            maxEvents: Int64(configuration.retention.maxEvents))
        self.clock = clock
    }

    private let retention: Retention
    private let clock: WallClock

    /// The bound port (useful with port 0).
    public var port: Int { server.port }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully and returns.
    public func run() async {
        await run(until: SignalWatcher())
    }

    func run(until signals: SignalWatcher) async {
        let listen = ListenAddress(host: settings.listen.host, port: server.port)
        log("driftwatch: serving on http://\(listen) (store \(settings.databasePath), \(baselineCount) baselines loaded"
            + (settings.readStandardInput ? ", reading NDJSON from stdin" : "")
            + (settings.configuration.tokens.any ? ", tokens required" : ", no tokens: open on loopback") + ")")
        await withDiscardingTaskGroup { outer in
            outer.addTask { await self.pipeline.run() }
            await withDiscardingTaskGroup { inner in
                inner.addTask {
                    do { try await self.server.run() } catch { self.log("http: server stopped: \(error)") }
                }
                if settings.readStandardInput {
                    inner.addTask {
                        await StdinSource(fd: 0, pipeline: self.pipeline, maxLineBytes: self.settings.configuration.limits.maxLineBytes,
                                          metrics: self.metrics, clock: self.clock, log: self.log).run()
                    }
                }
                inner.addTask { await self.retainPeriodically() }
                inner.addTask { await self.sender.run() }
                let signal = await signals.wait()
                self.log("driftwatch: signal \(signal): stopping (draining in-flight requests, committing the last batch)")
                // Handlers still running await their commits, so the pipeline keeps running.
                await self.server.shutdown()
                // Stops stdin and retention; the pipeline is outside this group.
                inner.cancelAll()
            }
            pipeline.finish()
        }
        log("driftwatch: stopped; \(metrics.snapshot.eventsTotal) events stored since start")
    }

    /// Deletes expired events in bounded chunks every `retentionInterval`.
    private func retainPeriodically() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: settings.retentionInterval)
            } catch {
                return
            }
            var deleted = 0
            while !Task.isCancelled {
                let now = clock.now()
                do {
                    let n = try await store.write { [retention] db in try retention.deleteChunk(now: now, in: db) }
                    deleted += n
                    if n == 0 { break }
                } catch {
                    if !(error is CancellationError) { log("retention: \(error)") }
                    break
                }
            }
            if deleted > 0 { log("retention: deleted \(deleted) expired rows") }
        }
    }
}

extension ListenAddress {
    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}
