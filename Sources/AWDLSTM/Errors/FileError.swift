import Foundation

/// A file or folder the file system would not give or take, whatever it holds
/// (what a file's contents may be wrong with is the business of `CorpusError`,
/// `CheckpointError` and `RunFolderError`). Paths are as given.
public enum FileError: Error, Equatable, Sendable {
    /// Nothing exists at `path`.
    case missing(path: String)
    /// `path` exists but could not be read.
    case unreadable(path: String)
    /// The folder `path` could not be created.
    case cannotCreateFolder(path: String)
    /// Writing `path` failed at `step`; `reason` is the system's (`strerror`), when it gave one.
    case cannotWrite(path: String, step: WriteStep, reason: String?)

    /// The steps of writing a file (`AtomicFile`: create, write and flush a
    /// temporary file, then rename it over the target).
    public enum WriteStep: String, Equatable, Sendable {
        case create, write, flush, replace, append, copy
    }
}

extension FileError: CustomStringConvertible, LocalizedError {
    /// The message, one line, naming the value at fault.
    public var description: String {
        switch self {
        case .missing(let path): "\(path): no such file"
        case .unreadable(let path): "\(path): cannot read file"
        case .cannotCreateFolder(let path): "\(path): cannot create the folder"
        case .cannotWrite(let path, let step, let reason):
            "cannot \(step == .append || step == .copy ? "\(step.rawValue) to" : step.rawValue) \(path)" + (reason.map { ": \($0)" } ?? "")
        }
    }

    /// `description`, so that `localizedDescription` reads the same.
    public var errorDescription: String? { description }
}
