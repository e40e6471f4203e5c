/// What a server connection is doing, and so which timeout applies to it.
///
/// Pure: `deadline(_:)` is a function of the phase and the configured timeouts,
/// tested with fabricated instants rather than a real clock.
enum ConnectionPhase: Sendable, Equatable {
    /// Waiting for or reading a request head; bounded by the header timeout measured
    /// from the first byte (or from accept), which is what drops a slowloris client.
    case readingHead(since: ContinuousClock.Instant)
    /// Reading a body; bounded in total by the body timeout.
    case readingBody(since: ContinuousClock.Instant)
    /// A handler owns the request; the reactor imposes no deadline.
    case handling
    /// Writing a final response; bounded by the write timeout (a peer that never reads).
    case writing(since: ContinuousClock.Instant)
    /// Keep-alive between requests; bounded by the idle timeout.
    case idle(since: ContinuousClock.Instant)
    /// Sending side shut down, discarding input until the peer closes (RFC 9112 §9.6);
    /// bounded by the linger timeout.
    case lingering(since: ContinuousClock.Instant)

    struct Timeouts: Sendable {
        var header: Duration
        var body: Duration
        var idle: Duration
        var write: Duration
        var linger: Duration
    }

    /// When the connection should be dropped, or `nil` if the phase has no deadline.
    func deadline(_ timeouts: Timeouts) -> ContinuousClock.Instant? {
        switch self {
        case .readingHead(let since): since + timeouts.header
        case .readingBody(let since): since + timeouts.body
        case .handling: nil
        case .writing(let since): since + timeouts.write
        case .idle(let since): since + timeouts.idle
        case .lingering(let since): since + timeouts.linger
        }
    }

    var isReadingHead: Bool { if case .readingHead = self { true } else { false } }
    var isReadingBody: Bool { if case .readingBody = self { true } else { false } }
    var isWriting: Bool { if case .writing = self { true } else { false } }
    var isLingering: Bool { if case .lingering = self { true } else { false } }
    var isIdle: Bool { if case .idle = self { true } else { false } }
}
