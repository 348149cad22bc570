import Foundation

/// Why `Trainer.run()` could not train: data too small for the batch sizes, or
/// a run that diverged (a non-finite loss, gradient norm, validation loss or
/// weights), stopped before anything non-finite was written.
public enum TrainingError: Error, Equatable, Sendable {
    /// `split` has `tokens` tokens, fewer than `rows` rows of `batchSize`
    /// columns need (`batchSize` is the value of the options' field `batchSizeField`).
    case dataTooSmall(split: Corpus.Split, tokens: Int, rows: Int, batchSize: Int, batchSizeField: String)
    /// Training stopped on `cause`. `folder` (a path) holds `files`; `recovery`
    /// says how to go on from them.
    case diverged(cause: Divergence, folder: String, files: [String], recovery: Recovery)
    /// Training stopped because the run folder could not be written (`error`:
    /// a full disk, say). `folder` (a path) holds `files`; `recovery` says how
    /// to go on from them once the cause is removed.
    case writeFailed(FileError, folder: String, files: [String], recovery: Recovery)

    /// What was no longer finite.
    public enum Divergence: Equatable, Sendable, CustomStringConvertible {
        /// The training loss of a batch (1-based numbers).
        case loss(epoch: Int, batch: Int)
        /// The gradient norm of a batch (1-based numbers).
        case gradientNorm(epoch: Int, batch: Int)
        /// The validation loss at the end of an epoch; `isNaN` false: infinite.
        case validationLoss(epoch: Int, isNaN: Bool)
        /// Values about to be written, e.g. "the weights to save at the end of epoch 3".
        case weights(String)

        /// The message, one line, naming the value at fault.
        public var description: String {
            switch self {
            case .loss(let e, let b): "non-finite loss at epoch \(e), batch \(b)"
            case .gradientNorm(let e, let b): "non-finite gradient norm at epoch \(e), batch \(b)"
            case .validationLoss(let e, let isNaN): "validation loss \(isNaN ? "NaN" : "infinite") at the end of epoch \(e)"
            case .weights(let what): "non-finite values in \(what)"
            }
        }
    }

    /// How a diverged run can go on.
    public enum Recovery: Equatable, Sendable {
        /// Fine-tuning: `model.safetensors` keeps the best weights; fine-tune again with a smaller learning rate.
        case fineTuneAgain
        /// `state.safetensors` keeps the last good state; resume with a smaller learning rate.
        case resume
        /// Nothing was saved yet; start again with a smaller learning rate (or clipping).
        case startAgain
    }

    /// The message, with option fields spelt by `name`, `next` saying how to
    /// go on after a divergence and `afterWriteFailure` after a failed write (the defaults: the library's wording).
    public func message(naming name: (String) -> String = { $0 },
                        next: (Recovery, _ folder: String) -> String = TrainingError.nextStep,
                        afterWriteFailure: (Recovery, _ folder: String) -> String = { r, _ in TrainingError.afterWriteFailure(r) }) -> String {
        switch self {
        case .dataTooSmall(let split, let tokens, let rows, let b, let field):
            return "\(Self.splitName(split)) data too small: \(tokens) tokens do not fill \(rows) rows of \(name(field)) \(b)"
        case .diverged(let cause, let folder, let files, let recovery):
            return "training diverged (\(cause)) and stopped without saving this epoch's weights or state; "
                + "\(folder) holds \(files.joined(separator: ", ")): \(next(recovery, folder))"
        case .writeFailed(let error, let folder, let files, let recovery):
            return "training stopped: \(error); \(folder) holds \(files.isEmpty ? "nothing" : files.joined(separator: ", ")): "
                + afterWriteFailure(recovery, folder)
        }
    }

    /// The library's wording of each recovery.
    public static func nextStep(_ recovery: Recovery, folder: String) -> String {
        switch recovery {
        case .fineTuneAgain: "model.safetensors keeps the best weights; fine-tune again with a smaller learning rate"
        case .resume: "state.safetensors keeps the last good state; resume the run with a smaller learning rate"
        case .startAgain: "no weights were saved yet; start again with a smaller learning rate (or gradient clipping)"
        }
    }

    /// How to go on after `writeFailed`, once there is room again.
    public static func afterWriteFailure(_ recovery: Recovery) -> String {
        switch recovery {
        case .fineTuneAgain: "model.safetensors keeps the best weights; make room and fine-tune again"
        case .resume: "state.safetensors keeps the last good state; make room and resume the run"
        case .startAgain: "nothing resumable was saved (no model is kept without its state); make room and start the run again"
        }
    }

    static func splitName(_ split: Corpus.Split) -> String {
        switch split { case .train: "training"; case .valid: "validation"; case .test: "test" }
    }
}

extension TrainingError: CustomStringConvertible, LocalizedError {
    /// The message, one line, naming the value at fault.
    public var description: String { message() }
    /// `description`, so that `localizedDescription` reads the same.
    public var errorDescription: String? { description }
}
