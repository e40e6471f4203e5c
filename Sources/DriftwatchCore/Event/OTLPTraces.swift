/// OpenTelemetry OTLP/JSON span batches (spec §1). Being written; rejects until then.
public enum OTLPTraces {
    public static func decode(_ batch: JSONValue) throws(DecodeError) -> [Event] {
        throw DecodeError(field: "resourceSpans", "OTLP batches are not supported yet")
    }
}
