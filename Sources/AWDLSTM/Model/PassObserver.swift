/// The parts of a forward/backward pass, as a benchmark breaks a training step
/// or an evaluation window down (`StepTimings`).
enum PassPart: Int, CaseIterable {
    /// Mask sampling, the embedding lookup with its dropouts, and the embedding's gradient.
    case embedding
    /// The recurrent stack forward, with the locked dropout between layers.
    case recurrentForward
    /// Within `recurrentForward`: the layers' time loops (`RecurrentLayer.recur`).
    case recurrence
    /// Decoder, softmax and loss with their gradient, AR, TAR and the output dropout's gradient.
    case criterion
    /// The recurrent stack backward.
    case recurrentBackward
}

/// Told when each part of a pass begins and ends (`AWDLSTMModel.observer`), so
/// that timing stays out of the model's arithmetic. Parts nest only as
/// `recurrence` inside `recurrentForward`.
protocol PassObserver: AnyObject {
    func begin(_ part: PassPart)
    func end(_ part: PassPart)
}
