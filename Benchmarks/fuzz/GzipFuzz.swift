// libFuzzer target for the gzip / DEFLATE decoder, differential against zlib.
// Build and run: Benchmarks/fuzz/run.sh gzip [seconds]
// The first input byte picks the format (bit 0: raw DEFLATE or gzip) and the output
// limit (bits 1-3); the rest is the stream. Invariants: never crashes or hangs; output
// never exceeds the limit; and the outcome is zlib's — the same bytes when both
// decode, an error exactly when zlib fails, `outputLimitExceeded` exactly when zlib
// passes the limit, `trailingData` exactly when zlib stops before the end.
import DriftwatchHTTP
import ZlibOracle

let limits = [0, 1, 258, 1000, 32768, 65536, 1 << 20, 4 << 20]
/// zlib's output space, allocated once: a fresh 4 MiB array per input halved the rate.
nonisolated(unsafe) let reference = UnsafeMutablePointer<UInt8>.allocate(capacity: (4 << 20) + 1)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let isGzip = data[0] & 1 == 1
    let limit = limits[Int(data[0] >> 1) & 7]
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    let ours = Result { () throws(DecompressionError) in
        isGzip ? try GzipDecoder.decompress(input, maxOutputBytes: limit)
            : try GzipDecoder.inflate(input, maxOutputBytes: limit)
    }
    var referenceCount = 0
    let verdict = input.withUnsafeBufferPointer { buffer in
        oracle_inflate(buffer.baseAddress, buffer.count, isGzip ? 1 : 0, reference, limit, &referenceCount)
    }

    switch (ours, Int(verdict)) {
    case (.success(let output), Int(ORACLE_OK)):
        expect(output.count <= limit, "output over the limit: \(output.count) > \(limit)")
        expect(output.count == referenceCount
                && output.elementsEqual(UnsafeBufferPointer(start: reference, count: referenceCount)),
               "output differs from zlib: \(output.count) vs \(referenceCount) bytes")
    case (.failure(let error), Int(ORACLE_TOO_LARGE)):
        expect(error.code == .outputLimitExceeded(limit: limit), "zlib passed the limit \(limit), we said \(error)")
    case (.failure(let error), Int(ORACLE_TRAILING)):
        expect(error.code == .trailingData, "zlib saw trailing data, we said \(error)")
    case (.failure(let error), Int(ORACLE_ERROR)):
        expect(error.code != .trailingData && error.code != .outputLimitExceeded(limit: limit),
               "zlib failed, we said \(error)")
    case (.success(let output), _):
        fatalError("we decoded \(output.count) bytes, zlib said \(verdict) after \(referenceCount)")
    case (.failure(let error), _):
        fatalError("we said \(error), zlib said \(verdict) after \(referenceCount) bytes")
    }
    return 0
}

/// A failed invariant traps with its message (precondition drops messages under -O).
func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
