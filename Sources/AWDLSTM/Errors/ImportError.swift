import Foundation

/// A PyTorch checkpoint (`CheckpointImport`) whose tensors do not make an
/// AWD-LSTM of the chosen format. `source` is its path.
public enum ImportError: Error, Equatable, Sendable {
    /// The tensors are inconsistent; `reason` names the tensor and what was expected.
    case inconsistent(source: String, reason: String)
    /// As `inconsistent`, and the names are those of the `likely` format (the `format` to try).
    case wrongFormat(source: String, reason: String, likely: CheckpointFormat)
    /// `tensor` holds `dtype` values; only F32 is imported (export with `.float()`).
    case unsupportedDType(source: String, tensor: String, dtype: String)
    /// The embedding `tensor` has `words` rows, but `vocabularySource` has `vocabularyWords` words.
    case vocabularyMismatch(source: String, tensor: String, words: Int, emsize: Int, vocabularySource: String, vocabularyWords: Int)
    /// Split boundaries (`splits`) were given for a checkpoint without split cross-entropy tensors.
    case splitsWithoutTailClusters(source: String)
    /// `criterion.tail_vectors` has `tailClusters` rows, but `splits` make another number of tail clusters.
    case splitCountMismatch(source: String, tailClusters: Int, splits: [Int])
    /// The sizes read off the tensors make an unusable configuration.
    case invalidConfiguration(source: String, ConfigurationError)

    /// The message, with the parameters `splits` and `format` spelt by `name`
    /// (identity: the library's names).
    public func message(naming name: (String) -> String = { $0 }) -> String {
        switch self {
        case .inconsistent(let source, let reason): "\(source): \(reason)"
        case .wrongFormat(let source, let reason, let likely): "\(source): \(reason) (the names are those of a \(likely.rawValue) checkpoint: try \(name("format")) \(likely.rawValue))"
        case .unsupportedDType(let source, let tensor, let dtype):
            "\(source): tensor '\(tensor)' has dtype \(dtype); only F32 is supported (export with .float())"
        case .vocabularyMismatch(let source, let tensor, let words, let emsize, let vocabularySource, let n):
            "\(source): vocabulary of \(words) words ('\(tensor)' is [\(words), \(emsize)]), but \(vocabularySource) has \(n) words"
        case .splitsWithoutTailClusters(let source):
            "\(source): \(name("splits")) given, but the checkpoint has no 'criterion.tail_vectors' (a full-softmax model)"
        case .splitCountMismatch(let source, let k, let splits):
            "\(source): 'criterion.tail_vectors' has \(k) rows (tail clusters), but the splits "
                + "[\(splits.map(String.init).joined(separator: ", "))] make \(splits.count); give the model's boundaries with \(name("splits")) A,B,C"
        case .invalidConfiguration(let source, let error): "\(source): \(error)"
        }
    }
}

extension ImportError: CustomStringConvertible, LocalizedError {
    /// The message, one line, naming the value at fault.
    public var description: String { message() }
    /// `description`, so that `localizedDescription` reads the same.
    public var errorDescription: String? { description }
}
