/// The score of a text under a language model (`InferenceSession.score`):
/// every token's log-probability given the tokens before it, the first one
/// given the vocabulary's start token, and the per-token loss.
///
/// ```swift
/// let s = try model.score("the cat sat")
/// print(s.tokens, s.logProbabilities, s.loss, s.perplexity)
/// ```
public struct TextScore: Sendable, Equatable, Codable {
    /// The scored tokens as the model read them (words outside the vocabulary
    /// shown as its unknown token), `[N]`; the start token is not among them.
    public var tokens: [String]
    /// Their ids, `[N]`.
    public var ids: [Int32]
    /// `log p(token_i | start, token_0 … token_{i−1})` in nats, `[N]`.
    public var logProbabilities: [Double]
    /// Tokens that were outside the vocabulary and read as its unknown token.
    public var unknownWords: Int

    enum CodingKeys: String, CodingKey {
        case tokens, ids, loss, perplexity
        case logProbabilities = "log_probabilities", unknownWords = "unknown_words"
    }

    /// A score of `tokens` (ids `ids`) with their log-probabilities.
    public init(tokens: [String], ids: [Int32], logProbabilities: [Double], unknownWords: Int = 0) {
        self.tokens = tokens
        self.ids = ids
        self.logProbabilities = logProbabilities
        self.unknownWords = unknownWords
    }

    /// The mean of `−log p` over the scored tokens, in nats (0 when none): the
    /// cross-entropy per token that `evaluate --file F --score-first-word` reports
    /// as `per_token_loss`.
    public var loss: Double {
        logProbabilities.isEmpty ? 0 : -logProbabilities.reduce(0, +) / Double(logProbabilities.count)
    }

    /// `exp(loss)`.
    public var perplexity: Double { exp(loss) }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try c.decode([String].self, forKey: .tokens)
        ids = try c.decode([Int32].self, forKey: .ids)
        logProbabilities = try c.decode([Double].self, forKey: .logProbabilities)
        unknownWords = try c.decodeIfPresent(Int.self, forKey: .unknownWords) ?? 0
    }

    /// Writes the fields and, for readers, `loss` and `perplexity`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(ids, forKey: .ids)
        try c.encode(logProbabilities, forKey: .logProbabilities)
        try c.encode(unknownWords, forKey: .unknownWords)
        try c.encode(loss, forKey: .loss)
        try c.encode(perplexity, forKey: .perplexity)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
