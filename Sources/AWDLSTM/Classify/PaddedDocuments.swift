/// A batch of documents laid out as fastai's `pad_input_chunk` (with
/// `pad_first=True`) lays them out for the classifier: `[B, S]` row-major, `S`
/// the longest document's length; before each shorter document as many whole
/// chunks of `bptt` pads as fit in its shortfall, after it the remainder, so
/// that every document starts on a multiple of `bptt`.
public struct PaddedDocuments: Sendable, Equatable {
    /// `[batchSize, length]` row-major token ids.
    public let tokens: [Int32]
    public let batchSize: Int
    public let length: Int

    /// Pads `documents` (token ids, each non-empty) in the order given; fastai's
    /// `SortedDL` gives them longest first, which `SentenceEncoder` relies on.
    public init(_ documents: [[Int32]], bptt: Int, paddingIndex: Int32) {
        precondition(!documents.isEmpty && documents.allSatisfy { !$0.isEmpty }, "documents must be non-empty")
        let length = documents.map(\.count).max()!
        var tokens = [Int32](repeating: paddingIndex, count: documents.count * length)
        for (j, doc) in documents.enumerated() {
            let shortfall = length - doc.count
            let lead = (shortfall / bptt) * bptt
            for (t, id) in doc.enumerated() { tokens[j * length + lead + t] = id }
        }
        self.tokens = tokens
        batchSize = documents.count
        self.length = length
    }

    /// `[B, S]` ids as they are, for a batch laid out elsewhere (fastai's own collation).
    public init(tokens: [Int32], batchSize: Int, length: Int) {
        precondition(tokens.count == batchSize * length, "tokens must hold batchSize × length ids")
        self.tokens = tokens
        self.batchSize = batchSize
        self.length = length
    }
}
