/// What one agent normally does, learned from known-good history and then
/// frozen (design.md § Baselines). Everything is kept as counts so that
/// significance can be computed, and the whole thing serialises to a
/// human-readable, diffable JSON file (`Baseline+JSON.swift`).
public struct Baseline: Sendable, Equatable {
    public static let formatName = "driftwatch.baseline/1"
    /// Transition-table pseudo-states.
    public static let start = "<start>"
    public static let end = "<end>"

    public var agent: String
    /// Events learned from (tool and model calls) and tool calls among them.
    public var events: Int = 0
    public var toolCalls: Int = 0
    public var firstTS: EventTime?
    public var lastTS: EventTime?
    public var tools: [String: ToolProfile] = [:]
    /// Counts of `from → to` within sessions; `from` may be `<start>`, `to` may be `<end>`.
    public var transitions: [String: [String: Int]] = [:]
    public var sessions = SessionProfile()
    public var rate = RateProfile()

    public init(agent: String) {
        self.agent = agent
    }
}

/// One tool's calls and argument profile.
public struct ToolProfile: Sendable, Equatable {
    public var calls: Int = 0
    public var errors: Int = 0
    /// Per argument path (see `ArgsFeatures`), its classes and numeric range.
    public var paths: [String: PathProfile] = [:]
    /// Calls whose leaves were not all recorded because `maxPaths` was reached.
    public var pathsOverflow: Int = 0

    public static let maxPaths = 128

    public init() {}

    /// Adds one call's argument features, in place.
    mutating func record(_ features: ArgsFeatures, failed: Bool) {
        calls += 1
        if failed { errors += 1 }
        for leaf in features.leaves {
            if paths[leaf.path] == nil, paths.count >= Self.maxPaths {
                pathsOverflow += 1
                continue
            }
            paths[leaf.path, default: PathProfile()].record(leaf)
        }
    }
}

/// One argument path of one tool.
public struct PathProfile: Sendable, Equatable {
    /// Calls in which the path appeared.
    public var count: Int = 0
    /// Shape class → calls (see `ArgsFeatures.Leaf.shapeClass`).
    public var classes: [String: Int] = [:]
    /// Set when more than `maxClasses` distinct classes were seen: the field is
    /// free-form and new classes in it are not news.
    public var open: Bool = false
    /// Smallest and largest positive number seen, for range checks.
    public var positiveMin: Double?
    public var positiveMax: Double?
    public var positiveCount: Int = 0

    public static let maxClasses = 32

    public init() {}

    mutating func record(_ leaf: ArgsFeatures.Leaf) {
        count += 1
        if !open {
            let shapeClass = leaf.shapeClass
            if classes[shapeClass] != nil || classes.count < Self.maxClasses {
                classes[shapeClass, default: 0] += 1
            } else {
                open = true
            }
        }
        if let x = leaf.number, x > 0 {
            positiveCount += 1
            positiveMin = Swift.min(positiveMin ?? x, x)
            positiveMax = Swift.max(positiveMax ?? x, x)
        }
    }
}

/// Per-session statistics, for loop and session-cost detectors.
public struct SessionProfile: Sendable, Equatable {
    public var count: Int = 0
    /// Calls per session.
    public var calls = RunningStats()
    /// ln(total session cost in USD) over sessions that spent anything.
    public var logCost = RunningStats()
    /// ln(cumulative cost after the i-th call), for each checkpoint i.
    public var logCostAt: [Int: RunningStats] = [:]
    /// The largest cumulative costs after the i-th call, for each checkpoint i
    /// (the tail the session-cost bound is estimated from).
    public var topCostAt: [Int: TopValues] = [:]
    /// Per tool T: calls that followed a call of T in the same session, and
    /// how many of those were identical to it (tool + canonical args).
    public var repeatPairs: [String: PairCount] = [:]
    /// For lags 2, 3, 4: calls with a call that many steps back in the
    /// session, and how many were identical to it (periodic patterns).
    public var lagPairs: [PairCount] = [PairCount(), PairCount(), PairCount()]
    /// Calls of a tool whose previous call in the session had failed, and how
    /// many of those failed again (retries of a failing call).
    public var retryAfterError = PairCount()
    /// All tool calls and the failed ones.
    public var failures = PairCount()
    /// Runs of identical calls by length: `repeatRuns[i]` counts runs of length
    /// i + 2 (the last bucket also holds longer ones). Retries make runs
    /// cluster, so continuing a run is not equally likely at every length.
    public var repeatRuns: [Int] = Array(repeating: 0, count: SessionProfile.maxRunBucket - 1)
    public static let maxRunBucket = 32
    /// Longest run of identical calls and longest failure streak seen in one session.
    public var longestRepeat: Int = 0
    public var longestFailureStreak: Int = 0

    /// Call indices at which cumulative session cost is recorded. Cost only
    /// grows with the index, so a session can be tested at any call against
    /// the next checkpoint's bound.
    public static let checkpoints = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192,
                                     256, 320, 384, 512, 640, 768, 1024]

    public init() {}
}

/// A count of trials and of the ones that matched.
public struct PairCount: Sendable, Equatable {
    public var trials: Int = 0
    public var hits: Int = 0

    public init(trials: Int = 0, hits: Int = 0) {
        self.trials = trials
        self.hits = hits
    }

    /// The rate at an approximate 95% upper confidence bound of the hit count
    /// (hits + 2√(hits + 1) + 1, i.e. 3 for none: the "rule of three"). Alarm
    /// bounds use it so that a thin baseline that happened to see no repeat,
    /// no cycle or no retry does not declare them near impossible; with many
    /// trials it tends to hits/trials. Capped at ½: with next to no trials
    /// the rate is unknown, and a coin toss gives bounds close to the
    /// absolute limits used while learning.
    public var upperRate: Double {
        min(0.5, (Double(hits) + 2 * Double(hits + 1).squareRoot() + 1) / Double(trials + 1))
    }

    /// Posterior mean under a Beta prior centred on `prior` with weight `weight`.
    public func rate(prior: Double, weight: Double = 2) -> Double {
        (Double(hits) + prior * weight) / (Double(trials) + weight)
    }
}

/// Calls and spend per active minute.
public struct RateProfile: Sendable, Equatable {
    /// Minutes during which the agent was active. A gap longer than
    /// `RateProfile.maxGapMinutes` ends an active period instead of counting
    /// as idle minutes, so nights and weekends do not dilute the rate.
    public var minutes: Int = 0
    public var callsPerMinute = RunningStats()
    public var costPerMinute = RunningStats()
    /// Sums over sliding windows of `windowMinutes` consecutive active minutes.
    public var callsPerWindow = RunningStats()
    public var costPerWindow = RunningStats()
    /// The distribution of the same sums on a log scale (bursts are
    /// multiplicative), so that bounds are fitted to the upper half only:
    /// quiet windows say nothing about bursts.
    public var callsPerWindowHistogram = LogHistogram()
    public var costPerWindowHistogram = LogHistogram()

    public static let maxGapMinutes: Int64 = 10
    /// Rate tests look at 5-minute sums: per-minute totals of agents that run
    /// sessions in bursts are far too heavy-tailed to test one by one.
    public static let windowMinutes = 5

    public init() {}
}
