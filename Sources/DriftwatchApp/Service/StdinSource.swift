#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Dispatch
import DriftwatchCore

/// `serve --stdin`: NDJSON from a pipe (`kcat -C … | driftwatch serve --stdin`,
/// `tail -F log | …`) through the same pipeline as HTTP. Each chunk read is decoded
/// and submitted, and the next chunk is read only after it committed, so a fast
/// producer is slowed to the store's pace by the pipe itself (back-pressure); a full
/// queue is waited out rather than dropped.
struct StdinSource: Sendable {
    let fd: Int32
    let pipeline: IngestPipeline
    let maxLineBytes: Int
    let metrics: ServiceMetrics
    let clock: WallClock
    let log: @Sendable (String) -> Void

    /// Bytes read at most per chunk.
    static let chunkBytes = 1 << 20
    /// How long one `poll` waits before checking for cancellation.
    static let pollMilliseconds: Int32 = 200
    /// Most rejected lines logged one by one; later ones are only counted.
    static let maxLoggedRejections = 1000

    private enum Chunk: Sendable { case data([UInt8]), timeout, end, failed(Int32) }

    /// Reads until end of input or cancellation.
    func run() async {
        let queue = DispatchQueue(label: "driftwatch.stdin")
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        var lineNumber = 0
        var stored = 0
        var rejected = 0
        func process(_ batch: DecodedBatch) async {
            for r in batch.rejected {
                rejected += 1
                if rejected <= Self.maxLoggedRejections { log("stdin: line \(r.line): \(r.error)") }
            }
            metrics.recordRejected(batch.rejected.map(\.error.category))
            stored += await submit(batch.events)
        }
        while !Task.isCancelled {
            let chunk = await read(on: queue)
            var batch = DecodedBatch()
            switch chunk {
            case .timeout:
                continue
            case .failed(let code):
                log("stdin: read failed: \(String(cString: strerror(code))); no longer reading stdin")
                return
            case .end:
                splitter.finish { line in
                    lineNumber += 1
                    batch.add(line, number: lineNumber, maxLineBytes: maxLineBytes, options: DecodeOptions())
                }
                await process(batch)
                log("stdin: end of input after \(lineNumber) lines (\(stored) events stored, \(rejected) lines rejected); still serving HTTP")
                return
            case .data(let bytes):
                bytes.withUnsafeBytes { buffer in
                    splitter.feed(buffer) { line in
                        lineNumber += 1
                        batch.add(line, number: lineNumber, maxLineBytes: maxLineBytes, options: DecodeOptions())
                    }
                }
                await process(batch)
            }
        }
    }

    /// Submits, waiting out a full queue and a store that cannot be written (disk full,
    /// read-only: the pipe backs up instead of events being dropped; StoreHealth logs
    /// the fault); returns how many events were stored.
    private func submit(_ events: [Event]) async -> Int {
        guard !events.isEmpty else { return 0 }
        let receivedNS = clock.now()
        while true {
            do {
                let outcome = try await pipeline.submit(events, receivedNS: receivedNS)
                return outcome.stored
            } catch IngestPipeline.SubmitError.overloaded {
                do { try await Task.sleep(for: .milliseconds(20)) } catch { return 0 }
            } catch IngestPipeline.SubmitError.storeNotWritable {
                do { try await Task.sleep(for: .seconds(1)) } catch { return 0 }
            } catch {
                log("stdin: \(events.count) events not stored: \(error)")
                return 0
            }
        }
    }

    private func read(on queue: DispatchQueue) async -> Chunk {
        let fd = self.fd
        return await withCheckedContinuation { continuation in
            queue.async {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, Self.pollMilliseconds)
                if ready == 0 { return continuation.resume(returning: .timeout) }
                if ready < 0 {
                    return continuation.resume(returning: errno == EINTR ? .timeout : .failed(errno))
                }
                var buffer = [UInt8](repeating: 0, count: Self.chunkBytes)
                let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    buffer.removeSubrange(count...)
                    continuation.resume(returning: .data(buffer))
                } else if count == 0 {
                    continuation.resume(returning: .end)
                } else {
                    continuation.resume(returning: errno == EINTR || errno == EAGAIN ? .timeout : .failed(errno))
                }
            }
        }
    }
}
