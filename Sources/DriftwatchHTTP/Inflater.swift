/// A strict DEFLATE decoder (RFC 1951) over a compressed input held in memory.
///
/// It writes into output space the caller provides and stops with
/// ``Progress/needsOutputSpace`` when that is full, remembering the literal or the rest
/// of a match it was writing; the caller decides whether to grow the space or give up.
/// That is how a limit is kept without ever holding more output than it: see
/// ``Output``. The whole output so far must stay in the space (back-references reach
/// into it), so each call gets the same bytes, possibly moved and grown.
///
/// Everything RFC 1951 leaves undefined is an error, with the rules zlib applies:
/// block type 3, `NLEN` not the complement of `LEN`, more than 286 literal/length or 30
/// distance codes, over-subscribed or incomplete codes (except a single one-bit code),
/// no end-of-block code, symbols 286–287 and distances 30–31, a distance reaching before
/// the start of the stream, and input that ends early.
///
/// - Complexity: every step either consumes input bits or writes output, and block
///   setup is bounded by the table sizes, so time is linear in input plus output.
struct Inflater {
    /// Why ``run(into:count:)`` returned.
    enum Progress: Equatable {
        /// The final block has ended; ``endOffset`` is the next input byte.
        case finished
        /// There is output to write and no space left for it.
        case needsOutputSpace
    }

    private enum State {
        case blockHeader
        case stored(remaining: Int)
        case huffman
        case done
    }

    /// Output decoded but not yet written for lack of space.
    private enum Pending {
        case none
        case literal(UInt8)
        case match(length: Int, distance: Int)
    }

    private var reader: BitReader
    private var state = State.blockHeader
    private var pending = Pending.none
    private var isFinalBlock = false
    private var usesFixedCodes = false
    /// Output index where this stream's output starts: distances may not reach before it.
    private let outputStart: Int
    private var literalLengths = HuffmanTable(maxRootBits: 10, symbolCount: 288)
    private var distances = HuffmanTable(maxRootBits: 8, symbolCount: 32)
    private var codeLengthCode = HuffmanTable(maxRootBits: 7, symbolCount: 19)
    private var lengths = [UInt8](repeating: 0, count: 286 + 30)
    private var codeLengthLengths = [UInt8](repeating: 0, count: 19)

    /// Starts decoding `input` at byte `offset`.
    /// - Parameter outputStart: where in the output space this stream's first byte goes.
    init(input: UnsafeRawBufferPointer, at offset: Int, outputStart: Int) {
        reader = BitReader(input: input, at: offset)
        self.outputStart = outputStart
    }

    /// The input byte after the stream (the last byte's unused bits skipped); meaningful
    /// once ``run(into:count:)`` has returned ``Progress/finished``.
    var endOffset: Int { reader.offset }

    /// Offset of the input byte being decoded, for errors found by the caller.
    var inputOffset: Int { reader.offset }

    /// Decodes into `output[count...]` until the stream ends or the space is full.
    /// - Parameters:
    ///   - output: the output space; its first `count` bytes are the output so far.
    ///   - count: bytes of output written; advanced by what this call writes.
    /// - Throws: `DecompressionError` naming the fault and its input offset.
    mutating func run(into output: UnsafeMutableBufferPointer<UInt8>,
                      count: inout Int) throws(DecompressionError) -> Progress {
        precondition(count >= outputStart && count <= output.count, "output count outside the output space")
        guard flushPending(output, &count) else { return .needsOutputSpace }
        while true {
            switch state {
            case .done:
                return .finished
            case .blockHeader:
                if isFinalBlock {
                    reader.alignToByte()
                    state = .done
                    continue
                }
                try readBlockHeader()
            case .stored(let remaining):
                if remaining == 0 {
                    state = .blockHeader
                    continue
                }
                let available = reader.input.count - reader.position
                guard available > 0 else {
                    throw DecompressionError(.truncated(.storedBlock), offset: reader.input.count)
                }
                let n = min(remaining, available, output.count - count)
                guard n > 0 else { return .needsOutputSpace }
                UnsafeMutableRawPointer(output.baseAddress! + count)
                    .copyMemory(from: reader.input.baseAddress! + reader.position, byteCount: n)
                reader.skipBytes(n)
                count += n
                state = .stored(remaining: remaining - n)
            case .huffman:
                guard try decodeSymbols(output, &count) else { return .needsOutputSpace }
                state = .blockHeader
            }
        }
    }

    /// Writes what the last call could not; false if the space is still too small.
    private mutating func flushPending(_ output: UnsafeMutableBufferPointer<UInt8>, _ count: inout Int) -> Bool {
        switch pending {
        case .none:
            return true
        case .literal(let byte):
            guard count < output.count else { return false }
            output[count] = byte
            count += 1
        case .match(let length, let distance):
            let n = min(length, output.count - count)
            if n > 0 {
                Self.copyMatch(output.baseAddress!, at: count, length: n, distance: distance, capacity: output.count)
                count += n
            }
            guard n == length else {
                pending = .match(length: length - n, distance: distance)
                return false
            }
        }
        pending = .none
        return true
    }

