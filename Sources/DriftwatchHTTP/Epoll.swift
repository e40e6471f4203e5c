#if canImport(Glibc)
import Glibc
#endif

/// A Linux epoll instance, reached through `dlsym` because Swift's Glibc module does
/// not export `<sys/epoll.h>` and this package has no C shim target.
///
/// Each registration carries a 64-bit token (the connection id), so events map to
/// connections without a descriptor table and a reused descriptor can never be
/// mistaken for the connection that previously held it.
final class Epoll {
    static let readable: UInt32 = 0x001     // EPOLLIN
    static let writable: UInt32 = 0x004     // EPOLLOUT
    static let error: UInt32 = 0x008        // EPOLLERR
    static let hangUp: UInt32 = 0x010       // EPOLLHUP
    static let peerHangUp: UInt32 = 0x2000  // EPOLLRDHUP

    private static let ctlAdd: Int32 = 1, ctlDelete: Int32 = 2, ctlModify: Int32 = 3

    /// `struct epoll_event` is packed on x86_64 (12 bytes) and naturally aligned elsewhere.
    #if arch(x86_64)
    static let eventStride = 12
    private static let dataOffset = 4
    #else
    static let eventStride = 16
    private static let dataOffset = 8
    #endif

    private struct Functions: @unchecked Sendable { // C function pointers, immutable after lookup
        typealias Create = @convention(c) (Int32) -> Int32
        typealias Control = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
        typealias Wait = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
        let create: Create
        let control: Control
        let wait: Wait
    }

    private static let functions: Functions? = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let create = dlsym(handle, "epoll_create1"),
              let control = dlsym(handle, "epoll_ctl"),
              let wait = dlsym(handle, "epoll_wait") else { return nil }
        return Functions(create: unsafeBitCast(create, to: Functions.Create.self),
                         control: unsafeBitCast(control, to: Functions.Control.self),
                         wait: unsafeBitCast(wait, to: Functions.Wait.self))
    }()

    private let functions: Functions
    let fd: Int32

    /// - Throws: `SystemError` (`ENOSYS` if epoll is unavailable).
    init() throws(SystemError) {
        guard let functions = Self.functions else { throw SystemError(call: "epoll_create1", errno: ENOSYS) }
        self.functions = functions
        fd = try Syscall.call("epoll_create1") { functions.create(O_CLOEXEC) }
    }

    func add(_ descriptor: Int32, events: UInt32, token: UInt64) throws(SystemError) {
        try control(Self.ctlAdd, descriptor, events: events, token: token)
    }

    func modify(_ descriptor: Int32, events: UInt32, token: UInt64) throws(SystemError) {
        try control(Self.ctlModify, descriptor, events: events, token: token)
    }

    func remove(_ descriptor: Int32) {
        try? control(Self.ctlDelete, descriptor, events: 0, token: 0)
    }

    private func control(_ operation: Int32, _ descriptor: Int32, events: UInt32, token: UInt64) throws(SystemError) {
        let event = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.eventStride, alignment: 8)
        defer { event.deallocate() }
        event.initializeMemory(as: UInt8.self, repeating: 0)
        event.storeBytes(of: events, toByteOffset: 0, as: UInt32.self)
        event.storeBytes(of: token, toByteOffset: Self.dataOffset, as: UInt64.self)
        _ = try Syscall.call("epoll_ctl") { functions.control(fd, operation, descriptor, event.baseAddress) }
    }

    /// Waits for events into `buffer` (a multiple of ``eventStride`` bytes).
    /// - Parameter timeoutMilliseconds: -1 waits indefinitely.
    /// - Returns: the number of events; 0 on timeout or interruption by a signal.
    func wait(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) throws(SystemError) -> Int {
        let capacity = Int32(buffer.count / Self.eventStride)
        let count = functions.wait(fd, buffer.baseAddress, capacity, timeoutMilliseconds)
        if count == -1 {
            let code = errno
            // EINTR: return to the loop, which recomputes its timeout (no blind retry).
            if code == EINTR { return 0 }
            throw SystemError(call: "epoll_wait", errno: code)
        }
        return Int(count)
    }

    /// Reads event `index` from a buffer filled by ``wait(into:timeoutMilliseconds:)``.
    static func event(at index: Int, in buffer: UnsafeMutableRawBufferPointer) -> (events: UInt32, token: UInt64) {
        let base = index * eventStride
        return (buffer.loadUnaligned(fromByteOffset: base, as: UInt32.self),
                buffer.loadUnaligned(fromByteOffset: base + dataOffset, as: UInt64.self))
    }

    func close() {
        Syscall.close(fd)
    }
}
