import Foundation

/// Dynamic evaluation (Krause et al. 2018, "RMS with an RMS global prior"), as
/// in the authors' `dynamiceval.py`.
///
/// 1. Gradient statistics on the training data (no dropout, batch `statsBatchSize`,
///    windows of `bptt`): `MS = √(mean over batches of g²)` per parameter, and
///    decay rates `MS / mean_tensors(mean(MS))`, clipped at `1/λ`.
/// 2. The evaluation text (batch 1) is read in segments of `bptt` tokens: each
///    segment is scored, then the weights move by
///    `Δθ = λ · decay ⊙ (θ₀ − θ) − η · g / (MS + ε)` (θ₀: the trained weights),
///    so the model adapts to recent text while being pulled back to θ₀.
/// The result is the mean loss per scored token, the last short segment
/// weighted by its length. The model's weights are restored at the end.
public struct DynamicEvaluation: Sendable {
    /// η, the learning rate of the updates (Krause et al.'s `--lr`, 0.00005).
    public var lr: Double = 0.00005
    /// λ, the decay rate towards the trained weights (`--lamb`, 0.002).
    public var lambda: Double = 0.002
    /// ε, added to `MS` before dividing (`--epsilon`, 0.00002).
    public var epsilon: Double = 0.00002
    /// Segment length in tokens, for the statistics and the evaluation (`--bptt`, 5).
    public var bptt = 5
    /// Batch size of the gradient statistics pass (`--batch_size`, 100).
    public var statsBatchSize = 100
    /// Limit on the training batches used for the statistics (nil: the whole training set).
    public var maxStatsBatches: Int?

    /// The defaults of the authors' `dynamiceval.py`.
    public init() {}

    /// Throws `ConfigurationError.invalid` for the first field out of range:
    /// `lr` and `lambda` non-negative and finite, `epsilon` positive and finite,
    /// `bptt`, `statsBatchSize` and `maxStatsBatches` (when set) at least 1.
    public func validate() throws(ConfigurationError) {
        typealias C = ConfigurationError
        try C.require(lr >= 0 && lr.isFinite, "lr", lr, .nonNegativeAndFinite)
        try C.require(lambda >= 0 && lambda.isFinite, "lambda", lambda, .nonNegativeAndFinite)
        try C.require(epsilon > 0 && epsilon.isFinite, "epsilon", epsilon, .positiveAndFinite)
        try C.require(bptt >= 1, "bptt", bptt, .atLeast(1))
        try C.require(statsBatchSize >= 1, "statsBatchSize", statsBatchSize, .atLeast(1))
        if let m = maxStatsBatches { try C.require(m >= 1, "maxStatsBatches", m, .atLeast(1)) }
    }

    /// `MS`, the RMS gradient of every parameter over the training batches: one
    /// float per parameter, in the layout of `model.weights` (`ParameterLayout`).
    /// `progress` is called after each batch with the batches done and the total.
    /// Throws `ConfigurationError` when a field is out of range (`validate()`) or
    /// `train` has fewer than 3 rows of `statsBatchSize` tokens (no batch to
    /// take statistics on), `ModelError` when a token is outside the model's vocabulary.
    public func gradientStatistics(
        model: AWDLSTMModel, train: [Int32], progress: ((Int, Int) -> Void)? = nil
    ) throws -> FloatBuffer {
        try validate()
        try ConfigurationError.require(train.count >= 3 * statsBatchSize, "train.count", train.count, .atLeast(3 * statsBatchSize))
        return try statistics(model: model, train: train, progress: progress)
    }

    /// The body of `gradientStatistics`, for fields that pass `validate()`.
    private func statistics(
        model: AWDLSTMModel, train: [Int32], progress: ((Int, Int) -> Void)?
    ) throws(ModelError) -> FloatBuffer {
        let data = BatchedTokens(train, columns: statsBatchSize)
        let ms = FloatBuffer(count: model.weights.count)
        model.resetHidden(batchSize: statsBatchSize)
        var rng = RandomSource(seed: 0)
        var batches = 0
        var i = 0
        let total = min(Self.segments(rows: data.rows, bptt: bptt), maxStatsBatches ?? .max)
        while i < data.rows - 2 {
            if let m = maxStatsBatches, batches >= m { break }
            let batch = data.window(at: i, length: bptt)
            try model.forwardBackward(batch, alpha: 0, beta: 0, rng: &rng, dropout: .off)
            Pointwise.addProduct(model.gradients.pointer, model.gradients.pointer, count: ms.count, into: ms.pointer)
            batches += 1
            i += bptt
            progress?(batches, total)
        }
        let scale = 1 / Float(max(1, batches))
        for k in 0..<ms.count { ms[k] = (ms[k] * scale).squareRoot() }
        return ms
    }

