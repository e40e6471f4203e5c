/// The single pass behind ``Redactor``: finds secrets in UTF-8 bytes and splices in markers.
///
/// At each position a handful of matchers are tried, dispatched on the current
/// byte. A matcher either fails after a bounded look-ahead (at most ~100 bytes)
/// or succeeds and the scan resumes after the secret, and the long runs a failed
/// matcher may read (digit runs, key-character runs) can only start at a run
/// boundary, so each byte is read a bounded number of times: O(n) overall.
/// The output buffer is allocated on the first match only.
struct RedactionScanner {
    /// What the scan found; `output` is `nil` when the input needs no change.
    struct Result {
        var output: [UInt8]?
        var pans = 0
        var tokens = 0
        var keys = 0
        var privateKeys = 0
    }

    private enum Kind {
        case pan, token, key, privateKey

        var marker: StaticString {
            switch self {
            case .pan: "[REDACTED:pan]"
            case .token: "[REDACTED:token]"
            case .key: "[REDACTED:key]"
            case .privateKey: "[REDACTED:private_key]"
            }
        }
    }

    /// Longest name considered for a `name=value` assignment.
    static let maxAssignmentNameBytes = 64
    /// Most spaces allowed around an assignment separator or after `Bearer`.
    static let maxPaddingBytes = 16
    /// Longest `user:password` looked at after `://`.
    static let maxUserinfoBytes = 256
    /// Longest PEM label (`OPENSSH PRIVATE KEY` …).
    static let maxPEMLabelBytes = 64

    private let input: UnsafeBufferPointer<UInt8>
    private var result = Result()
    /// `input[..<copied]` has been appended to the output already.
    private var copied = 0

    private init(_ input: UnsafeBufferPointer<UInt8>) {
        self.input = input
    }

    /// Scans `input` once and returns the redacted bytes (if any) and counts.
    static func scan(_ input: UnsafeBufferPointer<UInt8>) -> Result {
        var scanner = RedactionScanner(input)
        scanner.run()
        return scanner.result
    }

    private mutating func run() {
        var index = 0
        while index < input.count {
            index = matchAt(index) ?? index + 1
        }
        if result.output != nil, copied < input.count {
            result.output!.append(contentsOf: UnsafeBufferPointer(rebasing: input[copied...]))
        }
    }

    /// Tries every matcher that can start at `index`; returns where scanning resumes after a redaction.
    private mutating func matchAt(_ index: Int) -> Int? {
        let byte = input[index]
        switch byte {
        case UInt8(ascii: "-"):
            if let end = matchPrivateKey(index) { return end }
        case UInt8(ascii: ":"):
            return matchURLPassword(index)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            if let end = matchCardNumber(index) { return end }
        default:
            break
        }
        guard Self.isNameByte(byte), !Self.isNameByte(before(index)) else { return nil }
        if Self.isLetter(byte) {
            if let end = matchBearer(index) ?? matchKeyShape(index) { return end }
        }
        return matchAssignment(index)
    }

    // MARK: - Output

    private mutating func replace(_ range: Range<Int>, with kind: Kind) {
        if result.output == nil {
            result.output = []
            result.output!.reserveCapacity(input.count)
        }
        result.output!.append(contentsOf: UnsafeBufferPointer(rebasing: input[copied..<range.lowerBound]))
        let marker = kind.marker
        result.output!.append(contentsOf: UnsafeBufferPointer(start: marker.utf8Start, count: marker.utf8CodeUnitCount))
        copied = range.upperBound
        switch kind {
        case .pan: result.pans += 1
        case .token: result.tokens += 1
        case .key: result.keys += 1
        case .privateKey: result.privateKeys += 1
        }
    }

    // MARK: - PEM private keys

    private mutating func matchPrivateKey(_ start: Int) -> Int? {
        guard let labelEnd = pemLabelEnd(after: "-----BEGIN ", at: start) else { return nil }
        var search = labelEnd + 5
        var end = input.count  // no END line: redact to the end
        while search < input.count {
            if let endLabelEnd = pemLabelEnd(after: "-----END ", at: search) {
                end = endLabelEnd + 5
                break
            }
            search += 1
        }
        replace(start..<end, with: .privateKey)
        return end
    }

    /// If `prefix`, a label containing `PRIVATE KEY`, and `-----` start at `start`, the label's end.
    private func pemLabelEnd(after prefix: StaticString, at start: Int) -> Int? {
        guard hasPrefix(prefix, at: start) else { return nil }
        let labelStart = start + prefix.utf8CodeUnitCount
        var index = labelStart
        while index < input.count, index - labelStart <= Self.maxPEMLabelBytes,
              Self.isUppercase(input[index]) || Self.isDigit(input[index]) || input[index] == UInt8(ascii: " ") {
            index += 1
        }
        guard hasPrefix("-----", at: index), contains("PRIVATE KEY", in: labelStart..<index) else { return nil }
        return index
    }

