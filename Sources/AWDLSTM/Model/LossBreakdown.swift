/// The parts of the training objective for one batch.
public struct LossBreakdown: Sendable, Equatable {
    /// Mean cross-entropy per token (what the authors log as the loss).
    public var crossEntropy: Double
    /// α · mean(dropped output²).
    public var activation: Double
    /// β · mean(Δ raw output²).
    public var temporalActivation: Double
    /// The objective that was differentiated.
    public var total: Double { crossEntropy + activation + temporalActivation }
}
