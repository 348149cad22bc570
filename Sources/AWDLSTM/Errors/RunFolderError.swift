import Foundation

/// A run folder (`RunFolder`) that cannot be read, written or locked as asked.
/// Paths are those of the folder or of the file concerned.
public enum RunFolderError: Error, Equatable, Sendable {
    /// `folder` has no `config.json` (at `path`): it is no run folder.
    case missingConfiguration(path: String, folder: String)
    /// `config.json` at `path` cannot be decoded.
    case malformedConfiguration(path: String)
    /// An entry of `config.json` at `path` has the wrong type or is missing:
    /// `problem` names the key, the value found and what is allowed
    /// (`nhid must be a whole number (got "24")`).
    case invalidEntry(path: String, problem: String)
    /// `config.json` at `path` holds an unusable configuration.
    case invalidConfiguration(path: String, ConfigurationError)
    /// `vocab.txt` at `path` has `words` words where `config.json` says `vocabSize`.
    case vocabularySizeMismatch(path: String, words: Int, vocabSize: Int)
    /// No `model.safetensors` at `path` yet.
    case missingModel(path: String)
    /// No `state.safetensors` at `path`: nothing to resume in `folder`.
    case missingState(path: String, folder: String)
    /// `path` is missing from `folder` though the folder's other files say it
    /// was written: `evidence` says which and why it is needed.
    case missingFile(path: String, folder: String, evidence: String)
    /// Another process (`holder`, its pid when known) writes `folder`.
    case locked(folder: String, holder: String?)
    /// The lock file at `path` cannot be opened.
    case lockUnavailable(path: String)
    /// Every name `stamp`, `stamp-2`, … under `parent` is taken.
    case noFreeName(parent: String, stamp: String)
    /// `path` exists and is not replaced.
    case alreadyExists(path: String)
    /// Line `line` (1-based) of `metrics.jsonl` at `path` is no metrics record.
    case malformedMetrics(path: String, line: Int)
    /// The kept copy at `path` (`model.pre-finetune.safetensors`, …) of the
    /// folder's file at `original` cannot be read back (`reason`): a copy cut
    /// short by an earlier version or a full disk, never taken for the original.
    case damagedCopy(path: String, original: String, reason: String)
}

extension RunFolderError: CustomStringConvertible, LocalizedError {
    /// The message, one line, naming the value at fault.
    public var description: String {
        switch self {
        case .missingConfiguration(let path, let folder): "\(path): missing (is \(folder) a run folder?)"
        case .malformedConfiguration(let path): "\(path): malformed or incomplete configuration"
        case .invalidConfiguration(let path, let error): "\(path): \(error)"
        case .invalidEntry(let path, let problem): "\(path): \(problem)"
        case .vocabularySizeMismatch(let path, let words, let vocabSize):
            "\(path): \(words) words, but config.json says vocab_size \(vocabSize)"
        case .missingModel(let path): "\(path): missing (no model saved yet)"
        case .missingState(let path, let folder): "\(path): missing (nothing to resume in \(folder))"
        case .missingFile(let path, let folder, let evidence):
            "\(path): missing from the run folder \(folder), though \(evidence); restore it (from a backup or a copy of the folder), "
                + "as the run cannot go on without it"
        case .locked(let folder, let holder):
            "\(folder) is being written by another process\(holder.map { " (pid \($0))" } ?? ""); "
                + "wait for it to finish or choose another folder"
        case .lockUnavailable(let path): "\(path): cannot open the run folder's lock file"
        case .noFreeName(let parent, let stamp): "\(parent): no free run folder name for \(stamp)"
        case .alreadyExists(let path): "\(path) already exists; refusing to overwrite it"
        case .malformedMetrics(let path, let line): "\(path): line \(line) is not a metrics record"
        case .damagedCopy(let path, let original, let reason):
            "\(path): damaged (\(reason)), so it is not kept as the copy of \(original); if \(original) is still "
                + "the file to keep, delete the damaged copy and run again, else restore it from a backup"
        }
    }

    /// `description`, so that `localizedDescription` reads the same.
    public var errorDescription: String? { description }
}
