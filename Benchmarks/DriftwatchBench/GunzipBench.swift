#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import DriftwatchApp
import DriftwatchHTTP

/// `gunzip FILE...`: the gzip decoder behind `Content-Encoding: gzip` on its own, one
/// thread. Per file: the median of `--repeats` decompressions, as MB/s of decompressed
/// output and of compressed input (1 MB = 10^6 bytes). `Benchmarks/gzip_inputs.py` writes
/// the inputs: generated NDJSON, random bytes, zeros, and the worst case for work per
/// input byte (empty dynamic blocks that each build the widest tables).
func runGunzip(_ o: Options, files: [String]) throws {
    let repeats = try o.int("--repeats", 5)
    guard !files.isEmpty else { throw UsageError("gunzip needs one or more .gz files") }
    say("file                               input MB  output MB   median ms   output MB/s   input MB/s")
    for file in files {
        let input = try FileInput.readAll(file, limit: 1 << 30)
        var times: [Double] = []
        var outputCount = 0
        for _ in 0..<repeats {
            let start = now()
            let output = try GzipDecoder.decompress(input, maxOutputBytes: 1 << 30)
            times.append(now() - start)
            outputCount = output.count
        }
        let median = times.sorted()[times.count / 2]
        let name = String(file.split(separator: "/").last ?? "")
        say(name.padding(34) + " " + fmt(Double(input.count) / 1e6, 2).leftPad(10) + fmt(Double(outputCount) / 1e6, 2).leftPad(11)
            + fmt(median * 1e3, 1).leftPad(12) + fmt(Double(outputCount) / 1e6 / median, 1).leftPad(14)
            + fmt(Double(input.count) / 1e6 / median, 1).leftPad(13))
    }
}
