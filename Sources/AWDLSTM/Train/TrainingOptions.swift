/// Training hyper-parameters with the defaults of the authors' `main.py`.
/// Encoded flat into `config.json` beside the model configuration, under the
/// authors' argument names.
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// Initial learning rate (`--lr`, 30); SGD's step size, scaled per window by its length / `bptt`.
    public var lr: Double = 30
    /// Maximum L2 norm of the gradient, 0 for none (`--clip`, 0.25).
    public var clip: Float = 0.25
    /// Upper epoch limit (`--epochs`, 8000).
    public var epochs: Int = 8000
    /// Training batch size (`--batch_size`, 80).
    public var batchSize: Int = 80
    /// Mean window length in tokens (`--bptt`, 70); windows vary around it unless `fixedBPTT`.
    public var bptt: Int = 70
    /// Seed of initialisation, dropout masks and window lengths (`--seed`, 1111).
    public var seed: UInt64 = 1111
    /// Epochs of non-improvement before NT-ASGD switches to averaging (`--nonmono`, 5).
    public var nonmono: Int = 5
    /// Batches between log lines (`--log-interval`, 200).
    public var logInterval: Int = 200
    /// AR strength α: α · mean(dropped output²) (`--alpha`, 2).
    public var alpha: Float = 2
    /// TAR strength β: β · mean((h_t − h_{t−1})²) (`--beta`, 1).
    public var beta: Float = 1
    /// L2 weight decay added to the gradient (`--wdecay`, 1.2e-6).
    public var wdecay: Float = 1.2e-6
    /// `sgd` (NT-ASGD), `asgd` (averaging from the start) or `adam` (`--optimizer`).
    public var optimizer: OptimizerKind = .sgd
    /// Epochs after which the learning rate is divided by 10 (while not averaging).
    public var when: [Int] = [-1]
    /// End every epoch after this many batches (validation and saving as usual).
    public var maxBatches: Int? = nil
    /// Wall-time limit of the run in minutes, earlier invocations included: training
    /// stops early enough to leave time for the validation of the running epoch and the
    /// final test (`Trainer.run()`), and a test that would still run past it is cut there.
    public var maxMinutes: Double? = nil
    /// Every window exactly `bptt` long (benchmarks, debugging).
    public var fixedBPTT: Bool = false
    /// Write the resumable state every N batches (besides every epoch end).
    public var checkpointEvery: Int? = nil
    /// Write the resumable state once this many minutes of training have passed since
    /// it was last written (besides every epoch end), so that a hard stop (a second
    /// Ctrl-C, `kill -9`, a power cut) loses at most that much; 0 never. Nil (a
    /// `config.json` written before the option) means the default, 15.
    public var checkpointMinutes: Double? = TrainingOptions.defaultCheckpointMinutes
    /// Validation batch size (`--eval_batch_size`, 10).
    public var evalBatchSize: Int = 10
    /// Test batch size (1, as the authors test).
    public var testBatchSize: Int = 1

    /// The default of `checkpointMinutes`.
    public static let defaultCheckpointMinutes: Double = 15

    /// The interval of time-based checkpoints in seconds; nil when they are off.
    public var checkpointInterval: Double? {
        let minutes = checkpointMinutes ?? Self.defaultCheckpointMinutes
        return minutes > 0 ? minutes * 60 : nil
    }

    /// The authors' defaults.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case lr, clip, epochs, bptt, seed, nonmono, alpha, beta, wdecay, optimizer, when
        case batchSize = "batch_size", logInterval = "log_interval", maxBatches = "max_batches"
        case maxMinutes = "max_minutes", fixedBPTT = "fixed_bptt", checkpointEvery = "checkpoint_every"
        case checkpointMinutes = "checkpoint_minutes"
        case evalBatchSize = "eval_batch_size", testBatchSize = "test_batch_size"
    }

    /// Checks every option, throwing `ConfigurationError.invalid` for the first
    /// one outside its range.
    public func validate() throws(ConfigurationError) {
        typealias C = ConfigurationError
        try C.require(lr > 0 && lr.isFinite, "lr", lr, .positiveAndFinite)
        try C.require(clip >= 0, "clip", clip, .nonNegative)
        try C.require(epochs >= 1, "epochs", epochs, .atLeast(1))
        try C.require(batchSize >= 1, "batchSize", batchSize, .atLeast(1))
        try C.require(bptt >= 1, "bptt", bptt, .atLeast(1))
        try C.require(nonmono >= 0, "nonmono", nonmono, .nonNegative)
        try C.require(logInterval >= 1, "logInterval", logInterval, .atLeast(1))
        // Infinite strengths would only surface as a NaN loss after the first epoch.
        try C.require(alpha >= 0 && alpha.isFinite, "alpha", alpha, .nonNegativeAndFinite)
        try C.require(beta >= 0 && beta.isFinite, "beta", beta, .nonNegativeAndFinite)
        try C.require(wdecay >= 0 && wdecay.isFinite, "wdecay", wdecay, .nonNegativeAndFinite)
        if let m = maxBatches { try C.require(m >= 1, "maxBatches", m, .atLeast(1)) }
        if let m = maxMinutes { try C.require(m > 0, "maxMinutes", m, .positive) }
        if let c = checkpointEvery { try C.require(c >= 1, "checkpointEvery", c, .atLeast(1)) }
        if let c = checkpointMinutes { try C.require(c >= 0 && c.isFinite, "checkpointMinutes", c, .nonNegativeAndFinite) }
        try C.require(evalBatchSize >= 1, "evalBatchSize", evalBatchSize, .atLeast(1))
        try C.require(testBatchSize >= 1, "testBatchSize", testBatchSize, .atLeast(1))
        // The command line bounds its flags the same way; a hand-edited
        // config.json (`"bptt": 9223372036854775807`) would otherwise trap when
        // a window length is drawn or a product of two counts overflows.
        let largest = Int(Int32.max)
        for (field, value) in [("epochs", epochs), ("batchSize", batchSize), ("bptt", bptt), ("nonmono", nonmono),
                               ("logInterval", logInterval), ("maxBatches", maxBatches ?? 1), ("checkpointEvery", checkpointEvery ?? 1),
                               ("evalBatchSize", evalBatchSize), ("testBatchSize", testBatchSize)] {
            try C.require(value <= largest, field, value, .atMost(largest))
        }
    }

    /// Throws `ConfigurationError` (`.sameAsSaved`) naming the first setting
    /// that defines the optimisation (batch size, bptt, seed, optimiser, AR/TAR
    /// scales, weight decay, fixed bptt) and differs from `saved`: a resumed run
    /// keeps them, so that it continues exactly.
    public func requireSameOptimisation(as saved: TrainingOptions) throws(ConfigurationError) {
        func same<T: Equatable>(_ field: String, _ given: T, _ kept: T) throws(ConfigurationError) {
            try ConfigurationError.require(given == kept, field, "\(given)", .sameAsSaved("\(kept)"))
        }
        try same("batchSize", batchSize, saved.batchSize)
        try same("bptt", bptt, saved.bptt)
        try same("seed", seed, saved.seed)
        try same("optimizer", optimizer.rawValue, saved.optimizer.rawValue)
        try same("alpha", alpha, saved.alpha)
        try same("beta", beta, saved.beta)
        try same("wdecay", wdecay, saved.wdecay)
        try same("fixedBPTT", fixedBPTT, saved.fixedBPTT)
    }

    /// Checks every option (`validate()`), then that `corpus` is large enough
    /// for the batch sizes: 3 rows of `batchSize` columns of training data, 2
    /// rows of `evalBatchSize` of validation data and, when `testing`, 2 rows of
    /// `testBatchSize` of test data. Throws `ConfigurationError`, then
    /// `TrainingError.dataTooSmall`.
    public func validate(for corpus: Corpus, testing: Bool = true) throws {
        try validate()
        let needs: [(Corpus.Split, Int, Int, String)] = [(.train, 3, batchSize, "batchSize"), (.valid, 2, evalBatchSize, "evalBatchSize")]
            + (testing ? [(.test, 2, testBatchSize, "testBatchSize")] : [])
        for (split, rows, columns, field) in needs where corpus.tokens(split).count / columns < rows {
            throw TrainingError.dataTooSmall(split: split, tokens: corpus.tokens(split).count, rows: rows, batchSize: columns,
                                             batchSizeField: field)
        }
    }
}

extension ModelConfig {
    enum CodingKeys: String, CodingKey {
        case model, emsize, nhid, nlayers, dropout, dropouth, dropouti, dropoute, wdrop, splits
        case vocabSize = "vocab_size"
    }

    /// Reads the flat `config.json` object; options absent from older files take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(vocabSize: try c.decode(Int.self, forKey: .vocabSize),
                  model: try c.decodeIfPresent(RNNType.self, forKey: .model) ?? .lstm,
                  emsize: try c.decode(Int.self, forKey: .emsize), nhid: try c.decode(Int.self, forKey: .nhid),
                  nlayers: try c.decode(Int.self, forKey: .nlayers), dropout: try c.decode(Float.self, forKey: .dropout),
                  dropouth: try c.decode(Float.self, forKey: .dropouth), dropouti: try c.decode(Float.self, forKey: .dropouti),
                  dropoute: try c.decode(Float.self, forKey: .dropoute), wdrop: try c.decode(Float.self, forKey: .wdrop),
                  // Absent in folders written before the split cross-entropy: full softmax.
                  splits: try c.decodeIfPresent([Int].self, forKey: .splits) ?? [])
    }
}
