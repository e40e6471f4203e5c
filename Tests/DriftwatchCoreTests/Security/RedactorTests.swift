import Testing
@testable import DriftwatchCore

@Suite struct RedactorTests {
    let redactor = Redactor()

    private func redacted(_ text: String) -> String {
        redactor.redact(text).text
    }

    // MARK: Card numbers

    @Test func redactsLuhnValidCardNumbersOfEveryNetworkLength() {
        for pan in ["4111111111111111", "4242424242424242", "5555555555554444", "378282246310005",
                    "6011111111111117", "4222222222222", "6000000000000000004"] {
            let outcome = redactor.redact("card \(pan) ok")
            #expect(outcome.text == "card [REDACTED:pan] ok", "\(pan)")
            #expect(outcome.pans == 1)
        }
    }

    @Test func redactsCardNumbersGroupedBySpacesOrDashes() {
        #expect(redacted("4111 1111 1111 1111") == "[REDACTED:pan]")
        #expect(redacted("pay with 4111-1111-1111-1111.") == "pay with [REDACTED:pan].")
        #expect(redacted("amex 3782 822463 10005 exp") == "amex [REDACTED:pan] exp")
        #expect(redacted("{\"pan\":\"5555-5555-5555-4444\"}") == "{\"pan\":\"[REDACTED:pan]\"}")
    }

    @Test func keepsTrailingGroupsThatAreNotPartOfTheCardNumber() {
        #expect(redacted("4111 1111 1111 1111 123") == "[REDACTED:pan] 123")
        #expect(redacted("4111 1111 1111 1111 12/29") == "[REDACTED:pan] 12/29")
    }

    @Test func redactsSeveralCardNumbersAndCountsThem() {
        let outcome = redactor.redact("4111111111111111,5555555555554444;4242 4242 4242 4242")
        #expect(outcome.text == "[REDACTED:pan],[REDACTED:pan];[REDACTED:pan]")
        #expect(outcome.pans == 3)
        #expect(outcome.total == 3)
    }

    @Test func leavesLuhnInvalidNumbersAlone() {
        for text in ["4111111111111112", "4111 1111 1111 1112", "5555555555554440"] {
            #expect(!redactor.redact(text).didRedact, "\(text)")
        }
    }

    @Test func leavesTwelveDigitIdsAndShorterNumbersAlone() {
        // 411111111117 passes Luhn but is only 12 digits.
        for text in ["order 411111111117", "id=123456789012", "4111 1111 1117", "2024-01-15", "year 2019 2020 2021"] {
            #expect(redacted(text) == text)
        }
    }

    @Test func leavesTimestampsAlone() {
        // 1700000000004 is a Luhn-valid 13-digit millisecond timestamp; card networks never start with 1.
        for text in ["ts 1700000000004", "\"ts_us\":1700000000000004", "1700000000000000004", "t=1700000000"] {
            #expect(redacted(text) == text)
        }
    }

    @Test func leavesNumbersWithNonCardFirstDigitsAlone() {
        for text in ["1234567890123452", "9234567890123455", "7234567890123459"] {
            #expect(redacted(text) == text, "\(text)")
        }
    }

    @Test func leavesDigitRunsEmbeddedInLongerRunsOrWordsAlone() {
        for text in ["41111111111111111115", "x4111111111111111", "4111111111111111x", "sha:ab4111111111111111cd",
                     "0.4111111111111111", "4111111111111111.5", "+4111111111111111", "id_4111111111111111"] {
            #expect(redacted(text) == text, "\(text)")
        }
    }

    // MARK: Bearer tokens

