extension Inflater {
    /// The output of one decompression, never larger than its limit.
    ///
    /// The bytes live in one array whose size is the space handed to
    /// ``Inflater/run(into:count:)``; it grows (doubling, capped at the limit) only when
    /// the inflater has a byte to write and no room, so a decompression bomb stops with
    /// ``DecompressionError/Code/outputLimitExceeded(limit:)`` having allocated at most
    /// `limit` bytes of output, never the size it claims or would reach.
    struct Output {
        /// Output space: the first ``count`` bytes are output, the rest zeros or scratch.
        private var bytes: [UInt8]
        private(set) var count = 0
        let limit: Int

        /// Space for `expected` bytes to start with (clamped to the limit), so a stream
        /// whose size is known ahead is decoded without regrowing.
        init(limit: Int, expected: Int) {
            precondition(limit >= 0, "output limit must not be negative")
            self.limit = limit
            bytes = [UInt8](repeating: 0, count: max(0, min(limit, expected)))
        }

        /// Runs `inflater` to the end of its stream, growing the space as it asks.
        /// - Throws: the inflater's errors, or `.outputLimitExceeded` at the input byte
        ///   being decoded when more than `limit` bytes would be needed.
        mutating func inflate(_ inflater: inout Inflater) throws(DecompressionError) {
            while true {
                var written = count
                let progress = try bytes.withUnsafeMutableBufferPointer { space throws(DecompressionError) in
                    try inflater.run(into: space, count: &written)
                }
                count = written
                if progress == .finished { return }
                guard bytes.count < limit else {
                    throw DecompressionError(.outputLimitExceeded(limit: limit), offset: inflater.inputOffset)
                }
                grow(to: min(limit, max(bytes.count * 2, 64 * 1024)))
            }
        }

        /// Moves the output into a zeroed space of `size` bytes (a fresh array, not
        /// `append`, whose growth policy could reserve more than asked).
        private mutating func grow(to size: Int) {
            var grown = [UInt8](repeating: 0, count: size)
            if count > 0 {
                grown.withUnsafeMutableBufferPointer { destination in
                    bytes.withUnsafeBufferPointer { source in
                        destination.baseAddress!.update(from: source.baseAddress!, count: count)
                    }
                }
            }
            bytes = grown
        }

        /// Bytes allocated for the output space (what the limit bounds).
        var capacity: Int { bytes.capacity }

        /// The CRC-32 of the output from `start` to the end.
        func checksum(from start: Int) -> UInt32 {
            bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<count])) }
        }

        /// The output, trimmed to ``count`` (its capacity is kept: shrinking would copy).
        consuming func finish() -> [UInt8] {
            bytes.removeLast(bytes.count - count)
            return bytes
        }
    }
}
