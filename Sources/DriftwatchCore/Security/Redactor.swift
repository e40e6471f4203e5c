/// Removes secrets from agent-written strings before they are stored (design.md § Security).
///
/// Detectors see the shape of an argument, never the secret: a redacted string
/// keeps its surrounding text, key names and quotes, and only the secret is
/// replaced by a marker. One left-to-right pass over the UTF-8 bytes, hand
/// written (no regular expressions), O(n) time with a constant bounded
/// look-ahead per position; when nothing matches the input `String` is
/// returned as is, without allocating. Replacements only ever start and end
/// at ASCII bytes, so surrounding Unicode text is untouched and the output is
/// valid UTF-8. Redacting already-redacted text changes nothing.
///
/// ## What is caught
/// - **Card numbers** → `[REDACTED:pan]`: 13–19 digits that pass the Luhn
///   check and whose first digit is 2–6 (the major-industry identifiers of
///   card networks), written either as one unbroken digit run or as digit
///   groups separated by a single space or a single dash, used consistently,
///   where the first group has 4 digits and every other group 3–6
///   (`4111 1111 1111 1111`, `3782-822463-10005`). If a grouped run is longer,
///   the longest Luhn-valid prefix of whole groups is taken
///   (`4111 1111 1111 1111 123` keeps the trailing `123`).
/// - **Bearer tokens** → `Bearer [REDACTED:token]`: the word `Bearer` (any
///   case, not inside a word), 1–16 spaces or tabs, then an RFC 6750 `b64token` of at least
///   8 characters that contains a digit or one of `-._~+/=`, or is at least 20
///   characters long.
/// - **API keys by shape** → `[REDACTED:key]` (whole token, prefix included,
///   not preceded by a letter, digit, `_`, `-` or `.`):
///   `sk-…` (OpenAI/Anthropic style: ≥ 20 further `[A-Za-z0-9_-]` including a digit),
///   `sk_live_…`, `sk_test_…`, `rk_live_…`, `rk_test_…` (Stripe: ≥ 16 further),
///   `AKIA`/`ASIA` + exactly 16 `[0-9A-Z]` (AWS access key ids),
///   `AIza` + exactly 35 `[A-Za-z0-9_-]` (Google API keys),
///   `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_` + ≥ 20 `[A-Za-z0-9_]` (GitHub),
///   `xoxb-`, `xoxa-`, `xoxp-`, `xoxr-`, `xoxs-` + ≥ 10 `[A-Za-z0-9-]` (Slack).
/// - **Secret assignments** → value replaced by `[REDACTED:key]`: a name for
///   which ``redactsKey(_:)`` holds (`password`, `api_key`, `client_secret`,
///   `access_token`, `Authorization`, …; up to 64 characters of
///   `[A-Za-z0-9_.-]`, optionally quoted as in JSON/YAML/Python), optional
///   spaces, then `=`, `:` or `=>`, optional spaces, then the value: a quoted
///   string (`"…"`, `'…'` or `\"…\"`, to the closing quote or end of line) or
///   an unquoted run up to whitespace or one of `& , ; " ' } ) ] < > \`.
///   An unquoted HTTP auth scheme (`Bearer`, `Basic`, `Digest`, `Token`) takes
///   the following credential with it. Examples: `password=hunter2`,
///   `"api_key": "abc"`, `--token abc` is **not** caught (no separator),
///   `?access_token=abc&x=1` is. Unquoted `null`, `true` and `false`, and
///   values starting with `{` or `[`, are kept (the caller redacts structured
///   JSON values by key with ``redactsKey(_:)``). `==`, `::` and `:/` are not separators.
/// - **URL credentials** → `scheme://user:[REDACTED:key]@host`: the password
///   of a userinfo component, within 256 bytes of `://`.
/// - **PEM private keys** → `[REDACTED:private_key]`: from
///   `-----BEGIN <label>-----` to the matching `-----END <label>-----`, where
///   the label contains `PRIVATE KEY` (`RSA PRIVATE KEY`, `OPENSSH PRIVATE KEY`,
///   `ENCRYPTED PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`, …). A block with no END
///   line is redacted to the end of the string (a truncated key is still a leak).
///
/// ## What is deliberately not caught
/// - Digit runs that are part of something longer: preceded by a letter,
///   digit, `_`, `.` or `+`, or followed by a letter, digit, `_` or `.`+digit
///   (hex digests, decimals such as `0.4111111111111111`, phone numbers
///   written `+44…`, identifiers like `order4111…`).
/// - Numbers of 12 digits or fewer, or 20 or more; numbers starting with 0, 1,
///   7, 8 or 9 (so millisecond, microsecond and nanosecond Unix timestamps,
///   which start with 1 until 2286, are never touched); Luhn-invalid numbers.
///   Roughly one in ten random 13–19 digit identifiers starting with 2–6 passes
///   Luhn and *is* redacted — an accepted cost of the check.
/// - Card numbers split by other separators (`.`, `/`, two spaces) or by
///   groups not shaped like the above; spelled-out or obfuscated digits.
/// - Keys without a recognisable prefix or name (a bare random string), JWTs
///   outside a `Bearer` or a sensitive name, `Basic` credentials outside an
///   `Authorization`-like name, passwords given as separate command-line
///   words (`-p hunter2`), private keys not in PEM armour.
/// - Names are matched by ``redactsKey(_:)``; `max_tokens`, `token_count`,
///   `session_id` and plain `key` are not sensitive.
public struct Redactor: Sendable {
    /// The result of ``redact(_:)``: the text to store and what was removed from it.
    public struct Outcome: Sendable, Hashable {
        /// The redacted text; identical to (and sharing storage with) the input when ``total`` is 0.
        public var text: String
        /// Card numbers replaced by `[REDACTED:pan]`.
        public var pans: Int
        /// Bearer tokens replaced by `[REDACTED:token]`.
        public var tokens: Int
        /// API keys, secret assignments and URL passwords replaced by `[REDACTED:key]`.
        public var keys: Int
        /// PEM private key blocks replaced by `[REDACTED:private_key]`.
        public var privateKeys: Int

        public init(text: String, pans: Int = 0, tokens: Int = 0, keys: Int = 0, privateKeys: Int = 0) {
            self.text = text
            self.pans = pans
            self.tokens = tokens
            self.keys = keys
            self.privateKeys = privateKeys
        }

        /// Total number of redactions.
        public var total: Int { pans + tokens + keys + privateKeys }
        /// Whether anything was redacted.
        public var didRedact: Bool { total > 0 }
    }

    /// Creates a redactor.
    public init() {}

    /// Returns `text` with every secret described in the type documentation replaced by a marker.
    /// - Complexity: O(n) in the UTF-8 length of `text`; no allocation when nothing matches.
    public func redact(_ text: String) -> Outcome {
        let scanned = text.utf8.withContiguousStorageIfAvailable { RedactionScanner.scan($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { RedactionScanner.scan($0) }
        guard let output = scanned.output else { return Outcome(text: text) }
        return Outcome(text: String(decoding: output, as: UTF8.self), pans: scanned.pans, tokens: scanned.tokens,
                       keys: scanned.keys, privateKeys: scanned.privateKeys)
    }
}
