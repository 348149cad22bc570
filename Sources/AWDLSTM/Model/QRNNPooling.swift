import CKernels

/// The QRNN's element-wise time loop ("fo-pooling" with an output gate; see
/// `awd_kernels.h`), for the hidden units `units` of every row.
///
/// Forward activates the pre-activations `[z f o]` of each row (`[T·B, 3H]`) in
/// place (z = tanh, f = σ, o = σ) and writes `c_t = f_t ⊙ z_t + (1 − f_t) ⊙ c_{t−1}`
/// and `h_t = o_t ⊙ c_t` (`[T·B, H]`) from `c0` (`[B, H]`). Backward turns the
/// activated gates, in place, into their pre-activation gradients from `dOut`
/// (`[T·B, H]`), with `dc` (`[B, H]`) carrying the cell gradient back in time.
enum QRNNPooling {
    @inline(__always)
    static func forward(
        gates: UnsafeMutablePointer<Float>, c0: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
        h: UnsafeMutablePointer<Float>, steps: Int, batch: Int, hidden: Int, units: Range<Int>
    ) {
        awd_qrnn_pool_forward(gates, c0, c, h, steps, batch, hidden, units.lowerBound, units.upperBound)
    }

    @inline(__always)
    static func backward(
        gates: UnsafeMutablePointer<Float>, c0: UnsafePointer<Float>, c: UnsafePointer<Float>,
        dOut: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>, steps: Int, batch: Int, hidden: Int,
        units: Range<Int>
    ) {
        awd_qrnn_pool_backward(gates, c0, c, dOut, dc, steps, batch, hidden, units.lowerBound, units.upperBound)
    }
}
