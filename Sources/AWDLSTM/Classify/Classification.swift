/// The classifier's answer for one text: the most likely class and every
/// class's probability (softmax of the logits), with a note for a text that
/// holds no words (it is classified as fastai classifies `xxbos` alone).
public struct Classification: Codable, Sendable, Equatable {
    public var label: String
    /// By class label; they sum to 1.
    public var probabilities: [String: Double]
    public var note: String?

    public init(label: String, probabilities: [String: Double], note: String? = nil) {
        self.label = label
        self.probabilities = probabilities
        self.note = note
    }
}
