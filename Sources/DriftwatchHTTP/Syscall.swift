#if canImport(Glibc)
import Glibc
#endif

/// The one place system calls are invoked: each retried on `EINTR` and turned into a
/// ``SystemError`` naming the call (the swift-system pattern).
enum Syscall {
    /// Runs `body` until it does not fail with `EINTR`.
    /// - Throws: `SystemError` when `body` returns -1.
    @inline(__always)
    static func call<Result: FixedWidthInteger>(_ name: String, _ body: () -> Result) throws(SystemError) -> Result {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SystemError(call: name, errno: code)
        }
    }

    /// Like ``call(_:_:)`` but returns `nil` when a non-blocking call would block
    /// (`EAGAIN`/`EWOULDBLOCK`), which the reactor handles by waiting for readiness.
    @inline(__always)
    static func nonBlocking<Result: FixedWidthInteger>(_ name: String, _ body: () -> Result) throws(SystemError) -> Result? {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw SystemError(call: name, errno: code)
        }
    }

    /// Closes `fd`. Never retried: on Linux the descriptor is released even when
    /// `close` reports `EINTR`, and retrying could close a reused descriptor.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
