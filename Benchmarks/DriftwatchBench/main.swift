#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import DriftwatchApp

let usage = """
usage: DriftwatchBench <subcommand> [options]

  generate --agents N --events M [--seed S] [--anomalies none] --out FILE
      Write a clean simulated fleet as NDJSON (FILE or - for stdout).
  false-alarms [--agents 100] [--events 500000] [--seed 42] [--learn 0.4] [--max-list 500]
      Learn baselines on the first part of a clean stream (learn fraction of the
      whole), monitor --events further events, count alerts and false incidents.
  replay [--events 1000000] [--agents 1000] [--seed 42] [--learn 0.4] [--repeats 3]
         [--file F [--baselines DIR]]
      Throughput of decode + all detectors + alert serialisation on one thread,
      plus decode-only and process-only.
  dashboard [--events 1000000] [--agents 1000] [--alerts 100000] [--repeats 9] [--db FILE] [--dashboards DIR]
      Fill a store with a simulated fleet and print the median render time of each page.
  demo-fleet [--events 200000] --out FILE
      The demo's 12-agent fleet on its compressed time scale (for baselines/demo).
  store [--events 500000] [--agents 1000] [--batch 4096] [--submission N] [--cache-kib 2048] [--checkpoint-pages 1000] [--db FILE] [--random-call-ids]
        [--checkpoint-in-commit]
      Persistence alone: stored-record building, then append + commit per batch
      with the service's schema and settings.
  memory [--agents 10000] [--events 1000000] [--seed 42] [--learn 0.4]
      Peak RSS while monitoring a streamed fleet (--learn 0: no baselines).
  gunzip [--repeats 5] FILE.gz...
      Decompression speed of the Content-Encoding: gzip decoder (median, MB/s of
      output and of input); inputs from Benchmarks/gzip_inputs.py.

Build and run in release: swift run -c release DriftwatchBench <subcommand> ...
"""

let args = CommandLine.arguments.dropFirst()
guard let command = args.first else {
    printError(usage)
    exit(64)
}
let rest = args.dropFirst()
if command == "--help" || command == "-h" || command == "help" || rest.contains("--help") || rest.contains("-h") {
    print(usage)
    exit(0)
}
do {
    switch command {
    case "generate":
        try runGenerate(Options(rest, known: ["--agents", "--events", "--seed", "--anomalies", "--out"]))
    case "false-alarms":
        try runFalseAlarms(Options(rest, known: ["--agents", "--events", "--seed", "--learn", "--max-list"]))
    case "replay":
        try runReplay(Options(rest, known: ["--agents", "--events", "--seed", "--learn", "--repeats", "--file", "--baselines"]))
    case "dashboard":
        try await runDashboard(Options(rest, known: ["--agents", "--events", "--alerts", "--repeats", "--db", "--dashboards"]))
    case "demo-fleet":
        try runDemoFleet(Options(rest, known: ["--events", "--out"]))
    case "store":
        try await runStore(Options(rest, known: ["--agents", "--events", "--batch", "--submission", "--cache-kib", "--checkpoint-pages", "--db"],
                                   flags: ["--random-call-ids", "--checkpoint-in-commit"]))
    case "gunzip":
        let files = rest.filter { $0.hasSuffix(".gz") }
        try runGunzip(Options(ArraySlice(rest.filter { !$0.hasSuffix(".gz") }), known: ["--repeats"]), files: files)
    case "memory":
        try runMemory(Options(rest, known: ["--agents", "--events", "--seed", "--learn"]))
    default:
        throw UsageError("unknown subcommand \(command)")
    }
} catch let e as UsageError {
    printError("DriftwatchBench: \(e.message) (see --help)")
    exit(64)
} catch {
    printError("DriftwatchBench: \(error)")
    exit(1)
}
