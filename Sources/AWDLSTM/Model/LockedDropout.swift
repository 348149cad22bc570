/// Locked (variational) dropout, the authors' `LockedDropout` (Merity et al.
/// 2017, §4.2, after Gal & Ghahramani 2016): one `[B, F]` mask per forward pass,
/// shared by every time step, so a unit dropped for a sequence (batch column)
/// stays dropped along it. The model applies it to the embedded input
/// (`dropouti`), between recurrent layers (`dropouth`) and to the last layer's
/// output (`dropout`). Forward and backward are the same broadcast multiply of
/// `[T·B, F]` rows (`x` and `y` may be the same buffer).
enum LockedDropout {
    static func apply(
        _ x: UnsafePointer<Float>, mask: UnsafePointer<Float>, batch: Int, features: Int,
        rows: Int, into y: UnsafeMutablePointer<Float>
    ) {
        Pointwise.multiplyBroadcast(x, mask: mask, period: batch * features,
                                    count: rows * features, into: y)
    }
}
