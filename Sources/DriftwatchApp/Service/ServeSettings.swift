public import DriftwatchCore

/// What `driftwatch serve` runs with: the configuration file (spec §6) with the
/// command-line overrides applied, plus service timings that are not in the file.
public struct ServeSettings: Sendable {
    public var configuration: Configuration
    /// `--listen` or `listen`.
    public var listen: ListenAddress
    /// `--db` or `db`.
    public var databasePath: String
    /// `--baselines` or `baselines`.
    public var baselinesDirectory: String
    /// Whether the baselines directory was named explicitly (then it must exist).
    public var baselinesDirectoryIsExplicit: Bool
    /// `--stdin`.
    public var readStandardInput: Bool
    /// How often retention runs.
    public var retentionInterval: Duration = .seconds(60)
    /// Longest shutdown waits for in-flight requests.
    public var drainTimeout: Duration = .seconds(10)
    /// Lines shown at the top of the dashboard's overview (the demo's schedule).
    public var dashboardNotice: [String] = []
    /// Whether `dashboards` was named (`--dashboards` or the file); then it must exist.
    public var dashboardsDirectoryIsExplicit = false

    /// - Parameters:
    ///   - configuration: the parsed file, or the defaults.
    ///   - baselinesInFile: whether the file set `baselines` (an explicit directory must exist).
    /// - Throws: `ServiceError.usage` for a malformed listen address.
    public init(configuration: Configuration, baselinesInFile: Bool = false, listen: String? = nil,
                databasePath: String? = nil, baselinesDirectory: String? = nil,
                readStandardInput: Bool = false) throws(ServiceError) {
        self.configuration = configuration
        self.listen = try ListenAddress(parsing: listen ?? configuration.listen)
        self.databasePath = databasePath ?? configuration.db
        self.baselinesDirectory = baselinesDirectory ?? configuration.baselines
        self.baselinesDirectoryIsExplicit = baselinesDirectory != nil || baselinesInFile
        self.readStandardInput = readStandardInput
    }

    /// Refuses to expose the service beyond this machine without tokens (design.md § Security).
    /// - Throws: `ServiceError.usage`.
    public func validate() throws(ServiceError) {
        if !listen.isLoopback && !configuration.tokens.any {
            throw .usage("refusing to listen on \(listen) without tokens: anyone who can reach it could send and read "
                + "events; configure tokens.ingest / tokens.viewer / tokens.admin, or listen on 127.0.0.1")
        }
    }
}
