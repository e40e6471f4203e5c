/// Reads a DEFLATE bit stream from memory (RFC 1951 §3.1.1: data elements are packed
/// starting with the least significant bit of each byte).
///
/// Up to 64 bits are buffered; ``refill()`` loads eight bytes at once while eight remain,
/// so the Huffman loop refills once per symbol instead of once per byte. The word load
/// may leave bits of the next byte above ``count``: they are the same input bits the next
/// refill ORs in at the same place, so they never change the value.
struct BitReader {
    /// The whole compressed input; the caller keeps it alive while the reader is used.
    let input: UnsafeRawBufferPointer
    /// The next byte not yet counted in ``buffer``.
    private(set) var position: Int
    /// Unread bits, the next one in bit 0; only the low ``count`` are guaranteed.
    private(set) var buffer: UInt64 = 0
    /// How many bits of ``buffer`` are valid.
    private(set) var count = 0

    init(input: UnsafeRawBufferPointer, at position: Int) {
        precondition(position >= 0 && position <= input.count, "bit reader must start inside its input")
        self.input = input
        self.position = position
    }

    /// Offset of the byte holding the next unread bit (the input's end once all are read).
    var offset: Int { position - (count + 7) / 8 }

    /// Whether every input byte has been loaded (so a short ``count`` means truncation).
    var isExhausted: Bool { position == input.count }

    /// Tops the buffer up to at least 56 bits, or to every remaining bit near the end.
    @inline(__always)
    mutating func refill() {
        guard count <= 56 else { return }
        if input.count - position >= 8 {
            let word = input.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian
            buffer |= word << UInt64(count)
            let added = (63 - count) >> 3
            position += added
            count += added << 3
        } else {
            while count <= 56 && position < input.count {
                buffer |= UInt64(input[position]) << UInt64(count)
                position += 1
                count += 8
            }
        }
    }

    /// Drops `n` bits the caller has already checked are there.
    @inline(__always)
    mutating func consume(_ n: Int) {
        buffer >>= UInt64(n)
        count -= n
    }

    /// The next `n` bits (0…32) as an integer, first bit lowest.
    /// - Throws: `DecompressionError` `.truncated(part)` if the input ends first.
    @inline(__always)
    mutating func bits(_ n: Int, in part: DecompressionError.Part) throws(DecompressionError) -> Int {
        if count < n {
            refill()
            guard count >= n else { throw DecompressionError(.truncated(part), offset: input.count) }
        }
        let value = Int(truncatingIfNeeded: buffer & ((1 << UInt64(n)) &- 1))
        consume(n)
        return value
    }

    /// Skips to the next byte boundary (stored blocks and the end of the stream are byte aligned).
    mutating func alignToByte() {
        consume(count & 7)
    }

    /// Hands the whole buffered bytes back to the input, so bytes can be copied straight
    /// from ``position``; call after ``alignToByte()``.
    mutating func unloadBytes() {
        precondition(count & 7 == 0, "unloadBytes needs a byte-aligned reader")
        position -= count >> 3
        buffer = 0
        count = 0
    }

    /// Skips `n` whole bytes after ``unloadBytes()``.
    mutating func skipBytes(_ n: Int) {
        precondition(count == 0 && n <= input.count - position, "skipBytes past the input")
        position += n
    }
}
