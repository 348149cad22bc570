/// The authors' `evaluate`: fixed `bptt` windows from a zeroed state, each
/// window's mean loss weighted by its length, the sum divided by the number of
/// rows of the batchified data (not rows − 1: the reference's normalisation,
/// kept so that figures compare). `progress` is called after each window with
/// the windows done and the total.
public enum Evaluator {
    /// The mean cross-entropy per token, in nats, over `data` (`columns` streams
    /// of `rows` tokens; at least 2 rows to score anything), without dropout. The
    /// model's weights are unchanged; its hidden state is reset and advanced.
    /// Throws `ModelError` when a token is outside the model's vocabulary.
    public static func loss(
        model: AWDLSTMModel, data: BatchedTokens, bptt: Int, progress: ((Int, Int) -> Void)? = nil
    ) throws(ModelError) -> Double {
        model.resetHidden(batchSize: data.columns)
        var total = 0.0
        let starts = Array(data.windowStarts(bptt: bptt))
        for (k, i) in starts.enumerated() {
            let batch = data.window(at: i, length: bptt)
            total += Double(batch.steps) * (try model.evaluate(batch, reusePreparedWeights: k > 0))
            progress?(k + 1, starts.count)
        }
        return total / Double(data.rows)
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
    /// The number of tokens evaluated.
    public var tokens: Int

    /// The result of a loss in nats over `tokens` tokens; `ppl` and `bpc` follow from it.
    public init(loss: Double, tokens: Int) {
        self.loss = loss
        ppl = exp(loss)
        bpc = loss / log(2.0)
        self.tokens = tokens
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
