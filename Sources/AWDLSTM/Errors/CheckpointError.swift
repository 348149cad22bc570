import Foundation

/// Weights or a training state that cannot be used: a safetensors file that is
/// not well formed or does not hold what the model configuration needs, or
/// weights that do not fit a vocabulary remapping. `source` is the file's path
/// (or the name given to data held in memory).
public enum CheckpointError: Error, Equatable, Sendable {
    /// Not a well-formed safetensors file; `reason` says where it breaks (header, offsets, …).
    case malformed(source: String, reason: String)
    /// No tensor named `tensor`.
    case missingTensor(source: String, tensor: String)
    /// `tensor` holds `dtype` values; only F32 is read.
    case unsupportedDType(source: String, tensor: String, dtype: String)
    /// `tensor` has `shape` where the model configuration needs `expected`.
    case shapeMismatch(source: String, tensor: String, shape: [Int], expected: [Int])
    /// `tensor` has `count` values where `expected` are read.
    case valueCountMismatch(source: String, tensor: String, count: Int, expected: Int)
    /// `tensor` holds a NaN or an infinity at (flat) `index`: the weights of a diverged run.
    case nonFinite(source: String, tensor: String, index: Int)
    /// The file has no training state in its metadata (`state.safetensors` is written by `Trainer`).
    case notTrainingState(source: String)
    /// The state's random generator cannot be restored.
    case invalidGeneratorState(source: String)
    /// `AWDLSTMModel.remapped(to:_:)` was given a configuration its weights do not fit; `reason` says how.
    case remapMismatch(reason: String)
    /// The file is PyTorch's own (`torch.save`: a zip archive, or a pickle in
    /// older versions; `format` says which), not safetensors.
    case pytorchFile(source: String, format: String)
}

extension CheckpointError: CustomStringConvertible, LocalizedError {
    /// The message, one line, naming the value at fault.
    public var description: String {
        switch self {
        case .malformed(let source, let reason): "\(source): \(reason)"
        case .missingTensor(let source, let tensor): "\(source): missing tensor '\(tensor)'"
        case .unsupportedDType(let source, let tensor, let dtype):
            "\(source): tensor '\(tensor)' has dtype \(dtype); only F32 is supported"
        case .shapeMismatch(let source, let tensor, let shape, let expected):
            "\(source): tensor '\(tensor)' has shape \(shape), the configuration expects \(expected)"
        case .valueCountMismatch(let source, let tensor, let count, let expected):
            "\(source): tensor '\(tensor)' has \(count) values, expected \(expected)"
        case .nonFinite(let source, let tensor, let index):
            "\(source): tensor '\(tensor)' holds a non-finite value (NaN or infinity) at index \(index); "
                + "these weights are unusable (saved from a diverged run?)"
        case .notTrainingState(let source): "\(source): not a training state file"
        case .invalidGeneratorState(let source): "\(source): invalid generator state"
        case .remapMismatch(let reason): "remapping a vocabulary: \(reason)"
        case .pytorchFile(let source, let format):
            "\(source): a PyTorch file (torch.save, \(format)), not safetensors; load it in PyTorch and write its state_dict with "
                + "safetensors: save_file({k: v.float().clone().contiguous() for k, v in model.state_dict().items()}, 'model.safetensors') "
                + "(README.md, \"Moving weights between PyTorch and Swift\"), then `awd-lstm import --from model.safetensors --format salesforce`"
        }
    }

    /// `description`, so that `localizedDescription` reads the same.
    public var errorDescription: String? { description }
}
