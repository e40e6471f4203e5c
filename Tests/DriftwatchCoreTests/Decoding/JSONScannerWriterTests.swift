import Testing
@testable import DriftwatchCore

/// The strict scanner and the deterministic writer (RFC 8259, RFC 8785-style canonical form).
struct JSONScannerWriterTests {
    @Test func parseThenWriteRoundTripsCompactJSON() throws {
        let text = #"{"b":[1,2.5,"x",null,true,false,{}],"a":{"z":[],"y":"é"},"c":-3}"#
        #expect(try JSONScanner.parse(text).jsonString == text)
    }

    @Test func writtenOutputParsesBackToTheSameValue() throws {
        let value: JSONValue = ["s": "a\"b\\c\n\t\u{1}\u{7F}é😀", "n": [0, -1, 0.1, 1e300, 123_456_789], "o": ["k": nil]]
        #expect(try JSONScanner.parse(value.jsonString) == value)
        // Canonical output reorders keys, so compare canonical forms.
        #expect(try JSONScanner.parse(value.canonicalString).canonicalString == value.canonicalString)
    }

    @Test func objectsKeepInputOrder() throws {
        let value = try JSONScanner.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.map(\.key) == ["z", "a", "m"])
    }

    @Test func canonicalFormSortsKeysRecursivelyAndDropsWhitespace() throws {
        let value = try JSONScanner.parse(#" { "b" : { "d" : 1 , "c" : [ { "f" : 1 , "e" : 2 } ] } , "a" : 0 } "#)
        #expect(value.canonicalString == #"{"a":0,"b":{"c":[{"e":2,"f":1}],"d":1}}"#)
    }

    @Test func canonicalFormSortsKeysByUTF8Bytes() throws {
        let value = try JSONScanner.parse(#"{"é":1,"z":2,"Z":3,"":4}"#)
        #expect(value.canonicalString == #"{"":4,"Z":3,"z":2,"é":1}"#)
    }

    @Test func equalValuesWithDifferentKeyOrderShareACanonicalForm() throws {
        let a = try JSONScanner.parse(#"{"x":1,"y":[1,2]}"#)
        let b = try JSONScanner.parse(#"{"y":[1,2],"x":1.0}"#)
        #expect(a.canonicalString == b.canonicalString)
    }

    // MARK: numbers

    @Test(arguments: [
        ("0", "0"), ("-0", "0"), ("1", "1"), ("1.0", "1"), ("100", "100"), ("1e2", "100"), ("-7", "-7"),
        ("0.1", "0.1"), ("-0.5", "-0.5"), ("1.5e-3", "0.0015"), ("1e300", "1e+300"), ("2.5E+3", "2500"),
        ("9007199254740991", "9007199254740991"), ("-9007199254740991", "-9007199254740991"),
        ("123456789012", "123456789012"), ("0.30000000000000004", "0.30000000000000004"),
    ])
    func numbersWriteInShortestForm(_ input: String, _ output: String) throws {
        #expect(try JSONScanner.parse(input).jsonString == output)
    }

    @Test func integersBeyondTwoToThe53RoundTripAsDoubles() throws {
        let big = try JSONScanner.parse("12345678901234567890")
        #expect(big == .number(12_345_678_901_234_567_168))
        #expect(try JSONScanner.parse(big.jsonString) == big)
    }

    @Test func numbersParseExactly() throws {
        #expect(try JSONScanner.parse("0.1") == .number(0.1))
        #expect(try JSONScanner.parse("1e-7") == .number(1e-7))
        #expect(try JSONScanner.parse("123.456e2") == .number(12345.6))
        #expect(try JSONScanner.parse("2.2250738585072014e-308") == .number(2.2250738585072014e-308))
        #expect(try JSONScanner.parse("0.1000000000000000055511151231257827") == .number(0.1))
    }

    @Test(arguments: ["01", "-01", "00", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity",
                      "1e400", "-1e400", "1.5.2"])
    func invalidNumbersAreRejected(_ text: String) {
        #expect(throws: JSONError.self) { try JSONScanner.parse(text) }
    }

    @Test func nonFiniteComputedNumbersAreWrittenAsNull() {
        #expect(JSONValue.number(.infinity).jsonString == "null")
        #expect(JSONValue.number(.nan).jsonString == "null")
    }

    // MARK: strings

    @Test func unicodeEscapesDecode() throws {
        #expect(try JSONScanner.parse(#""\u00e9""#) == "é")
        #expect(try JSONScanner.parse(#""\u00E9""#) == "é")
        #expect(try JSONScanner.parse(#""\ud83d\ude00""#) == "😀")
        #expect(try JSONScanner.parse(#""\"\\\/\b\f\n\r\t""#) == "\"\\/\u{8}\u{C}\n\r\t")
        #expect(try JSONScanner.parse(#""a\u0000b""#) == "a\u{0}b")
    }

    @Test(arguments: [#""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud83d x""#, #""\u12""#, #""\u12G4""#,
                      #""\a""#, #""abc"#, "\"a\u{1}b\"", "\"a\nb\""])
    func invalidStringsAreRejected(_ text: String) {
        #expect(throws: JSONError.self) { try JSONScanner.parse(text) }
    }

    @Test func writerEscapesQuotesBackslashesAndControlCharacters() {
        let value: JSONValue = .string("q\"b\\n\nr\rt\tnul\u{0}bel\u{7}us\u{1F}del\u{7F}é/")
        #expect(value.jsonString == #""q\"b\\n\nr\rt\tnul\u0000bel\u0007us\u001fdel\u007fé/""#)
    }

    @Test func writerEscapesKeysToo() {
        let value: JSONValue = .object([JSONMember("a\"\n", 1)])
        #expect(value.jsonString == #"{"a\"\n":1}"#)
    }

    // MARK: structure and limits

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let depth = JSONScanner.defaultMaxDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONScanner.parse(text) }
        let deeper = "[" + text + "]"
        #expect(throws: JSONError.self) { try JSONScanner.parse(deeper) }
    }

    @Test func deepNestingFailsWithoutExhaustingTheStack() {
        let text = String(repeating: "[", count: 100_000)
        #expect(throws: JSONError.self) { try JSONScanner.parse(text) }
    }

    @Test(arguments: ["[1,]", "{\"a\":1,}", "[,1]", "{,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "[1 2]", "{\"a\"}",
                      "{1:2}", "tru", "nul", "[", "{", "", " ", "1 2", "[] x", "/* c */ 1", "{\"a\":1,\"a\":2}",
                      "\u{FEFF}{}"])
    func malformedTextsAreRejected(_ text: String) {
        #expect(throws: JSONError.self) { try JSONScanner.parse(text) }
    }

    @Test func duplicateKeysAreRejectedInLargeObjectsToo() {
        let members = (0..<40).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        #expect(throws: Never.self) { try JSONScanner.parse("{\(members)}") }
        #expect(throws: JSONError.self) { try JSONScanner.parse("{\(members),\"k3\":0}") }
    }

    @Test func errorsCarryTheByteOffset() throws {
        do {
            _ = try JSONScanner.parse(#"{"a":[1,]}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 8)
            #expect(error.description.hasPrefix("invalid JSON at byte 9"))
        }
    }

    @Test func whitespaceAroundValuesIsAllowed() throws {
        #expect(try JSONScanner.parse(" \t\r\n{ \"a\" :\n[ 1 , 2 ] } \r\n") == ["a": [1, 2]])
    }
}
