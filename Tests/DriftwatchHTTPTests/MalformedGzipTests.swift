import Testing
@testable import DriftwatchHTTP

/// Every malformed stream is refused with the fault it has and where it was found;
/// nothing malformed decodes, nothing crashes.
struct MalformedGzipTests {
    /// "the agent ..." (100 bytes) as zlib gzips it: 10-byte header, 75 bytes of deflate, 8-byte trailer.
    let small = gzipFixture("text-small.gz")

    func gunzip(_ input: [UInt8], limit: Int = 1 << 20) -> DecompressionError? {
        decompressionError { () throws(DecompressionError) in try GzipDecoder.decompress(input, maxOutputBytes: limit) }
    }

    func inflate(_ input: [UInt8], limit: Int = 1 << 20) -> DecompressionError? {
        decompressionError { () throws(DecompressionError) in try GzipDecoder.inflate(input, maxOutputBytes: limit) }
    }

    func inflate(_ writer: BitWriter) -> DecompressionError? { inflate(writer.bytes) }

    func replacing(_ bytes: [UInt8], at offset: Int, with value: UInt8) -> [UInt8] {
        var copy = bytes
        copy[offset] = value
        return copy
    }

    // MARK: - gzip header

    @Test func aBodyThatIsNotGzipSaysWhatItStartsWith() {
        #expect(gunzip(Array(#"{"resourceSpans":[]}"#.utf8)) == DecompressionError(.notGzip(first: 0x7B, second: 0x22), offset: 0))
        #expect(gunzip([0x7B]) == DecompressionError(.notGzip(first: 0x7B, second: nil), offset: 0))
        #expect(gunzip([0x1F, 0x8C]) == DecompressionError(.notGzip(first: 0x1F, second: 0x8C), offset: 0))
        #expect(gunzip([0x1F, 0x8C])?.description == "not gzip: expected magic bytes 1f 8b, found 1f 8c at byte 0")
    }

    @Test func anEmptyOrShortHeaderIsTruncated() {
        #expect(gunzip([]) == DecompressionError(.truncated(.gzipHeader), offset: 0))
        #expect(gunzip([0x1F]) == DecompressionError(.truncated(.gzipHeader), offset: 1))
        for n in 2..<10 {
            #expect(gunzip(Array(small.prefix(n))) == DecompressionError(.truncated(.gzipHeader), offset: n))
        }
    }

    @Test func aMethodOtherThanDeflateIsRefused() {
        #expect(gunzip(replacing(small, at: 2, with: 7)) == DecompressionError(.unsupportedMethod(7), offset: 2))
    }

    @Test(arguments: [0x20, 0x40, 0x80, 0xE0] as [UInt8])
    func reservedFlagsAreRefused(_ flag: UInt8) {
        #expect(gunzip(replacing(small, at: 3, with: flag)) == DecompressionError(.reservedFlags(flag), offset: 3))
    }

