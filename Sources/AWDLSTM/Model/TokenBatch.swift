/// A batch of token ids in time-major order: `inputs[t·B + b]` is step `t` of
/// column `b`, and `targets` holds the next token of each position.
struct TokenBatch: Sendable {
    var inputs: [Int32]
    var targets: [Int32]
    var steps: Int
    var batchSize: Int

    init(inputs: [Int32], targets: [Int32], steps: Int, batchSize: Int) {
        precondition(inputs.count == steps * batchSize && targets.count == inputs.count,
                     "token batch shape mismatch")
        self.inputs = inputs
        self.targets = targets
        self.steps = steps
        self.batchSize = batchSize
    }
}
