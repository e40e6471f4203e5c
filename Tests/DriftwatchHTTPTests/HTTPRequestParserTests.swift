import Testing
@testable import DriftwatchHTTP

/// Feeds `text` in one go and returns every event until the parser needs more data or fails.
private func parseAll(_ text: String, limits: HTTPLimits = HTTPLimits()) -> [HTTPRequestParser.Event] {
    parseAll(Array(text.utf8), limits: limits)
}

private func parseAll(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> [HTTPRequestParser.Event] {
    var parser = HTTPRequestParser(limits: limits)
    var events = [parser.feed(bytes)]
    while case .request = events.last! { events.append(parser.next()) }
    return events
}

private func onlyRequest(_ text: String, limits: HTTPLimits = HTTPLimits()) throws -> HTTPRequest {
    let events = parseAll(text, limits: limits)
    guard case .request(let request) = events.first else {
        Issue.record("expected a request, got \(events)")
        throw HTTPError(.badRequest)
    }
    return request
}

private func firstError(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParserError? {
    firstError(Array(text.utf8), limits: limits)
}

private func firstError(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> HTTPParserError? {
    for event in parseAll(bytes, limits: limits) {
        if case .error(let error) = event { return error }
    }
    return nil
}

@Test func parsesSimpleGet() throws {
    let request = try onlyRequest("GET /v1/agents?limit=5&kind=loop HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n")
    #expect(request.method == .get)
    #expect(request.path == "/v1/agents")
    #expect(request.query.map(\.name) == ["limit", "kind"])
    #expect(request.queryValue("limit") == "5")
    #expect(request.version == .http1_1)
    #expect(request.headers["accept"] == "*/*")
    #expect(request.headers["HOST"] == "x")
    #expect(request.body.isEmpty)
    #expect(request.keepAlive)
}

@Test func parsesPostWithContentLength() throws {
    let request = try onlyRequest("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world")
    #expect(request.method == .post)
    #expect(request.body == Array("hello world".utf8))
}

@Test func decodesChunkedBodyIgnoringExtensionsAndTrailers() throws {
    let request = try onlyRequest("""
        POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
        5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n
        """)
    #expect(request.body == Array("hello world".utf8))
    #expect(request.headers["X-Trailer"] == nil)
}

@Test func byteAtATimeFeedingGivesTheSameRequests() {
    let wire = Array("""
        POST /a?x=%20y HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc\
        POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ndef\r\n0\r\n\r\n\
        GET /c HTTP/1.1\r\nHost: x\r\n\r\n
        """.utf8)
    var parser = HTTPRequestParser()
    var requests: [HTTPRequest] = []
    for byte in wire {
        var event = parser.feed([byte])
        while case .request(let request) = event {
            requests.append(request)
            event = parser.next()
        }
        if case .error(let error) = event { Issue.record("unexpected \(error)") }
    }
    #expect(requests.map(\.path) == ["/a", "/b", "/c"])
    #expect(requests.map(\.body) == [Array("abc".utf8), Array("def".utf8), []])
    #expect(requests[0].queryValue("x") == " y")
    #expect(parser.progress == .betweenRequests)
}

@Test func returnsPipelinedRequestsInOrder() {
    let events = parseAll("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\nGET /4")
    let paths = events.compactMap { event -> String? in
        if case .request(let request) = event { return request.path }
        return nil
    }
    #expect(paths == ["/1", "/2", "/3"])
    guard case .needMoreData = events.last! else { Issue.record("expected needMoreData"); return }
}

@Test func toleratesBareLineFeedInHead() throws {
    let request = try onlyRequest("GET / HTTP/1.1\nHost: x\n\n")
    #expect(request.path == "/")
}

@Test func ignoresEmptyLinesBeforeRequestLine() throws {
    let request = try onlyRequest("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
    #expect(request.path == "/")
}

@Test func acceptsHTTP10WithoutHost() throws {
    let request = try onlyRequest("GET / HTTP/1.0\r\n\r\n")
    #expect(request.version == .http1_0)
    #expect(!request.keepAlive)
}

@Test func reducesAbsoluteFormTargetToPath() throws {
    let request = try onlyRequest("GET http://example.com:8080/a/b?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
    #expect(request.path == "/a/b")
    #expect(request.queryValue("q") == "1")
}

@Test func connectionCloseDisablesKeepAlive() throws {
    #expect(try !onlyRequest("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n").keepAlive)
    #expect(try onlyRequest("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keepAlive)
}

@Test func flagsExpectContinueBeforeBodyArrives() {
    var parser = HTTPRequestParser()
    guard case .needMoreData = parser.feed(Array("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8)) else {
        Issue.record("expected needMoreData"); return
    }
    #expect(parser.expectsContinue)
    #expect(parser.progress == .readingBody)
    parser.acknowledgeContinue()
    #expect(!parser.expectsContinue)
    guard case .request(let request) = parser.feed(Array("ok".utf8)) else { Issue.record("expected request"); return }
    #expect(request.body == Array("ok".utf8))
}

// MARK: - Limits

@Test func requestLineOverLimitIs414() {
    let limits = HTTPLimits(maxRequestLineBytes: 64)
    let longPath = "/" + String(repeating: "a", count: 100)
    #expect(firstError("GET \(longPath) HTTP/1.1\r\nHost: x\r\n\r\n", limits: limits) == .requestLineTooLong)
    // Detected without waiting for the line to end.
    #expect(firstError("GET \(longPath)", limits: limits) == .requestLineTooLong)
    #expect(HTTPParserError.requestLineTooLong.status.code == 414)
}

@Test func headerSectionOverLimitIs431() {
    let limits = HTTPLimits(maxHeaderBytes: 100)
    let big = String(repeating: "v", count: 200)
    #expect(firstError("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n", limits: limits) == .headerSectionTooLarge)
    #expect(firstError("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(big)", limits: limits) == .headerSectionTooLarge)
    #expect(HTTPParserError.headerSectionTooLarge.status.code == 431)
}

@Test func tooManyHeadersIs431() {
    let fields = (0..<6).map { "X-\($0): v\r\n" }.joined()
    #expect(firstError("GET / HTTP/1.1\r\nHost: x\r\n\(fields)\r\n", limits: HTTPLimits(maxHeaderCount: 5)) == .tooManyHeaders)
    #expect(HTTPParserError.tooManyHeaders.status.code == 431)
}

@Test func contentLengthOverLimitIs413BeforeBodyArrives() {
    let limits = HTTPLimits(maxBodyBytes: 10)
    #expect(firstError("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", limits: limits) == .bodyTooLarge)
    #expect(firstError("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n") == .bodyTooLarge)
    #expect(HTTPParserError.bodyTooLarge.status.code == 413)
}

@Test func chunkedBodyOverLimitIs413() {
    let limits = HTTPLimits(maxBodyBytes: 10)
    let wire = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n"
    #expect(firstError(wire, limits: limits) == .bodyTooLarge)
}

@Test func trailersOverLimitAre431() {
    let limits = HTTPLimits(maxHeaderCount: 2)
    let wire = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
    #expect(firstError(wire, limits: limits) == .trailersTooLarge)
}

// MARK: - Framing and smuggling

@Test func contentLengthWithTransferEncodingIsRefused() {
    let wire = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    #expect(firstError(wire) == .contentLengthWithTransferEncoding)
    #expect(HTTPParserError.contentLengthWithTransferEncoding.status.code == 400)
}

@Test func duplicateDifferingContentLengthIsRefused() {
    #expect(firstError("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd") == .conflictingContentLength)
    #expect(firstError("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd") == .conflictingContentLength)
}

@Test func duplicateIdenticalContentLengthIsAccepted() throws {
    let request = try onlyRequest("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
    #expect(request.body == Array("abc".utf8))
}

@Test func nonDigitContentLengthIsRefused() {
    for value in ["abc", "-1", "+3", "3 3", "0x10", "", "1.5"] {
        #expect(firstError("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(value)\r\n\r\n") == .invalidContentLength,
                "Content-Length: \(value)")
    }
}

@Test func transferCodingsOtherThanChunkedAreRefused() {
    #expect(firstError("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == .unsupportedTransferEncoding)
    #expect(firstError("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") == .invalidTransferEncoding)
    #expect(firstError("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n") == .invalidTransferEncoding)
    #expect(firstError("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == .invalidTransferEncoding)
    #expect(HTTPParserError.unsupportedTransferEncoding.status.code == 501)
}

@Test func badChunkSizeIsRefused() {
    let head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    #expect(firstError(head + "zz\r\nhello\r\n0\r\n\r\n") == .invalidChunkSize)
    #expect(firstError(head + "-5\r\nhello\r\n0\r\n\r\n") == .invalidChunkSize)
    #expect(firstError(head + "\r\n") == .invalidChunkSize)
    #expect(firstError(head + "5 x\r\nhello\r\n0\r\n\r\n") == .invalidChunkSize)
    #expect(firstError(head + "1000000000000000\r\n") == .invalidChunkSize)
    #expect(firstError(head + String(repeating: "0", count: 2000)) == .invalidChunkSize)
}

@Test func chunkDataWithoutCRLFIsRefused() {
    let head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    #expect(firstError(head + "5\r\nhelloX\r\n0\r\n\r\n") == .invalidChunkedEncoding)
    #expect(firstError(head + "5\nhello\r\n0\r\n\r\n") == .invalidChunkedEncoding)
}

@Test func obsoleteLineFoldingIsRefused() {
    #expect(firstError("GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n") == .obsoleteLineFolding)
    #expect(firstError("GET / HTTP/1.1\r\n Host: x\r\n\r\n") == .obsoleteLineFolding)
}

@Test func headerValuesWithControlCharactersAreRefused() {
    #expect(firstError("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{0}b\r\n\r\n") == .invalidHeaderValue)
    #expect(firstError("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n") == .bareCarriageReturn)
    #expect(firstError("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{1B}b\r\n\r\n") == .invalidHeaderValue)
}

@Test func invalidHeaderNamesAreRefused() {
    #expect(firstError("GET / HTTP/1.1\r\nHost : x\r\n\r\n") == .invalidHeaderName)
    #expect(firstError("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n") == .invalidHeaderName)
    #expect(firstError("GET / HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n") == .invalidHeaderName)
    #expect(firstError("GET / HTTP/1.1\r\nHost: x\r\nX(a): b\r\n\r\n") == .invalidHeaderName)
}

@Test func hostIsRequiredOnceInHTTP11() {
    #expect(firstError("GET / HTTP/1.1\r\n\r\n") == .missingHost)
    #expect(firstError("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == .duplicateHost)
}

@Test func invalidMethodIsRefused() {
    #expect(firstError("G@T / HTTP/1.1\r\nHost: x\r\n\r\n") == .invalidMethod)
    #expect(firstError(" / HTTP/1.1\r\nHost: x\r\n\r\n") == .invalidMethod)
}

@Test func invalidOrUnsupportedVersionIsRefused() {
    #expect(firstError("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == .unsupportedVersion)
    #expect(firstError("GET / HTTP/1.2\r\nHost: x\r\n\r\n") == .unsupportedVersion)
    #expect(HTTPParserError.unsupportedVersion.status.code == 505)
    #expect(firstError("GET / HTTX/1.1\r\nHost: x\r\n\r\n") == .invalidVersion)
    #expect(firstError("GET / HTTP/1.10\r\nHost: x\r\n\r\n") == .invalidVersion)
    #expect(firstError("GET /\r\n\r\n") == .invalidRequestLine)
}

@Test func invalidTargetsAreRefused() {
    #expect(firstError("GET a/b HTTP/1.1\r\nHost: x\r\n\r\n") == .invalidTarget)
    #expect(firstError("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n") == .invalidTarget)
    #expect(firstError("GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n") == .invalidTarget)
    #expect(firstError("GET * HTTP/1.1\r\nHost: x\r\n\r\n") == .invalidTarget)
    #expect(firstError("GET /?q=%zz HTTP/1.1\r\nHost: x\r\n\r\n") == .invalidTarget)
    #expect(firstError(Array("GET /\u{e9} HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) == .invalidTarget)
}

@Test func bareCarriageReturnInRequestLineIsRefused() {
    #expect(firstError("GET /\r HTTP/1.1\r\nHost: x\r\n\r\n") == .bareCarriageReturn)
}

@Test func parserStaysFailedAfterAnError() {
    var parser = HTTPRequestParser()
    guard case .error(.invalidMethod) = parser.feed(Array("G@T / HTTP/1.1\r\n".utf8)) else { Issue.record("expected error"); return }
    guard case .error(.invalidMethod) = parser.feed(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) else {
        Issue.record("expected the parser to stay failed"); return
    }
}

@Test func endOfInputMidRequestIsIncomplete() {
    var parser = HTTPRequestParser()
    _ = parser.feed(Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab".utf8))
    guard case .error(.incompleteMessage) = parser.finish() else { Issue.record("expected incompleteMessage"); return }
}

@Test func everyParserErrorMapsToAClientErrorStatus() {
    let all: [HTTPParserError] = [.invalidRequestLine, .invalidMethod, .invalidTarget, .invalidVersion, .unsupportedVersion,
        .invalidStatusLine, .requestLineTooLong, .headerSectionTooLarge, .tooManyHeaders, .invalidHeaderName,
        .invalidHeaderValue, .obsoleteLineFolding, .bareCarriageReturn, .missingHost, .duplicateHost,
        .invalidContentLength, .conflictingContentLength, .contentLengthWithTransferEncoding,
        .invalidTransferEncoding, .unsupportedTransferEncoding, .invalidChunkSize, .invalidChunkedEncoding,
        .trailersTooLarge, .bodyTooLarge, .incompleteMessage]
    for error in all {
        #expect([400, 413, 414, 431, 501, 505].contains(error.status.code))
        #expect(!error.reason.isEmpty)
    }
}
