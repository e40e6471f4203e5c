import Testing
@testable import DriftwatchCore

/// The scanner reads short plain strings with two word loads, long ones eight
/// bytes at a time, and anything unusual byte by byte. Whichever path a string
/// takes (it depends on its contents and on how far the input goes on after it),
/// the value and the errors must be the same.
struct ScannerFastPathTests {
    /// The packed form of a key, as the scanner makes it for a plain ASCII key.
    static func knownIndex(_ key: String) throws -> Int? {
        // Padding after the key keeps it on the two-word path.
        let text = Array((#"""# + key + #"":0                "#).utf8)
        return try text.withUnsafeBytes { buffer throws(JSONError) -> Int? in
            var scanner = JSONScanner(buffer)
            let token = try scanner.parseStringToken()
            guard token.form == .ascii, token.count <= 15 else { return nil }
            return EventDecoder.knownKeyIndex(count: token.count, low: token.low, high: token.high)
        }
    }

    @Test func everyKnownKeyIsRecognisedFromItsPackedBytes() throws {
        for (index, key) in EventDecoder.knownKeys.enumerated() {
            #expect(try Self.knownIndex(key) == index, "\(key)")
        }
    }

    @Test func nearMissesOfKnownKeysAreNotKnown() throws {
        var misses: [String] = []
        for key in EventDecoder.knownKeys {
            misses.append(String(key.dropLast()))
            misses.append(String(key.dropFirst()))
            misses.append(key + "s")
            misses.append("_" + key)
            misses.append(key.uppercased())
            for i in key.indices {
                var changed = key
                changed.replaceSubrange(i...i, with: key[i] == "x" ? "y" : "x")
                misses.append(changed)
            }
        }
        for miss in misses where !EventDecoder.knownKeys.contains(miss) {
            #expect(try Self.knownIndex(miss) == nil, "\(miss)")
        }
    }

    /// Strings with every kind of byte the scanner stops at, at every position,
    /// of lengths around the 8- and 16-byte word boundaries.
    static let tricky: [String] = {
        var strings: [String] = ["", "a", "ok", "model-a", "support-153", "ticket.update", "0123456789abcde", "0123456789abcdef"]
        let specials = ["\"", "\\", "\u{7F}", "\u{1}", "\n", "\t", "é", "😀", "/"]
        for length in [1, 7, 8, 9, 15, 16, 17, 24, 33] {
            for special in specials {
                for position in [0, length / 2, length - 1] {
                    var chars = Array(repeating: "x", count: length)
                    chars[position] = special
                    strings.append(chars.joined())
                }
            }
        }
        return strings
    }()

    @Test func stringsReadTheSameWhereverTheInputEnds() throws {
        for string in Self.tricky {
            let json = JSONValue.string(string).jsonString
            // 0 to 17 bytes after the closing quote: the two-word path needs 16.
            for trailing in 0...17 {
                let text = json + String(repeating: " ", count: trailing)
                #expect(try JSONScanner.parse(text) == .string(string), "\(string.debugDescription) + \(trailing)")
            }
        }
    }

    @Test func rawDELAndNonASCIIBytesReadAsThemselves() throws {
        for string in ["a\u{7F}b", "\u{7F}", "é", "xxxxxxxxxxxxxxxxé", "😀😀😀😀😀"] {
            let text = "\"" + string + "\"                "
            #expect(try JSONScanner.parse(text) == .string(string))
        }
    }

    @Test func invalidUTF8IsReportedAtTheStringStartOnEveryPath() throws {
        for prefix in ["", "abc", "abcdefghijklmnopqrstu"] {
            for trailing in [0, 20] {
                let bytes = Array(("[1,\"" + prefix).utf8) + [0xC3, 0x28] + Array(("\"]" + String(repeating: " ", count: trailing)).utf8)
                #expect(throws: JSONError(offset: 4, reason: "invalid UTF-8 in a string")) { try JSONScanner.parse(bytes) }
            }
        }
    }

    @Test func keysAndValuesDecodeTheSameWithWhitespaceAsCompact() throws {
        let compact = #"{"agent":"a","tool":"t","session":"s-1","status":"error","args":{"k":"v","n":1}}"#
        let spaced = "{ \"agent\" : \"a\" ,\n\t\"tool\":\"t\",\"session\" :\"s-1\", \"status\":\r\n\"error\" , \"args\" : { \"k\" : \"v\" , \"n\" : 1 } }"
        #expect(try EventDecoder.decodeEvent(spaced) == EventDecoder.decodeEvent(compact))
    }

    @Test func anEscapedKnownKeyIsThatKey() throws {
        #expect(try EventDecoder.decodeEvent(#"{"\u0061gent":"a","t\u006Fol":"t"}"#) == Event(agent: "a", tool: "t"))
        #expect(rejection(#"{"agent":"a","\u0061gent":"b","tool":"t"}"#) == DecodeError(field: "agent", "appears twice"))
    }

    @Test func unknownKeysThatAreCanonicallyEqualAreDuplicates() throws {
        // "é" precomposed and "e" + combining acute are the same String.
        #expect(rejection("{\"agent\":\"a\",\"tool\":\"t\",\"caf\u{E9}\":1,\"cafe\u{301}\":2}")
            == DecodeError(field: "café", "appears twice"))
    }

    @Test func aRawDELInAFieldIsAControlCharacterButNotInArgs() throws {
        #expect(rejection("{\"agent\":\"a\u{7F}\",\"tool\":\"t\"}") == DecodeError(field: "agent", "must not contain control characters"))
        #expect(rejection("{\"agent\":\"a\",\"tool\":\"t\",\"model\":\"xxxxxxxxxxxxxxxxxxxxxxxx\u{7F}\"}")
            == DecodeError(field: "model", "must not contain control characters"))
        #expect(try EventDecoder.decodeEvent("{\"agent\":\"a\",\"tool\":\"t\",\"args\":\"x\u{7F}y\"}").args == "x\u{7F}y")
    }
}
