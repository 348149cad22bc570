/// The authors' variable-length backpropagation through time: the base length
/// is `bptt` with probability 0.95 and `bptt/2` otherwise, the window length is
/// `max(5, ⌊N(base, 5)⌋)` (truncated toward zero like Python's `int`), and the
/// step's learning rate is scaled by `seqLen / bptt` so that short windows do
/// not get outsized updates.
struct VariableBPTT: Sendable {
    let bptt: Int
    let fixed: Bool

    init(bptt: Int, fixed: Bool = false) {
        self.bptt = bptt
        self.fixed = fixed
    }

    func sampleLength(_ rng: inout RandomSource) -> Int {
        if fixed { return bptt }
        let base = rng.uniform() < 0.95 ? Double(bptt) : Double(bptt) / 2
        return max(5, Int(rng.normal(mean: base, std: 5)))
    }

    func learningRate(_ lr: Double, length: Int) -> Double { lr * Double(length) / Double(bptt) }
}
