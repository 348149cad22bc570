import CKernels

/// Eight-lane float vectors for the simple element-wise loops in `Pointwise`.
/// The transcendental kernels (exp, sigmoid, tanh) live in the `CKernels`
/// target, compiled per CPU; `VectorMath` exposes them over arrays.
typealias FloatVector = SIMD8<Float>

enum VectorMath {
    static let width = FloatVector.scalarCount

    /// `exp` as used by the softmax kernel (Cephes polynomial, ≈1e-7 relative error).
    static func exp(_ x: [Float]) -> [Float] { apply(x, awd_vexp) }
    static func sigmoid(_ x: [Float]) -> [Float] { apply(x, awd_vsigmoid) }
    /// `tanh` as used by the LSTM cell (Taylor series below |x| = 0.2).
    static func tanh(_ x: [Float]) -> [Float] { apply(x, awd_vtanh) }

    private static func apply(
        _ x: [Float], _ f: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void
    ) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { src in
            y.withUnsafeMutableBufferPointer { dst in f(src.baseAddress, dst.baseAddress, x.count) }
        }
        return y
    }
}

/// Unaligned vector loads and stores on raw float pointers.
extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always)
    func loadVector(_ offset: Int) -> FloatVector {
        UnsafeRawPointer(self + offset).loadUnaligned(as: FloatVector.self)
    }
    @inline(__always)
    func storeVector(_ v: FloatVector, _ offset: Int) {
        UnsafeMutableRawPointer(self + offset).storeBytes(of: v, as: FloatVector.self)
    }
}

extension UnsafePointer where Pointee == Float {
    @inline(__always)
    func loadVector(_ offset: Int) -> FloatVector {
        UnsafeRawPointer(self + offset).loadUnaligned(as: FloatVector.self)
    }
}
