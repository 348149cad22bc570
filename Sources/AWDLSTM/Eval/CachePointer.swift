import Foundation

/// The continuous cache pointer of Grave et al. (2017) as in the authors'
/// `pointer.py`: at batch size 1, each position's softmax is mixed with a
/// distribution over the next words of the previous `window` positions,
/// weighted by `softmax(θ · h_t · h_i)` over those positions (h = last-layer
/// output): `p = λ · p_cache + (1 − λ) · p_model`.
///
/// The mixture is formed in log space, `log p = logaddexp(log λ + log p_cache,
/// log(1 − λ) + log p_model)`, with each log-probability computed directly: a
/// word the model gives a probability below the smallest double (a loss above
/// about 745 nats) still gets the finite loss the cache's share implies, where
/// mixing the probabilities would round both terms to 0 and the loss to
/// infinity. Where nothing underflows the two agree to rounding.
///
/// Reproduced exactly, including two details of the reference: the cache is
/// consulted only when more than `window` earlier positions are in the history
/// buffer (so the first position of each `bptt` chunk after the buffer was cut
/// back to `window` entries uses the model alone), and the summed loss is
/// divided by the number of tokens (rows), like `evaluate`.
public struct CachePointer: Sendable {
    /// λ, the cache distribution's weight in the mixture, in [0, 1] (the authors' `--lambdasm`, 0.1).
    public var lambda: Double = 0.1
    /// θ, the scale of the attention logits `h_t · h_i` (the authors' `--theta`, 1.0).
    public var theta: Double = 1.0
    /// Previous positions in the cache, at least 1 (the authors' `--window`, 500).
    public var window = 500
    /// Length of the chunks the text is run through the model in, in tokens (the authors' `--bptt`, 5000).
    public var bptt = 5000

    /// The authors' defaults of `pointer.py` unless given.
    public init(lambda: Double = 0.1, theta: Double = 1.0, window: Int = 500, bptt: Int = 5000) {
        self.lambda = lambda
        self.theta = theta
        self.window = window
        self.bptt = bptt
    }

    /// Throws `ConfigurationError.invalid` for the first field out of range:
    /// `lambda` in [0, 1], `theta` finite, `window` and `bptt` at least 1.
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require(lambda >= 0 && lambda <= 1, "lambda", lambda, .unitInterval)
        try ConfigurationError.require(theta.isFinite, "theta", theta, .finite)
        try ConfigurationError.require(window >= 1, "window", window, .atLeast(1))
        try ConfigurationError.require(bptt >= 1, "bptt", bptt, .atLeast(1))
    }

    /// Loss, perplexity and bits per token of `tokens` (batch size 1) with the
    /// cache; `tokens` of the result is `tokens.count`. `progress` is called
    /// after each chunk of `bptt` tokens with the chunks done and the total.
    /// Throws `ConfigurationError` when a field is out of range (`validate()`)
    /// or `tokens` has fewer than 2 (nothing to score), `ModelError` when a
    /// token is outside the model's vocabulary.
    public func evaluate(
        model: AWDLSTMModel, tokens: [Int32], progress: ((Int, Int) -> Void)? = nil
    ) throws -> EvaluationResult {
        try validate()
        try ConfigurationError.require(tokens.count >= 2, "tokens.count", tokens.count, .atLeast(2))
        // One column: every token but the first is scored.
        return EvaluationResult(loss: try loss(model: model, tokens: tokens, progress: progress), tokens: tokens.count,
                                scoredTokens: tokens.count - 1)
    }

    /// The mean loss per token of `evaluate`, in nats, for fields that pass `validate()`.
    func loss(
        model: AWDLSTMModel, tokens: [Int32], progress: ((Int, Int) -> Void)? = nil
    ) throws(ModelError) -> Double {
        let data = BatchedTokens(tokens, columns: 1)
        let e = model.config.emsize
        model.resetHidden(batchSize: 1)
        // History buffer: hidden vectors and next words, at most `window` kept between chunks.
        var historyH: [Float] = []
        var historyWord: [Int32] = []
        var total = 0.0
        let starts = Array(data.windowStarts(bptt: bptt))
        // A window or chunk longer than the text holds the whole text: the buffers need no more
        // (`--window 9223372036854775807` is then the full history, not an allocation that traps).
        var scores = [Float](repeating: 0, count: max(min(window, tokens.count), 1))
        let logLambda = Foundation.log(lambda), logModelShare = Foundation.log(1 - lambda)
        var modelLosses = [Double](repeating: 0, count: max(min(bptt, tokens.count), 1))
        for (k, i) in starts.enumerated() {
            let batch = data.window(at: i, length: bptt)
            // −log p_model(target) at each position, from the model's criterion (full or split softmax).
            _ = try modelLosses.withUnsafeMutableBufferPointer { (losses) throws(ModelError) in
                try model.evaluate(batch, reusePreparedWeights: k > 0, rowLosses: losses.baseAddress!)
            }
            let outputs = model.lastLayerOutputs(rows: batch.steps)
            let start = historyWord.count
            historyH.append(contentsOf: outputs)
            historyWord.append(contentsOf: batch.targets)
            historyH.withUnsafeBufferPointer { hist in
                scores.withUnsafeMutableBufferPointer { scores in
                    for idx in 0..<batch.steps {
                        let target = Int(batch.targets[idx])
                        let modelLoss = modelLosses[idx]
                        let here = start + idx
                        guard here > window && lambda != 0 else { total += modelLoss; continue }
                        // Attention over the `window` positions before this one.
                        let first = here - window
                        GEMM.multiplyVector(hist.baseAddress! + first * e, rows: window, columns: e,
                                            hist.baseAddress! + here * e, into: scores.baseAddress!)
                        // softmax(θ·s) as exp(θ·(s_j − s*)) with s* the score that maximises θ·s:
                        // the exponent is ≤ 0 for every finite θ, however large.
                        var top = Double(scores[0])
                        for j in 0..<window where theta * (Double(scores[j]) - top) > 0 { top = Double(scores[j]) }
                        // The attention mass on the positions followed by the target, as
                        // exp(hitTop) · hit: hitTop the largest exponent among them, so hit ≥ 1.
                        var sum = 0.0, hit = 0.0, hitTop = -Double.infinity
                        for j in 0..<window {
                            let z = theta * (Double(scores[j]) - top)
                            sum += Foundation.exp(z)
                            guard Int(historyWord[first + j]) == target, z > -Double.infinity else { continue }
                            if z > hitTop {
                                hit = hit * Foundation.exp(hitTop - z) + 1
                                hitTop = z
                            } else {
                                hit += Foundation.exp(z - hitTop)
                            }
                        }
                        let logCache = hit > 0 ? hitTop + Foundation.log(hit) - Foundation.log(sum) : -Double.infinity
                        total -= LogSpace.add(logLambda + logCache, logModelShare - modelLoss)
                    }
                }
            }
            if historyWord.count > window {
                historyWord.removeFirst(historyWord.count - window)
                historyH.removeFirst(historyH.count - window * e)
            }
            progress?(k + 1, starts.count)
        }
        return total / Double(data.rows)
    }
}
