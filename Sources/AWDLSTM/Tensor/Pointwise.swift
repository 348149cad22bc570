/// Element-wise kernels over raw float arrays, eight lanes at a time.
enum Pointwise {
    /// `y[i] = x[i] · m[i mod period]` — a mask of `period` elements broadcast
    /// over consecutive blocks (locked dropout: one `[B, F]` mask for all time steps).
    static func multiplyBroadcast(
        _ x: UnsafePointer<Float>, mask: UnsafePointer<Float>, period: Int,
        count: Int, into y: UnsafeMutablePointer<Float>
    ) {
        precondition(period > 0 && count % period == 0)
        var block = 0
        while block < count {
            multiply(x + block, mask, count: period, into: y + block)
            block += period
        }
    }

    /// `z[i] = x[i] · y[i]`.
    static func multiply(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int,
        into z: UnsafeMutablePointer<Float>
    ) {
        let w = VectorMath.width
        var i = 0
        while i + w <= count {
            UnsafeMutableRawPointer(z + i).storeBytes(of: x.loadVector(i) * y.loadVector(i), as: FloatVector.self)
            i += w
        }
        while i < count { z[i] = x[i] * y[i]; i += 1 }
    }

    /// `y[i] += a · x[i]`.
    static func addScaled(
        _ x: UnsafePointer<Float>, _ a: Float, count: Int, into y: UnsafeMutablePointer<Float>
    ) {
        let w = VectorMath.width
        var i = 0
        while i + w <= count {
            y.storeVector(y.loadVector(i) + a * x.loadVector(i), i)
            i += w
        }
        while i < count { y[i] += a * x[i]; i += 1 }
    }

    /// `y[i] += x[i] · m[i]`.
    static func addProduct(
        _ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>, count: Int,
        into y: UnsafeMutablePointer<Float>
    ) {
        let w = VectorMath.width
        var i = 0
        while i + w <= count {
            y.storeVector(y.loadVector(i) + x.loadVector(i) * m.loadVector(i), i)
            i += w
        }
        while i < count { y[i] += x[i] * m[i]; i += 1 }
    }

    /// `x[i] *= a`.
    static func scale(_ x: UnsafeMutablePointer<Float>, by a: Float, count: Int) {
        let w = VectorMath.width
        var i = 0
        while i + w <= count { x.storeVector(x.loadVector(i) * a, i); i += w }
        while i < count { x[i] *= a; i += 1 }
    }

    /// Whether every element is finite (no infinity, no NaN).
    static func allFinite(_ x: UnsafePointer<Float>, count: Int) -> Bool {
        // Blocks of 4096 summed as x·0: NaN for infinity or NaN, zero otherwise.
        var start = 0
        while start < count {
            let end = min(count, start + 4096)
            var s: Float = 0
            for i in start..<end { s += x[i] * 0 }
            if s != 0 || s.isNaN { return false }
            start = end
        }
        return true
    }

    /// `Σ x[i]²`, accumulated in eight float lanes per block of 4096 and then in double,
    /// so that sums over millions of elements keep full single precision.
    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        let w = VectorMath.width
        var total = 0.0
        var start = 0
        while start < count {
            let end = min(count, start + 4096)
            var acc = FloatVector()
            var i = start
            while i + w <= end { let v = x.loadVector(i); acc += v * v; i += w }
            var s = Double(acc.sum())
            while i < end { s += Double(x[i] * x[i]); i += 1 }
            total += s
            start = end
        }
        return total
    }

    /// `Σ (x[i] − y[i])²` in the same blocked way.
    static func sumOfSquaredDifferences(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int
    ) -> Double {
        let w = VectorMath.width
        var total = 0.0
        var start = 0
        while start < count {
            let end = min(count, start + 4096)
            var acc = FloatVector()
            var i = start
            while i + w <= end { let d = x.loadVector(i) - y.loadVector(i); acc += d * d; i += w }
            var s = Double(acc.sum())
            while i < end { let d = x[i] - y[i]; s += Double(d * d); i += 1 }
            total += s
            start = end
        }
        return total
    }
}
