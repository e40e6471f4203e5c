import DriftwatchApp
import DriftwatchCore
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Exit codes (spec §3, sysexits.h).
enum Exit {
    static let ok: Int32 = 0
    static let usage: Int32 = 64
    static let data: Int32 = 65
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
}

struct UsageError: Error {
    var message: String
}

/// Input that was read but cannot be used (exit 65).
struct DataError: Error {
    var message: String
}

let generalHelp = """
    driftwatch — behavioural drift and anomaly monitor for AI agents

    usage: driftwatch <command> [options]

    commands:
      demo [--listen HOST:PORT] [--baselines DIR] [--dashboards DIR]
                                                           a live demo: simulated fleet, misbehaviour, dashboard on :8080
      replay [--baselines DIR] [--config FILE] FILE...     replay NDJSON offline; alerts to stdout, summary to stderr
      baseline learn FILE... --out DIR                     learn one baseline per agent from known-good history
      baseline show AGENT|FILE [--baselines DIR]           print a baseline in readable form
      baseline diff A.json B.json                          what changed between two baselines
      serve [--config FILE] [--db FILE] [--listen HOST:PORT] [--baselines DIR] [--dashboards DIR] [--stdin]
                                                           the service: HTTP ingest, API and dashboard, optional NDJSON on stdin
      check --agent NAME [--server URL]                    breaker state: exit 0 closed, 3 open, 4 half-open, 69 unreachable
      hook claude-code [--server URL] [--agent NAME] [--fail-open|--fail-closed] [--config FILE]
                                                           Claude Code hook: blocks PreToolUse (exit 2) while the breaker is open
      audit verify [--db FILE]                             verifies the audit log's hash chain (exit 65 names the broken row)

    `-` reads standard input (pipe zcat for compressed files).
    Every command has --help. Exit codes: 0 ok, 64 bad usage, 65 bad data, 69 unavailable.
    """

/// Splits `--flag value` options from positional arguments.
struct Arguments {
    var positional: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []

    init(_ args: ArraySlice<String>, valued: Set<String>, flags known: Set<String> = []) throws {
        var i = args.startIndex
        while i < args.endIndex {
            let a = args[i]
            if a == "-h" || a == "--help" {
                flags.insert("--help")
            } else if a.hasPrefix("--"), a.count > 2 {
                var name = a
                var value: String?
                if let eq = a.firstIndex(of: "=") {
                    name = String(a[..<eq])
                    value = String(a[a.index(after: eq)...])
                }
                if valued.contains(name) {
                    if value == nil {
                        i += 1
                        guard i < args.endIndex else { throw UsageError(message: "\(name) needs a value") }
                        value = args[i]
                    }
                    options[name] = value
                } else if known.contains(name), value == nil {
                    flags.insert(name)
                } else {
                    throw UsageError(message: "unknown option \(name)")
                }
            } else {
                positional.append(a)
            }
            i += 1
        }
    }
}

func loadConfiguration(_ path: String?) throws -> Configuration {
    guard let path else { return Configuration() }
    return try Configuration(bytes: FileInput.readAll(path))
}

func replay(_ args: ArraySlice<String>) throws -> Int32 {
    let a = try Arguments(args, valued: ["--baselines", "--config"])
    if a.flags.contains("--help") {
        print("""
            usage: driftwatch replay [--baselines DIR] [--config FILE] FILE...

            Replays NDJSON events offline and deterministically: event time is the clock,
            alerts are written to stdout as NDJSON, a summary to stderr. Without
            --baselines each agent is learned from its first learning.min_calls tool calls
            (default 1000) and then frozen. `-` reads stdin.
            """)
        return Exit.ok
    }
    guard !a.positional.isEmpty else { throw UsageError(message: "replay needs at least one FILE (or - for stdin)") }
    let config = try loadConfiguration(a.options["--config"])
    let baselines = try a.options["--baselines"].map(BaselineFiles.loadAll(from:)) ?? []
    let output = OutputStream(fd: STDOUT_FILENO, capacity: 1 << 20)
    var replayer = Replayer(monitor: Monitor(settings: config.detection, baselines: baselines), output: output,
                            maxLineBytes: config.limits.maxLineBytes, reject: printError)
    let clock = ContinuousClock()
    let start = clock.now
    for path in a.positional {
        let input = try FileInput(path: path)
        try replayer.replay(input, label: a.positional.count > 1 ? path : nil)
    }
    try replayer.finish()
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    printError(replayer.summary.text(seconds: seconds))
    return Exit.ok
}

