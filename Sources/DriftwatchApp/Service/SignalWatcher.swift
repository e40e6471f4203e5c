#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Dispatch
import Synchronization

/// Turns SIGTERM / SIGINT into an awaitable event.
///
/// The default disposition is replaced with `SIG_IGN` first, so the process does not die
/// before the dispatch source sees the signal; the source then runs on its own queue.
final class SignalWatcher: @unchecked Sendable {
    // @unchecked: `sources` is written once in init and only kept alive afterwards.
    private var sources: [any DispatchSourceSignal] = []
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "driftwatch.signals")

    private struct State {
        var received: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
    }

    init(signals: [Int32] = [SIGTERM, SIGINT]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.fire(number) }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// Delivers `number` as if the signal had arrived (tests, programmatic shutdown).
    func fire(_ number: Int32) {
        let waiters = state.withLock { s -> [CheckedContinuation<Int32, Never>] in
            if s.received == nil { s.received = number }
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume(returning: number) }
    }

    /// Suspends until the first signal; returns at once if one already arrived.
    func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let received = state.withLock { s -> Int32? in
                if let received = s.received { return received }
                s.waiters.append(continuation)
                return nil
            }
            if let received { continuation.resume(returning: received) }
        }
    }
}
