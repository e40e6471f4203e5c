import Testing
@testable import DriftwatchHTTP

private func makeRouter() -> Router {
    var router = Router()
    router.get("/v1/agents") { _, _ in .text("list") }
    router.get("/v1/agents/{agent}") { _, parameters in .text("agent=\(parameters["agent"] ?? "?")") }
    router.post("/v1/agents/{agent}/breaker") { _, parameters in .text("trip=\(try parameters.require("agent"))") }
    router.get("/static/{path...}") { _, parameters in .text("file=\(parameters["path"] ?? "?")") }
    return router
}

private func body(_ router: Router, _ method: HTTPMethod, _ target: String) async throws -> String {
    String(decoding: try await router.respond(to: HTTPRequest(method: method, target: target)).body, as: UTF8.self)
}

private func thrownStatus(_ router: Router, _ method: HTTPMethod, _ target: String) async -> HTTPError? {
    do {
        _ = try await router.respond(to: HTTPRequest(method: method, target: target))
        return nil
    } catch let error as HTTPError {
        return error
    } catch {
        return nil
    }
}

@Test func routesToHandlerWithPercentDecodedParameters() async throws {
    let router = makeRouter()
    #expect(try await body(router, .get, "/v1/agents") == "list")
    #expect(try await body(router, .get, "/v1/agents/billing%2Dbot") == "agent=billing-bot")
    #expect(try await body(router, .get, "/v1/agents/a%2Fb") == "agent=a/b")
    #expect(try await body(router, .get, "/v1/agents/caf%C3%A9?x=1") == "agent=café")
    #expect(try await body(router, .post, "/v1/agents/x/breaker") == "trip=x")
}

@Test func unknownPathIs404() async {
    let router = makeRouter()
    #expect(await thrownStatus(router, .get, "/nope")?.status == .notFound)
    #expect(await thrownStatus(router, .get, "/v1/agents/x/breaker/extra")?.status == .notFound)
    #expect(await thrownStatus(router, .get, "/v1/agents/")?.status == .notFound)
}

@Test func wrongMethodIs405WithAllow() async {
    let router = makeRouter()
    let error = await thrownStatus(router, .delete, "/v1/agents")
    #expect(error?.status == .methodNotAllowed)
    #expect(error?.response.headers["Allow"] == "GET, HEAD")
    #expect(await thrownStatus(router, .get, "/v1/agents/x/breaker")?.headers["Allow"] == "POST")
}

@Test func headFallsBackToGet() async throws {
    #expect(try await body(makeRouter(), .head, "/v1/agents") == "list")
}

@Test func badPercentEncodingInPathIs400() async {
    #expect(await thrownStatus(makeRouter(), .get, "/v1/agents/%zz")?.status == .badRequest)
    #expect(await thrownStatus(makeRouter(), .get, "/v1/agents/%FF")?.status == .badRequest)
}

@Test func wildcardCapturesSafeRelativePath() async throws {
    let router = makeRouter()
    #expect(try await body(router, .get, "/static/css/site.css") == "file=css/site.css")
    #expect(try await body(router, .get, "/static/") == "file=")
    #expect(try await body(router, .get, "/static") == "file=")
}

@Test func wildcardRefusesPathTraversal() async {
    let router = makeRouter()
    for target in ["/static/../secret", "/static/%2e%2e/secret", "/static/a/%2E%2E/%2E%2E/etc/passwd",
                   "/static/a%2F..%2Fb", "/static/a%5C..%5Cb", "/static/a//b", "/static/./a", "/static/a%00b"] {
        #expect(await thrownStatus(router, .get, target)?.status == .notFound, "\(target)")
    }
}

@Test func patternCapturesMatchSegmentsExactly() {
    let pattern = RoutePattern("/a/{x}/c")
    #expect(pattern.match(["a", "b", "c"]) == ["x": "b"])
    #expect(pattern.match(["a", "", "c"]) == nil)
    #expect(pattern.match(["a", "b"]) == nil)
    #expect(RoutePattern("/").match([""]) == [:])
}
