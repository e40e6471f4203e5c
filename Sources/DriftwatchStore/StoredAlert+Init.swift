extension StoredAlert {
    /// An alert row read by another module's query (the dashboard's pages).
    public init(storedID id: String, seq: Int64?, tsNS: Int64, agent: String, session: String?, kind: String, severity: String,
                score: Double?, threshold: Double?, message: String, evidence: String) {
        self.id = id
        self.seq = seq
        self.tsNS = tsNS
        self.agent = agent
        self.session = session
        self.kind = kind
        self.severity = severity
        self.score = score
        self.threshold = threshold
        self.message = message
        self.evidence = evidence
    }
}