    // MARK: - Block headers

    /// Reads `BFINAL`, `BTYPE` and whatever the block type puts before its data.
    private mutating func readBlockHeader() throws(DecompressionError) {
        isFinalBlock = try reader.bits(1, in: .blockHeader) == 1
        switch try reader.bits(2, in: .blockHeader) {
        case 0:
            // Stored (RFC 1951 §3.2.4): byte aligned LEN and its complement NLEN.
            reader.alignToByte()
            let at = reader.offset
            let length = try reader.bits(16, in: .blockHeader)
            let complement = try reader.bits(16, in: .blockHeader)
            guard length == ~complement & 0xFFFF else {
                throw DecompressionError(.storedLengthMismatch(length: UInt16(length), complement: UInt16(complement)),
                                         offset: at)
            }
            reader.unloadBytes()
            state = .stored(remaining: length)
        case 1:
            usesFixedCodes = true
            state = .huffman
        case 2:
            try readDynamicCodes()
            usesFixedCodes = false
            state = .huffman
        default:
            throw DecompressionError(.invalidBlockType, offset: reader.offset)
        }
    }

    /// Order in which code-length code lengths are sent (RFC 1951 §3.2.7).
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// Reads the code lengths of a dynamic block (RFC 1951 §3.2.7) and builds its tables.
    private mutating func readDynamicCodes() throws(DecompressionError) {
        let at = reader.offset
        let literalCount = try reader.bits(5, in: .blockHeader) + 257
        let distanceCount = try reader.bits(5, in: .blockHeader) + 1
        let codeLengthCount = try reader.bits(4, in: .blockHeader) + 4
        guard literalCount <= 286 && distanceCount <= 30 else {
            throw DecompressionError(.tooManyCodes(literalLength: literalCount, distance: distanceCount), offset: at)
        }

        for i in codeLengthLengths.indices { codeLengthLengths[i] = 0 }
        for i in 0..<codeLengthCount {
            codeLengthLengths[Self.codeLengthOrder[i]] = UInt8(try reader.bits(3, in: .codeLengths))
        }
        try build(&codeLengthCode, codeLengthLengths[...], .codeLength, at: reader.offset)

        let total = literalCount + distanceCount
        var i = 0
        while i < total {
            reader.refill()
            let symbol = try decode(codeLengthCode, alphabet: .codeLength, part: .codeLengths)
            if symbol < 16 {
                lengths[i] = UInt8(symbol)
                i += 1
                continue
            }
            let symbolAt = reader.offset
            let value: UInt8
            let repeats: Int
            switch symbol {
            case 16:
                guard i > 0 else {
                    throw DecompressionError(.invalidCodeLengths(.repeatWithoutPrevious), offset: symbolAt)
                }
                value = lengths[i - 1]
                repeats = 3 + (try reader.bits(2, in: .codeLengths))
            case 17:
                value = 0
                repeats = 3 + (try reader.bits(3, in: .codeLengths))
            default:
                value = 0
                repeats = 11 + (try reader.bits(7, in: .codeLengths))
            }
            guard repeats <= total - i else {
                throw DecompressionError(.invalidCodeLengths(.repeatPastEnd), offset: symbolAt)
            }
            for j in i..<i + repeats { lengths[j] = value }
            i += repeats
        }
        guard lengths[256] != 0 else {
            throw DecompressionError(.invalidCodeLengths(.missingEndOfBlock), offset: reader.offset)
        }
        try build(&literalLengths, lengths[0..<literalCount], .literalLength, at: reader.offset)
        try build(&distances, lengths[literalCount..<total], .distance, at: reader.offset)
    }

    private func build(_ table: inout HuffmanTable, _ lengths: ArraySlice<UInt8>,
                       _ alphabet: DecompressionError.Alphabet, at offset: Int) throws(DecompressionError) {
        let shape: HuffmanTable.Shape
        do {
            shape = try table.build(lengths)
        } catch .overSubscribed {
            throw DecompressionError(.invalidCodeLengths(.overSubscribed(alphabet)), offset: offset)
        } catch {
            throw DecompressionError(.invalidCodeLengths(.incomplete(alphabet)), offset: offset)
        }
        // The code-length code must be complete (zlib and puff agree): a single one-bit
        // code or none at all could never send the 258 lengths that follow.
        if alphabet == .codeLength && shape != .complete {
            throw DecompressionError(.invalidCodeLengths(.incomplete(alphabet)), offset: offset)
        }
    }

    // MARK: - Compressed data

