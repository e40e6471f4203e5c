/// A canonical Huffman code (RFC 1951 §3.2.2) prepared for decoding.
///
/// Codes up to ``rootBits`` long are found with one lookup in ``entries``, indexed by the
/// next `rootBits` input bits; the rare longer codes are decoded bit by bit from the
/// per-length counts (``decodeLong(_:alphabet:part:)``, after zlib's `puff.c`). The table
/// is only as wide as the longest code needs, at most `2^maxRootBits` entries, so building
/// one costs at most that plus one pass over the lengths: a stream of tiny blocks cannot
/// make the decoder do much more work than it has input.
struct HuffmanTable: Sendable {
    /// What a successful ``build(_:)`` found.
    enum Shape: Equatable {
        /// Every bit pattern decodes to a symbol (the Kraft sum is exactly 1).
        case complete
        /// One symbol with a one-bit code and one unused pattern, which RFC 1951 §3.2.7
        /// allows for distances and zlib allows for literal/length codes too.
        case singleCode
        /// No symbol has a code (all lengths zero).
        case empty
    }

    /// Why code lengths do not form a code.
    enum Fault: Error {
        case overSubscribed
        case incomplete
    }

    static let maxCodeLength = 15

    /// `symbol << 4 | length` for codes of at most ``rootBits`` bits; 0 sends the decoder
    /// to ``decodeLong(_:alphabet:part:)`` (a longer code, or an unused pattern).
    private(set) var entries: [UInt16]
    /// Bits indexed by ``entries``: the longest code length, capped at `maxRootBits`.
    private(set) var rootBits = 0
    /// Codes of each length 0…15.
    private var counts = [UInt16](repeating: 0, count: HuffmanTable.maxCodeLength + 1)
    /// The coded symbols ordered by code length, then symbol value (canonical order).
    private var symbols: [UInt16]
    /// Scratch for sorting symbols by length: where the next symbol of each length goes.
    private var offsets = [UInt16](repeating: 0, count: HuffmanTable.maxCodeLength + 2)
    private var maxLength = 0
    private let maxRootBits: Int

    /// An empty table for an alphabet of up to `symbolCount` symbols.
    init(maxRootBits: Int, symbolCount: Int) {
        precondition((1...Self.maxCodeLength).contains(maxRootBits), "root table bits must be 1…15")
        self.maxRootBits = maxRootBits
        entries = [UInt16](repeating: 0, count: 1 << maxRootBits)
        symbols = [UInt16](repeating: 0, count: symbolCount)
    }

    /// The mask that selects a lookup index from the reader's buffer.
    var rootMask: UInt64 { (1 << UInt64(rootBits)) - 1 }

    /// Rebuilds the table from one code length (0…15, 0 = unused) per symbol.
    /// - Throws: `Fault` if the lengths over-subscribe the code space, or leave it
    ///   incomplete other than by a single one-bit code.
    /// - Complexity: O(symbols + 2^rootBits).
    mutating func build(_ lengths: ArraySlice<UInt8>) throws(Fault) -> Shape {
        precondition(lengths.count <= symbols.count, "more code lengths than symbols")
        for i in counts.indices { counts[i] = 0 }
        // Zeros skipped: most lengths are zero, and counting them all into one slot
        // serialises the loop on that one memory location.
        for length in lengths where length != 0 {
            precondition(Int(length) <= Self.maxCodeLength, "code length above 15")
            counts[Int(length)] &+= 1
        }
        maxLength = Self.maxCodeLength
        while maxLength > 0 && counts[maxLength] == 0 { maxLength -= 1 }
        rootBits = min(maxLength, maxRootBits)
        entries[0] = 0
        guard maxLength > 0 else { return .empty }

        var left = 1
        for length in 1...Self.maxCodeLength {
            left = left << 1 - Int(counts[length])
            if left < 0 { throw .overSubscribed }
        }
        let shape: Shape
        if left == 0 {
            shape = .complete
        } else if maxLength == 1 {
            shape = .singleCode
        } else {
            throw .incomplete
        }

        // Canonical order: by length, then by symbol (RFC 1951 §3.2.2 steps 2 and 3).
        offsets[1] = 0
        for length in 1...Self.maxCodeLength { offsets[length + 1] = offsets[length] + counts[length] }
        for (symbol, length) in zip(0..., lengths) where length != 0 {
            symbols[Int(offsets[Int(length)])] = UInt16(symbol)
            offsets[Int(length)] += 1
        }

        let size = 1 << rootBits
        let counts = self.counts
        let symbols = self.symbols
        let rootBits = self.rootBits
        entries.withUnsafeMutableBufferPointer { table in
            let entries = table.baseAddress!
            // A complete code with no code longer than the table fills every entry;
            // otherwise unfilled entries must read 0 (look further, or unused).
            if shape != .complete || maxLength > rootBits { entries.update(repeating: 0, count: size) }
            var code = 0
            var k = 0
            for length in 1...rootBits {
                let step = 1 << length
                for _ in 0..<Int(counts[length]) {
                    let entry = symbols[k] << 4 | UInt16(length)
                    // Codes are sent most significant bit first, so the table is indexed
                    // by the code's bits reversed (RFC 1951 §3.1.1).
                    var i = Self.reversed(code, length)
                    while i < size {
                        entries[i] = entry
                        i += step
                    }
                    code += 1
                    k += 1
                }
                code <<= 1
            }
        }
        return shape
    }

    /// Decodes a code longer than ``rootBits``, or reports a pattern no code uses.
    /// - Throws: `.truncated(part)` if the input ends first, `.invalidSymbol(alphabet)`
    ///   for an unused pattern or a table without codes.
    /// - Complexity: at most 15 steps.
    func decodeLong(_ reader: inout BitReader, alphabet: DecompressionError.Alphabet,
                    part: DecompressionError.Part) throws(DecompressionError) -> Int {
        guard maxLength > 0 else { throw DecompressionError(.invalidSymbol(alphabet), offset: reader.offset) }
        reader.refill()
        var bits = reader.buffer
        var code = 0
        var first = 0
        var index = 0
        for length in 1...maxLength {
            guard length <= reader.count else { throw DecompressionError(.truncated(part), offset: reader.input.count) }
            code |= Int(bits & 1)
            bits >>= 1
            let count = Int(counts[length])
            if code - count < first {
                reader.consume(length)
                return Int(symbols[index + code - first])
            }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        throw DecompressionError(.invalidSymbol(alphabet), offset: reader.offset)
    }

    /// The low `length` bits of `code` in reverse order.
    @inline(__always)
    private static func reversed(_ code: Int, _ length: Int) -> Int {
        let r = Int(reversedBytes[code & 0xFF]) << 8 | Int(reversedBytes[(code >> 8) & 0xFF])
        return r >> (16 - length)
    }

    private static let reversedBytes: [UInt8] = (0..<256).map { b in
        var r: UInt8 = 0
        for bit in 0..<8 where b & (1 << bit) != 0 { r |= 0x80 >> UInt8(bit) }
        return r
    }
}
