import Foundation

/// ULMFiT's classifier training (Howard & Ruder 2018, §3.3) as fastai's
/// `Learner.fit_one_cycle` runs it: fastai's `Adam` over the parameter groups of
/// `awd_lstm_clas_split`, the one-cycle schedule per group, and gradual
/// unfreezing (`freezeTo`). The optimiser's state carries over from one
/// `fitOneCycle` to the next, as fastai keeps it between calls.
public final class ClassifierTrainer {
    public let classifier: TextClassifier
    let optimizer: FastaiAdam
    /// Number of parameter groups (`nlayers + 2`).
    public var groupCount: Int { optimizer.groups.count }
    /// Groups before this index are frozen (fastai's `frozen_idx`).
    public private(set) var frozenGroups = 0
    public var rng: RandomSource

    public init(classifier: TextClassifier, seed: UInt64, weightDecay: Double = 0.01) {
        self.classifier = classifier
        optimizer = FastaiAdam(groups: classifier.parameterGroups())
        optimizer.weightDecay = weightDecay
        rng = RandomSource(seed: seed)
    }

    /// fastai's `freeze_to(n)`: freezes the groups before `n` (counted from
    /// the end when negative); `freezeTo(0)` unfreezes all.
    public func freezeTo(_ n: Int) {
        frozenGroups = min(groupCount, max(0, n >= 0 ? n : groupCount + n))
    }

    /// What a training step reports.
    public struct Step: Sendable {
        public var epoch: Int, step: Int, steps: Int
        public var loss: Double
        public var lr: [Double], mom: Double
    }

    /// `epochs` passes over `documents` with the one-cycle schedule of peak
    /// rates `lrMax` (one per group, or one for all), batches of `batchSize`
    /// grouped by length. `onStep` sees every step; `onEpoch` gets the epoch
    /// index after each pass and may stop the fit by returning false.
    public func fitOneCycle(
        _ documents: [LabelledDocument], epochs: Int, lrMax: [Double], batchSize: Int,
        onStep: (Step) -> Void = { _ in }, onEpoch: (Int) throws -> Bool = { _ in true }
    ) throws {
        let rates = lrMax.count == 1 ? Array(repeating: lrMax[0], count: groupCount) : lrMax
        precondition(rates.count == groupCount, "one peak learning rate per parameter group")
        let schedule = OneCycleSchedule(lrMax: rates)
        // Training batches are all full (the last, incomplete one is dropped).
        let total = documents.count / max(1, batchSize) * epochs
        guard total > 0 else { throw ConfigurationError.invalid(field: "batchSize", value: "\(batchSize)", allowed: .atMost(documents.count)) }
        var pos = 0.0, step = 0
        let trainable = (0..<groupCount).map { $0 >= frozenGroups }
        for epoch in 0..<epochs {
            var order: RandomSource? = rng
            let batches = SortedBatches.batches(lengths: documents.map(\.ids.count), batchSize: batchSize, shuffle: &order)
            rng = order!
            for batch in batches {
                let (lr, mom) = schedule.values(at: pos)
                let docs = batch.map { documents[$0] }
                let padded = PaddedDocuments(docs.map(\.ids), bptt: classifier.config.bptt, paddingIndex: classifier.config.paddingIndex)
                let loss = try classifier.trainingPass(padded, labels: docs.map(\.label), rng: &rng,
                                                       encoderTrainable: frozenGroups < groupCount - 1)
                optimizer.step(lr: lr, mom: mom, trainable: trainable)
                onStep(Step(epoch: epoch, step: step, steps: total, loss: loss.crossEntropy, lr: lr, mom: mom))
                step += 1
                pos += 1 / Double(total)
            }
            if try !onEpoch(epoch) { return }
        }
    }

    /// Mean cross-entropy and the metrics of `documents`, in evaluation mode,
    /// batches of `batchSize` longest first.
    public func evaluate(_ documents: [LabelledDocument], batchSize: Int) throws -> (loss: Double, metrics: ClassificationMetrics) {
        let k = classifier.config.classes.count
        var none: RandomSource? = nil
        var loss = 0.0, predictions = [Int](repeating: 0, count: documents.count)
        for batch in SortedBatches.batches(lengths: documents.map(\.ids.count), batchSize: batchSize, shuffle: &none) {
            let docs = batch.map { documents[$0] }
            let padded = PaddedDocuments(docs.map(\.ids), bptt: classifier.config.bptt, paddingIndex: classifier.config.paddingIndex)
            let logits = try classifier.logits(padded)
            loss += TextClassifier.crossEntropy(logits, labels: docs.map(\.label), classes: k).0 * Double(docs.count)
            for (i, index) in batch.enumerated() {
                let row = logits[(i * k)..<(i * k + k)]
                predictions[index] = row.indices.max { row[$0] < row[$1] }! - i * k
            }
        }
        let metrics = ClassificationMetrics(labels: documents.map(\.label), predictions: predictions, classes: k)
        return (loss / Double(max(documents.count, 1)), metrics)
    }
}
