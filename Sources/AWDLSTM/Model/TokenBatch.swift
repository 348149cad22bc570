/// A batch of token ids in time-major order: `inputs[t·B + b]` is step `t` of
/// column `b`, and `targets` holds the next token of each position.
public struct TokenBatch: Sendable {
    public var inputs: [Int32]
    public var targets: [Int32]
    public var steps: Int
    public var batchSize: Int

    public init(inputs: [Int32], targets: [Int32], steps: Int, batchSize: Int) {
        precondition(inputs.count == steps * batchSize && targets.count == inputs.count,
                     "token batch shape mismatch")
        self.inputs = inputs
        self.targets = targets
        self.steps = steps
        self.batchSize = batchSize
    }
}
