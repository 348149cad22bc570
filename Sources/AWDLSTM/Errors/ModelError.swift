import Foundation

/// Why `AWDLSTMModel` refused a batch (`forwardBackward`, `evaluate`,
/// `logProbabilities`) instead of computing on it.
public enum ModelError: Error, Equatable, Sendable {
    /// A token id outside `0..<vocabularySize`: the text was not encoded with
    /// this model's vocabulary.
    case tokenOutsideVocabulary(id: Int32, vocabularySize: Int)
    /// A batch of `batchSize` columns while the carried state has `stateColumns`:
    /// `resetHidden(batchSize:)` must come first.
    case batchSizeMismatch(batchSize: Int, stateColumns: Int)
}

extension ModelError: CustomStringConvertible, LocalizedError {
    /// The message, one line, naming the value at fault.
    public var description: String {
        switch self {
        case .tokenOutsideVocabulary(let id, let v):
            "token id \(id) is outside the model's vocabulary of \(v) words (ids 0..<\(v))"
        case .batchSizeMismatch(let b, let columns):
            "a batch of \(b) columns for a model whose state has \(columns) (reset the hidden state first)"
        }
    }

    /// `description`, so that `localizedDescription` reads the same.
    public var errorDescription: String? { description }
}
