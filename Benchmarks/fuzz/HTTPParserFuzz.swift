// libFuzzer target for the HTTP/1.1 request parser.
// Build and run: Benchmarks/fuzz/run.sh http [seconds]
// The first two input bytes seed the chunk split; the rest is fed to the parser in
// pieces of 1…16 bytes. Invariants: never crashes; every limit holds for every request
// returned; a failed parser stays failed; and splitting never changes the outcome —
// the chunked feed yields exactly what one feed of the whole input yields.
import DriftwatchHTTP

/// Small limits so the fuzzer reaches every one of them with short inputs.
let limits = HTTPLimits(maxRequestLineBytes: 128, maxHeaderBytes: 256, maxHeaderCount: 8,
                        maxBodyBytes: 64, maxChunkLineBytes: 24)

/// What a feed produced: requests in order, then the error if any.
struct Outcome: Equatable {
    var requests: [String] = []
    var error: HTTPParserError?
}

func describe(_ r: HTTPRequest) -> String {
    expect(r.body.count <= limits.maxBodyBytes, "body over maxBodyBytes: \(r.body.count)")
    // Header values may hold obs-text, decoded with U+FFFD replacements: count scalars,
    // never more than the bytes they came from.
    expect(r.target.unicodeScalars.count <= limits.maxRequestLineBytes, "target over maxRequestLineBytes")
    expect(r.headers.count <= limits.maxHeaderCount, "more than maxHeaderCount headers")
    var headerBytes = 0
    for f in r.headers {
        headerBytes += f.name.unicodeScalars.count + f.value.unicodeScalars.count
        expect(!f.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }), "CR/LF/NUL in header value")
        expect(!f.name.isEmpty, "empty header name")
    }
    expect(headerBytes <= limits.maxHeaderBytes, "header section over maxHeaderBytes")
    let fields = r.headers.map { "\($0.name):\($0.value)" }.joined(separator: "\n")
    return "\(r.method) \(r.target) \(r.version) [\(fields)] \(r.body)"
}

/// Drains every event the buffered bytes allow.
func drain(_ parser: inout HTTPRequestParser, first: HTTPRequestParser.Event, into out: inout Outcome) {
    var event = first
    while true {
        switch event {
        case .needMoreData: return
        case .request(let r): out.requests.append(describe(r))
        case .error(let e):
            if let previous = out.error { expect(previous == e, "failed parser changed its error") }
            out.error = e
            if case .error(let again) = parser.next() { expect(again == e, "failed parser did not stay failed") }
            else { fatalError("failed parser recovered") }
            return
        }
        event = parser.next()
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    var seed = UInt32(data[0]) << 8 | UInt32(data[1]) | 1
    let input = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))

    var whole = HTTPRequestParser(limits: limits)
    var wholeOut = Outcome()
    drain(&whole, first: whole.feed(input), into: &wholeOut)
    if wholeOut.error == nil { drain(&whole, first: whole.finish(), into: &wholeOut) }

    var split = HTTPRequestParser(limits: limits)
    var splitOut = Outcome()
    var at = 0
    while at < input.count {
        seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5   // xorshift32
        let n = min(Int(seed % 16) + 1, input.count - at)
        drain(&split, first: split.feed(Array(input[at..<at + n])), into: &splitOut)
        at += n
    }
    if splitOut.error == nil { drain(&split, first: split.finish(), into: &splitOut) }

    expect(wholeOut == splitOut, "split feed differs: whole \(wholeOut) split \(splitOut)")
    return 0
}

/// A failed invariant traps with its message (precondition drops messages under -O).
func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
