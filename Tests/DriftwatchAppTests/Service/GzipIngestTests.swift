@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore
import Testing

/// `Content-Encoding` on the three ingest routes (routes called directly, no sockets):
/// gzip bodies as Python's gzip module makes them are accepted like the same bytes
/// uncompressed; corrupt ones are 400, other codings 415, and a body that decompresses
/// past `limits.max_body_bytes` 413.
struct GzipIngestTests {
    /// `gzip.compress(otlpExport, mtime=0)`: the OTLP/JSON export of ServiceRoutesTests.
    static let otlpGzip = HexEncoding.decode("""
        1f8b0800000000000203ad914d6ec2301085f73905f21a909dd0fcdda09b6e68bba9109a3803b50836b24d4415e5ee9d04da\
        42554a54d5de3899cf6fc6ef35cca2337b2b71be03ed58fed27cfe6179c3c07bab8abdc76369836f2c670e6dad244e356c91\
        8d590dd5be871db17afd7cfc64c6633571b5646dbb68c70173d2eccebab8d3296898b720f1bea43b1c56497c273211cb7216\
        95653a9ba5588442c894472293d4adbbd7b34502655c2422ce421e4591a05a3f50ce94aecd0697b046edd93818d16060fda3\
        dae293568707d0862091c4511c8529ff5aa480babcc689338e347f74863a2e414de9a116bc32fa86451783b664d2e8727d93\
        edb921ae7f0876beffd55ece573c4e007801190f8b846a3bb0a43bbf1e00d9728a000f28c99ba537a61a39042b5f3bf15f73\
        10c372e0e1bfe7703eed801c3aec86e2e9c903b52454d55495d7e53a6022fa448345dbed7727b53de7b9030000
        """)!

    /// `gzip.compress(..., mtime=0)` of 40 NDJSON lines (4,247 bytes) for agent `gz-bot`,
    /// call ids gz-0 … gz-39.
    static let ndjsonGzip = HexEncoding.decode("""
        1f8b0800000000000203ad97cd6a83401446f77d8c5937eabdd7dfbc4c99c6a9112426ce24d04adebd42a1bb7e76f12d1d90\
        03073cceb73a3f844b7247377c1ddee7e45e5d9ae7697bfe18a7902dc1f7db510c318ef3653b8d07d99e4f7e9adec6fee7ad\
        623bf0cb10dd7175579fcedb691e9747defbe4f3223bc5877b3e5fd63f41f13665b77b583ef7408240b20f3aa774cd8690f6\
        388a38bacff9b7394320239a2b11a8e499ab10a7229aab11a8269a6b10a8e1996b11a7259aeb10a8637eadb00b52f0dc090e\
        8310ed096c8328d31fac8318d11fcc83944c7fb0105231fdc146484df40723210dd31fec84b44c7fb014d211ffb7b0145a10\
        fd294c850ad19fe26b8412fdc152a831fdc15468c9f40753a115d11f2c85d64c7f3015da30fdc154684bf4074ba11df3c60c\
        5361ccb561301546dc1b064b61d4c58127077373184c85115787c152187377184c85319787c15418717b182c8531d787c154\
        d86f2abe01c99b214397100000
        """)!

    /// `gzip.compress(..., mtime=0)` of a Claude Code PostToolUse payload (tool Read, tool_use_id tu-gz).
    static let hookGzip = HexEncoding.decode("""
        1f8b0800000000000203358c410a803010c4fe326745bcfa0a113d9742572d6ab7b05b11c5bf5b50af49c885997931b45350\
        13ec4668d0b268cfbc0e42282024e23918efb2923a13cdee6f3bb2ee473ec4a4682e8c7e2513adce39a80edc9f4f42ef4553\
        399db81faf6bc7de7c000000
        """)!

    func encoded(_ path: String, _ body: [UInt8], encoding: String, contentType: String = "application/x-ndjson") -> HTTPRequest {
        var request = post(path, body, contentType: contentType)
        try? request.headers.add("Content-Encoding", encoding)
        return request
    }

    func errorMessage(_ response: HTTPResponse) throws -> String {
        try #require(try parseJSON(response.body)["error"]?.stringValue)
    }

    @Test func theFixturesAreWhatTheySayTheyAre() throws {
        #expect(try GzipDecoder.decompress(Self.otlpGzip, maxOutputBytes: 1 << 20) == Array(otlpExport.utf8))
        #expect(try GzipDecoder.decompress(Self.ndjsonGzip, maxOutputBytes: 1 << 20).count == 4247)
    }

    @Test func gzipOTLPIsStoredLikeThePlainExport() async throws {
        try await withRoutes { routes, _, store in
            let response = try await routes.postTraces(encoded("/v1/traces", Self.otlpGzip, encoding: "gzip",
                                                               contentType: "application/json"))
            #expect(response.status == .ok && response.body == Array("{}".utf8))
            #expect(try await store.read { try AgentStore.get("otel-agent", in: $0) }?.toolCalls == 1)
        }
    }

    @Test(arguments: ["gzip", "GZIP", "x-gzip", "identity, gzip", "gzip, identity"])
    func gzipNDJSONIsAcceptedLineByLine(_ encoding: String) async throws {
        try await withRoutes { routes, _, store in
            let reply = try parseJSON(try await routes.postEvents(encoded("/v1/events", Self.ndjsonGzip, encoding: encoding)).body)
            #expect(reply["accepted"] == 40 && reply["rejected"] == 0)
            #expect(try await store.read { try AgentStore.get("gz-bot", in: $0) }?.toolCalls == 40)
        }
    }

