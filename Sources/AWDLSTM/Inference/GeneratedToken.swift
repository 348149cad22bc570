/// One word drawn by `InferenceSession.generate`, delivered as soon as it is
/// drawn (to the callback, or by `LanguageModel.stream`).
///
/// ```swift
/// for try await token in model.stream(after: "the", count: 10, options: SamplingOptions()) {
///     print(token.word, token.probability)
/// }
/// ```
public struct GeneratedToken: Sendable, Equatable, Codable {
    /// The word as the vocabulary spells it.
    public var word: String
    /// Its id.
    public var id: Int32
    /// Its probability under the model before sampling filters (temperature,
    /// top-k, top-p, `no_unk`), in [0, 1].
    public var probability: Double

    /// A drawn word.
    public init(word: String, id: Int32, probability: Double) {
        self.word = word
        self.id = id
        self.probability = probability
    }
}
