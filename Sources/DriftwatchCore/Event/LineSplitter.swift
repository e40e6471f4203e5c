#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Splits a byte stream into NDJSON lines, incrementally and bounded.
///
/// Feed it chunks as they arrive; it hands back each complete line (without
/// `\n` or a trailing `\r`) and keeps the unfinished tail for the next chunk,
/// never rescanning bytes it already looked at. A line longer than
/// `maxLineBytes` is reported as `.tooLong` once and its remaining bytes are
/// discarded up to the next newline, so one huge line cannot exhaust memory
/// or stop the stream (spec §1).
///
/// A UTF-8 byte order mark (EF BB BF) at the very start of the stream is
/// dropped: editors and tools on Windows write one, and it would otherwise
/// turn a good first line into invalid JSON. Anywhere else it is data.
public struct LineSplitter: Sendable {
    public enum Line {
        /// A complete line; the buffer is valid only during the callback.
        case line(UnsafeRawBufferPointer)
        /// A line exceeded the limit; `bytes` is how long it was (at least).
        case tooLong(bytes: Int)
    }

    public static let defaultMaxLineBytes = 256 * 1024

    public let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var discarding = false
    private var discarded = 0
    /// Whether no line has been handed back yet (the byte order mark may only lead the first).
    private var atStart = true

    public init(maxLineBytes: Int = LineSplitter.defaultMaxLineBytes) {
        precondition(maxLineBytes > 0)
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds one chunk, calling `body` for each finished line, in order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (Line) throws -> Void) rethrows {
        var start = 0
        let n = chunk.count
        while start < n {
            guard let nl = Self.indexOfNewline(chunk, from: start) else {
                // No newline in the rest of this chunk: keep it (bounded).
                let rest = n - start
                if discarding {
                    discarded += rest
                } else if pending.count + rest > maxLineBytes {
                    discarding = true
                    discarded = pending.count + rest
                    pending.removeAll(keepingCapacity: true)
                } else {
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<n]))
                }
                return
            }
            if discarding {
                let total = discarded + (nl - start)
                discarding = false
                discarded = 0
                atStart = false
                try body(.tooLong(bytes: total))
            } else if pending.isEmpty {
                try emit(UnsafeRawBufferPointer(rebasing: chunk[start..<nl]), body)
            } else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<nl]))
                let line = pending
                pending.removeAll(keepingCapacity: true)
                try line.withUnsafeBytes { try emit($0, body) }
            }
            start = nl + 1
        }
    }

    /// Flushes a final line that had no trailing newline.
    public mutating func finish(_ body: (Line) throws -> Void) rethrows {
        if discarding {
            let total = discarded
            discarding = false
            discarded = 0
            atStart = false
            try body(.tooLong(bytes: total))
        } else if !pending.isEmpty {
            let line = pending
            pending.removeAll()
            try line.withUnsafeBytes { try emit($0, body) }
        }
    }

    @inline(__always)
    private mutating func emit(_ line: UnsafeRawBufferPointer, _ body: (Line) throws -> Void) rethrows {
        var line = line
        if atStart {
            atStart = false
            if line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF {
                line = UnsafeRawBufferPointer(rebasing: line.dropFirst(3))
            }
        }
        if let last = line.last, last == UInt8(ascii: "\r") { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        if line.count > maxLineBytes {
            try body(.tooLong(bytes: line.count))
        } else {
            try body(.line(line))
        }
    }

    @inline(__always) static func indexOfNewline(_ buffer: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard from < buffer.count, let base = buffer.baseAddress else { return nil }
        let found = memchr(base + from, 0x0A, buffer.count - from)
        guard let found else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}
