// libFuzzer target for the event decoder (all three formats) and the JSON scanner.
// Build and run: Benchmarks/fuzz/run.sh decoder [seconds]
import DriftwatchCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    // Everything decoded must survive the detectors' feature extraction and the writer.
    (try? EventDecoder.decode(bytes))?.forEachEvent { e in
        _ = ArgsFeatures(tool: e.tool ?? "", args: e.args)
        _ = e.args?.canonicalString
    }
    if let value = try? JSONScanner.parse(bytes) {
        // Canonical output must parse back to an equal value.
        let again = try? JSONScanner.parse(value.canonicalString)
        precondition(again != nil, "canonical form does not parse back")
    }
    return 0
}
