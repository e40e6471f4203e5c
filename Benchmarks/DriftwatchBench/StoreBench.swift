#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import DriftwatchApp
import DriftwatchCore
import DriftwatchStore

/// `store`: the persistence half of ingest alone. Generated fleet events are decoded and
/// turned into stored records (canonical, redacted) first, then timed: `EventStore.append`
/// in one `BEGIN IMMEDIATE` transaction per batch on a fresh file database opened as `serve`
/// opens its store (schema with all indexes, WAL, `synchronous = NORMAL`).
func runStore(_ o: Options) async throws {
    let agents = try o.int("--agents", 1000)
    let events = try o.int("--events", 500_000)
    let batch = try o.int("--batch", 4096)
    // Events per `EventStore.append` within a batch's transaction (default: the whole batch).
    let submission = try o.string("--submission").map { _ in try o.int("--submission", 1) }
    let cacheKiB = try o.int("--cache-kib", Database.Configuration().cacheKiB)
    let checkpointPages = try o.int("--checkpoint-pages", Database.Configuration().walAutocheckpointPages)
    guard batch > 0, events > 0 else { throw UsageError("--batch and --events must be positive") }
    let path = o.string("--db") ?? "/tmp/driftwatch-store-bench-\(getpid()).db"
    defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }

    var gen = FleetGenerator(agents: agents, seed: 42)
    var buf: [UInt8] = []
    var decoded: [Event] = []
    decoded.reserveCapacity(events)
    for _ in 0..<events {
        buf.removeAll(keepingCapacity: true)
        gen.next(into: &buf)
        decoded += buf.withUnsafeBytes { decodeLine(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
    }
    // The generator's call ids count up per agent, so they reach the UNIQUE (agent, call_id)
    // index in near order; real ones (Claude Code's `toolu_…`, OTel span ids) are random.
    if o.flags.contains("--random-call-ids") {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        for i in decoded.indices {
            decoded[i].callID = "toolu_01" + String((0..<22).map { _ in alphabet[Int(rng.next() % 62)] })
        }
    }
    let t0 = now()
    let records = decoded.map { EventRecord($0, receivedNS: $0.ts ?? 0, redact: true) }
    let t1 = now()
    say("store benchmark: \(group(records.count)) events from \(agents) agents, batches of \(group(batch)), page cache \(group(cacheKiB)) KiB, "
        + "checkpoint every \(group(checkpointPages)) WAL pages " + (o.flags.contains("--checkpoint-in-commit") ? "in the commit" : "in the background"))
    say("building stored records (canonical args, redaction): \(group(Int(Double(records.count) / (t1 - t0)))) events/s")

    var configuration = DriftwatchService.storeConfiguration(Configuration())
    configuration.cacheKiB = cacheKiB
    configuration.walAutocheckpointPages = checkpointPages
    configuration.checkpointInBackground = !o.flags.contains("--checkpoint-in-commit")
    let store = try DatabasePool(path: path, configuration: configuration, migrator: Schema.migrator)
    var commits: [Double] = []
    // CPU time is steadier than wall time on a shared machine: the append's on the writer
    // thread, and the whole process's (writer, commit, background checkpoints) over the loop.
    var appendCPU = 0.0
    let t2 = now(), cpu2 = processCPUTime()
    var start = 0
    while start < records.count {
        let slice = Array(records[start..<min(start + batch, records.count)])
        let c0 = now()
        appendCPU += try await store.write { db in
            let a0 = threadCPUTime()
            if let submission {
                // As `IngestPipeline` appended before it joined a batch's submissions.
                for from in stride(from: 0, to: slice.count, by: submission) {
                    _ = try EventStore.append(Array(slice[from..<min(from + submission, slice.count)]), in: db)
                }
            } else {
                _ = try EventStore.append(slice, in: db)
            }
            return threadCPUTime() - a0
        }
        commits.append(now() - c0)
        start += batch
    }
    let t3 = now(), cpu3 = processCPUTime()
    commits.sort()
    let p99 = commits[min(commits.count - 1, Int(Double(commits.count) * 0.99))]
    say("append + commit: \(group(Int(Double(records.count) / (t3 - t2)))) rows/s; per batch median \(fmt(commits[commits.count / 2] * 1000)) ms, "
        + "p99 \(fmt(p99 * 1000)) ms; database \(fmt(Double(fileSize(path) + fileSize(path + "-wal")) / 1_048_576)) MiB")
    let perRow = 1e6 / Double(records.count)
    say("CPU per row: append \(fmt(appendCPU * perRow, 2)) µs on the writer thread; process \(fmt((cpu3 - cpu2) * perRow, 2)) µs "
        + "(writer, commits, checkpoints)")
}

/// CPU time consumed so far by the calling thread, in seconds.
private func threadCPUTime() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// CPU time consumed so far by the whole process (user and system), in seconds.
private func processCPUTime() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

private func fileSize(_ path: String) -> Int {
    var st = stat()
    return stat(path, &st) == 0 ? Int(st.st_size) : 0
}
