/// Recognises a compressed file given where NDJSON is expected (`replay`,
/// `baseline learn`), so that it fails once with the way out, instead of once per
/// "line" of compressed bytes, each rejected as invalid JSON, and a run that looks
/// successful. Spec §3 leaves decompression to a pipe: `zcat FILE | driftwatch replay -`.
enum CompressedInput {
    /// Throws when `firstLine`, the first line of input `name`, starts with gzip's
    /// magic number (1f 8b, RFC 1952 §2.3.1); a byte that JSON text can never start with.
    /// - Parameter command: the command to suggest after the pipe, e.g. `replay -`.
    /// - Throws: `IOError` (a data error, exit 65) saying how to decompress it.
    static func refuse(_ firstLine: UnsafeRawBufferPointer, name: String, command: String) throws(IOError) {
        guard firstLine.count >= 2, firstLine[0] == 0x1F, firstLine[1] == 0x8B else { return }
        let file = name == "-" ? "standard input" : name
        let source = name == "-" ? "FILE" : name
        throw IOError(message: "\(file) is gzip-compressed, and driftwatch reads NDJSON text: decompress it first, "
            + "e.g. zcat \(source) | driftwatch \(command)")
    }
}