let baselineHelp = """
    usage: driftwatch baseline learn FILE... --out DIR
           driftwatch baseline show AGENT|FILE [--baselines DIR]
           driftwatch baseline diff A.json B.json

      learn   learns one baseline per agent from known-good history, writes DIR/<agent>.json
      show    prints a baseline in readable form
      diff    what changed between two baselines
    `driftwatch baseline SUBCOMMAND --help` for each one's options.
    """

func baseline(_ args: ArraySlice<String>) throws -> Int32 {
    guard let sub = args.first else { throw UsageError(message: "baseline needs a subcommand: learn, show or diff") }
    let rest = args.dropFirst()
    switch sub {
    case "-h", "--help":
        print(baselineHelp)
        return Exit.ok
    case "learn":
        let a = try Arguments(rest, valued: ["--out"])
        if a.flags.contains("--help") {
            print("usage: driftwatch baseline learn FILE... --out DIR\n\nLearns one baseline per agent from known-good history and writes DIR/<agent>.json.")
            return Exit.ok
        }
        guard let out = a.options["--out"] else { throw UsageError(message: "baseline learn needs --out DIR") }
        guard !a.positional.isEmpty else { throw UsageError(message: "baseline learn needs at least one FILE (or -)") }
        var learner = BaselineLearner(reject: printError)
        for path in a.positional {
            let input = try FileInput(path: path)
            try learner.learn(input, label: a.positional.count > 1 ? path : nil)
        }
        let baselines = learner.finish()
        let directory = out.hasSuffix("/") ? out : out + "/"
        // An empty result is a mistake (wrong file, wrong format, events without ts), not a
        // success: say so, and leave DIR as it was.
        guard !baselines.isEmpty else {
            throw DataError(message: "baseline learn: no events found in \(a.positional.joined(separator: " ")) "
                + "(\(learner.lines) lines, \(learner.rejected) rejected); nothing learned, \(directory) not written")
        }
        for b in baselines {
            try BaselineFiles.save(b, in: out)
            if b.toolCalls < 100 { printError("warning: \(b.agent) has only \(b.toolCalls) tool calls; its baseline will be weak") }
        }
        printError("learned \(baselines.count) baselines from \(learner.events) events into \(directory) "
            + "(\(learner.rejected) lines rejected, \(learner.duplicates) duplicates skipped)")
        return Exit.ok
    case "show":
        let a = try Arguments(rest, valued: ["--baselines"])
        if a.flags.contains("--help") {
            print("usage: driftwatch baseline show AGENT|FILE [--baselines DIR]\n\nPrints a baseline in readable form (default DIR: baselines).")
            return Exit.ok
        }
        guard a.positional.count == 1 else { throw UsageError(message: "baseline show needs one AGENT or FILE") }
        let target = a.positional[0]
        let path = target.hasSuffix(".json") ? target : (a.options["--baselines"] ?? "baselines") + "/" + BaselineFiles.fileName(for: target)
        print(BaselineReport.show(try BaselineFiles.load(path)))
        return Exit.ok
    case "diff":
        let a = try Arguments(rest, valued: [])
        if a.flags.contains("--help") {
            print("usage: driftwatch baseline diff A.json B.json\n\nLists what changed from A to B: tools, shares, argument classes and ranges, transitions, rates.")
            return Exit.ok
        }
        guard a.positional.count == 2 else { throw UsageError(message: "baseline diff needs two files") }
        print(BaselineReport.diff(try BaselineFiles.load(a.positional[0]), try BaselineFiles.load(a.positional[1])))
        return Exit.ok
    default:
        throw UsageError(message: "unknown baseline subcommand \(sub) (learn, show, diff)")
    }
}

