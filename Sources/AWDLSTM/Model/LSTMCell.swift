/// The fused element-wise part of one LSTM time step, eight hidden units at a time.
///
/// Forward, from the pre-activations `[i f g o]` of each row:
/// `c' = σ(f)⊙c + σ(i)⊙tanh(g)`, `h' = σ(o)⊙tanh(c')`; the activated gates
/// overwrite the pre-activations so that backward needs no recomputation.
/// Backward turns them, in place, into the pre-activation gradients and
/// carries `dh`/`dc` to the previous step.
enum LSTMCell {
    static func forward(
        gates: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
        h: UnsafeMutablePointer<Float>, batch: Int, hidden: Int
    ) {
        let w = VectorMath.width
        for b in 0..<batch {
            let gi = gates + b * 4 * hidden, gf = gi + hidden, gg = gf + hidden, go = gg + hidden
            let row = b * hidden
            var j = 0
            while j < hidden {
                let n = min(w, hidden - j)
                let i = VectorMath.sigmoid(gi.loadPartialOrFull(j, n))
                let f = VectorMath.sigmoid(gf.loadPartialOrFull(j, n))
                let g = VectorMath.tanh(gg.loadPartialOrFull(j, n))
                let o = VectorMath.sigmoid(go.loadPartialOrFull(j, n))
                let cp = cPrev.loadPartialOrFull(row + j, n)
                let cn = f * cp + i * g
                let tc = VectorMath.tanh(cn)
                gi.storePartialOrFull(i, j, n)
                gf.storePartialOrFull(f, j, n)
                gg.storePartialOrFull(g, j, n)
                go.storePartialOrFull(o, j, n)
                c.storePartialOrFull(cn, row + j, n)
                tanhC.storePartialOrFull(tc, row + j, n)
                h.storePartialOrFull(o * tc, row + j, n)
                j += w
            }
        }
    }

    /// `dh` holds the gradient arriving from step t+1 through the recurrence and
    /// `dc` the cell gradient from step t+1; on return `dc` is the cell gradient
    /// for step t−1 and `gates` holds the pre-activation gradients of step t.
    static func backward(
        gates: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>,
        tanhC: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
        dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>, batch: Int, hidden: Int
    ) {
        let w = VectorMath.width
        for b in 0..<batch {
            let gi = gates + b * 4 * hidden, gf = gi + hidden, gg = gf + hidden, go = gg + hidden
            let row = b * hidden
            var j = 0
            while j < hidden {
                let n = min(w, hidden - j)
                let i = gi.loadPartialOrFull(j, n), f = gf.loadPartialOrFull(j, n)
                let g = gg.loadPartialOrFull(j, n), o = go.loadPartialOrFull(j, n)
                let tc = tanhC.loadPartialOrFull(row + j, n)
                let cp = cPrev.loadPartialOrFull(row + j, n)
                let dht = dOut.loadPartialOrFull(row + j, n) + dh.loadPartialOrFull(row + j, n)
                let dct = dht * o * (1 - tc * tc) + dc.loadPartialOrFull(row + j, n)
                gi.storePartialOrFull(dct * g * i * (1 - i), j, n)
                gf.storePartialOrFull(dct * cp * f * (1 - f), j, n)
                gg.storePartialOrFull(dct * i * (1 - g * g), j, n)
                go.storePartialOrFull(dht * tc * o * (1 - o), j, n)
                dc.storePartialOrFull(dct * f, row + j, n)
                j += w
            }
        }
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always)
    func loadPartialOrFull(_ offset: Int, _ n: Int) -> FloatVector {
        n == VectorMath.width ? loadVector(offset) : loadPartial(offset, n)
    }
    @inline(__always)
    func storePartialOrFull(_ v: FloatVector, _ offset: Int, _ n: Int) {
        if n == VectorMath.width { storeVector(v, offset) } else { storePartial(v, offset, n) }
    }
}

extension UnsafePointer where Pointee == Float {
    @inline(__always)
    func loadPartialOrFull(_ offset: Int, _ n: Int) -> FloatVector {
        n == VectorMath.width ? loadVector(offset) : loadPartial(offset, n)
    }
}
