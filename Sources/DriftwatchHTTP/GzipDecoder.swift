/// Decompresses gzip (RFC 1952) and raw DEFLATE (RFC 1951) data held in memory, to a
/// hard output limit, refusing anything malformed.
///
/// Written for request bodies with `Content-Encoding: gzip` (an OpenTelemetry
/// Collector's `otlphttp` exporter compresses by default), so it is strict and bounded
/// rather than lenient: every header field and both trailer fields are checked, and the
/// output never exceeds `maxOutputBytes`.
///
/// Several members one after another (RFC 1952 §2.2, what `cat a.gz b.gz` makes) are
/// accepted and their outputs concatenated, as `gzip -d` does; each member's CRC-32 and
/// length are checked and the limit applies to the total. Anything after the last
/// member that is not another member, zero padding included, is refused.
public enum GzipDecoder {
    /// The decompressed content of a gzip file.
    /// - Parameters:
    ///   - input: one or more gzip members.
    ///   - maxOutputBytes: the most bytes of output accepted, over all members.
    /// - Throws: `DecompressionError` naming the fault and the input byte where it was found;
    ///   `.outputLimitExceeded` as soon as the output would pass the limit.
    /// - Complexity: O(input + output).
    public static func decompress(_ input: [UInt8], maxOutputBytes: Int) throws(DecompressionError) -> [UInt8] {
        precondition(maxOutputBytes >= 0, "output limit must not be negative")
        return try input.withUnsafeBufferPointer { buffer throws(DecompressionError) in
            let raw = UnsafeRawBufferPointer(buffer)
            var output = Inflater.Output(limit: maxOutputBytes, expected: expectedSize(raw))
            var offset = 0
            repeat {
                let memberStart = output.count
                let dataStart = try readHeader(raw, at: offset)
                var inflater = Inflater(input: raw, at: dataStart, outputStart: memberStart)
                try output.inflate(&inflater)
                let end = inflater.endOffset
                guard raw.count - end >= 8 else {
                    throw DecompressionError(.truncated(.gzipTrailer), offset: raw.count)
                }
                let storedCRC = raw.loadUnaligned(fromByteOffset: end, as: UInt32.self).littleEndian
                let computedCRC = output.checksum(from: memberStart)
                guard storedCRC == computedCRC else {
                    throw DecompressionError(.checksumMismatch(stored: storedCRC, computed: computedCRC), offset: end)
                }
                let storedSize = raw.loadUnaligned(fromByteOffset: end + 4, as: UInt32.self).littleEndian
                let computedSize = UInt32(truncatingIfNeeded: output.count - memberStart)
                guard storedSize == computedSize else {
                    throw DecompressionError(.lengthMismatch(stored: storedSize, computed: computedSize), offset: end + 4)
                }
                offset = end + 8
            } while offset < raw.count
            return output.finish()
        }
    }

    /// The decompressed content of one raw DEFLATE stream, which must end exactly at the
    /// end of `input` (the last byte's unused bits aside).
    /// - Throws: as ``decompress(_:maxOutputBytes:)``; `.trailingData` for bytes after the stream.
    public static func inflate(_ input: [UInt8], maxOutputBytes: Int) throws(DecompressionError) -> [UInt8] {
        precondition(maxOutputBytes >= 0, "output limit must not be negative")
        return try input.withUnsafeBufferPointer { buffer throws(DecompressionError) in
            let raw = UnsafeRawBufferPointer(buffer)
            var output = Inflater.Output(limit: maxOutputBytes, expected: 4 * raw.count)
            var inflater = Inflater(input: raw, at: 0, outputStart: 0)
            try output.inflate(&inflater)
            guard inflater.endOffset == raw.count else {
                throw DecompressionError(.trailingData, offset: inflater.endOffset)
            }
            return output.finish()
        }
    }

    // MARK: - Member header (RFC 1952 §2.3)

    private static let magic: (UInt8, UInt8) = (0x1F, 0x8B)
    private static let methodDeflate: UInt8 = 8
    private static let flagHeaderCRC: UInt8 = 0x02
    private static let flagExtra: UInt8 = 0x04
    private static let flagName: UInt8 = 0x08
    private static let flagComment: UInt8 = 0x10
    private static let reservedFlags: UInt8 = 0xE0

    /// Checks the member header at `start` and returns the offset of its deflate data.
    ///
    /// `MTIME`, `XFL` and `OS` are informational and any value is accepted; the extra
    /// field, name and comment are skipped without interpreting them.
    static func readHeader(_ input: UnsafeRawBufferPointer, at start: Int) throws(DecompressionError) -> Int {
        let isFirstMember = start == 0
        let available = input.count - start
        guard available >= 2 && input[start] == magic.0 && input[start + 1] == magic.1 else {
            // After a member, anything but another member is trailing data; a first
            // member that is not gzip at all says what it found instead.
            if !isFirstMember { throw DecompressionError(.trailingData, offset: start) }
            if available == 0 || (available == 1 && input[start] == magic.0) {
                throw DecompressionError(.truncated(.gzipHeader), offset: input.count)
            }
            throw DecompressionError(.notGzip(first: input[start], second: available > 1 ? input[start + 1] : nil),
                                     offset: start)
        }
        guard available >= 10 else { throw DecompressionError(.truncated(.gzipHeader), offset: input.count) }
        let method = input[start + 2]
        guard method == methodDeflate else { throw DecompressionError(.unsupportedMethod(method), offset: start + 2) }
        let flags = input[start + 3]
        guard flags & reservedFlags == 0 else { throw DecompressionError(.reservedFlags(flags), offset: start + 3) }

        var i = start + 10
        if flags & flagExtra != 0 {
            guard input.count - i >= 2 else { throw DecompressionError(.truncated(.gzipHeader), offset: input.count) }
            let extraLength = Int(input[i]) | Int(input[i + 1]) << 8
            guard input.count - i - 2 >= extraLength else {
                throw DecompressionError(.truncated(.gzipHeader), offset: input.count)
            }
            i += 2 + extraLength
        }
        for flag in [flagName, flagComment] where flags & flag != 0 {
            // Zero-terminated ISO 8859-1 text.
            guard let terminator = UnsafeRawBufferPointer(rebasing: input[i...]).firstIndex(of: 0) else {
                throw DecompressionError(.truncated(.gzipHeader), offset: input.count)
            }
            i += terminator + 1
        }
        if flags & flagHeaderCRC != 0 {
            guard input.count - i >= 2 else { throw DecompressionError(.truncated(.gzipHeader), offset: input.count) }
            let stored = UInt16(input[i]) | UInt16(input[i + 1]) << 8
            let computed = UInt16(truncatingIfNeeded: CRC32.checksum(UnsafeRawBufferPointer(rebasing: input[start..<i])))
            guard stored == computed else {
                throw DecompressionError(.headerChecksumMismatch(stored: stored, computed: computed), offset: i)
            }
            i += 2
        }
        return i
    }

    /// A starting output size: the last member's `ISIZE`, if the input could produce that
    /// much (DEFLATE expands at most 1032:1), else nothing. Only a hint: it is untrusted,
    /// and the output is still checked against the limit and the trailer.
    private static func expectedSize(_ input: UnsafeRawBufferPointer) -> Int {
        guard input.count >= 18 else { return 0 }
        let size = Int(input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self).littleEndian)
        return size <= input.count * 1032 ? size : 0
    }
}
