/// The incremental HTTP/1.1 message framing engine behind ``HTTPRequestParser`` and
/// the client's response parser.
///
/// Bytes are appended to one buffer; `readIndex` marks what has been consumed and
/// `scanIndex` how far the current line has been searched for LF, so no byte is
/// ever examined twice however the input is split. Consumed bytes are discarded
/// when at least half the buffer is dead, keeping compaction amortised O(1).
///
/// Line ends: the start line and header fields accept a bare LF as well as CRLF, as
/// RFC 9112 §2.2 permits ("a recipient MAY recognize a single LF as a line
/// terminator and ignore any preceding CR"); a CR anywhere else is refused. The
/// chunked body framing (size lines, data terminators, trailers) requires CRLF:
/// lenient chunk parsing is a classic smuggling vector (RFC 9112 §11.2).
struct HTTPMessageParser: Sendable {
    enum Mode: Sendable { case request, response }

    enum StartLine: Sendable {
        case request(method: HTTPMethod, target: [UInt8], version: HTTPVersion)
        case response(version: HTTPVersion, status: Int, reason: String)
    }

    struct Message: Sendable {
        var startLine: StartLine
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    enum Event: Sendable {
        case needMoreData
        case message(Message)
        case error(HTTPParserError)
    }

    /// Where the parser is within the current message, for the server's timeouts.
    enum Progress: Sendable, Equatable {
        /// No byte of the next message has arrived.
        case betweenMessages
        case readingHead
        case readingBody
    }

    private enum State: Sendable {
        case startLine
        case headers
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case failed(HTTPParserError)
    }

    private enum LineScan {
        case line(Range<Int>, hadCR: Bool)
        case needMoreData
        case tooLong
    }

    let mode: Mode
    let limits: HTTPLimits

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var scanIndex = 0
    private var state: State = .startLine

    // The message being assembled.
    private var startLine: StartLine?
    private var fields: [HTTPHeaders.Field] = []
    private var sectionBytes = 0
    private var body: [UInt8] = []
    private var responseToHEAD = false

    /// Set when a request's head asked for `Expect: 100-continue` and none of its body has arrived yet.
    private(set) var continueRequested = false

    init(mode: Mode, limits: HTTPLimits) {
        self.mode = mode
        self.limits = limits
    }

    /// Bytes received but not yet consumed (a pipelined request or a partial one).
    var bufferedByteCount: Int { buffer.count - readIndex }

    var progress: Progress {
        switch state {
        case .startLine: bufferedByteCount == 0 && sectionBytes == 0 ? .betweenMessages : .readingHead
        case .headers: .readingHead
        case .fixedBody, .chunkSize, .chunkData, .chunkDataEnd, .trailers, .untilClose: .readingBody
        case .failed: .readingHead
        }
    }

    /// Tells a response parser that the next response answers a HEAD request, so it has no body.
    mutating func expectResponseToHEAD(_ value: Bool) { responseToHEAD = value }

    /// Clears the 100-continue flag once the server has acted on it.
    mutating func acknowledgeContinue() { continueRequested = false }

    /// Frees the buffer's storage when nothing is buffered, so an idle keep-alive
    /// connection holds no memory beyond its bookkeeping.
    mutating func releaseBufferIfEmpty() {
        guard bufferedByteCount == 0, buffer.capacity > 0 else { return }
        buffer = []
        readIndex = 0
        scanIndex = 0
    }

    /// Appends bytes without parsing; call ``next()`` afterwards.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    mutating func append(_ bytes: some Collection<UInt8>) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Signals end of input. Completes a close-delimited response body; anything else
    /// mid-message is `incompleteMessage`.
    mutating func finish() -> Event {
        switch state {
        case .untilClose:
            return complete()
        case .failed(let error):
            return .error(error)
        case .startLine where progress == .betweenMessages:
            return .needMoreData
        default:
            return fail(.incompleteMessage)
        }
    }

