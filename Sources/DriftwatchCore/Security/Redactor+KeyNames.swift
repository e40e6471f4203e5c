extension Redactor {
    /// Whether values stored under the object key `name` should be redacted wholesale.
    ///
    /// For JSON arguments the caller walks the object and replaces the value of
    /// every key this accepts; the same test decides `name=value` assignments
    /// inside strings. The name is normalised by lowercasing ASCII letters and
    /// dropping everything but letters and digits (`X-Api-Key`, `api_key`,
    /// `apiKey` and `API.KEY` are all `apikey`); it is then sensitive when it
    /// - contains `password`, `passwd`, `passphrase`, `passcode` or `secret`
    ///   (`db_password`, `client_secret`, `AWS_SECRET_ACCESS_KEY`, `secrets`), or
    /// - ends with `token`, `apikey`, `privatekey`, `signingkey`, `encryptionkey`,
    ///   `authorization`, `cookie`, `cookies`, `credential`, `credentials`
    ///   or `jwt` (`access_token`, `x-api-key`, `Proxy-Authorization`, `Set-Cookie`), or
    /// - is exactly `auth`, `cvv`, `cvv2` or `cvc`.
    ///
    /// Not sensitive, on purpose: `max_tokens`, `tokens`, `token_count`,
    /// `input_tokens` (model usage, which detectors need), `key`, `cache_key`,
    /// `idempotency_key`, `session_id`, `private_key_id`, `pwd` (a directory).
    /// - Complexity: O(n) in the length of `name`; no allocation for names up to a few hundred bytes.
    public static func redactsKey(_ name: String) -> Bool {
        name.utf8.withContiguousStorageIfAvailable { isSensitiveName($0) }
            ?? Array(name.utf8).withUnsafeBufferPointer { isSensitiveName($0) }
    }

    private static let containedWords: [StaticString] = ["password", "passwd", "passphrase", "passcode", "secret"]
    private static let suffixWords: [StaticString] = [
        "token", "apikey", "privatekey", "signingkey", "encryptionkey", "authorization", "cookie", "cookies",
        "credential", "credentials", "jwt",
    ]
    private static let exactWords: [StaticString] = ["auth", "cvv", "cvv2", "cvc"]

    /// ``redactsKey(_:)`` over the UTF-8 bytes of a name.
    static func isSensitiveName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(name.count, 1)) { buffer in
            var count = 0
            for byte in name where RedactionScanner.isLetterOrDigit(byte) {
                buffer[count] = RedactionScanner.lowercased(byte)
                count += 1
            }
            let normalized = UnsafeBufferPointer(rebasing: buffer[..<count])
            func matches(_ word: StaticString, at offset: Int) -> Bool {
                let length = word.utf8CodeUnitCount
                guard offset >= 0, offset + length <= normalized.count else { return false }
                return UnsafeBufferPointer(start: word.utf8Start, count: length)
                    .elementsEqual(normalized[offset..<(offset + length)])
            }
            for word in exactWords where word.utf8CodeUnitCount == count && matches(word, at: 0) { return true }
            for word in suffixWords where matches(word, at: count - word.utf8CodeUnitCount) { return true }
            for word in containedWords where word.utf8CodeUnitCount <= count {
                for offset in 0...(count - word.utf8CodeUnitCount) where matches(word, at: offset) { return true }
            }
            return false
        }
    }
}