let serveHelp = """
    usage: driftwatch serve [--config FILE] [--db FILE] [--listen HOST:PORT] [--baselines DIR] [--dashboards DIR] [--stdin]

    Runs the service: HTTP ingest (POST /v1/events, /v1/traces, /v1/hooks/claude-code),
    the API (/v1/agents, /v1/agents/{agent}/breaker, /v1/alerts, /v1/webhooks/deliveries,
    /v1/audit), /metrics, /healthz and the HTML dashboard at /, over a SQLite store.
    Options override the configuration file:
      --config FILE       configuration (spec §6); an unknown key is an error (exit 65)
      --db FILE           SQLite store (default driftwatch.db)
      --listen HOST:PORT  default 127.0.0.1:8080; port 0 picks a free port (printed on stderr);
                          a non-loopback address needs tokens in the configuration (exit 64)
      --baselines DIR     load DIR/*.json at start (default baselines, if it exists)
      --stdin             also read NDJSON events from standard input
      --dashboards DIR    dashboard templates and CSS (default dashboards); a broken template stops start-up (exit 65)
    SIGTERM / SIGINT stop accepting, drain in-flight requests, commit the last batch, exit 0.
    """

/// `driftwatch serve`: async, so it runs outside `run(_:)`.
func serve(_ args: ArraySlice<String>) async -> Int32 {
    var settings: ServeSettings
    do {
        let a = try Arguments(args, valued: ["--config", "--db", "--listen", "--baselines", "--dashboards"], flags: ["--stdin"])
        if a.flags.contains("--help") {
            print(serveHelp)
            return Exit.ok
        }
        guard a.positional.isEmpty else { throw UsageError(message: "serve takes no arguments (got \(a.positional[0]))") }
        var baselinesInFile = false
        var dashboardsInFile = false
        var config = Configuration()
        if let path = a.options["--config"] {
            let bytes = try FileInput.readAll(path)
            config = try Configuration(bytes: bytes)
            baselinesInFile = (try? JSONScanner.parse(bytes))?["baselines"] != nil
            dashboardsInFile = (try? JSONScanner.parse(bytes))?["dashboards"] != nil
        }
        if let dashboards = a.options["--dashboards"] { config.dashboards = dashboards }
        settings = try ServeSettings(configuration: config, baselinesInFile: baselinesInFile, listen: a.options["--listen"],
                                     databasePath: a.options["--db"], baselinesDirectory: a.options["--baselines"],
                                     readStandardInput: a.flags.contains("--stdin"))
        settings.dashboardsDirectoryIsExplicit = a.options["--dashboards"] != nil || dashboardsInFile
    } catch let error as UsageError {
        printError("driftwatch serve: \(error.message)")
        return Exit.usage
    } catch let error as ServiceError {
        printError("driftwatch serve: \(error)")
        return error.exitCode
    } catch {
        printError("driftwatch serve: \(error)")
        return Exit.data
    }
    do {
        let service = try DriftwatchService(settings: settings)
        await service.run()
        return Exit.ok
    } catch {
        printError("driftwatch serve: \(error)")
        return error.exitCode
    }
}

/// Prints a gate command's output and returns its exit code.
func finish(_ r: CommandResult) -> Int32 {
    if let out = r.stdout { print(out) }
    if let err = r.stderr { printError(err) }
    return r.exitCode
}

