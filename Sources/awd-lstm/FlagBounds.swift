import ArgumentParser

/// The largest value each integer flag takes, checked when the command line is
/// parsed, before any work: a value that fits the flag's type (`Int`) but not
/// the work (`--window 9223372036854775807`, `--bptt 1000000000000`) is one line
/// naming the flag and the limit, never an overflow trap or an allocation that
/// fails hours later.
///
/// Counts, sizes and lengths stop at `count`, 2^31 − 1: the BLAS takes its
/// dimensions as C `int`s, and products of two such values (tokens × width,
/// steps × batch) still fit `Int`. Flags whose value is itself allocated at once
/// have a smaller limit, given with them.
enum FlagBounds {
    /// 2147483647, the largest C `int`.
    static let count = Int(Int32.max)
    /// `generate --words`: the ids and the text of the sample are held in memory
    /// (about 10 bytes a word); 100 million words is days of sampling on a CPU.
    static let words = 100_000_000
    /// `bench --steps`, `--warmup`, `--eval-steps`, `--repeats`: timings are kept
    /// per step; a million steps is weeks of the paper's model.
    static let benchSteps = 1_000_000

    /// Throws "--window must be at most 2147483647 (got 9223372036854775807)"
    /// for the first flag of `flags` given above `limit`.
    static func require(_ flags: [(String, Int?)], atMost limit: Int = count) throws {
        for case let (name, value?) in flags where value > limit {
            throw ValidationError("\(name) must be at most \(limit) (got \(value))")
        }
    }
}