    @Test func optionalHeaderFieldsThatRunPastTheInputAreTruncated() {
        let deflate = Array(small[10..<85])
        let data = vectorData("text", 100, seed: 1)
        // FEXTRA claiming 65,535 bytes.
        let extra = gzipMember(deflate, crcOf: data, flags: 0x04, headerExtra: [0xFF, 0xFF])
        #expect(gunzip(extra) == DecompressionError(.truncated(.gzipHeader), offset: extra.count))
        // FEXTRA with its length cut.
        #expect(gunzip([0x1F, 0x8B, 8, 0x04, 0, 0, 0, 0, 0, 255, 0x05])
            == DecompressionError(.truncated(.gzipHeader), offset: 11))
        // FNAME and FCOMMENT with no terminating zero.
        for flag: UInt8 in [0x08, 0x10] {
            let unterminated: [UInt8] = [0x1F, 0x8B, 8, flag, 0, 0, 0, 0, 0, 255] + Array("name".utf8)
            #expect(gunzip(unterminated) == DecompressionError(.truncated(.gzipHeader), offset: 14))
        }
        // FHCRC with one byte.
        #expect(gunzip([0x1F, 0x8B, 8, 0x02, 0, 0, 0, 0, 0, 255, 0x00])
            == DecompressionError(.truncated(.gzipHeader), offset: 11))
    }

    @Test func aWrongHeaderCRCIsRefusedAndARightOneAccepted() throws {
        let deflate = Array(small[10..<85])
        let data = vectorData("text", 100, seed: 1)
        let header: [UInt8] = [0x1F, 0x8B, 8, 0x02, 0, 0, 0, 0, 0, 255]
        let crc16 = UInt16(truncatingIfNeeded: header.withUnsafeBytes { CRC32.checksum($0) })
        let wrong = gzipMember(deflate, crcOf: data, flags: 0x02, headerExtra: [0x34, 0x12])
        #expect(gunzip(wrong) == DecompressionError(.headerChecksumMismatch(stored: 0x1234, computed: crc16), offset: 10))
        let right = gzipMember(deflate, crcOf: data, flags: 0x02, headerExtra: [UInt8(crc16 & 0xFF), UInt8(crc16 >> 8)])
        #expect(try GzipDecoder.decompress(right, maxOutputBytes: 1000) == data)
    }

    // MARK: - Trailer and what follows

    @Test func aTruncatedTrailerIsRefused() {
        for cut in 1...8 {
            #expect(gunzip(Array(small.dropLast(cut))) == DecompressionError(.truncated(.gzipTrailer), offset: 93 - cut))
        }
    }

    @Test func aCRCMismatchIsRefusedAtTheTrailer() {
        let bad = replacing(small, at: 85, with: small[85] ^ 0x01)
        guard case .checksumMismatch(let stored, let computed)? = gunzip(bad)?.code else {
            Issue.record("expected a CRC mismatch, got \(String(describing: gunzip(bad)))")
            return
        }
        #expect(stored ^ computed == 1)
        #expect(gunzip(bad)?.offset == 85)
    }

    @Test func aLengthMismatchIsRefusedAtISIZE() {
        let bad = replacing(small, at: 89, with: 101)
        #expect(gunzip(bad) == DecompressionError(.lengthMismatch(stored: 101, computed: 100), offset: 89))
    }

    @Test(arguments: [[0x00], [0x00, 0x00, 0x00, 0x00], [0x1F], [0x0A], Array("garbage".utf8)] as [[UInt8]])
    func anythingAfterTheLastMemberIsTrailingData(_ tail: [UInt8]) {
        #expect(gunzip(small + tail) == DecompressionError(.trailingData, offset: 93))
    }

    @Test func aTruncatedSecondMemberIsRefused() {
        #expect(gunzip(small + small.prefix(5)) == DecompressionError(.truncated(.gzipHeader), offset: 98))
        #expect(gunzip(small + small.dropLast(1)) == DecompressionError(.truncated(.gzipTrailer), offset: 185))
    }

    @Test func bytesAfterARawStreamAreTrailingData() {
        var writer = BitWriter()
        writer.fixedLiterals(Array("ok".utf8))
        #expect(inflate(writer.bytes + [0]) == DecompressionError(.trailingData, offset: writer.bytes.count))
    }

    // MARK: - Block headers

    @Test func blockType3IsRefused() {
        var writer = BitWriter()
        writer.blockHeader(final: true, type: 3)
        #expect(inflate(writer) == DecompressionError(.invalidBlockType, offset: 0))
        // Behind a valid block, the offset moves with it.
        var later = BitWriter()
        later.blockHeader(final: false, type: 0)
        later.align()
        later.append([3, 0, 0xFC, 0xFF] + Array("abc".utf8))
        later.blockHeader(final: true, type: 3)
        #expect(inflate(later) == DecompressionError(.invalidBlockType, offset: 8))
    }

    @Test func aStoredLengthWhoseComplementIsWrongIsRefused() {
        var writer = BitWriter()
        writer.blockHeader(final: true, type: 0)
        writer.align()
        writer.append([0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5])
        #expect(inflate(writer) == DecompressionError(.storedLengthMismatch(length: 5, complement: 0), offset: 1))
    }

    @Test func aStoredBlockCutShortIsTruncated() {
        var writer = BitWriter()
        writer.blockHeader(final: true, type: 0)
        writer.align()
        writer.append([10, 0, 0xF5, 0xFF, 1, 2, 3])
        #expect(inflate(writer) == DecompressionError(.truncated(.storedBlock), offset: 8))
        var header = BitWriter()
        header.blockHeader(final: true, type: 0)
        header.align()
        header.append([10, 0, 0xF5])
        #expect(inflate(header) == DecompressionError(.truncated(.blockHeader), offset: 4))
    }

    @Test func aStreamWithoutAFinalBlockIsTruncated() {
        var writer = BitWriter()
        writer.fixedLiterals(Array("not the last".utf8), final: false)
        #expect(inflate(writer) == DecompressionError(.truncated(.blockHeader), offset: writer.bytes.count))
        #expect(inflate([]) == DecompressionError(.truncated(.blockHeader), offset: 0))
    }

    @Test func tooManyLiteralLengthOrDistanceCodesAreRefused() {
        var literals = BitWriter()
        literals.blockHeader(final: true, type: 2)
        literals.put(287 - 257, 5)
        literals.put(0, 5)
        literals.put(0, 4)
        #expect(inflate(literals) == DecompressionError(.tooManyCodes(literalLength: 287, distance: 1), offset: 0))
        var distances = BitWriter()
        distances.blockHeader(final: true, type: 2)
        distances.put(0, 5)
        distances.put(31 - 1, 5)
        distances.put(0, 4)
        #expect(inflate(distances) == DecompressionError(.tooManyCodes(literalLength: 257, distance: 31), offset: 0))
    }

    // MARK: - Code lengths

    /// A dynamic block sending `literal` and `distance` code lengths with a code-length
    /// code of `codeLengths` (default: every symbol codable).
    func dynamic(literal: [Int], distance: [Int], codeLengths: [Int] = flatCodeLengthLengths,
                 items: [(symbol: Int, extra: Int)]? = nil) -> BitWriter {
        var writer = BitWriter()
        writer.dynamicHeader(literalCount: literal.count, distanceCount: distance.count, codeLengthLengths: codeLengths,
                             items: items ?? BitWriter.literalItems(literal + distance))
        return writer
    }

    func lengths(_ count: Int, _ set: [Int: Int]) -> [Int] {
        var lengths = [Int](repeating: 0, count: count)
        for (symbol, length) in set { lengths[symbol] = length }
        return lengths
    }

    /// Literal/length code with literal 'a', end of block and length 3 (symbol 257), two bits each... made complete.
    var goodLiterals: [Int] { lengths(258, [97: 1, 256: 2, 257: 2]) }

    func codeLengthFault(_ error: DecompressionError?) -> DecompressionError.CodeLengthFault? {
        if case .invalidCodeLengths(let fault)? = error?.code { return fault }
        return nil
    }

    @Test func anOverSubscribedOrIncompleteCodeLengthCodeIsRefused() {
        var over = flatCodeLengthLengths
        over[0] = 1
        over[1] = 1
        over[2] = 1
        #expect(codeLengthFault(inflate(dynamic(literal: goodLiterals, distance: [1], codeLengths: over)))
            == .overSubscribed(.codeLength))
        // Only lengths 0, 1 and 2 coded, two bits each: three quarters of the code space.
        let incomplete = lengths(19, [0: 2, 1: 2, 2: 2])
        #expect(codeLengthFault(inflate(dynamic(literal: goodLiterals, distance: [1], codeLengths: incomplete)))
            == .incomplete(.codeLength))
        // A single one-bit code, allowed for distances, is not for the code-length code.
        let single = lengths(19, [1: 1])
        #expect(codeLengthFault(inflate(dynamic(literal: goodLiterals, distance: [1], codeLengths: single)))
            == .incomplete(.codeLength))
    }

    @Test func overSubscribedOrIncompleteLiteralLengthCodesAreRefused() {
        #expect(codeLengthFault(inflate(dynamic(literal: lengths(257, [0: 1, 1: 1, 256: 1]), distance: [1])))
            == .overSubscribed(.literalLength))
        #expect(codeLengthFault(inflate(dynamic(literal: lengths(257, [0: 2, 256: 2]), distance: [1])))
            == .incomplete(.literalLength))
        // Fifteen-bit codes, Kraft sum one code short of complete.
        var long = lengths(286, [256: 1])
        for s in 0..<14 { long[s] = s + 2 }
        #expect(codeLengthFault(inflate(dynamic(literal: long, distance: [1]))) == .incomplete(.literalLength))
    }

    @Test func overSubscribedOrIncompleteDistanceCodesAreRefused() {
        #expect(codeLengthFault(inflate(dynamic(literal: goodLiterals, distance: [1, 1, 1])))
            == .overSubscribed(.distance))
        #expect(codeLengthFault(inflate(dynamic(literal: goodLiterals, distance: [2, 2]))) == .incomplete(.distance))
    }

    @Test func aRepeatWithNoPreviousLengthIsRefused() {
        let items = [(symbol: 16, extra: 0)] + BitWriter.literalItems(goodLiterals + [1])
        #expect(codeLengthFault(inflate(dynamic(literal: goodLiterals, distance: [1], items: items)))
            == .repeatWithoutPrevious)
    }

    @Test func aRepeatPastTheLastLengthIsRefused() {
        // 258 + 1 lengths, but two runs of 138 zeros.
        let items = [(symbol: 18, extra: 127), (symbol: 18, extra: 127)]
        #expect(codeLengthFault(inflate(dynamic(literal: goodLiterals, distance: [1], items: items))) == .repeatPastEnd)
        // A repeat of the previous length past the end, too.
        let previous = BitWriter.literalItems(Array(goodLiterals.dropLast())) + [(symbol: 16, extra: 3)]
        #expect(codeLengthFault(inflate(dynamic(literal: goodLiterals, distance: [1], items: previous)))
            == .repeatPastEnd)
    }

    @Test func aCodeWithoutEndOfBlockIsRefused() {
        #expect(codeLengthFault(inflate(dynamic(literal: lengths(257, [0: 1, 1: 1]), distance: [1])))
            == .missingEndOfBlock)
    }

    @Test func codeLengthsCutShortAreTruncated() {
        let whole = dynamic(literal: goodLiterals, distance: [1]).bytes
        for n in 1..<whole.count {
            let error = inflate(Array(whole.prefix(n)))
            guard case .truncated(let part)? = error?.code else {
                Issue.record("prefix \(n): expected truncation, got \(String(describing: error))")
                continue
            }
            #expect(part == .blockHeader || part == .codeLengths)
            #expect(error?.offset == n)
        }
    }

    // MARK: - Compressed data

    @Test(arguments: [286, 287])
    func literalLengthSymbols286And287AreRefused(_ symbol: Int) {
        var writer = BitWriter()
        writer.blockHeader(final: true, type: 1)
        writer.fixedSymbol(97)
        writer.fixedSymbol(symbol)
        writer.fixedSymbol(256)
        #expect(inflate(writer) == DecompressionError(.invalidSymbol(.literalLength), offset: 2))
    }

    @Test(arguments: [30, 31])
    func distanceSymbols30And31AreRefused(_ symbol: Int) {
        var writer = BitWriter()
        writer.blockHeader(final: true, type: 1)
        writer.fixedSymbol(97)
        writer.fixedSymbol(257)
        writer.code(symbol, 5)
        writer.fixedSymbol(256)
        #expect(inflate(writer) == DecompressionError(.invalidSymbol(.distance), offset: 2))
    }

    @Test func aDistanceBeforeTheStartIsTooFarBack() {
        var first = BitWriter()
        first.blockHeader(final: true, type: 1)
        first.fixedMatch(length: 3, distance: 1)
        first.fixedSymbol(256)
        #expect(inflate(first) == DecompressionError(.distanceTooFarBack(distance: 1, available: 0), offset: 1))
        var later = BitWriter()
        later.blockHeader(final: true, type: 1)
        for b in "abcd".utf8 { later.fixedSymbol(Int(b)) }
        later.fixedMatch(length: 10, distance: 5)
        later.fixedSymbol(256)
        #expect(inflate(later)?.code == .distanceTooFarBack(distance: 5, available: 4))
        #expect(inflate(later)?.description.contains("distance 5 is too far back (only 4 bytes decoded)") == true)
    }

    @Test func aSecondMemberCannotReachIntoTheFirst() {
        // Member two starts with a match: its window is empty even though member one's output is not.
        var writer = BitWriter()
        writer.blockHeader(final: true, type: 1)
        writer.fixedMatch(length: 3, distance: 1)
        writer.fixedSymbol(256)
        let second = gzipMember(writer.bytes, crcOf: [0, 0, 0])
        #expect(gunzip(small + second)?.code == .distanceTooFarBack(distance: 1, available: 0))
    }

    @Test func aLengthInABlockWithoutDistanceCodesIsRefused() throws {
        // Literal/length: 'a' 1 bit, end of block and 257 two bits; distances: none.
        var writer = dynamic(literal: goodLiterals, distance: [0])
        let codes = BitWriter.canonicalCodes(goodLiterals)
        writer.code(codes[97], 1)
        writer.code(codes[257], 2)
        writer.code(codes[256], 2)
        #expect(inflate(writer)?.code == .invalidSymbol(.distance))
        // The same block with only literals is fine.
        var literalsOnly = dynamic(literal: goodLiterals, distance: [0])
        literalsOnly.code(codes[97], 1)
        literalsOnly.code(codes[256], 2)
        #expect(try GzipDecoder.inflate(literalsOnly.bytes, maxOutputBytes: 10) == [97])
    }

    @Test func theUnusedPatternOfASingleDistanceCodeIsRefused() {
        var writer = dynamic(literal: goodLiterals, distance: [1])
        let codes = BitWriter.canonicalCodes(goodLiterals)
        writer.code(codes[97], 1)
        writer.code(codes[257], 2)
        writer.put(1, 1) // distance code "1": unused
        #expect(inflate(writer)?.code == .invalidSymbol(.distance))
    }

    @Test func everyPrefixOfAValidFileIsTruncated() {
        for vector in ["text-small.gz", "fixed.gz", "header-fields.gz", "stored.gz"] {
            let whole = gzipFixture(vector)
            let step = max(1, whole.count / 400)
            for n in stride(from: 0, to: whole.count, by: step) {
                let error = gunzip(Array(whole.prefix(n)))
                guard case .truncated? = error?.code else {
                    Issue.record("\(vector) cut at \(n): \(String(describing: error))")
                    continue
                }
                #expect(error?.offset == n, "\(vector) cut at \(n)")
            }
        }
    }

    /// Flipping bits anywhere is caught: in the header and trailer always (except the
    /// informational FTEXT flag, MTIME, XFL and OS), in the compressed data by the decoder
    /// or the CRC — unless the flipped bits are unused padding, when the output is unchanged.
    @Test func everyCorruptedByteIsCaughtOrHarmless() throws {
        for vector in ["text-small.gz", "fixed.gz"] {
            let whole = gzipFixture(vector)
            let expected = try GzipDecoder.decompress(whole, maxOutputBytes: 1 << 20)
            for offset in whole.indices {
                for mask: UInt8 in [0x01, 0x10, 0x80, 0xFF] {
                    let corrupt = replacing(whole, at: offset, with: whole[offset] ^ mask)
                    let result = Result { () throws(DecompressionError) in
                        try GzipDecoder.decompress(corrupt, maxOutputBytes: 1 << 20)
                    }
                    let informational = (4..<10).contains(offset) || (offset == 3 && mask == 0x01)
                    switch (informational, result) {
                    case (true, .success(let output)):
                        #expect(output == expected)
                    case (true, .failure(let error)):
                        Issue.record("\(vector): informational byte \(offset) ^ \(mask) refused: \(error)")
                    case (_, .success(let output)):
                        #expect(offset >= 10 && offset < whole.count - 8 && output == expected,
                                "\(vector): byte \(offset) ^ \(mask) accepted")
                    case (_, .failure):
                        break
                    }
                }
            }
        }
    }
}
