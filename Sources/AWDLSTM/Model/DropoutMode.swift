/// Which dropout a training pass (`AWDLSTMModel.forwardBackward`) applies.
///
/// Evaluation (`evaluate`, `logProbabilities`) never applies dropout; a training
/// pass applies it in one of three ways.
enum DropoutMode: Sendable {
    /// The paper's regime: every mask drawn afresh for the pass from its
    /// `RandomSource`, with the configuration's probabilities (`dropoute`,
    /// `dropouti`, `dropouth`, `dropout`, `wdrop`); a probability of 0 means no
    /// mask there.
    case sampled
    /// Exactly these masks, to reproduce another implementation's pass (the
    /// PyTorch parity fixtures); a nil mask means no dropout there.
    case given(DropoutMasks)
    /// No dropout anywhere: the gradient of the network as evaluation runs it
    /// (the updates of dynamic evaluation).
    case off
}
