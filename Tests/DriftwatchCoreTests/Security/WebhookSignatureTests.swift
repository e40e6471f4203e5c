import Testing
@testable import DriftwatchCore

@Suite struct WebhookSignatureTests {
    let secret = Array("whsec_test".utf8)
    let body = Array(#"{"type":"breaker.open"}"#.utf8)
    let timestamp: Int64 = 1_700_000_000

    private func verificationError(
        _ header: String, secret: [UInt8]? = nil, body: [UInt8]? = nil, now: Int64? = nil, tolerance: Int64 = 300
    ) -> WebhookSignatureError.Code? {
        do {
            try WebhookSignature.verify(header: header, secret: secret ?? self.secret, body: body ?? self.body,
                                        now: now ?? timestamp, tolerance: tolerance)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func headerMatchesIndependentlyComputedHMACOfTimestampDotBody() {
        // Reference: Python hmac.new(b"whsec_test", b'1700000000.{"type":"breaker.open"}', sha256).
        #expect(WebhookSignature.header(secret: secret, timestamp: timestamp, body: body)
            == "t=1700000000,v1=17a6d1f7f4aea17bee742a7406ef1e0c27dd0c4133ecc1f2e4a608b2f6ffaf42")
    }

    @Test func builtHeaderVerifies() {
        let header = WebhookSignature.header(secret: secret, timestamp: timestamp, body: body)
        #expect(verificationError(header) == nil)
        #expect(verificationError(header, now: timestamp + 300) == nil)
        #expect(verificationError(header, now: timestamp - 300) == nil)
    }

    @Test func emptyBodyAndZeroTimestampVerify() {
        let header = WebhookSignature.header(secret: secret, timestamp: 0, body: [])
        #expect(header.hasPrefix("t=0,v1="))
        #expect(verificationError(header, body: [], now: 0) == nil)
    }

    @Test func tamperedBodyIsRejected() {
        let header = WebhookSignature.header(secret: secret, timestamp: timestamp, body: body)
        var tampered = body
        tampered[tampered.count - 2] ^= 0x01
        #expect(verificationError(header, body: tampered) == .signatureMismatch)
        #expect(verificationError(header, body: body + [0x20]) == .signatureMismatch)
    }

    @Test func wrongSecretIsRejected() {
        let header = WebhookSignature.header(secret: secret, timestamp: timestamp, body: body)
        #expect(verificationError(header, secret: Array("whsec_tesu".utf8)) == .signatureMismatch)
        #expect(verificationError(header, secret: []) == .signatureMismatch)
    }

    @Test func tamperedTimestampIsRejected() {
        let header = WebhookSignature.header(secret: secret, timestamp: timestamp, body: body)
        let shifted = "t=1700000001" + header.dropFirst("t=1700000000".count)
        #expect(verificationError(shifted) == .signatureMismatch)
    }

    @Test func staleOrFutureTimestampIsRejected() {
        let header = WebhookSignature.header(secret: secret, timestamp: timestamp, body: body)
        #expect(verificationError(header, now: timestamp + 301) == .staleTimestamp)
        #expect(verificationError(header, now: timestamp - 301) == .staleTimestamp)
        #expect(verificationError(header, now: .min) == .staleTimestamp)
        #expect(verificationError(header, now: timestamp + 10, tolerance: 0) == .staleTimestamp)
    }

    @Test func malformedHeadersAreRejected() {
        let valid = WebhookSignature.header(secret: secret, timestamp: timestamp, body: body)
        let mac = String(valid.dropFirst("t=1700000000,v1=".count))
        let malformed = [
            "",
            "t=",
            "t=1700000000",
            "t=1700000000,v1=",
            "v1=\(mac),t=1700000000",
            "t=01700000000,v1=\(mac)",
            "t=-1,v1=\(mac)",
            "t=+1700000000,v1=\(mac)",
            "t=99999999999999999999,v1=\(mac)",
            "t=1700000000,v1=\(mac.uppercased())",
            "t=1700000000,v1=\(mac.dropLast())",
            "t=1700000000,v1=\(mac)0",
            "t=1700000000,v1=\(mac.dropLast())g",
            "t=1700000000, v1=\(mac)",
            " t=1700000000,v1=\(mac)",
            "\(valid) ",
            "\(valid),v0=00",
            "t=1700000000,v0=\(mac)",
            "T=1700000000,v1=\(mac)",
            "t=1700000000;v1=\(mac)",
            "t=١٧٠٠٠٠٠٠٠٠,v1=\(mac)",
            String(repeating: "t=1,", count: 100) + valid,
        ]
        for header in malformed {
            #expect(verificationError(header) == .malformedHeader, "\(header.debugDescription)")
        }
    }

    @Test func errorDescriptionDoesNotContainTheSecret() {
        let header = WebhookSignature.header(secret: secret, timestamp: timestamp, body: body)
        do {
            try WebhookSignature.verify(header: header, secret: secret, body: [], now: timestamp)
            Issue.record("expected a mismatch")
        } catch {
            #expect(!error.description.contains("whsec"))
            #expect(!error.description.contains(HexEncoding.encode(WebhookSignature.mac(secret: secret, timestamp: timestamp, body: []))))
        }
    }
}