func check(_ args: ArraySlice<String>) throws -> Int32 {
    let a = try Arguments(args, valued: ["--agent", "--server"])
    if a.flags.contains("--help") {
        print("""
            usage: driftwatch check --agent NAME [--server URL]

            Prints the agent's circuit breaker on one line, for gateways and scripts.
            Exit: 0 closed (or open in warn/observe mode: not enforced), 3 open, 4 half-open,
            69 server unreachable. --server defaults to \(GateCommands.defaultServer);
            a bearer token is read from $\(GateCommands.tokenVariable) when the server requires one.
            """)
        return Exit.ok
    }
    guard a.positional.isEmpty else { throw UsageError(message: "check takes no arguments (got \(a.positional[0]))") }
    guard let agent = a.options["--agent"], !agent.isEmpty else { throw UsageError(message: "check needs --agent NAME") }
    return finish(GateCommands.check(agent: agent, server: a.options["--server"] ?? GateCommands.defaultServer,
                                     token: environment(GateCommands.tokenVariable)))
}

func hook(_ args: ArraySlice<String>) throws -> Int32 {
    guard let kind = args.first else { throw UsageError(message: "hook needs a kind: claude-code (driftwatch hook claude-code --help)") }
    guard kind != "--help", kind != "-h" else {
        print("usage: driftwatch hook claude-code [--server URL] [--agent NAME] [--fail-open|--fail-closed] [--config FILE]")
        return Exit.ok
    }
    do {
        return try hookClaudeCode(kind: kind, args.dropFirst())
    } catch let error where isatty(0) == 0 {
        // Run by Claude Code (the payload on stdin), a hook that cannot start must not let
        // a PreToolUse through unnoticed: Claude Code blocks only on exit 2.
        let problem = (error as? UsageError)?.message ?? "\(error)"
        let payload = (try? FileInput.readAll("-")) ?? []
        return finish(GateCommands.hookCannotStart(payload: payload, problem: problem, failOpen: args.contains("--fail-open")))
    }
}

func hookClaudeCode(kind: String, _ args: ArraySlice<String>) throws -> Int32 {
    guard kind == "claude-code" else { throw UsageError(message: "unknown hook \(kind) (claude-code)") }
    let a = try Arguments(args, valued: ["--server", "--agent", "--config"], flags: ["--fail-open", "--fail-closed"])
    if a.flags.contains("--help") {
        print("""
            usage: driftwatch hook claude-code [--server URL] [--agent NAME] [--fail-open|--fail-closed] [--config FILE]

            A Claude Code command hook: reads the hook's JSON on stdin. PreToolUse asks the
            server and exits 2 with the reason on stderr while the agent's breaker is open;
            PostToolUse / PostToolUseFailure are forwarded and never block. If the server is
            unreachable a PreToolUse is blocked for tools classed destructive in --config
            (`tools`) and allowed otherwise, unless --fail-open or --fail-closed says else;
            either way stderr says so. A misconfigured hook (bad option, --config or
            --server, a refused token) blocks every PreToolUse, naming the problem, unless
            --fail-open. Token: $\(GateCommands.tokenVariable) (ingest role).
            """)
        return Exit.ok
    }
    guard a.positional.isEmpty else { throw UsageError(message: "hook claude-code takes no arguments (got \(a.positional[0]))") }
    if a.flags.contains("--fail-open") && a.flags.contains("--fail-closed") {
        throw UsageError(message: "--fail-open and --fail-closed exclude each other")
    }
    let failMode: GateCommands.FailMode = a.flags.contains("--fail-open") ? .open : a.flags.contains("--fail-closed") ? .closed : .byToolClass
    let config = try loadConfiguration(a.options["--config"])
    let payload = try FileInput.readAll("-")
    return finish(GateCommands.hookClaudeCode(payload: payload, server: a.options["--server"] ?? GateCommands.defaultServer,
                                              agent: a.options["--agent"], failMode: failMode,
                                              tools: config.detection.toolClasses, token: environment(GateCommands.tokenVariable)))
}

let auditHelp = """
    usage: driftwatch audit verify [--db FILE]

      verify  walks the audit log's hash chain; names the first broken row (exit 65)
    `driftwatch audit verify --help` for details.
    """