    @Test func redactsBearerTokens() {
        #expect(redacted("Authorization header was Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_x and more")
            == "Authorization header was Bearer [REDACTED:token] and more")
        #expect(redacted("bearer abc123def456") == "bearer [REDACTED:token]")
        #expect(redacted("BEARER  dGVzdDp0ZXN0==") == "BEARER  [REDACTED:token]")
        #expect(redactor.redact("Bearer abc123def456").tokens == 1)
    }

    @Test func leavesTheWordBearerInProseAlone() {
        for text in ["the bearer of bad news", "Bearer authentication", "Bearer", "Bearer: x", "Bearer abc1"] {
            #expect(redacted(text) == text, "\(text)")
        }
    }

    // MARK: API keys

    @Test func redactsKnownKeyShapes() {
        let keys = [
            "sk-proj-Abc123Def456Ghi789Jkl012Mno345",
            "sk-ant-api03-AbCdEf0123456789_xyz-ABCDEF",
            "sk_live_51HbCdEfGhIjKlMnOpQrSt",
            "rk_test_4eC39HqLyjWDarjtT1zdp7dc",
            "AKIAIOSFODNN7EXAMPLE",
            "ASIAIOSFODNN7EXAMPLE",
            "AIzaSyA1234567890abcdefghijklmnopqrstuv",
            "ghp_1234567890abcdefghijABCDEFGHIJ123456",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
            "xoxb-1234567890-0987654321-AbCdEfGhIjKl",
        ]
        for key in keys {
            let outcome = redactor.redact("use \(key) now")
            #expect(outcome.text == "use [REDACTED:key] now", "\(key)")
            #expect(outcome.keys == 1, "\(key)")
        }
    }

    @Test func leavesKeyLookalikesAlone() {
        for text in ["sk-learn", "pip install sk-learn-contrib-extra-things", "AKIA1234", "AKIAIOSFODNN7EXAMPLEX",
                     "ghp_short", "xoxb-1", "task-sk-Abc123Def456Ghi789Jkl012Mno345", "the skill AIza"] {
            #expect(redacted(text) == text, "\(text)")
        }
    }

    // MARK: Assignments

    @Test func redactsSecretAssignmentValuesAndKeepsTheName() {
        #expect(redacted("password=hunter2 user=bob") == "password=[REDACTED:key] user=bob")
        #expect(redacted("GET /x?api_key=abc123&page=2") == "GET /x?api_key=[REDACTED:key]&page=2")
        #expect(redacted(#"{"password": "hunter 2", "user": "bob"}"#) == #"{"password": "[REDACTED:key]", "user": "bob"}"#)
        #expect(redacted("client_secret: s3cr3t") == "client_secret: [REDACTED:key]")
        #expect(redacted("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG") == "export AWS_SECRET_ACCESS_KEY=[REDACTED:key]")
        #expect(redacted("--token=abc") == "--token=[REDACTED:key]")
        #expect(redacted("{'secret': 'it\\'s here'}") == "{'secret': '[REDACTED:key]'}")
        #expect(redacted(#"{\"token\":\"abc\"}"#) == #"{\"token\":\"[REDACTED:key]\"}"#)
        #expect(redacted(":password => 'x'") == ":password => '[REDACTED:key]'")
    }

    @Test func redactsTheWholeAuthorizationHeaderValue() {
        #expect(redacted("Authorization: Bearer abc.def.ghi\nAccept: */*") == "Authorization: [REDACTED:key]\nAccept: */*")
        #expect(redacted("Proxy-Authorization: Basic dXNlcjpwYXNz") == "Proxy-Authorization: [REDACTED:key]")
    }

    @Test func leavesNonSecretAssignmentsAlone() {
        for text in ["max_tokens=4096", "tokens: 1200", "token_count=3", "key=value", "session_id=abc",
                     "password == other", "password", "token: null", "\"password\": \"\"", "password=", "pwd=/home/a",
                     #"{"secret": {"nested": 1}}"#, #"{"tokens": [1, 2]}"#] {
            #expect(redacted(text) == text, "\(text)")
        }
    }

    @Test func redactsURLPasswords() {
        #expect(redacted("postgres://admin:s3cr3t@db.internal:5432/app") == "postgres://admin:[REDACTED:key]@db.internal:5432/app")
        for text in ["https://example.com:8443/path", "https://user@example.com/", "ftp://a:@host"] {
            #expect(redacted(text) == text, "\(text)")
        }
    }

    // MARK: Private keys

    @Test func redactsPEMPrivateKeyBlocks() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc==\n-----END RSA PRIVATE KEY-----"
        let outcome = redactor.redact("key:\n\(pem)\ndone")
        #expect(outcome.text == "key:\n[REDACTED:private_key]\ndone")
        #expect(outcome.privateKeys == 1)
        #expect(redacted("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----")
            == "[REDACTED:private_key]")
    }

    @Test func redactsUnterminatedPrivateKeyToTheEnd() {
        #expect(redacted("x -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC") == "x [REDACTED:private_key]")
    }

    @Test func leavesCertificatesAndPublicKeysAlone() {
        for text in ["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
                     "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", "----- BEGIN", "-----BEGIN "] {
            #expect(redacted(text) == text)
        }
    }

    // MARK: General properties

    @Test func returnsInputUnchangedWhenNothingMatches() {
        let text = "read_file path=/etc/hosts size=1024 — ✓ données 東京 🚀"
        let outcome = redactor.redact(text)
        #expect(outcome == Redactor.Outcome(text: text))
        #expect(!outcome.didRedact)
    }

    @Test func keepsUnicodeAroundSecretsIntact() {
        #expect(redacted("café 4111111111111111 ✓") == "café [REDACTED:pan] ✓")
        #expect(redacted("東京password=ключ🚀 next") == "東京password=[REDACTED:key] next")
        #expect(redacted("🔑 Bearer Zm9vYmFyMTIz 🔒") == "🔑 Bearer [REDACTED:token] 🔒")
        #expect(redacted("«AKIAIOSFODNN7EXAMPLE»") == "«[REDACTED:key]»")
    }

    @Test func isIdempotent() {
        let text = "password=x Bearer abc123def456 4111111111111111 sk-proj-Abc123Def456Ghi789Jkl012 https://u:p@h"
        let once = redactor.redact(text)
        #expect(once.total == 5)
        let twice = redactor.redact(once.text)
        #expect(twice.text == once.text)
        #expect(!twice.didRedact)
    }

    @Test func handlesLongInputsInOnePass() {
        let filler = String(repeating: "lorem ipsum 2024 0.5 ", count: 20_000)
        let text = filler + "password=hunter2 " + filler + "4111 1111 1111 1111 " + filler
        let outcome = redactor.redact(text)
        #expect(outcome.keys == 1)
        #expect(outcome.pans == 1)
        #expect(outcome.text.utf8.count == text.utf8.count - "hunter2".count + "[REDACTED:key]".count
            - "4111 1111 1111 1111".count + "[REDACTED:pan]".count)
    }

    @Test func handlesHostileLongRunsWithoutBlowingUp() {
        for text in [String(repeating: "9", count: 200_000), String(repeating: "sk-", count: 50_000),
                     String(repeating: "a", count: 200_000) + "=x", String(repeating: "-----BEGIN ", count: 20_000),
                     String(repeating: "://", count: 50_000), String(repeating: "4111 ", count: 40_000),
                     String(repeating: "Bearer ", count: 30_000)] {
            _ = redactor.redact(text)
        }
    }

    // MARK: Key names

    @Test func recognisesSensitiveKeyNames() {
        for name in ["password", "Password", "db_password", "PASSWD", "api_key", "apiKey", "X-Api-Key", "client_secret",
                     "secrets", "access_token", "refreshToken", "Authorization", "proxy-authorization", "Set-Cookie",
                     "private_key", "credentials", "AWS_SECRET_ACCESS_KEY", "auth", "cvv"] {
            #expect(Redactor.redactsKey(name), "\(name)")
        }
    }

    @Test func leavesOrdinaryKeyNamesAlone() {
        for name in ["max_tokens", "tokens", "input_tokens", "token_count", "key", "cache_key", "idempotency_key",
                     "session_id", "private_key_id", "pwd", "path", "amount", "", "ключ"] {
            #expect(!Redactor.redactsKey(name), "\(name)")
        }
    }
}
