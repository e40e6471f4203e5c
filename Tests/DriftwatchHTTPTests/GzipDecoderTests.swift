import Testing
@testable import DriftwatchHTTP

/// A zlib-made vector in `Fixtures/gzip` and how to regenerate its uncompressed data.
struct GzipVector: Sendable, CustomStringConvertible {
    var file: String
    var kind: String
    var size: Int
    var seed: UInt64

    var description: String { file }
    var data: [UInt8] { vectorData(kind, size, seed: seed) }
}

/// Known-good streams from zlib decode byte for byte; the limit is exact; a bomb stops
/// at the limit having allocated no more; CRC-32 matches its check value.
struct GzipDecoderTests {
    static let gzipVectors = [
        GzipVector(file: "empty.gz", kind: "text", size: 0, seed: 1),
        GzipVector(file: "text-small.gz", kind: "text", size: 100, seed: 1),
        GzipVector(file: "stored.gz", kind: "text", size: 70000, seed: 2),
        GzipVector(file: "fixed.gz", kind: "text", size: 5000, seed: 3),
        GzipVector(file: "dynamic.gz", kind: "text", size: 100_000, seed: 4),
        GzipVector(file: "huffman-only.gz", kind: "text", size: 20000, seed: 5),
        GzipVector(file: "rle.gz", kind: "periodic", size: 50000, seed: 6),
        GzipVector(file: "periodic.gz", kind: "periodic", size: 200_000, seed: 7),
        GzipVector(file: "random.gz", kind: "random", size: 30000, seed: 8),
        GzipVector(file: "flushed.gz", kind: "mixed", size: 120_000, seed: 9),
        GzipVector(file: "mixed-large.gz", kind: "mixed", size: 1_000_000, seed: 10),
        GzipVector(file: "mixed-level1.gz", kind: "mixed", size: 300_000, seed: 11),
        GzipVector(file: "header-fields.gz", kind: "text", size: 3000, seed: 12),
    ]

    static let deflateVectors = [
        GzipVector(file: "empty.deflate", kind: "text", size: 0, seed: 1),
        GzipVector(file: "fixed.deflate", kind: "text", size: 5000, seed: 3),
        GzipVector(file: "dynamic.deflate", kind: "text", size: 100_000, seed: 4),
        GzipVector(file: "rle.deflate", kind: "periodic", size: 50000, seed: 6),
        GzipVector(file: "flushed.deflate", kind: "mixed", size: 120_000, seed: 9),
    ]

    @Test(arguments: gzipVectors)
    func zlibGzipVectorDecodesToItsDataByteForByte(_ vector: GzipVector) throws {
        let decoded = try GzipDecoder.decompress(gzipFixture(vector.file), maxOutputBytes: 8 << 20)
        let expected = vector.data
        #expect(decoded.count == expected.count)
        #expect(decoded == expected, "first difference at \(String(describing: decoded.indices.first { decoded[$0] != expected[$0] }))")
    }

    @Test(arguments: deflateVectors)
    func zlibRawDeflateVectorDecodesToItsDataByteForByte(_ vector: GzipVector) throws {
        #expect(try GzipDecoder.inflate(gzipFixture(vector.file), maxOutputBytes: 8 << 20) == vector.data)
    }

    @Test func multipleMembersAreConcatenatedEachCheckedOnItsOwn() throws {
        let expected = vectorData("text", 4000, seed: 13) + vectorData("mixed", 9000, seed: 14)
        #expect(try GzipDecoder.decompress(gzipFixture("multi-member.gz"), maxOutputBytes: 1 << 20) == expected)
        // The limit counts all members together.
        let error = decompressionError { () throws(DecompressionError) in
            try GzipDecoder.decompress(gzipFixture("multi-member.gz"), maxOutputBytes: 12_999)
        }
        #expect(error?.code == .outputLimitExceeded(limit: 12_999))
    }

