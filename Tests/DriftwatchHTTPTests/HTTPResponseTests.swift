import Testing
@testable import DriftwatchHTTP

@Test func headerInjectionInResponseHeadersIsRejected() {
    var headers = HTTPHeaders()
    #expect(throws: HTTPHeaderFieldError.self) { try headers.add("X-Name", "a\r\nSet-Cookie: evil=1") }
    #expect(throws: HTTPHeaderFieldError.self) { try headers.add("X-Name", "a\nb") }
    #expect(throws: HTTPHeaderFieldError.self) { try headers.add("X-Name", "a\u{0}b") }
    #expect(throws: HTTPHeaderFieldError.self) { try headers.set("X-Name", "a\rb") }
    #expect(throws: HTTPHeaderFieldError.self) { try headers.add("Bad Name", "v") }
    #expect(throws: HTTPHeaderFieldError.self) { try headers.add("X\r\nInjected", "v") }
    #expect(headers.count == 0)
}

@Test func headersLookUpCaseInsensitively() throws {
    var headers = HTTPHeaders()
    try headers.add("Content-Type", "  text/plain  ")
    try headers.add("x-multi", "1")
    try headers.add("X-Multi", "2")
    #expect(headers["content-type"] == "text/plain")
    #expect(headers.values(for: "X-MULTI") == ["1", "2"])
    try headers.set("x-multi", "3")
    #expect(headers.values(for: "x-multi") == ["3"])
}

@Test func serialisesStatusFieldsAndContentLength() {
    let response = HTTPResponse.text("hi", status: .accepted)
    let wire = String(decoding: response.serialized(close: false), as: UTF8.self)
    #expect(wire == "HTTP/1.1 202 Accepted\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi")
}

@Test func serverOwnsFramingFields() throws {
    var response = HTTPResponse.text("hi")
    try response.headers.add("Content-Length", "999")
    try response.headers.add("Transfer-Encoding", "chunked")
    let wire = String(decoding: response.serialized(close: true, headRequest: true), as: UTF8.self)
    #expect(wire == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\nConnection: close\r\n\r\n")
}

@Test func noContentHasNoContentLengthOrBody() {
    let wire = String(decoding: HTTPResponse(status: .noContent, body: Array("x".utf8)).serialized(close: false), as: UTF8.self)
    #expect(wire == "HTTP/1.1 204 No Content\r\n\r\n")
}

@Test func httpErrorRendersEscapedJSON() {
    let response = HTTPError(.badRequest, message: "bad \"x\"\n<script>").response
    #expect(response.status == .badRequest)
    #expect(response.headers["Content-Type"] == "application/json")
    #expect(String(decoding: response.body, as: UTF8.self) == #"{"error":"bad \"x\"\n\u003cscript>"}"#)
}
