/// Locked (variational) dropout: one `[B, F]` mask per forward pass, shared by
/// every time step, so a unit dropped for a sequence stays dropped along it.
/// Forward and backward are the same broadcast multiply.
enum LockedDropout {
    static func apply(
        _ x: UnsafePointer<Float>, mask: UnsafePointer<Float>, batch: Int, features: Int,
        rows: Int, into y: UnsafeMutablePointer<Float>
    ) {
        Pointwise.multiplyBroadcast(x, mask: mask, period: batch * features,
                                    count: rows * features, into: y)
    }
}
