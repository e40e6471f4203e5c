import Testing
@testable import DriftwatchCore

/// The NDJSON splitter: lines across chunk boundaries, and a byte order mark at
/// the start of a stream (editors on Windows write one; spec §1 input is UTF-8).
struct LineSplitterTests {
    /// The lines `chunks` split into, as strings (`<too long N>` for an overlong one).
    static func lines(_ chunks: [[UInt8]], maxLineBytes: Int = 1024) -> [String] {
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        var out: [String] = []
        func collect(_ line: LineSplitter.Line) {
            switch line {
            case .line(let bytes): out.append(String(decoding: bytes, as: UTF8.self))
            case .tooLong(let n): out.append("<too long \(n)>")
            }
        }
        for chunk in chunks { chunk.withUnsafeBytes { splitter.feed($0, collect) } }
        splitter.finish(collect)
        return out
    }

    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    @Test func aByteOrderMarkAtTheStartOfTheStreamIsSkipped() throws {
        let text = Array(#"{"agent":"a","tool":"t"}"#.utf8)
        let lines = Self.lines([Self.bom + text + [0x0A] + text])
        #expect(lines == [String(decoding: text, as: UTF8.self), String(decoding: text, as: UTF8.self)])
        // …so the first line decodes like any other.
        let first = Array(lines[0].utf8)
        #expect(first.first == UInt8(ascii: "{"))
    }

    @Test func aByteOrderMarkSplitAcrossChunksIsSkipped() {
        #expect(Self.lines([[0xEF], [0xBB, 0xBF, UInt8(ascii: "x"), 0x0A, UInt8(ascii: "y")]]) == ["x", "y"])
        #expect(Self.lines([[0xEF, 0xBB], [0xBF], Array("a\r\nb".utf8)]) == ["a", "b"])
    }

    @Test func onlyTheFirstLineLosesItsByteOrderMark() {
        // A mark later in the stream is data, and the decoder rejects it as such.
        let lines = Self.lines([Self.bom + Array("a\n".utf8) + Self.bom + Array("b".utf8)])
        #expect(lines.count == 2)
        #expect(lines[0] == "a")
        #expect(Array(lines[1].utf8) == Self.bom + [UInt8(ascii: "b")])
        // One mark is skipped, not two.
        #expect(Array(Self.lines([Self.bom + Self.bom + Array("c".utf8)])[0].utf8) == Self.bom + [UInt8(ascii: "c")])
    }

    @Test func aStreamWithoutAMarkIsUnchanged() {
        #expect(Self.lines([Array("\u{FEFF}".utf8.dropFirst()) + Array("x\ny".utf8)]).count == 2)
        #expect(Self.lines([Array("ab\ncd\n".utf8)]) == ["ab", "cd"])
        #expect(Self.lines([Array("ab".utf8), Array("c\nd".utf8)]) == ["abc", "d"])
    }

    @Test func anOverlongFirstLineStillEndsTheStartOfTheStream() {
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 40)
        let lines = Self.lines([long + [0x0A] + Self.bom + Array("b".utf8)], maxLineBytes: 16)
        #expect(lines == ["<too long 40>", "\u{FEFF}b"])
    }
}