    @Test func gzipHookPayloadIsRecorded() async throws {
        try await withRoutes { routes, _, store in
            let response = try await routes.postClaudeCodeHook(
                encoded("/v1/hooks/claude-code?agent=gz-hook", Self.hookGzip, encoding: "gzip", contentType: "application/json"))
            #expect(response.status == .ok)
            #expect(try await store.read { try AgentStore.get("gz-hook", in: $0) }?.events == 1)
        }
    }

    @Test(arguments: ["", "identity", "Identity"])
    func noCodingOrIdentityLeavesTheBodyAsItIs(_ encoding: String) async throws {
        try await withRoutes { routes, _, _ in
            let body = Array(#"{"agent":"plain","tool":"t"}"#.utf8)
            let request = encoding.isEmpty ? post("/v1/events", body) : encoded("/v1/events", body, encoding: encoding)
            let reply = try parseJSON(try await routes.postEvents(request).body)
            #expect(reply["accepted"] == 1)
        }
    }

    /// Truncated, bit-flipped in the data, CRC-flipped, trailing garbage, and plain JSON
    /// sent as gzip: each route says 400 naming the fault and where, and stores nothing.
    @Test func corruptGzipIs400NamingTheFaultOnEveryRoute() async throws {
        var flipped = Self.ndjsonGzip
        flipped[40] ^= 0x10
        var badCRC = Self.ndjsonGzip
        badCRC[badCRC.count - 8] ^= 0x01
        let cases: [(body: [UInt8], says: String)] = [
            (Array(Self.ndjsonGzip.prefix(200)), "input ends inside the compressed data at byte 200"),
            (badCRC, "CRC-32 mismatch"),
            (Self.ndjsonGzip + [0], "trailing data after the end of the compressed stream at byte 363"),
            (Array(#"{"agent":"a","tool":"t"}"#.utf8), "not gzip: expected magic bytes 1f 8b, found 7b 22 at byte 0"),
        ]
        try await withRoutes { routes, _, store in
            for (body, says) in cases {
                for (path, handler) in [("/v1/events", routes.postEvents), ("/v1/traces", routes.postTraces),
                                        ("/v1/hooks/claude-code", routes.postClaudeCodeHook)] as [(String, (HTTPRequest) async throws -> HTTPResponse)] {
                    let response = try await respond {
                        try await handler(encoded(path, body, encoding: "gzip", contentType: "application/json"))
                    }
                    #expect(response.status == .badRequest, "\(path): \(says)")
                    let message = try errorMessage(response)
                    #expect(message.hasPrefix("invalid gzip body: ") && message.contains(says), "\(path): \(message)")
                }
            }
            // A flipped data bit is caught somewhere: by the decoder or by the CRC.
            let response = try await respond { try await routes.postEvents(encoded("/v1/events", flipped, encoding: "gzip")) }
            #expect(response.status == .badRequest)
            #expect(try await store.read { try EventStore.count(in: $0) } == 0)
            #expect(routes.metrics.snapshot.rejectedByReason["invalid_gzip"] == 13)
        }
    }

    @Test(arguments: ["br", "zstd", "deflate", "compress", "snappy", "gzip, gzip", "gzip, br"])
    func otherCodingsAre415ListingTheSupportedOnes(_ encoding: String) async throws {
        try await withRoutes { routes, _, store in
            for handler in [routes.postEvents, routes.postTraces, routes.postClaudeCodeHook] {
                let response = try await respond {
                    try await handler(encoded("/v1/events", Self.ndjsonGzip, encoding: encoding, contentType: "application/json"))
                }
                #expect(response.status == .unsupportedMediaType)
                #expect(response.headers["Accept-Encoding"] == "gzip, identity")
                let message = try errorMessage(response)
                #expect(message.contains("Content-Encoding: gzip"), "\(message)")
            }
            #expect(try await store.read { try EventStore.count(in: $0) } == 0)
        }
    }

    @Test func aGzipBodyDecompressingPastTheBodyLimitIs413() async throws {
        var configuration = Configuration()
        configuration.limits.maxBodyBytes = 4096
        try await withRoutes(configuration: configuration) { routes, _, store in
            // 363 bytes on the wire, well under the limit; 4,247 decompressed, over it.
            let response = try await respond { try await routes.postEvents(encoded("/v1/events", Self.ndjsonGzip, encoding: "gzip")) }
            #expect(response.status == .contentTooLarge)
            let message = try errorMessage(response)
            #expect(message.contains("more than the body limit of 4096 bytes") && message.contains("limits.max_body_bytes"),
                    "\(message)")
            #expect(try await store.read { try EventStore.count(in: $0) } == 0)
            // At the limit exactly it is accepted.
            configuration.limits.maxBodyBytes = 4247
        }
        try await withRoutes(configuration: configuration) { routes, _, _ in
            let reply = try parseJSON(try await routes.postEvents(encoded("/v1/events", Self.ndjsonGzip, encoding: "gzip")).body)
            #expect(reply["accepted"] == 40)
        }
    }
}