    // MARK: - Card numbers

    private mutating func matchCardNumber(_ start: Int) -> Int? {
        switch before(start) {
        case UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "_"): return nil
        case let previous? where Self.isLetterOrDigit(previous): return nil
        default: break
        }
        let runEnd = digitRunEnd(from: start, limit: Int.max)
        let runLength = runEnd - start
        if (13...19).contains(runLength) {
            guard endsNumber(at: runEnd), isCardNumber(start..<runEnd) else { return nil }
            replace(start..<runEnd, with: .pan)
            return runEnd
        }
        guard runLength == 4, runEnd < input.count,
              input[runEnd] == UInt8(ascii: " ") || input[runEnd] == UInt8(ascii: "-")
        else { return nil }
        let separator = input[runEnd]
        let longest = groupedNumber(from: start, separator: separator, maxGroups: Int.max)
        var groups = longest.groups
        while groups >= 2 {
            let candidate = groups == longest.groups
                ? longest : groupedNumber(from: start, separator: separator, maxGroups: groups)
            if (13...19).contains(candidate.digits), isCardNumber(start..<candidate.end) {
                replace(start..<candidate.end, with: .pan)
                return candidate.end
            }
            groups -= 1
        }
        return nil
    }

    /// Reads up to `maxGroups` digit groups (4, then 3–6 digits each, ≤ 19 digits) joined by `separator`.
    private func groupedNumber(from start: Int, separator: UInt8, maxGroups: Int) -> (end: Int, digits: Int, groups: Int) {
        var end = start + 4, digits = 4, groups = 1
        while groups < maxGroups, end < input.count, input[end] == separator {
            let groupEnd = digitRunEnd(from: end + 1, limit: 7)
            let length = groupEnd - (end + 1)
            guard (3...6).contains(length), digits + length <= 19, endsNumber(at: groupEnd) else { break }
            end = groupEnd
            digits += length
            groups += 1
        }
        return (end, digits, groups)
    }

    /// Luhn-valid, with a card-network first digit (2–6). Separators in `range` are skipped.
    private func isCardNumber(_ range: Range<Int>) -> Bool {
        guard (UInt8(ascii: "2")...UInt8(ascii: "6")).contains(input[range.lowerBound]) else { return false }
        var sum = 0
        var doubled = false
        for index in range.reversed() where Self.isDigit(input[index]) {
            var digit = Int(input[index] &- UInt8(ascii: "0"))
            if doubled {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
            doubled.toggle()
        }
        return sum % 10 == 0
    }

    /// A number may end here: not followed by a letter, digit, `_`, or a decimal point and digit.
    private func endsNumber(at index: Int) -> Bool {
        guard index < input.count else { return true }
        let next = input[index]
        if Self.isLetterOrDigit(next) || next == UInt8(ascii: "_") { return false }
        if next == UInt8(ascii: "."), index + 1 < input.count, Self.isDigit(input[index + 1]) { return false }
        return true
    }

    private func digitRunEnd(from start: Int, limit: Int) -> Int {
        var index = start
        while index < input.count, index - start < limit, Self.isDigit(input[index]) { index += 1 }
        return index
    }

    // MARK: - Bearer tokens

    private mutating func matchBearer(_ start: Int) -> Int? {
        guard hasPrefixIgnoringCase("bearer", at: start) else { return nil }
        let tokenStart = skipSpaces(from: start + 6)
        guard tokenStart > start + 6 else { return nil }
        var index = tokenStart
        var hasNonLetter = false
        while index < input.count, Self.isTokenByte(input[index]) {
            if !Self.isLetter(input[index]) { hasNonLetter = true }
            index += 1
        }
        while index < input.count, input[index] == UInt8(ascii: "=") {
            hasNonLetter = true
            index += 1
        }
        let length = index - tokenStart
        guard length >= 20 || (length >= 8 && hasNonLetter) else { return nil }
        replace(tokenStart..<index, with: .token)
        return index
    }

    // MARK: - API keys by prefix

    private mutating func matchKeyShape(_ start: Int) -> Int? {
        let end: Int?
        switch input[start] {
        case UInt8(ascii: "s"), UInt8(ascii: "r"):
            if hasPrefix("sk-", at: start) {
                end = keyRun(from: start + 3, minimum: 20, Self.isKeyByte, requireDigit: true)
            } else if hasPrefix("sk_live_", at: start) || hasPrefix("sk_test_", at: start)
                        || hasPrefix("rk_live_", at: start) || hasPrefix("rk_test_", at: start) {
                end = keyRun(from: start + 8, minimum: 16, Self.isKeyByte)
            } else {
                end = nil
            }
        case UInt8(ascii: "A"):
            if hasPrefix("AKIA", at: start) || hasPrefix("ASIA", at: start) {
                end = exactRun(from: start + 4, count: 16) { Self.isUppercase($0) || Self.isDigit($0) }
            } else if hasPrefix("AIza", at: start) {
                end = exactRun(from: start + 4, count: 35, Self.isKeyByte)
            } else {
                end = nil
            }
        case UInt8(ascii: "g"):
            if hasPrefix("gh", at: start), start + 3 < input.count, input[start + 3] == UInt8(ascii: "_"),
               "pousr".utf8.contains(input[start + 2]) {
                end = keyRun(from: start + 4, minimum: 20, Self.isWordByte)
            } else if hasPrefix("github_pat_", at: start) {
                end = keyRun(from: start + 11, minimum: 20, Self.isWordByte)
            } else {
                end = nil
            }
        case UInt8(ascii: "x"):
            if hasPrefix("xox", at: start), start + 4 < input.count, input[start + 4] == UInt8(ascii: "-"),
               "baprs".utf8.contains(input[start + 3]) {
                end = keyRun(from: start + 5, minimum: 10) { Self.isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
            } else {
                end = nil
            }
        default:
            end = nil
        }
        guard let end else { return nil }
        replace(start..<end, with: .key)
        return end
    }

    /// End of a maximal run of `accepts` bytes from `start`, if at least `minimum` long.
    private func keyRun(from start: Int, minimum: Int, _ accepts: (UInt8) -> Bool, requireDigit: Bool = false) -> Int? {
        var index = start
        var sawDigit = false
        while index < input.count, accepts(input[index]) {
            if Self.isDigit(input[index]) { sawDigit = true }
            index += 1
        }
        guard index - start >= minimum, sawDigit || !requireDigit else { return nil }
        return index
    }

    /// End of exactly `count` `accepts` bytes from `start`, not followed by another key byte.
    private func exactRun(from start: Int, count: Int, _ accepts: (UInt8) -> Bool) -> Int? {
        let end = start + count
        guard end <= input.count, input[start..<end].allSatisfy(accepts),
              end == input.count || !Self.isKeyByte(input[end])
        else { return nil }
        return end
    }

    // MARK: - name=value assignments

    private mutating func matchAssignment(_ start: Int) -> Int? {
        var index = start
        while index < input.count, Self.isNameByte(input[index]) {
            index += 1
            if index - start > Self.maxAssignmentNameBytes { return nil }
        }
        let name = start..<index

        // A closing quote matching the one before the name: "password": …, 'password': …, \"password\": …
        let opening = before(start)
        if opening == UInt8(ascii: "\"") || opening == UInt8(ascii: "'") {
            if byte(at: index) == opening {
                index += 1
            } else if byte(at: index) == UInt8(ascii: "\\"), byte(at: index + 1) == opening {
                index += 2
            }
        }
        index = skipSpaces(from: index)
        switch byte(at: index) {
        case UInt8(ascii: "="):
            if byte(at: index + 1) == UInt8(ascii: "=") { return nil }
            index += byte(at: index + 1) == UInt8(ascii: ">") ? 2 : 1
        case UInt8(ascii: ":"):
            if byte(at: index + 1) == UInt8(ascii: ":") || byte(at: index + 1) == UInt8(ascii: "/") { return nil }
            index += 1
        default:
            return nil
        }
        guard Redactor.isSensitiveName(UnsafeBufferPointer(rebasing: input[name])) else { return nil }
        guard let value = assignmentValue(from: skipSpaces(from: index)) else { return nil }
        replace(value, with: .key)
        return value.upperBound
    }

    /// The secret part of an assignment's value starting at `start`, or `nil` if there is none to redact.
    private func assignmentValue(from start: Int) -> Range<Int>? {
        guard start < input.count else { return nil }
        let value: Range<Int>
        let first = input[start]
        // Structured values are the JSON walker's job (it applies `redactsKey` to whole objects).
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") { return nil }
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            var index = start + 1
            while index < input.count, input[index] != first, input[index] != UInt8(ascii: "\n") {
                index += input[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            value = (start + 1)..<min(index, input.count)
        } else if first == UInt8(ascii: "\\"), byte(at: start + 1) == UInt8(ascii: "\"") {
            var index = start + 2
            while index < input.count, input[index] != UInt8(ascii: "\n"),
                  !(input[index] == UInt8(ascii: "\\") && byte(at: index + 1) == UInt8(ascii: "\"")) {
                index += 1
            }
            value = (start + 2)..<index
        } else {
            var end = unquotedRunEnd(from: start)
            let word = start..<end
            if isAuthScheme(word) {
                let credential = skipSpaces(from: end)
                let credentialEnd = unquotedRunEnd(from: credential)
                if credential > end, credentialEnd > credential { end = credentialEnd }
            } else if equalsIgnoringCase(word, "null") || equalsIgnoringCase(word, "true")
                        || equalsIgnoringCase(word, "false") {
                return nil
            }
            value = start..<end
        }
        guard !value.isEmpty, !hasPrefix("[REDACTED:", at: value.lowerBound) else { return nil }
        return value
    }

    private func unquotedRunEnd(from start: Int) -> Int {
        var index = start
        while index < input.count, !Self.endsUnquotedValue(input[index]) { index += 1 }
        return index
    }

    private func isAuthScheme(_ word: Range<Int>) -> Bool {
        equalsIgnoringCase(word, "bearer") || equalsIgnoringCase(word, "basic")
            || equalsIgnoringCase(word, "digest") || equalsIgnoringCase(word, "token")
    }

    // MARK: - URL userinfo passwords

    private mutating func matchURLPassword(_ colon: Int) -> Int? {
        guard hasPrefix("://", at: colon) else { return nil }
        let userinfoStart = colon + 3
        var index = userinfoStart
        var passwordStart: Int?
        while index < input.count, index - userinfoStart <= Self.maxUserinfoBytes {
            switch input[index] {
            case UInt8(ascii: "@"):
                guard let passwordStart, passwordStart < index,
                      !hasPrefix("[REDACTED:", at: passwordStart) else { return nil }
                replace(passwordStart..<index, with: .key)
                return index
            case UInt8(ascii: ":"):
                if passwordStart == nil { passwordStart = index + 1 }
            case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                return nil
            case let other where Self.endsUnquotedValue(other) && other != UInt8(ascii: "&")
                                  && other != UInt8(ascii: ",") && other != UInt8(ascii: ";"):
                return nil
            default:
                break
            }
            index += 1
        }
        return nil
    }

    // MARK: - Byte access

    private func byte(at index: Int) -> UInt8? {
        index < input.count ? input[index] : nil
    }

    private func before(_ index: Int) -> UInt8? {
        index > 0 ? input[index - 1] : nil
    }

    private func skipSpaces(from start: Int) -> Int {
        var index = start
        while index < input.count, index - start < Self.maxPaddingBytes,
              input[index] == UInt8(ascii: " ") || input[index] == UInt8(ascii: "\t") {
            index += 1
        }
        return index
    }

    private func hasPrefix(_ prefix: StaticString, at start: Int) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard start + count <= input.count else { return false }
        for offset in 0..<count where input[start + offset] != prefix.utf8Start[offset] { return false }
        return true
    }

    private func hasPrefixIgnoringCase(_ lowercasePrefix: StaticString, at start: Int) -> Bool {
        let count = lowercasePrefix.utf8CodeUnitCount
        guard start + count <= input.count else { return false }
        for offset in 0..<count where Self.lowercased(input[start + offset]) != lowercasePrefix.utf8Start[offset] {
            return false
        }
        return true
    }

    private func equalsIgnoringCase(_ range: Range<Int>, _ lowercaseWord: StaticString) -> Bool {
        range.count == lowercaseWord.utf8CodeUnitCount && hasPrefixIgnoringCase(lowercaseWord, at: range.lowerBound)
    }

    private func contains(_ needle: StaticString, in range: Range<Int>) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard range.count >= count else { return false }
        for start in range.lowerBound...(range.upperBound - count) where hasPrefix(needle, at: start) { return true }
        return false
    }

    // MARK: - Byte classes (ASCII only; bytes ≥ 0x80 belong to no class)

    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    static func isUppercase(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "A") < 26
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- UInt8(ascii: "a") < 26
    }

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte)
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        isUppercase(byte) ? byte | 0x20 : byte
    }

    /// `[A-Za-z0-9_]`
    static func isWordByte(_ byte: UInt8) -> Bool {
        isLetterOrDigit(byte) || byte == UInt8(ascii: "_")
    }

    /// `[A-Za-z0-9_-]`: the alphabet of most API keys (and of base64url).
    static func isKeyByte(_ byte: UInt8) -> Bool {
        isWordByte(byte) || byte == UInt8(ascii: "-")
    }

    /// `[A-Za-z0-9_.-]`: bytes of an assignment name such as `db.password` or `X-Api-Key`.
    static func isNameByte(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return isKeyByte(byte) || byte == UInt8(ascii: ".")
    }

    /// RFC 6750 `b64token` characters, less the trailing `=` padding.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"),
             UInt8(ascii: "/"):
            true
        default:
            isLetterOrDigit(byte)
        }
    }

    /// Bytes that end an unquoted assignment value.
    static func endsUnquotedValue(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "&"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "}"),
             UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"):
            true
        default:
            false
        }
    }
}
