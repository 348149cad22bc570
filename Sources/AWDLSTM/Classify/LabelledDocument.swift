/// One document of a labelled set, as token ids of the classifier's
/// vocabulary, and the index of its class in `ClassifierConfig.classes`.
public struct LabelledDocument: Sendable, Equatable {
    public var ids: [Int32]
    public var label: Int

    public init(ids: [Int32], label: Int) {
        self.ids = ids
        self.label = label
    }
}

/// Batches of documents grouped by length, as fastai's `SortedDL` makes them.
///
/// Validation and prediction: every document sorted longest first, cut into
/// batches in that order. Training (`shuffled`): a random order cut into
/// chunks of 50 batches, each chunk sorted longest first and cut into batches,
/// then the batches in random order with the one holding the longest document
/// first (fastai puts it first so that memory peaks at once); an incomplete
/// last batch is dropped, as fastai's training loader does.
public enum SortedBatches {
    /// Indices into `lengths`, one array per batch, each longest first.
    public static func batches(lengths: [Int], batchSize: Int, shuffle rng: inout RandomSource?) -> [[Int]] {
        let bs = max(1, batchSize)
        guard var generator = rng else {
            let order = lengths.indices.sorted { lengths[$0] > lengths[$1] || (lengths[$0] == lengths[$1] && $0 < $1) }
            return stride(from: 0, to: order.count, by: bs).map { Array(order[$0..<min($0 + bs, order.count)]) }
        }
        let shuffled = Array(lengths.indices).shuffled(using: &generator)
        let chunk = bs * 50
        var sorted: [Int] = []
        for start in stride(from: 0, to: shuffled.count, by: chunk) {
            sorted += shuffled[start..<min(start + chunk, shuffled.count)].sorted { lengths[$0] > lengths[$1] }
        }
        var batches = stride(from: 0, to: sorted.count - sorted.count % bs, by: bs).map { Array(sorted[$0..<($0 + bs)]) }
        batches.shuffle(using: &generator)
        if let longest = batches.indices.max(by: { lengths[batches[$0][0]] < lengths[batches[$1][0]] }) {
            batches.swapAt(0, longest)
        }
        rng = generator
        return batches
    }
}