func audit(_ args: ArraySlice<String>) throws -> Int32 {
    if args.first == "-h" || args.first == "--help" {
        print(auditHelp)
        return Exit.ok
    }
    guard args.first == "verify" else { throw UsageError(message: "audit needs a subcommand: verify") }
    let a = try Arguments(args.dropFirst(), valued: ["--db"])
    if a.flags.contains("--help") {
        print("""
            usage: driftwatch audit verify [--db FILE]

            Walks the audit log's hash chain (each row: SHA-256 of the previous row's hash and
            its own canonical content). Prints OK with the row count, or names the first row
            that breaks the chain and exits 65. --db defaults to driftwatch.db.
            """)
        return Exit.ok
    }
    guard a.positional.isEmpty else { throw UsageError(message: "audit verify takes no arguments (got \(a.positional[0]))") }
    return finish(GateCommands.auditVerify(databasePath: a.options["--db"] ?? Configuration().db))
}

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

let demoHelp = """
    usage: driftwatch demo [--listen HOST:PORT] [--baselines DIR] [--dashboards DIR]

    Serves the dashboard on http://127.0.0.1:8080 (--listen to change) over a temporary
    store, fed live by a built-in simulated fleet of a dozen agents, some of which
    misbehave on a schedule printed at start (a loop, SELECT→DELETE argument drift,
    a runaway-cost session, a never-seen destructive tool that opens a breaker).
    Run it from the repository root (it reads baselines/demo/ and dashboards/).
    Ctrl-C stops it and deletes the temporary store.
    """

/// `driftwatch demo`: async, like serve.
func demo(_ args: ArraySlice<String>) async -> Int32 {
    do {
        let a = try Arguments(args, valued: ["--listen", "--baselines", "--dashboards"])
        if a.flags.contains("--help") {
            print(demoHelp)
            return Exit.ok
        }
        guard a.positional.isEmpty else { throw UsageError(message: "demo takes no arguments (got \(a.positional[0]))") }
        try await DemoRunner(listen: a.options["--listen"] ?? "127.0.0.1:8080",
                             baselinesDirectory: a.options["--baselines"] ?? "baselines/demo",
                             dashboardsDirectory: a.options["--dashboards"] ?? "dashboards", log: { printError($0) }).run()
        return Exit.ok
    } catch let error as UsageError {
        printError("driftwatch demo: \(error.message)")
        return Exit.usage
    } catch let error as ServiceError {
        printError("driftwatch demo: \(error)")
        return error.exitCode
    } catch {
        printError("driftwatch demo: \(error)")
        return Exit.software
    }
}

func run(_ argv: [String]) -> Int32 {
    let args = argv.dropFirst()
    guard let command = args.first else {
        printError(generalHelp)
        return Exit.usage
    }
    do {
        switch command {
        case "-h", "--help", "help":
            print(generalHelp)
            return Exit.ok
        case "replay": return try replay(args.dropFirst())
        case "baseline": return try baseline(args.dropFirst())
        case "check": return try check(args.dropFirst())
        case "hook": return try hook(args.dropFirst())
        case "audit": return try audit(args.dropFirst())
        default:
            throw UsageError(message: "unknown command \(command) (try driftwatch --help)")
        }
    } catch let error as UsageError {
        printError("driftwatch: \(error.message)")
        return Exit.usage
    } catch let error as ConfigurationError {
        printError("driftwatch: \(error)")
        return Exit.data
    } catch let error as IOError {
        printError("driftwatch: \(error)")
        return Exit.data
    } catch let error as DataError {
        printError("driftwatch: \(error.message)")
        return Exit.data
    } catch {
        printError("driftwatch: \(error)")
        return Exit.software
    }
}

// The long-running commands are async; everything else runs synchronously.
switch CommandLine.arguments.dropFirst().first {
case "serve": exit(await serve(CommandLine.arguments.dropFirst(2)))
case "demo": exit(await demo(CommandLine.arguments.dropFirst(2)))
default: exit(run(CommandLine.arguments))
}
