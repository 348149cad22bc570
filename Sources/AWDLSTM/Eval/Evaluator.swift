/// The authors' `evaluate`: fixed `bptt` windows from a zeroed state, each
/// window's mean loss weighted by its length, the sum divided by the number of
/// rows of the batchified data (not rows − 1: the reference's normalisation,
/// kept so that figures compare). `progress` is called after each window with
/// the windows done and the total.
public enum Evaluator {
    /// Loss, perplexity and bits per token of `model` on `data` (`columns`
    /// streams of `rows` tokens), without dropout; `tokens` of the result is the
    /// length of the stream `data` was cut from. The model's weights are
    /// unchanged; its hidden state is reset and advanced.
    /// Throws `ConfigurationError` when `bptt` < 1 or `data` has fewer than 2
    /// rows (nothing to score), `ModelError` when a token is outside the model's
    /// vocabulary.
    public static func evaluate(
        model: AWDLSTMModel, data: BatchedTokens, bptt: Int, progress: ((Int, Int) -> Void)? = nil
    ) throws -> EvaluationResult {
        try ConfigurationError.require(bptt >= 1, "bptt", bptt, .atLeast(1))
        try ConfigurationError.require(data.rows >= 2, "data.rows", data.rows, .atLeast(2))
        return result(try loss(model: model, data: data, bptt: bptt, progress: progress), over: data)
    }

    /// The mean cross-entropy per token of `evaluate`, in nats, for `bptt` ≥ 1
    /// and `data` of 2 rows or more (checked by `evaluate`).
    static func loss(
        model: AWDLSTMModel, data: BatchedTokens, bptt: Int, progress: ((Int, Int) -> Void)? = nil
    ) throws(ModelError) -> Double {
        try loss(model: model, data: data, bptt: bptt, progress: progress, until: { false })!
    }

    /// As `loss(model:data:bptt:progress:)`, asking `stop` after each window;
    /// nil when it said to stop (a Ctrl-C in training's evaluations).
    static func loss(
        model: AWDLSTMModel, data: BatchedTokens, bptt: Int, progress: ((Int, Int) -> Void)?, until stop: () -> Bool
    ) throws(ModelError) -> Double? {
        model.resetHidden(batchSize: data.columns)
        var total = 0.0
        let starts = Array(data.windowStarts(bptt: bptt))
        for (k, i) in starts.enumerated() {
            let batch = data.window(at: i, length: bptt)
            total += Double(batch.steps) * (try model.evaluate(batch, reusePreparedWeights: k > 0))
            progress?(k + 1, starts.count)
            if stop() { return nil }
        }
        return total / Double(data.rows)
    }

    /// The targets `loss(model:data:bptt:)` scores: `rows − 1` in each column.
    static func scoredTokens(_ data: BatchedTokens) -> Int { data.columns * max(0, data.rows - 1) }

    /// `loss` (from `loss(model:data:bptt:)`) as `evaluate` reports it: over the
    /// stream's tokens, with the targets scored.
    static func result(_ loss: Double, over data: BatchedTokens) -> EvaluationResult {
        var result = EvaluationResult(loss: loss, tokens: data.streamCount, scoredTokens: scoredTokens(data))
        result.perTokenLoss = perScoredToken(loss, rows: data.rows)
        return result
    }

    /// The loss per scored token, from `loss` as the authors normalise it over
    /// `rows` rows (of which `rows − 1` are scored): `loss × rows / (rows − 1)`.
    /// The two differ by more than 1 % below 100 rows.
    public static func perScoredToken(_ loss: Double, rows: Int) -> Double {
        rows > 1 ? loss * Double(rows) / Double(rows - 1) : loss
    }
}

/// Loss, perplexity and bits per character (or per token) of one evaluation.
public struct EvaluationResult: Codable, Sendable, Equatable {
    /// Mean cross-entropy per token, in nats.
    public var loss: Double
    /// Perplexity, `exp(loss)`.
    public var ppl: Double
    /// Bits per token (per character for character-level corpora), `loss / ln 2`.
    public var bpc: Double
    /// The number of tokens evaluated (the text's length).
    public var tokens: Int
    /// The number of tokens whose prediction was scored (the text less the
    /// first token of each column, and less the tail `batchify` drops), when
    /// the command reports it; `loss` may be normalised by another count
    /// (`Evaluator`).
    public var scoredTokens: Int?
    /// The mean cross-entropy over the scored tokens, in nats (`Evaluator.perScoredToken`),
    /// when the command reports it: for one column (`--batch-size 1`) the mean
    /// of `−log p` of every token after the first, which `TextScore.loss` gives
    /// for the same text.
    public var perTokenLoss: Double?

    enum CodingKeys: String, CodingKey {
        case loss, ppl, bpc, tokens, scoredTokens = "scored_tokens", perTokenLoss = "per_token_loss"
    }

    /// The result of a loss in nats over `tokens` tokens (`scoredTokens` of them
    /// scored); `ppl` and `bpc` follow from it.
    public init(loss: Double, tokens: Int, scoredTokens: Int? = nil) {
        self.loss = loss
        ppl = exp(loss)
        bpc = loss / log(2.0)
        self.tokens = tokens
        self.scoredTokens = scoredTokens
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