    /// The largest distance (32,768) and length (258), which zlib's encoder never emits:
    /// the stream is hand-made by `make_fixtures.py` and checked there with zlib.
    @Test func largestDistanceAndLengthDecode() throws {
        var expected = vectorData("random", 32768, seed: 7)
        for length in [258, 258, 3, 100] {
            for _ in 0..<length { expected.append(expected[expected.count - 32768]) }
        }
        for _ in 0..<258 { expected.append(expected[expected.count - 1]) }
        #expect(try GzipDecoder.inflate(gzipFixture("far-matches.deflate"), maxOutputBytes: 1 << 20) == expected)
    }

    /// Matches whose source overlaps their own output, at every distance from 1 to 20 and
    /// lengths 3…258: the byte loop, the memset and the 8-byte paths all agree.
    @Test func overlappingCopiesRepeatTheirSource() throws {
        for distance in 1...20 {
            var writer = BitWriter()
            writer.blockHeader(final: true, type: 1)
            var expected: [UInt8] = []
            for i in 0..<distance {
                writer.fixedSymbol(i * 7 % 256)
                expected.append(UInt8(i * 7 % 256))
            }
            for length in [3, 4, 7, 8, 9, 15, 16, 17, 31, 100, 257, 258] {
                writer.fixedMatch(length: length, distance: distance)
                for _ in 0..<length { expected.append(expected[expected.count - distance]) }
            }
            writer.fixedSymbol(256)
            #expect(try GzipDecoder.inflate(writer.bytes, maxOutputBytes: 1 << 20) == expected, "distance \(distance)")
        }
    }

