/// DropConnect on a weight matrix, as the authors' `WeightDrop` applies it
/// (Wan et al. 2013; Merity et al. 2017, §4.1): the raw matrix times one scaled
/// mask (entries 0 or 1/(1−p)) for a whole forward pass, shared by every time
/// step and batch row. The LSTM drops its W_hh, the QRNN its linear map. The
/// raw matrix itself is never changed: the dropped copy lives in the layer's
/// workspace.
enum WeightDrop {
    /// `dropped = raw ⊙ mask` over `count` entries.
    static func apply(
        _ raw: UnsafePointer<Float>, mask: UnsafePointer<Float>, count: Int, into dropped: UnsafeMutablePointer<Float>
    ) {
        Pointwise.multiplyOnPool(raw, mask, count: count, into: dropped)
    }

    /// `gradRaw += gradDropped ⊙ mask`: the gradient through the mask, since
    /// d(W_raw ⊙ m)/dW_raw = m.
    static func accumulateGradient(
        _ gradDropped: UnsafePointer<Float>, mask: UnsafePointer<Float>, count: Int,
        into gradRaw: UnsafeMutablePointer<Float>
    ) {
        Pointwise.addProductOnPool(gradDropped, mask, count: count, into: gradRaw)
    }
}