    /// Parses as far as the buffered bytes allow and returns the next event. After a
    /// `.message`, call again to obtain a pipelined message already buffered.
    mutating func next() -> Event {
        while true {
            switch state {
            case .failed(let error):
                return .error(error)

            case .startLine:
                let limit = limits.maxRequestLineBytes
                switch nextLine(limit: limit - sectionBytes) {
                case .needMoreData: return .needMoreData
                case .tooLong: return fail(mode == .request ? .requestLineTooLong : .invalidStatusLine)
                case .line(let range, _):
                    if range.isEmpty {
                        // RFC 9112 §2.2: ignore empty lines before the request line, but
                        // charge them against the request-line budget so they stay bounded.
                        sectionBytes += readIndex - range.lowerBound
                        continue
                    }
                    let parsed = mode == .request ? parseRequestLine(range) : parseStatusLine(range)
                    switch parsed {
                    case .success(let line):
                        startLine = line
                        sectionBytes = 0
                        state = .headers
                    case .failure(let error):
                        return fail(error)
                    }
                }

            case .headers:
                let remaining = limits.maxHeaderBytes - sectionBytes
                let lineStart = readIndex
                switch nextLine(limit: remaining) {
                case .needMoreData: return .needMoreData
                case .tooLong: return fail(.headerSectionTooLarge)
                case .line(let range, _):
                    sectionBytes += readIndex - lineStart
                    if sectionBytes > limits.maxHeaderBytes { return fail(.headerSectionTooLarge) }
                    if range.isEmpty {
                        if let error = beginBody() { return fail(error) }
                        continue
                    }
                    guard fields.count < limits.maxHeaderCount else { return fail(.tooManyHeaders) }
                    switch parseField(range) {
                    case .success(let field): fields.append(field)
                    case .failure(let error): return fail(error)
                    }
                }

            case .fixedBody(let remaining):
                let available = min(remaining, buffer.count - readIndex)
                if available > 0 {
                    body.append(contentsOf: buffer[readIndex..<(readIndex + available)])
                    readIndex += available
                    scanIndex = readIndex
                }
                if available == remaining { return complete() }
                state = .fixedBody(remaining: remaining - available)
                return .needMoreData

            case .chunkSize:
                switch nextLine(limit: limits.maxChunkLineBytes) {
                case .needMoreData: return .needMoreData
                case .tooLong: return fail(.invalidChunkSize)
                case .line(let range, let hadCR):
                    guard hadCR else { return fail(.invalidChunkedEncoding) }
                    guard let size = parseChunkSize(range) else { return fail(.invalidChunkSize) }
                    if size == 0 {
                        sectionBytes = 0
                        trailerCount = 0
                        state = .trailers
                    } else {
                        guard size <= limits.maxBodyBytes - body.count else { return fail(.bodyTooLarge) }
                        state = .chunkData(remaining: size)
                    }
                }

            case .chunkData(let remaining):
                let available = min(remaining, buffer.count - readIndex)
                if available > 0 {
                    body.append(contentsOf: buffer[readIndex..<(readIndex + available)])
                    readIndex += available
                    scanIndex = readIndex
                }
                if available < remaining {
                    state = .chunkData(remaining: remaining - available)
                    return .needMoreData
                }
                state = .chunkDataEnd

            case .chunkDataEnd:
                guard buffer.count - readIndex >= 2 else {
                    if buffer.count > readIndex && buffer[readIndex] != HTTPGrammar.cr {
                        return fail(.invalidChunkedEncoding)
                    }
                    return .needMoreData
                }
                guard buffer[readIndex] == HTTPGrammar.cr, buffer[readIndex + 1] == HTTPGrammar.lf else {
                    return fail(.invalidChunkedEncoding)
                }
                readIndex += 2
                scanIndex = readIndex
                state = .chunkSize

            case .trailers:
                // Trailers are validated like header fields, bounded by the same limits,
                // and discarded (RFC 9112 §7.1.2 lets a recipient drop them).
                let lineStart = readIndex
                switch nextLine(limit: limits.maxHeaderBytes - sectionBytes) {
                case .needMoreData: return .needMoreData
                case .tooLong: return fail(.trailersTooLarge)
                case .line(let range, let hadCR):
                    guard hadCR else { return fail(.invalidChunkedEncoding) }
                    sectionBytes += readIndex - lineStart
                    if sectionBytes > limits.maxHeaderBytes { return fail(.trailersTooLarge) }
                    if range.isEmpty { return complete() }
                    trailerCount += 1
                    guard trailerCount <= limits.maxHeaderCount else { return fail(.trailersTooLarge) }
                    if case .failure(let error) = parseField(range) { return fail(error) }
                }

            case .untilClose:
                let available = buffer.count - readIndex
                guard available <= limits.maxBodyBytes - body.count else { return fail(.bodyTooLarge) }
                body.append(contentsOf: buffer[readIndex...])
                readIndex = buffer.count
                scanIndex = readIndex
                return .needMoreData
            }
        }
    }

