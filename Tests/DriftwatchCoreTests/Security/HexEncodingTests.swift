import Testing
@testable import DriftwatchCore

@Suite struct HexEncodingTests {
    @Test func encodesLowercaseTwoDigitsPerByte() {
        #expect(HexEncoding.encode([0x00, 0x01, 0x7f, 0x80, 0xab, 0xff]) == "00017f80abff")
        #expect(HexEncoding.encode([UInt8]()) == "")
    }

    @Test func roundTripsEveryByteValue() {
        let bytes = (0...255).map(UInt8.init)
        #expect(HexEncoding.decode(HexEncoding.encode(bytes)) == bytes)
    }

    @Test func decodesUppercaseDigits() {
        #expect(HexEncoding.decode("ABcdEF") == [0xab, 0xcd, 0xef])
    }

    @Test func decodesEmptyStringToNoBytes() {
        #expect(HexEncoding.decode("") == [])
    }

    @Test func rejectsOddLength() {
        #expect(HexEncoding.decode("abc") == nil)
        #expect(HexEncoding.decode("0") == nil)
    }

    @Test func rejectsNonHexCharacters() {
        for text in ["zz", "0g", "0x00", " 00", "00 ", "-1", "éé", "0\u{0}"] {
            #expect(HexEncoding.decode(text) == nil, "\(text.debugDescription)")
        }
    }
}
