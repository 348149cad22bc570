/// The parts of the training objective for one batch.
struct LossBreakdown: Sendable, Equatable {
    /// Mean cross-entropy per token (what the authors log as the loss).
    var crossEntropy: Double
    /// α · mean(dropped output²).
    var activation: Double
    /// β · mean(Δ raw output²).
    var temporalActivation: Double
    /// The objective that was differentiated.
    var total: Double { crossEntropy + activation + temporalActivation }
}
