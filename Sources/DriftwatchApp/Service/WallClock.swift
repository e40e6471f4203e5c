#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Wall-clock time in Unix nanoseconds, injected into services so tests can fix it
/// (style.md convention 5). Core never reads it: the service stamps receipt time.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Int64

    public init(_ read: @escaping @Sendable () -> Int64) {
        self.read = read
    }

    /// The system's real-time clock.
    public static let system = WallClock {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }

    /// The current time in Unix nanoseconds.
    public func now() -> Int64 { read() }
}
