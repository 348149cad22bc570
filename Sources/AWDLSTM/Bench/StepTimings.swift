import Dispatch

/// Wall time in milliseconds spent in each part of a training step or
/// evaluation window: the model's parts as a `StepTimer` saw them, the
/// optimiser and allreduce as the benchmark timed them.
@_spi(CLI) public struct StepTimings: Sendable, Codable, Equatable {
    /// `PassPart.embedding`.
    public var embedding = 0.0
    /// `PassPart.recurrentForward` (named after the LSTM; the QRNN's too).
    public var lstmForward = 0.0
    /// The part of `lstmForward` spent in the layers' time loops (the recurrent
    /// product and the cell); the rest is the input projections and dropout.
    public var recurrence = 0.0
    /// `PassPart.recurrentBackward`.
    public var lstmBackward = 0.0
    /// `PassPart.criterion`: decoder, softmax and loss, with the regularisers.
    public var softmax = 0.0
    /// Clipping and the optimiser step, in milliseconds.
    public var optimizer = 0.0
    /// Summing the gradients over the ranks of a data-parallel job (MPI_Allreduce).
    public var allreduce = 0.0

    /// All parts zero.
    public init() {}

    /// The sum of the parts (`recurrence` is inside `lstmForward`), in milliseconds.
    public var total: Double { embedding + lstmForward + lstmBackward + softmax + optimizer + allreduce }

    enum CodingKeys: String, CodingKey {
        case embedding = "embedding_ms", lstmForward = "lstm_forward_ms", recurrence = "recurrence_ms"
        case lstmBackward = "lstm_backward_ms"
        case softmax = "softmax_ms", optimizer = "optimizer_ms", allreduce = "allreduce_ms"
    }

    func scaled(by k: Double) -> StepTimings {
        var t = self
        (t.embedding, t.lstmForward, t.recurrence, t.lstmBackward, t.softmax, t.optimizer, t.allreduce) =
            (embedding * k, lstmForward * k, recurrence * k, lstmBackward * k, softmax * k, optimizer * k, allreduce * k)
        return t
    }
}

/// Milliseconds on a monotonic clock.
@inline(__always)
func monotonicMilliseconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }

/// Accumulates the time of each part of the model's passes into `timings`
/// while it is the model's `observer`.
final class StepTimer: PassObserver {
    var timings = StepTimings()
    private var started = [Double](repeating: 0, count: PassPart.allCases.count)

    func begin(_ part: PassPart) { started[part.rawValue] = monotonicMilliseconds() }

    func end(_ part: PassPart) {
        let ms = monotonicMilliseconds() - started[part.rawValue]
        switch part {
        case .embedding: timings.embedding += ms
        case .recurrentForward: timings.lstmForward += ms
        case .recurrence: timings.recurrence += ms
        case .criterion: timings.softmax += ms
        case .recurrentBackward: timings.lstmBackward += ms
        }
    }
}