    /// Base lengths and extra bits of length symbols 257…285 (RFC 1951 §3.2.5).
    private static let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                               35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                               3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    /// Base distances and extra bits of distance symbols 0…29.
    private static let distanceBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                                 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                                 8193, 12289, 16385, 24577]
    private static let distanceExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                                 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// The fixed codes of block type 1 (RFC 1951 §3.2.6), built once.
    private static let fixedLiteralLengths: HuffmanTable = {
        var table = HuffmanTable(maxRootBits: 10, symbolCount: 288)
        let lengths = [UInt8](repeating: 8, count: 144) + [UInt8](repeating: 9, count: 112)
            + [UInt8](repeating: 7, count: 24) + [UInt8](repeating: 8, count: 8)
        do { _ = try table.build(lengths[...]) } catch { preconditionFailure("the fixed literal/length code is complete") }
        return table
    }()

    private static let fixedDistances: HuffmanTable = {
        var table = HuffmanTable(maxRootBits: 8, symbolCount: 32)
        do { _ = try table.build([UInt8](repeating: 5, count: 32)[...]) } catch {
            preconditionFailure("the fixed distance code is complete")
        }
        return table
    }()

    /// Decodes one symbol with `table`: one lookup for short codes, bit by bit for long ones.
    @inline(__always)
    private mutating func decode(_ table: HuffmanTable, alphabet: DecompressionError.Alphabet,
                                 part: DecompressionError.Part) throws(DecompressionError) -> Int {
        try Self.decode(table, &reader, alphabet: alphabet, part: part)
    }

    @inline(__always)
    private static func decode(_ table: HuffmanTable, _ reader: inout BitReader, alphabet: DecompressionError.Alphabet,
                               part: DecompressionError.Part) throws(DecompressionError) -> Int {
        let entry = table.entries[Int(truncatingIfNeeded: reader.buffer & table.rootMask)]
        guard entry != 0 else { return try table.decodeLong(&reader, alphabet: alphabet, part: part) }
        let length = Int(entry & 15)
        guard length <= reader.count else { throw DecompressionError(.truncated(part), offset: reader.input.count) }
        reader.consume(length)
        return Int(entry >> 4)
    }

    /// Decodes literals and matches until end of block (true) or until the space is full
    /// (false, with the unwritten output left in `pending`).
    private mutating func decodeSymbols(_ output: UnsafeMutableBufferPointer<UInt8>,
                                        _ count: inout Int) throws(DecompressionError) -> Bool {
        let literalTable = usesFixedCodes ? Self.fixedLiteralLengths : literalLengths
        let distanceTable = usesFixedCodes ? Self.fixedDistances : distances
        let capacity = output.count
        var r = reader
        var written = count
        defer {
            reader = r
            count = written
        }
        while true {
            // 56 bits cover the longest match: 15 + 5 + 15 + 13 bits.
            r.refill()
            let symbol = try Self.decode(literalTable, &r, alphabet: .literalLength, part: .compressedData)
            if symbol < 256 {
                guard written < capacity else {
                    pending = .literal(UInt8(symbol))
                    return false
                }
                output[written] = UInt8(truncatingIfNeeded: symbol)
                written += 1
                continue
            }
            if symbol == 256 { return true }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw DecompressionError(.invalidSymbol(.literalLength), offset: r.offset) }
            let length = Int(Self.lengthBase[lengthIndex])
                + (try r.bits(Int(Self.lengthExtra[lengthIndex]), in: .compressedData))
            let distanceSymbol = try Self.decode(distanceTable, &r, alphabet: .distance, part: .compressedData)
            guard distanceSymbol < 30 else { throw DecompressionError(.invalidSymbol(.distance), offset: r.offset) }
            let distance = Int(Self.distanceBase[distanceSymbol])
                + (try r.bits(Int(Self.distanceExtra[distanceSymbol]), in: .compressedData))
            guard distance <= written - outputStart else {
                throw DecompressionError(.distanceTooFarBack(distance: distance, available: written - outputStart),
                                         offset: r.offset)
            }
            let n = min(length, capacity - written)
            if n > 0 {
                Self.copyMatch(output.baseAddress!, at: written, length: n, distance: distance, capacity: capacity)
                written += n
            }
            guard n == length else {
                pending = .match(length: length - n, distance: distance)
                return false
            }
        }
    }

    /// Copies `length` bytes from `distance` back to `start`, where the source may
    /// overlap the destination (a run: RFC 1951 §3.2.3, "distance 1, length 10").
    @inline(__always)
    private static func copyMatch(_ base: UnsafeMutablePointer<UInt8>, at start: Int, length: Int, distance: Int,
                                  capacity: Int) {
        let destination = base + start
        let source = destination - distance
        if distance >= 8 && capacity - start >= length + 8 {
            // Eight bytes at a time: each load reads only bytes already written because
            // the source is at least eight behind. May write up to 7 bytes past the
            // match, inside the space and beyond `count`, which later output overwrites.
            var i = 0
            while i < length {
                UnsafeMutableRawPointer(destination + i).storeBytes(
                    of: UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self), as: UInt64.self)
                i += 8
            }
        } else if distance == 1 {
            destination.update(repeating: source.pointee, count: length)
        } else if distance >= length {
            destination.update(from: source, count: length)
        } else {
            for i in 0..<length { destination[i] = source[i] }
        }
    }
}

@available(*, unavailable, message: "an Inflater reads a buffer its caller keeps alive for one call")
extension Inflater: Sendable {}
