#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Reads a file (or standard input for `-`) in large chunks with read(2).
public struct FileInput: ~Copyable {
    public let name: String
    private let fd: Int32
    private let owned: Bool

    public static let chunkSize = 1 << 20

    /// - Throws: `IOError` when the file cannot be opened.
    public init(path: String) throws(IOError) {
        name = path
        if path == "-" {
            fd = STDIN_FILENO
            owned = false
        } else {
            let f = open(path, O_RDONLY | O_CLOEXEC)
            guard f >= 0 else { throw IOError(call: "open", path: path, errno: errno) }
            fd = f
            owned = true
        }
    }

    deinit {
        if owned { close(fd) }
    }

    /// Calls `body` with each chunk until end of file.
    public func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, Self.chunkSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError(call: "read", path: name, errno: errno)
            }
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// The whole file as bytes (for small files such as configuration and baselines).
    public static func readAll(_ path: String, limit: Int = 64 << 20) throws -> [UInt8] {
        let input = try FileInput(path: path)
        var out: [UInt8] = []
        try input.forEachChunk { chunk in
            guard out.count + chunk.count <= limit else { throw IOError(message: "\(path) is larger than \(limit) bytes") }
            out.append(contentsOf: chunk)
        }
        return out
    }
}

/// A failed system call, with the call, the file and the reason.
public struct IOError: Error, CustomStringConvertible {
    public var description: String

    public init(call: String, path: String, errno code: Int32) {
        description = "\(path): \(call) failed: \(String(cString: strerror(code)))"
    }

    public init(message: String) {
        description = message
    }
}

/// Buffered writes to a file descriptor (stdout, stderr, files).
public final class OutputStream {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    private let owned: Bool


    public init(fd: Int32, capacity: Int = 1 << 16, owned: Bool = false) {
        self.fd = fd
        self.capacity = capacity
        self.owned = owned
        buffer.reserveCapacity(capacity)
    }

    /// Creates (or truncates) a file for writing.
    public convenience init(creating path: String) throws(IOError) {
        let f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard f >= 0 else { throw IOError(call: "open", path: path, errno: errno) }
        self.init(fd: f, owned: true)
    }

    deinit {
        try? flush()
        if owned { close(fd) }
    }

    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { try flush() }
    }

    public func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                buffer.removeAll(keepingCapacity: true)
                throw IOError(call: "write", path: "fd \(fd)", errno: code)
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Writes one line to standard error, unbuffered.
public func printError(_ line: String) {
    var text = line
    text.append("\n")
    _ = text.withUTF8 { systemWrite(STDERR_FILENO, $0.baseAddress, $0.count) }
}

@inline(__always) func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, p, n)
    #else
    Darwin.write(fd, p, n)
    #endif
}