    private var trailerCount = 0

    // MARK: - Lines

    /// Finds the next LF from where the last search stopped.
    /// - Parameter limit: most bytes the line may hold, excluding its terminator.
    private mutating func nextLine(limit: Int) -> LineScan {
        let end = buffer.count
        let start = scanIndex
        let found: Int? = buffer.withUnsafeBufferPointer { bytes in
            var index = start
            while index < end {
                if bytes[index] == HTTPGrammar.lf { return index }
                index += 1
            }
            return nil
        }
        guard let lf = found else {
            scanIndex = end
            // +1: a CR may be waiting for its LF.
            return end - readIndex > limit + 1 ? .tooLong : .needMoreData
        }
        var lineEnd = lf
        let hadCR = lineEnd > readIndex && buffer[lineEnd - 1] == HTTPGrammar.cr
        if hadCR { lineEnd -= 1 }
        guard lineEnd - readIndex <= limit else { return .tooLong }
        let range = readIndex..<lineEnd
        readIndex = lf + 1
        scanIndex = readIndex
        return .line(range, hadCR: hadCR)
    }

    private mutating func compactIfWorthwhile() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            readIndex = 0
            scanIndex = 0
        } else if readIndex >= 4096 && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }

    // MARK: - Start lines

    /// `request-line = method SP request-target SP HTTP-version` (RFC 9112 §3).
    private func parseRequestLine(_ range: Range<Int>) -> Result<StartLine, HTTPParserError> {
        let line = buffer[range]
        guard !line.contains(HTTPGrammar.cr) else { return .failure(.bareCarriageReturn) }
        guard let firstSpace = line.firstIndex(of: HTTPGrammar.space),
              let lastSpace = line.lastIndex(of: HTTPGrammar.space), firstSpace != lastSpace else {
            return .failure(.invalidRequestLine)
        }
        let methodBytes = line[..<firstSpace]
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(HTTPGrammar.isTokenByte) else {
            return .failure(.invalidMethod)
        }
        let version: HTTPVersion
        switch parseVersion(line[(lastSpace + 1)...]) {
        case .success(let parsed): version = parsed
        case .failure(let error): return .failure(error)
        }
        let target = line[(firstSpace + 1)..<lastSpace]
        guard !target.isEmpty, target.allSatisfy(HTTPGrammar.isTargetByte),
              !target.contains(UInt8(ascii: "#")) else {
            return .failure(.invalidTarget)
        }
        let method = HTTPMethod(validated: String(decoding: methodBytes, as: UTF8.self))
        // origin-form, asterisk-form (OPTIONS only) or absolute-form http(s):// (RFC 9112 §3.2).
        switch target.first {
        case UInt8(ascii: "/"):
            break
        case UInt8(ascii: "*"):
            guard target.count == 1, method == .options else { return .failure(.invalidTarget) }
        default:
            let lower = target.prefix(8).map(HTTPGrammar.lowercased)
            guard lower.starts(with: "http://".utf8) || lower.starts(with: "https://".utf8) else {
                return .failure(.invalidTarget)
            }
        }
        return .success(.request(method: method, target: Array(target), version: version))
    }

    /// `status-line = HTTP-version SP status-code SP [ reason-phrase ]` (RFC 9112 §4).
    private func parseStatusLine(_ range: Range<Int>) -> Result<StartLine, HTTPParserError> {
        let line = buffer[range]
        guard !line.contains(HTTPGrammar.cr) else { return .failure(.bareCarriageReturn) }
        guard line.count >= 12, line[range.lowerBound + 8] == HTTPGrammar.space else {
            return .failure(.invalidStatusLine)
        }
        let version: HTTPVersion
        switch parseVersion(line[range.lowerBound..<(range.lowerBound + 8)]) {
        case .success(let parsed): version = parsed
        case .failure(let error): return .failure(error)
        }
        let codeBytes = line[(range.lowerBound + 9)..<(range.lowerBound + 12)]
        guard codeBytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              line.count == 12 || line[range.lowerBound + 12] == HTTPGrammar.space else {
            return .failure(.invalidStatusLine)
        }
        let code = codeBytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        guard code >= 100 else { return .failure(.invalidStatusLine) }
        let reason = line.count > 13 ? String(decoding: line[(range.lowerBound + 13)...], as: UTF8.self) : ""
        return .success(.response(version: version, status: code, reason: reason))
    }

    /// `HTTP-version = "HTTP" "/" DIGIT "." DIGIT` (RFC 9112 §2.3); only 1.0 and 1.1 are served.
    private func parseVersion(_ bytes: ArraySlice<UInt8>) -> Result<HTTPVersion, HTTPParserError> {
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let base = bytes.startIndex
        guard bytes.count == 8, bytes.starts(with: "HTTP/".utf8),
              isDigit(bytes[base + 5]), bytes[base + 6] == UInt8(ascii: "."), isDigit(bytes[base + 7]) else {
            return .failure(.invalidVersion)
        }
        let version = HTTPVersion(major: Int(bytes[base + 5] - 48), minor: Int(bytes[base + 7] - 48))
        guard version == .http1_1 || version == .http1_0 else { return .failure(.unsupportedVersion) }
        return .success(version)
    }

    // MARK: - Fields

    /// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 §5).
    private func parseField(_ range: Range<Int>) -> Result<HTTPHeaders.Field, HTTPParserError> {
        let line = buffer[range]
        // RFC 9112 §5.2: obs-fold may be rejected with 400; a leading space also covers
        // whitespace between the start line and the first field (§2.2).
        if HTTPGrammar.isWhitespace(line[line.startIndex]) { return .failure(.obsoleteLineFolding) }
        guard let colon = line.firstIndex(of: HTTPGrammar.colon) else { return .failure(.invalidHeaderName) }
        let name = line[..<colon]
        // RFC 9112 §5.1: no whitespace is allowed between the field name and colon.
        guard !name.isEmpty, name.allSatisfy(HTTPGrammar.isTokenByte) else { return .failure(.invalidHeaderName) }
        var valueStart = colon + 1
        var valueEnd = line.endIndex
        while valueStart < valueEnd, HTTPGrammar.isWhitespace(buffer[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, HTTPGrammar.isWhitespace(buffer[valueEnd - 1]) { valueEnd -= 1 }
        let value = buffer[valueStart..<valueEnd]
        for byte in value where !HTTPGrammar.isFieldValueByte(byte) {
            return .failure(byte == HTTPGrammar.cr ? .bareCarriageReturn : .invalidHeaderValue)
        }
        return .success(HTTPHeaders.Field(name: String(decoding: name, as: UTF8.self),
                                          value: String(decoding: value, as: UTF8.self)))
    }

    // MARK: - Body framing

    /// Decides how the body is delimited once the header section ends (RFC 9112 §6.3).
    /// - Returns: an error if framing is ambiguous or over the limits.
    private mutating func beginBody() -> HTTPParserError? {
        var hostCount = 0
        var contentLengths: [String] = []
        var transferCodings: [String] = []
        var sawTransferEncoding = false
        var expectsContinue = false
        for field in fields {
            let name = field.name.utf8
            if HTTPGrammar.equalsIgnoringCase(name, "host".utf8) {
                hostCount += 1
            } else if HTTPGrammar.equalsIgnoringCase(name, "content-length".utf8) {
                contentLengths.append(contentsOf: field.value.split(separator: ",", omittingEmptySubsequences: false)
                    .map { HTTPGrammar.trimmed($0.utf8) })
            } else if HTTPGrammar.equalsIgnoringCase(name, "transfer-encoding".utf8) {
                sawTransferEncoding = true
                transferCodings.append(contentsOf: HTTPGrammar.listElements(field.value))
            } else if HTTPGrammar.equalsIgnoringCase(name, "expect".utf8) {
                expectsContinue = HTTPGrammar.equalsIgnoringCase(field.value.utf8, "100-continue".utf8)
            }
        }

        var version = HTTPVersion.http1_1
        var bodyForbidden = false
        switch startLine {
        case .request(_, _, let requestVersion):
            version = requestVersion
            // RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one in 1.0.
            if hostCount > 1 { return .duplicateHost }
            if hostCount == 0 && version == .http1_1 { return .missingHost }
        case .response(let responseVersion, let status, _):
            version = responseVersion
            bodyForbidden = responseToHEAD || (100..<200).contains(status) || status == 204 || status == 304
        case nil:
            preconditionFailure("header section finished without a start line")
        }
        if bodyForbidden { return startFixedBody(length: 0) }

        if sawTransferEncoding {
            // RFC 9112 §6.1/§11.2: CL together with TE is the smuggling vector; refuse it
            // rather than letting TE win, since an intermediary may have chosen CL.
            if !contentLengths.isEmpty { return .contentLengthWithTransferEncoding }
            // RFC 9112 §6.1: TE in an HTTP/1.0 message means the framing is faulty.
            if version == .http1_0 { return .invalidTransferEncoding }
            guard transferCodings.last == "chunked", transferCodings.filter({ $0 == "chunked" }).count == 1 else {
                // RFC 9112 §6.3 item 4: chunked not final in a request → 400.
                if mode == .response && !transferCodings.contains("chunked") {
                    state = .untilClose
                    return nil
                }
                return .invalidTransferEncoding
            }
            guard transferCodings.count == 1 else { return .unsupportedTransferEncoding }
            continueRequested = expectsContinue && mode == .request && version == .http1_1 && bufferedByteCount == 0
            body = []
            state = .chunkSize
            return nil
        }

        if !contentLengths.isEmpty {
            var length: Int?
            for text in contentLengths {
                guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                    return .invalidContentLength
                }
                // Too many digits to be a length we would ever accept.
                guard text.utf8.count <= 18, let value = Int(text) else { return .bodyTooLarge }
                if let previous = length, previous != value { return .conflictingContentLength }
                length = value
            }
            let bodyLength = length ?? 0
            guard bodyLength <= limits.maxBodyBytes else { return .bodyTooLarge }
            continueRequested = expectsContinue && mode == .request && version == .http1_1
                && bodyLength > 0 && bufferedByteCount == 0
            return startFixedBody(length: bodyLength)
        }

        if mode == .response {
            state = .untilClose
            return nil
        }
        // RFC 9112 §6.3 item 7: a request without CL or TE has no body.
        return startFixedBody(length: 0)
    }

    private mutating func startFixedBody(length: Int) -> HTTPParserError? {
        body = []
        body.reserveCapacity(length)
        state = .fixedBody(remaining: length)
        return nil
    }

    /// `chunk-size [ chunk-ext ]` (RFC 9112 §7.1); extensions are checked for control
    /// characters and otherwise ignored.
    private func parseChunkSize(_ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        var size = 0
        var digits = 0
        while index < range.upperBound, let digit = PercentEncoding.hexValue(buffer[index]) {
            // 15 hex digits fit in Int; anything bigger is over every limit anyway.
            guard digits < 15 else { return nil }
            size = size << 4 | Int(digit)
            digits += 1
            index += 1
        }
        guard digits > 0 else { return nil }
        while index < range.upperBound, HTTPGrammar.isWhitespace(buffer[index]) { index += 1 }
        guard index == range.upperBound || buffer[index] == UInt8(ascii: ";") else { return nil }
        guard buffer[index..<range.upperBound].allSatisfy(HTTPGrammar.isFieldValueByte) else { return nil }
        return size
    }

    // MARK: - Completion

    private mutating func complete() -> Event {
        guard let line = startLine else { preconditionFailure("message completed without a start line") }
        let message = Message(startLine: line, headers: HTTPHeaders(validatedFields: fields), body: body)
        startLine = nil
        fields = []
        body = []
        sectionBytes = 0
        trailerCount = 0
        continueRequested = false
        responseToHEAD = false
        state = .startLine
        return .message(message)
    }

    private mutating func fail(_ error: HTTPParserError) -> Event {
        state = .failed(error)
        continueRequested = false
        return .error(error)
    }
}
