import Testing
@testable import DriftwatchCore

/// RFC 4231 §4 test cases for HMAC-SHA-256.
@Suite struct HMACTests {
    private func hexTag(key: [UInt8], message: [UInt8]) -> String {
        HexEncoding.encode(HMAC.sha256(key: key, message: message))
    }

    @Test func rfc4231Case1ShortKey() {
        #expect(hexTag(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test func rfc4231Case2KeyShorterThanTag() {
        #expect(hexTag(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func rfc4231Case3CombinedKeyAndDataLength() {
        #expect(hexTag(key: [UInt8](repeating: 0xaa, count: 20), message: [UInt8](repeating: 0xdd, count: 50))
            == "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
    }

    @Test func rfc4231Case4CountingKey() {
        #expect(hexTag(key: Array(1...25), message: [UInt8](repeating: 0xcd, count: 50))
            == "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")
    }

    @Test func rfc4231Case5TruncatedTo128Bits() {
        let tag = HMAC.sha256(key: [UInt8](repeating: 0x0c, count: 20), message: Array("Test With Truncation".utf8))
        #expect(HexEncoding.encode(tag.prefix(16)) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test func rfc4231Case6KeyLargerThanBlockIsHashedFirst() {
        #expect(hexTag(key: [UInt8](repeating: 0xaa, count: 131),
                       message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func rfc4231Case7KeyAndDataLargerThanBlock() {
        let message = "This is a test using a larger than block-size key and a larger than block-size data. "
            + "The key needs to be hashed before being used by the HMAC algorithm."
        #expect(hexTag(key: [UInt8](repeating: 0xaa, count: 131), message: Array(message.utf8))
            == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    @Test func blockSizedKeyIsUsedAsIs() {
        // A 64-byte key is not hashed; hashing it would give a different tag.
        let key = [UInt8](repeating: 0x42, count: 64)
        #expect(HMAC.sha256(key: key, message: [1, 2, 3]) != HMAC.sha256(key: SHA256.hash(key), message: [1, 2, 3]))
    }

    @Test func streamingEqualsOneShot() {
        let key = Array("webhook-secret".utf8)
        let message = (0..<300).map { UInt8(truncatingIfNeeded: $0) }
        var mac = HMAC(sha256Key: key)
        mac.update(message[0..<17])
        mac.update(Array(message[17..<200]))
        mac.update(message[200...])
        #expect(mac.finalize() == HMAC.sha256(key: key, message: message))
    }
}