    @Test func limitEqualToTheSizeIsAcceptedAndOneLessIsNot() throws {
        let input = gzipFixture("dynamic.gz")
        #expect(try GzipDecoder.decompress(input, maxOutputBytes: 100_000).count == 100_000)
        let error = decompressionError { () throws(DecompressionError) in
            try GzipDecoder.decompress(input, maxOutputBytes: 99_999)
        }
        #expect(error?.code == .outputLimitExceeded(limit: 99_999))
        let empty = gzipFixture("empty.gz")
        #expect(try GzipDecoder.decompress(empty, maxOutputBytes: 0).isEmpty)
        #expect(decompressionError { () throws(DecompressionError) in
            try GzipDecoder.decompress(gzipFixture("text-small.gz"), maxOutputBytes: 0)
        }?.code == .outputLimitExceeded(limit: 0))
    }

    /// A dynamic block whose every pair of zero bits is a 258-byte match: 1,032 output
    /// bytes per input byte, so a 1 MiB body would be 1 GiB.
    static func bomb(zeroBytes: Int) -> [UInt8] {
        var writer = BitWriter()
        // Literal/length code: 285 (length 258) 1 bit, literal 0 and end of block 2 bits.
        var lengths = [Int](repeating: 0, count: 286)
        lengths[285] = 1
        lengths[0] = 2
        lengths[256] = 2
        // One distance code, distance 1, of one bit.
        let all = lengths + [1]
        writer.dynamicHeader(literalCount: 286, distanceCount: 1, codeLengthLengths: flatCodeLengthLengths,
                             items: BitWriter.literalItems(all))
        let codes = BitWriter.canonicalCodes(lengths)
        writer.code(codes[0], 2) // a literal zero for the matches to copy
        writer.align()
        writer.append([UInt8](repeating: 0, count: zeroBytes))
        return gzipMember(writer.bytes, crcOf: [], size: UInt32.max)
    }

    @Test func aBombStopsAtTheLimitSoonAfterItsStartHavingAllocatedNoMore() throws {
        let body = Self.bomb(zeroBytes: 256 * 1024)
        let limit = 1 << 20
        let error = decompressionError { () throws(DecompressionError) in
            try GzipDecoder.decompress(body, maxOutputBytes: limit)
        }
        #expect(error?.code == .outputLimitExceeded(limit: limit))
        // 1 MiB at 1,032:1 is about 1,016 input bytes after the ~200-byte header: decoding
        // stopped there, not at the end of the 256 KiB.
        #expect((1_000..<1_400).contains(error?.offset ?? 0), "stopped at \(String(describing: error?.offset))")

        // The output space grew (64 KiB, doubling) to the limit and no further; the
        // allocator may round a block up by a page.
        body.withUnsafeBytes { raw in
            var output = Inflater.Output(limit: limit, expected: 0)
            var inflater = Inflater(input: raw, at: 10, outputStart: 0)
            #expect(throws: DecompressionError.self) { try output.inflate(&inflater) }
            #expect(output.count == limit)
            #expect(output.capacity <= limit + 4096, "capacity \(output.capacity)")
        }
    }

    @Test func aTrailerClaimingAHugeSizeIsAMismatchAndReservesNoMoreThanTheLimit() throws {
        // ISIZE sizes the first output space, clamped to the limit.
        #expect(Inflater.Output(limit: 4096, expected: 1 << 30).capacity <= 4096 + 64)
        var input = gzipFixture("text-small.gz")
        // ISIZE is checked after decoding; before, it is only a capped hint.
        input.replaceSubrange(input.count - 4..<input.count, with: [0xFF, 0xFF, 0xFF, 0x7F])
        let error = decompressionError { () throws(DecompressionError) in
            try GzipDecoder.decompress(input, maxOutputBytes: 4096)
        }
        #expect(error?.code == .lengthMismatch(stored: 0x7FFF_FFFF, computed: 100))
    }

    @Test func emptyBlocksOfEveryTypeDecodeToNothing() throws {
        var writer = BitWriter()
        for _ in 0..<1000 {
            writer.blockHeader(final: false, type: 0)
            writer.align()
            writer.append([0, 0, 0xFF, 0xFF])
            writer.fixedLiterals([], final: false)
        }
        // Dynamic blocks, each rebuilding its tables: a shallow code, then a 15-bit deep one.
        var deep = [Int](repeating: 0, count: 286)
        deep[256] = 1
        for s in 0..<14 { deep[s] = s + 2 }
        deep[14] = 15
        for literals in [[Int](repeating: 0, count: 256) + [1, 1], deep] {
            for _ in 0..<100 {
                writer.dynamicHeader(final: false, literalCount: literals.count, distanceCount: 1,
                                     codeLengthLengths: flatCodeLengthLengths, items: BitWriter.literalItems(literals + [0]))
                writer.code(BitWriter.canonicalCodes(literals)[256], literals[256])
            }
        }
        writer.fixedLiterals(Array("end".utf8))
        #expect(try GzipDecoder.inflate(writer.bytes, maxOutputBytes: 100) == Array("end".utf8))
    }

    @Test func aSingleOneBitCodeIsAllowedAndItsUnusedPatternIsNot() throws {
        // Literal/length code with only end of block (one bit, "0"); no distance codes.
        var lengths = [Int](repeating: 0, count: 257)
        lengths[256] = 1
        var writer = BitWriter()
        writer.dynamicHeader(literalCount: 257, distanceCount: 1, codeLengthLengths: flatCodeLengthLengths,
                             items: BitWriter.literalItems(lengths + [0]))
        var valid = writer
        valid.put(0, 1)
        #expect(try GzipDecoder.inflate(valid.bytes, maxOutputBytes: 10) == [])
        writer.put(1, 1)
        let error = decompressionError { () throws(DecompressionError) in
            try GzipDecoder.inflate(writer.bytes, maxOutputBytes: 10)
        }
        #expect(error?.code == .invalidSymbol(.literalLength))
    }

    @Test func crc32MatchesItsCheckValueWhateverTheSplit() {
        let check = Array("123456789".utf8)
        #expect(check.withUnsafeBytes { CRC32.checksum($0) } == 0xCBF4_3926)
        let data = vectorData("mixed", 10_000, seed: 3)
        let whole = data.withUnsafeBytes { CRC32.checksum($0) }
        for split in [0, 1, 7, 8, 9, 4095, 9999, 10_000] {
            var crc = CRC32()
            data[..<split].withUnsafeBytes { crc.update($0) }
            data[split...].withUnsafeBytes { crc.update($0) }
            #expect(crc.value == whole, "split at \(split)")
        }
    }
}
