/// One candidate next word and its probability (`InferenceSession.nextWords`).
///
/// ```swift
/// for w in try model.nextWords(after: "the stock", count: 5) { print(w.word, w.probability) }
/// ```
public struct WordProbability: Sendable, Equatable, Codable {
    /// The word as the vocabulary spells it.
    public var word: String
    /// Its id.
    public var id: Int32
    /// `p(word | text)`, in [0, 1].
    public var probability: Double

    /// A word with its probability.
    public init(word: String, id: Int32, probability: Double) {
        self.word = word
        self.id = id
        self.probability = probability
    }
}
