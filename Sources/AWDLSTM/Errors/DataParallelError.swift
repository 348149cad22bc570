import Foundation

/// A data-parallel job (`mpirun`) that cannot start.
public enum DataParallelError: Error, Equatable, Sendable {
    /// mpirun started this process, but Open MPI cannot be used; `reason` is
    /// the loader's or MPI's own words.
    case mpiUnavailable(reason: String)
    /// Rank `rank` holds `value` for `fact` where rank 0 holds `rootValue`
    /// (`RankAgreement`): the ranks would not train one model.
    case ranksDisagree(rank: Int, fact: String, value: String, rootValue: String)
}

extension DataParallelError: CustomStringConvertible, LocalizedError {
    /// The message, one line, naming the value at fault.
    public var description: String {
        switch self {
        case .mpiUnavailable(let reason): reason
        case .ranksDisagree(let rank, let fact, let value, let rootValue):
            "the ranks disagree: rank \(rank) has \(fact) \(value) where rank 0 has \(rootValue); every rank must run the same "
                + "program with the same flags on the same data"
        }
    }

    /// `description`, so that `localizedDescription` reads the same.
    public var errorDescription: String? { description }
}
