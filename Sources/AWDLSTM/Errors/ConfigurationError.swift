import Foundation

/// An unusable setting or argument of a model, a training run, an evaluator or
/// a sampler, named by the Swift property or argument that holds it
/// (`evalBatchSize`, `dropouti`, `temperature`, `data.rows`).
///
/// Thrown by the `validate()` of `ModelConfig`, `TrainingOptions`, `Generator`,
/// `CachePointer` and `DynamicEvaluation`, and by the public initialisers and
/// methods that check their arguments (`AWDLSTMModel(config:rng:)`,
/// `BatchedTokens(_:batchSize:)`, the evaluators). Front ends translate `field`
/// into their own vocabulary (the command line shows `--eval-batch-size`).
public enum ConfigurationError: Error, Equatable, Sendable {
    /// `field` holds `value` (as Swift prints it), which is not `allowed`.
    case invalid(field: String, value: String, allowed: Requirement)

    /// What a field's value must be.
    public enum Requirement: Equatable, Sendable, CustomStringConvertible {
        /// An integer of at least this value.
        case atLeast(Int)
        /// An integer of at most this value (counts and lengths: 2147483647,
        /// the BLAS's C `int`).
        case atMost(Int)
        /// A number above zero (and below infinity).
        case positive
        /// A number of zero or more (and below infinity).
        case nonNegative
        /// A number above zero and below infinity, written out as such where
        /// infinity would pass a naive check (`lr`, `temperature`).
        case positiveAndFinite
        /// As `nonNegative`, with the same care.
        case nonNegativeAndFinite
        /// A probability of dropping: `0 ≤ p < 1`.
        case dropProbability
        /// A weight of a mixture: `0 ≤ λ ≤ 1`.
        case unitInterval
        /// A probability mass to keep: `0 < p ≤ 1` (nucleus sampling's `top_p`).
        case probabilityMass
        /// Any number but an infinity or NaN.
        case finite
        /// A list in strictly increasing order.
        case strictlyIncreasing
        /// Below the vocabulary size (a word id or cluster boundary).
        case belowVocabularySize(Int)
        /// Exactly this value (a model's vocabulary size against its corpus's).
        case equalTo(Int)
        /// The value a saved run keeps (a resumed run's optimisation settings).
        case sameAsSaved(String)
        /// Small enough that the model's parameters and their gradients (4 bytes
        /// each) fit in `memoryBytes` of memory.
        case fitsInMemory(memoryBytes: UInt64)

        /// The message, one line, naming the value at fault.
        public var description: String {
            switch self {
            case .atLeast(let n): "at least \(n)"
            case .atMost(let n): "at most \(n)"
            case .positive: "positive"
            case .nonNegative: "non-negative"
            case .positiveAndFinite: "positive and finite"
            case .nonNegativeAndFinite: "non-negative and finite"
            case .dropProbability: "in [0, 1)"
            case .unitInterval: "in [0, 1]"
            case .probabilityMass: "in (0, 1]"
            case .finite: "finite"
            case .strictlyIncreasing: "strictly increasing"
            case .belowVocabularySize(let n): "below the vocabulary size \(n)"
            case .equalTo(let n): "\(n)"
            case .sameAsSaved(let kept): "the run's \(kept), as it was saved"
            case .fitsInMemory(let memory):
                "small enough for the parameters and their gradients to fit in this machine's \(memory >> 30) GiB of memory"
            }
        }
    }

    /// The offending field's property name.
    public var field: String {
        switch self { case .invalid(let field, _, _): field }
    }

    /// The message with the field spelt by `name` (identity: the property name).
    public func message(naming name: (String) -> String = { $0 }) -> String {
        switch self {
        case .invalid(let field, let value, let allowed): "\(name(field)) must be \(allowed) (got \(value))"
        }
    }
}

extension ConfigurationError: CustomStringConvertible, LocalizedError {
    /// The message, one line, naming the value at fault.
    public var description: String { message() }
    /// `description`, so that `localizedDescription` reads the same.
    public var errorDescription: String? { description }
}

extension ConfigurationError {
    /// Throws `.invalid` unless `valid`.
    static func require(_ valid: Bool, _ field: String, _ value: some CustomStringConvertible, _ allowed: Requirement) throws(ConfigurationError) {
        if !valid { throw ConfigurationError.invalid(field: field, value: value.description, allowed: allowed) }
    }
}