    /// Loss, perplexity and bits per token of `tokens` (batch size 1) with dynamic
    /// evaluation; `tokens` of the result is `tokens.count`. `ms` comes from
    /// `gradientStatistics` for the same model. With `lr == 0` this is plain
    /// evaluation. `progress` is called after each segment with the segments
    /// done and the total. The model's weights are restored at the end, also on error.
    /// Throws `ConfigurationError` when a field is out of range (`validate()`),
    /// `ms` does not hold one value per parameter, or `tokens` has fewer than 3
    /// (no segment to score); `ModelError` when a token is outside the model's vocabulary.
    public func evaluate(
        model: AWDLSTMModel, tokens: [Int32], ms: FloatBuffer, progress: ((Int, Int) -> Void)? = nil
    ) throws -> EvaluationResult {
        try validate()
        try ConfigurationError.require(ms.count == model.weights.count, "ms.count", ms.count, .equalTo(model.weights.count))
        try ConfigurationError.require(tokens.count >= 3, "tokens.count", tokens.count, .atLeast(3))
        return EvaluationResult(loss: try loss(model: model, tokens: tokens, ms: ms, progress: progress), tokens: tokens.count,
                                scoredTokens: scoredTokens(tokens.count))
    }

    /// The mean loss per scored token of `evaluate`, in nats, for arguments it has checked.
    func loss(model: AWDLSTMModel, tokens: [Int32], ms: FloatBuffer, progress: ((Int, Int) -> Void)? = nil) throws -> Double {
        let n = model.weights.count
        // θ₀, the weights the updates decay towards; `withWeights` restores them at the end.
        let original = FloatBuffer(count: n)
        return try model.withWeights({ original.copy(from: $0) }) {
            try adaptingLoss(model: model, tokens: tokens, ms: ms, original: original, progress: progress)
        }
    }

    /// The body of `loss`: scores and adapts the model's weights in place.
    private func adaptingLoss(model: AWDLSTMModel, tokens: [Int32], ms: FloatBuffer, original: FloatBuffer,
                              progress: ((Int, Int) -> Void)?) throws(ModelError) -> Double {
        let n = model.weights.count
        // Decay rates: MS divided by the mean over parameter tensors of mean(MS), clipped at 1/λ.
        var gsum = 0.0
        for e in model.layout.entries {
            var s = 0.0
            for k in 0..<e.count { s += Double(ms[e.offset + k]) }
            gsum += s / Double(e.count)
        }
        gsum /= Double(model.layout.entries.count)
        let decay = FloatBuffer(count: n)
        let cap = lambda > 0 ? 1 / lambda : Double.infinity
        for k in 0..<n { decay[k] = Float(min(Double(ms[k]) / gsum, cap)) }

        let data = BatchedTokens(tokens, columns: 1)
        model.resetHidden(batchSize: 1)
        var rng = RandomSource(seed: 0)
        var total = 0.0, weight = 0.0
        var i = 0, done = 0
        let segments = Self.segments(rows: data.rows, bptt: bptt)
        let lam = Float(lambda), eta = Float(lr), eps = Float(epsilon)
        let w = model.weights.pointer, g = model.gradients.pointer, w0 = original.pointer
        let msp = ms.pointer, dp = decay.pointer
        while i < data.rows - 2 {
            let batch = data.window(at: i, length: bptt)
            let loss = try model.forwardBackward(batch, alpha: 0, beta: 0, rng: &rng, dropout: .off)
            if lr != 0 || lambda != 0 {
                for k in 0..<n { w[k] += lam * dp[k] * (w0[k] - w[k]) - eta * g[k] / (msp[k] + eps) }
            }
            let fraction = Double(batch.steps) / Double(bptt)
            total += fraction * loss.crossEntropy
            weight += fraction
            i += batch.steps
            done += 1
            progress?(done, segments)
        }
        return total / weight
    }

    /// The windows of `bptt` rows that both loops read (while a row is left
    /// beyond the next two, as the authors' `i < rows − 2`).
    /// The tokens of a text of `count` tokens whose prediction `loss` scores
    /// (and divides by): the segments of `bptt` while i < rows − 2, the last one shorter.
    func scoredTokens(_ count: Int) -> Int {
        var i = 0
        while i < count - 2 { i += min(bptt, count - 1 - i) }
        return i
    }

    private static func segments(rows: Int, bptt: Int) -> Int { (max(0, rows - 2) + bptt - 1) / bptt }
}
