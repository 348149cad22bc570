/// A token stream cut into `B` contiguous columns (the authors' `batchify`):
/// the tail that does not fill all columns is dropped, column `b` is the
/// `b`-th slice of the stream, and memory is time-major `[rows, B]`.
///
/// The input of `Evaluator.evaluate`: evaluation uses `B` = 10 for validation and 1
/// for test, as the authors' `main.py` does.
public struct BatchedTokens: Sendable {
    /// Tokens per column: `⌊stream.count / B⌋`.
    public let rows: Int
    /// `B`, the batch size.
    public let columns: Int
    /// `tokens[r·B + b]`.
    let tokens: [Int32]
    /// The length of the stream cut, the dropped tail included: what an
    /// `EvaluationResult` counts as the tokens evaluated.
    let streamCount: Int

    /// Cuts `stream` (token ids) into `batchSize` columns. Throws
    /// `ConfigurationError` (field `batchSize`) unless `batchSize` ≥ 1. A stream
    /// shorter than `batchSize` gives 0 rows; the ids are checked against a
    /// vocabulary only when a model reads them (`ModelError`).
    public init(_ stream: [Int32], batchSize: Int) throws(ConfigurationError) {
        try ConfigurationError.require(batchSize >= 1, "batchSize", batchSize, .atLeast(1))
        self.init(stream, columns: batchSize)
    }

    /// `init(_:batchSize:)` for a batch size the caller has checked (≥ 1).
    init(_ stream: [Int32], columns batchSize: Int) {
        precondition(batchSize >= 1)
        columns = batchSize
        streamCount = stream.count
        rows = stream.count / batchSize
        var t = [Int32](repeating: 0, count: rows * batchSize)
        for b in 0..<batchSize {
            for r in 0..<rows { t[r * batchSize + b] = stream[b * rows + r] }
        }
        tokens = t
    }

    /// Columns `range` of these (a data-parallel rank's share), with the same rows.
    func columns(_ range: Range<Int>) -> BatchedTokens {
        precondition(!range.isEmpty && range.lowerBound >= 0 && range.upperBound <= columns)
        var t = [Int32](repeating: 0, count: rows * range.count)
        for r in 0..<rows {
            for (k, b) in range.enumerated() { t[r * range.count + k] = tokens[r * columns + b] }
        }
        return BatchedTokens(rows: rows, columns: range.count, tokens: t)
    }

    private init(rows: Int, columns: Int, tokens: [Int32]) {
        (self.rows, self.columns, self.tokens, streamCount) = (rows, columns, tokens, tokens.count)
    }

    /// The window starting at row `i`: inputs rows `i..<i+len`, targets one row
    /// later, with `len = min(seqLen, rows − 1 − i)` (the authors' `get_batch`).
    func window(at i: Int, length seqLen: Int) -> TokenBatch {
        let len = min(seqLen, rows - 1 - i)
        precondition(len >= 1, "window at row \(i) is past the end")
        let b = columns
        return TokenBatch(inputs: Array(tokens[(i * b)..<((i + len) * b)]),
                          targets: Array(tokens[((i + 1) * b)..<((i + 1 + len) * b)]),
                          steps: len, batchSize: b)
    }

    /// Start rows of the fixed evaluation windows: `0, bptt, 2·bptt, …` while a target exists.
    func windowStarts(bptt: Int) -> StrideTo<Int> { stride(from: 0, to: rows - 1, by: bptt) }
}
