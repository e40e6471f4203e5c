import Testing
@testable import DriftwatchHTTP

/// `Content-Encoding` parsing and ``HTTPRequest/decodedBody(maxBytes:)``: which codings
/// are accepted, and which status each failure answers with.
struct ContentCodingTests {
    func coding(_ values: [String]) -> Result<ContentCoding, HTTPError> {
        Result { () throws(HTTPError) in try ContentCoding(contentEncoding: values) }
    }

    func request(_ body: [UInt8], encodings: [String]) -> HTTPRequest {
        var headers = HTTPHeaders()
        for value in encodings { try? headers.add("Content-Encoding", value) }
        return HTTPRequest(method: .post, target: "/v1/events", headers: headers, body: body)
    }

    @Test func absentEmptyAndIdentityMeanNoCoding() {
        #expect(coding([]) == .success(.identity))
        #expect(coding([""]) == .success(.identity))
        #expect(coding(["identity"]) == .success(.identity))
        #expect(coding([" IDENTITY , identity "]) == .success(.identity))
    }

    @Test func gzipAndItsAliasInAnyCaseMeanGzip() {
        for value in ["gzip", "GZip", "x-gzip", "X-GZIP", "identity, gzip", " gzip ,"] {
            #expect(coding([value]) == .success(.gzip), "\(value)")
        }
        // Several field lines form one list (RFC 9110 §5.3).
        #expect(coding(["identity", "gzip"]) == .success(.gzip))
    }

    @Test func otherOrStackedCodingsAre415WithAcceptEncoding() throws {
        for (values, says) in [(["br"], "Content-Encoding br is not supported"),
                               (["zstd"], "Content-Encoding zstd is not supported"),
                               (["deflate"], "Content-Encoding deflate is not supported"),
                               (["gzip, br"], "Content-Encoding br is not supported"),
                               (["gzip", "gzip"], "Content-Encoding gzip, gzip applies more than one coding"),
                               (["x-gzip, gzip"], "applies more than one coding")] {
            guard case .failure(let error) = coding(values) else {
                Issue.record("\(values) accepted")
                continue
            }
            #expect(error.status == .unsupportedMediaType)
            #expect(error.message.contains(says), "\(error.message)")
            #expect(error.message.hasSuffix("send the body uncompressed or with Content-Encoding: gzip"))
            #expect(error.headers["Accept-Encoding"] == "gzip, identity")
        }
    }

    @Test func anUncodedBodyIsReturnedAsItIsEvenIfItLooksLikeGzip() throws {
        let gzipLooking = gzipFixture("text-small.gz")
        #expect(try request(gzipLooking, encodings: []).decodedBody(maxBytes: 10) == gzipLooking)
        #expect(try request(gzipLooking, encodings: ["identity"]).decodedBody(maxBytes: 10) == gzipLooking)
    }

    @Test func aGzipBodyIsDecodedAndItsFailuresMapTo400Or413() throws {
        let small = gzipFixture("text-small.gz")
        #expect(try request(small, encodings: ["gzip"]).decodedBody(maxBytes: 100) == vectorData("text", 100, seed: 1))

        let tooLarge = Result { () throws(HTTPError) in try request(small, encodings: ["gzip"]).decodedBody(maxBytes: 99) }
        guard case .failure(let large) = tooLarge else { Issue.record("over the limit accepted"); return }
        #expect(large.status == .contentTooLarge)
        #expect(large.message.hasPrefix("gzip body decompresses to more than the body limit of 99 bytes"))

        let corrupt = Result { () throws(HTTPError) in
            try request(Array(small.dropLast(3)), encodings: ["gzip"]).decodedBody(maxBytes: 1000)
        }
        guard case .failure(let bad) = corrupt else { Issue.record("truncated body accepted"); return }
        #expect(bad.status == .badRequest)
        #expect(bad.message == "invalid gzip body: input ends inside the gzip trailer at byte 90")
    }
}
