/// Eight-lane float vectors and the transcendental functions the model needs.
///
/// `exp` follows the classic Cephes single-precision scheme: write
/// `x = n·ln2 + r` with `|r| ≤ ln2/2`, evaluate a degree-6 polynomial for
/// `e^r` and scale by `2^n` through the exponent bits (relative error ≈ 1e-7).
/// `sigmoid` and `tanh` are built on it; `tanh` switches to its Taylor series
/// near zero, where `(1 − e^{−2|x|}) / (1 + e^{−2|x|})` would cancel.
public typealias FloatVector = SIMD8<Float>

public enum VectorMath {
    public static let width = FloatVector.scalarCount

    @inline(__always)
    static func absolute(_ x: FloatVector) -> FloatVector {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self) & SIMD8<UInt32>(repeating: 0x7FFF_FFFF)
        return unsafeBitCast(bits, to: FloatVector.self)
    }

    @inline(__always)
    public static func exp(_ input: FloatVector) -> FloatVector {
        // Below −87.3 the result would be subnormal; clamp to keep the bit trick valid.
        let x = input.clamped(lowerBound: FloatVector(repeating: -87.33654), upperBound: FloatVector(repeating: 88.37626))
        let n = (x * 1.442_695_04 + 0.5).rounded(.down)
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_4e-4
        var p = FloatVector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let y = p * (r * r) + r + 1
        let exponent = SIMD8<Int32>(n, rounding: .towardZero) &+ 127
        let scale = unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: exponent) &<< 23, to: FloatVector.self)
        return y * scale
    }

    @inline(__always)
    public static func sigmoid(_ x: FloatVector) -> FloatVector {
        1 / (1 + exp(-x))
    }

    @inline(__always)
    public static func tanh(_ x: FloatVector) -> FloatVector {
        let a = absolute(x)
        let e = exp(-2 * a)
        var t = (1 - e) / (1 + e)
        // Restore the sign: copy x's sign bit onto |tanh|.
        let sign = unsafeBitCast(x, to: SIMD8<UInt32>.self) & SIMD8<UInt32>(repeating: 0x8000_0000)
        t = unsafeBitCast(unsafeBitCast(t, to: SIMD8<UInt32>.self) | sign, to: FloatVector.self)
        // Series x − x³/3 + 2x⁵/15 − 17x⁷/315 for |x| < 0.2 (truncation error < 6e-8 relative).
        let x2 = x * x
        var s = FloatVector(repeating: -17.0 / 315.0)
        s = s * x2 + 2.0 / 15.0
        s = s * x2 - 1.0 / 3.0
        s = s * x2 * x + x
        return t.replacing(with: s, where: a .< 0.2)
    }

    // MARK: scalar forms (same numerics as the vector lanes)

    @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(FloatVector(repeating: x))[0] }
    @inline(__always)
    public static func sigmoid(_ x: Float) -> Float { sigmoid(FloatVector(repeating: x))[0] }
    @inline(__always)
    public static func tanh(_ x: Float) -> Float { tanh(FloatVector(repeating: x))[0] }
}

/// Unaligned vector loads and stores on raw float pointers, with a padded
/// form for the tail of a row whose length is not a multiple of the width.
extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always)
    func loadVector(_ offset: Int) -> FloatVector {
        UnsafeRawPointer(self + offset).loadUnaligned(as: FloatVector.self)
    }
    @inline(__always)
    func storeVector(_ v: FloatVector, _ offset: Int) {
        UnsafeMutableRawPointer(self + offset).storeBytes(of: v, as: FloatVector.self)
    }
    @inline(__always)
    func loadPartial(_ offset: Int, _ count: Int) -> FloatVector {
        var v = FloatVector()
        for i in 0..<count { v[i] = self[offset + i] }
        return v
    }
    @inline(__always)
    func storePartial(_ v: FloatVector, _ offset: Int, _ count: Int) {
        for i in 0..<count { self[offset + i] = v[i] }
    }
}

extension UnsafePointer where Pointee == Float {
    @inline(__always)
    func loadVector(_ offset: Int) -> FloatVector {
        UnsafeRawPointer(self + offset).loadUnaligned(as: FloatVector.self)
    }
    @inline(__always)
    func loadPartial(_ offset: Int, _ count: Int) -> FloatVector {
        var v = FloatVector()
        for i in 0..<count { v[i] = self[offset + i] }
        return v
    }
}
