import Foundation

/// A data-parallel job (`mpirun`) that cannot start.
public enum DataParallelError: Error, Equatable, Sendable {
    /// mpirun started this process, but Open MPI cannot be used; `reason` is
    /// the loader's or MPI's own words.
    case mpiUnavailable(reason: String)
}

extension DataParallelError: CustomStringConvertible, LocalizedError {
    /// The message, one line, naming the value at fault.
    public var description: String {
        switch self { case .mpiUnavailable(let reason): reason }
    }

    /// `description`, so that `localizedDescription` reads the same.
    public var errorDescription: String? { description }
}
