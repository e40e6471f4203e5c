/// Why a gzip (RFC 1952) or DEFLATE (RFC 1951) stream was refused, and the byte of the
/// compressed input where that was found.
///
/// The description names the fault and the offset so a client can tell a truncated
/// upload from a corrupt one; it never echoes decompressed content.
public struct DecompressionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The closed set of faults.
    public enum Code: Sendable, Hashable {
        /// The input ends inside the named part of the stream.
        case truncated(Part)
        /// The first two bytes are not the gzip magic `1f 8b` (RFC 1952 §2.3.1).
        case notGzip(first: UInt8, second: UInt8?)
        /// A compression method other than 8, deflate (RFC 1952 §2.3.1 `CM`).
        case unsupportedMethod(UInt8)
        /// A reserved `FLG` bit is set, which RFC 1952 §2.3.1.2 says must be refused.
        case reservedFlags(UInt8)
        /// The `FHCRC` header checksum does not match the header.
        case headerChecksumMismatch(stored: UInt16, computed: UInt16)
        /// Block type 3, reserved (RFC 1951 §3.2.3).
        case invalidBlockType
        /// A stored block whose `NLEN` is not the complement of `LEN` (RFC 1951 §3.2.4).
        case storedLengthMismatch(length: UInt16, complement: UInt16)
        /// `HLIT` above 286 or `HDIST` above 30 (RFC 1951 §3.2.7).
        case tooManyCodes(literalLength: Int, distance: Int)
        /// A set of Huffman code lengths that does not describe a usable code.
        case invalidCodeLengths(CodeLengthFault)
        /// A bit pattern or symbol that the block's code does not allow: an unused
        /// code of an incomplete code, literal/length 286–287, distance 30–31, or any
        /// distance in a block that has no distance codes.
        case invalidSymbol(Alphabet)
        /// A back-reference to before the start of the stream (RFC 1951 §3.2.5).
        case distanceTooFarBack(distance: Int, available: Int)
        /// The CRC-32 of the decompressed member differs from its trailer (RFC 1952 §2.3.1).
        case checksumMismatch(stored: UInt32, computed: UInt32)
        /// The decompressed length modulo 2³² differs from the trailer's `ISIZE`.
        case lengthMismatch(stored: UInt32, computed: UInt32)
        /// Bytes after the end of the (last) stream that do not start another gzip member.
        case trailingData
        /// The decompressed output would exceed the caller's limit; decoding stopped there.
        case outputLimitExceeded(limit: Int)
    }

    /// Parts of a stream named in a ``Code/truncated(_:)`` error.
    public enum Part: String, Sendable, Hashable {
        case gzipHeader = "gzip header"
        case blockHeader = "block header"
        case storedBlock = "stored block"
        case codeLengths = "Huffman code lengths"
        case compressedData = "compressed data"
        case gzipTrailer = "gzip trailer"
    }

    /// The three Huffman alphabets of RFC 1951 §3.2.7.
    public enum Alphabet: String, Sendable, Hashable {
        case codeLength = "code-length"
        case literalLength = "literal/length"
        case distance = "distance"
    }

    /// Ways a block's code lengths can fail to form a code.
    public enum CodeLengthFault: Sendable, Hashable {
        /// More codes of some lengths than the lengths can hold (Kraft sum above 1).
        case overSubscribed(Alphabet)
        /// Unused bit patterns left, other than the single one-bit code RFC 1951 allows.
        case incomplete(Alphabet)
        /// Code-length symbol 16 (repeat the previous length) as the first length.
        case repeatWithoutPrevious
        /// A repeat that runs past `HLIT + HDIST` lengths.
        case repeatPastEnd
        /// The literal/length code has no code for symbol 256, end of block.
        case missingEndOfBlock
    }

    public var code: Code
    /// Offset in the compressed input (0-based) of the byte where the fault was found.
    public var offset: Int

    public init(_ code: Code, offset: Int) {
        self.code = code
        self.offset = offset
    }

    public var description: String { "\(reason) at byte \(offset)" }

    /// What is wrong, without the offset.
    public var reason: String {
        switch code {
        case .truncated(let part): "input ends inside the \(part.rawValue)"
        case .notGzip(let first, let second):
            "not gzip: expected magic bytes 1f 8b, found \(Self.hex(first))" + (second.map { " " + Self.hex($0) } ?? "")
        case .unsupportedMethod(let method): "unsupported gzip compression method \(method) (only 8, deflate)"
        case .reservedFlags(let flags): "reserved gzip header flags set (FLG 0x\(Self.hex(flags)))"
        case .headerChecksumMismatch(let stored, let computed):
            "gzip header CRC16 mismatch (stored \(Self.hex(stored)), computed \(Self.hex(computed)))"
        case .invalidBlockType: "invalid deflate block type 3"
        case .storedLengthMismatch(let length, let complement):
            "stored block LEN \(length) does not match NLEN \(complement)"
        case .tooManyCodes(let literalLength, let distance):
            "too many codes in block header (\(literalLength) literal/length, at most 286; \(distance) distance, at most 30)"
        case .invalidCodeLengths(let fault):
            switch fault {
            case .overSubscribed(let alphabet): "invalid Huffman code lengths: over-subscribed \(alphabet.rawValue) code"
            case .incomplete(let alphabet): "invalid Huffman code lengths: incomplete \(alphabet.rawValue) code"
            case .repeatWithoutPrevious: "invalid Huffman code lengths: repeat with no previous length"
            case .repeatPastEnd: "invalid Huffman code lengths: repeat runs past the last length"
            case .missingEndOfBlock: "invalid Huffman code lengths: no code for end of block"
            }
        case .invalidSymbol(let alphabet): "invalid \(alphabet.rawValue) code in compressed data"
        case .distanceTooFarBack(let distance, let available):
            "back-reference distance \(distance) is too far back (only \(available) bytes decoded)"
        case .checksumMismatch(let stored, let computed):
            "CRC-32 mismatch (trailer \(Self.hex(stored)), data \(Self.hex(computed)))"
        case .lengthMismatch(let stored, let computed):
            "length mismatch (trailer ISIZE \(stored), data \(computed) mod 2^32)"
        case .trailingData: "trailing data after the end of the compressed stream"
        case .outputLimitExceeded(let limit): "decompressed data exceeds the limit of \(limit) bytes"
        }
    }

    private static func hex(_ value: some FixedWidthInteger) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, value.bitWidth / 4 - digits.count)) + digits
    }
}
