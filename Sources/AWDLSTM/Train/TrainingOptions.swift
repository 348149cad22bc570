/// Training hyper-parameters with the defaults of the authors' `main.py`.
/// Encoded flat into `config.json` beside the model configuration, under the
/// authors' argument names.
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var lr: Double = 30
    public var clip: Float = 0.25
    public var epochs: Int = 8000
    public var batchSize: Int = 80
    public var bptt: Int = 70
    public var seed: UInt64 = 1111
    public var nonmono: Int = 5
    public var logInterval: Int = 200
    public var alpha: Float = 2
    public var beta: Float = 1
    public var wdecay: Float = 1.2e-6
    public var optimizer: OptimizerKind = .sgd
    /// Epochs after which the learning rate is divided by 10 (while not averaging).
    public var when: [Int] = [-1]
    /// End every epoch after this many batches (validation and saving as usual).
    public var maxBatches: Int? = nil
    /// Stop training after this much wall time (the running epoch ends early and is validated).
    public var maxMinutes: Double? = nil
    /// Every window exactly `bptt` long (benchmarks, debugging).
    public var fixedBPTT: Bool = false
    /// Write the resumable state every N batches (besides every epoch end).
    public var checkpointEvery: Int? = nil
    public var evalBatchSize: Int = 10
    public var testBatchSize: Int = 1

    public init() {}

    enum CodingKeys: String, CodingKey {
        case lr, clip, epochs, bptt, seed, nonmono, alpha, beta, wdecay, optimizer, when
        case batchSize = "batch_size", logInterval = "log_interval", maxBatches = "max_batches"
        case maxMinutes = "max_minutes", fixedBPTT = "fixed_bptt", checkpointEvery = "checkpoint_every"
        case evalBatchSize = "eval_batch_size", testBatchSize = "test_batch_size"
    }

    /// A description of the first invalid option, or nil.
    public func validationError() -> String? {
        if !(lr > 0) || !lr.isFinite { return "--lr must be positive and finite (got \(lr))" }
        if !(clip >= 0) { return "--clip must be non-negative (got \(clip))" }
        if epochs < 1 { return "--epochs must be at least 1 (got \(epochs))" }
        if batchSize < 1 { return "--batch-size must be at least 1 (got \(batchSize))" }
        if bptt < 1 { return "--bptt must be at least 1 (got \(bptt))" }
        if nonmono < 0 { return "--nonmono must be non-negative (got \(nonmono))" }
        if logInterval < 1 { return "--log-interval must be at least 1 (got \(logInterval))" }
        // Infinite strengths would only surface as a NaN loss after the first epoch.
        if !(alpha >= 0) || !(beta >= 0) || !alpha.isFinite || !beta.isFinite {
            return "--alpha and --beta must be non-negative and finite (got \(alpha), \(beta))"
        }
        if !(wdecay >= 0) || !wdecay.isFinite { return "--wdecay must be non-negative and finite (got \(wdecay))" }
        if let m = maxBatches, m < 1 { return "--max-batches must be at least 1 (got \(m))" }
        if let m = maxMinutes, !(m > 0) { return "--max-minutes must be positive (got \(m))" }
        if let c = checkpointEvery, c < 1 { return "--checkpoint-every must be at least 1 (got \(c))" }
        return nil
    }
}

extension ModelConfig {
    enum CodingKeys: String, CodingKey {
        case model, emsize, nhid, nlayers, dropout, dropouth, dropouti, dropoute, wdrop, splits
        case vocabSize = "vocab_size"
    }

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
