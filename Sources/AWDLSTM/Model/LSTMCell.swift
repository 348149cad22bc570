import CKernels

/// The fused element-wise part of one LSTM time step (see `awd_kernels.h`).
///
/// Forward, from the pre-activations `[i f g o]` of each row:
/// `c' = σ(f)⊙c + σ(i)⊙tanh(g)`, `h' = σ(o)⊙tanh(c')`; the activated gates
/// overwrite the pre-activations so that backward needs no recomputation.
/// Backward turns them, in place, into the pre-activation gradients and
/// carries `dc` to the previous step. `units` restricts a call to a range of
/// hidden units, so that threads can share a step.
enum LSTMCell {
    @inline(__always)
    static func forward(
        gates: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
        h: UnsafeMutablePointer<Float>, batch: Int, hidden: Int, units: Range<Int>? = nil
    ) {
        let u = units ?? 0..<hidden
        awd_lstm_cell_forward(gates, cPrev, c, tanhC, h, batch, hidden, u.lowerBound, u.upperBound)
    }

    /// `dh` holds the gradient arriving from step t+1 through the recurrence and
    /// `dc` the cell gradient from step t+1; on return `dc` is the cell gradient
    /// for step t−1 and `gates` holds the pre-activation gradients of step t.
    @inline(__always)
    static func backward(
        gates: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>,
        tanhC: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
        dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>, batch: Int, hidden: Int,
        units: Range<Int>? = nil
    ) {
        let u = units ?? 0..<hidden
        awd_lstm_cell_backward(gates, cPrev, tanhC, dOut, dh, dc, batch, hidden, u.lowerBound, u.upperBound)
    }
}
