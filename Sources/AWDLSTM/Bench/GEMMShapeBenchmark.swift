import Foundation

/// The BLAS products of one training step of the LSTM model, timed one shape
/// at a time: how a BLAS library or core would serve this model, apart from
/// everything else the step does. `bench --gemm-shapes` prints it; with
/// `AWDLSTM_BLAS_LIBRARY` or `OPENBLAS_CORETYPE` it compares libraries and cores
/// (scripts/bench/blas_compare.sh).
@_spi(CLI) public enum GEMMShapeBenchmark {
    /// One product `C[m, n] = op(A)·op(B)` with inner dimension `k`.
    public struct Shape: Codable, Sendable {
        /// Where the product occurs, e.g. `layer 0 input projection`.
        public var name: String
        /// The dimensions: `C` is `[m, n]`, the inner one `k`.
        public var m, n, k: Int
        /// Whether A and B are read transposed.
        public var transposeA, transposeB: Bool
        /// Times the product runs per training step.
        public var callsPerStep: Int
        /// Best time of one call and its rate (filled in by `run`).
        public var ms = 0.0
        /// GFLOP/s of the best call (2·m·n·k per call).
        public var gflops = 0.0

        enum CodingKeys: String, CodingKey {
            case name, m, n, k, transposeA = "transpose_a", transposeB = "transpose_b"
            case callsPerStep = "calls_per_step", ms, gflops
        }
    }

    /// The shapes, their times, and the BLAS that ran them.
    public struct Result: Codable, Sendable {
        /// Every product of the step.
        public var shapes: [Shape]
        /// Σ calls × time: the step's BLAS time at these rates.
        public var msPerStep: Double
        /// The BLAS that ran them.
        public var blas: BLASReport

        enum CodingKeys: String, CodingKey { case shapes, msPerStep = "blas_ms_per_step", blas }
    }

    /// The products of a training step at batch `batch` and `bptt` steps, as
    /// `WeightDropLSTM` and the tied decoder issue them (row-major, C = op(A)·op(B)):
    /// per layer the input projection over all T·B rows, the recurrent product
    /// per step (BLAS above the packed kernel's batch limit), its backward, the
    /// weight gradients over all rows and the input gradient; the decoder and its two gradients.
    static func shapes(_ c: ModelConfig, batch: Int, bptt: Int) -> [Shape] {
        let rows = batch * bptt
        var list: [Shape] = []
        func add(_ name: String, _ m: Int, _ n: Int, _ k: Int, _ ta: Bool, _ tb: Bool, _ calls: Int) {
            list.append(Shape(name: name, m: m, n: n, k: k, transposeA: ta, transposeB: tb, callsPerStep: calls))
        }
        for l in 0..<c.nlayers {
            let input = c.inputSize(l), h = c.hiddenSize(l), g = 4 * h
            add("layer \(l) input projection", rows, g, input, false, true, 1)
            if batch > 32 {
                add("layer \(l) recurrent step", batch, g, h, false, true, bptt)
            }
            add("layer \(l) recurrent step backward", batch, h, g, false, false, bptt)
            add("layer \(l) W_ih gradient", g, input, rows, true, false, 1)
            add("layer \(l) W_hh gradient", g, h, rows, true, false, 1)
            add("layer \(l) input gradient", rows, input, g, false, false, 1)
        }
        add("decoder", rows, c.vocabSize, c.emsize, false, true, 1)
        add("decoder input gradient", rows, c.emsize, c.vocabSize, false, false, 1)
        add("decoder weight gradient", c.vocabSize, c.emsize, rows, true, false, 1)
        return list
    }

    /// Times each shape through `GEMM.multiply` (split over the pool as in the
    /// engine): best of `repeats` after one untimed call.
    public static func run(_ c: ModelConfig, batch: Int, bptt: Int, repeats: Int = 3) -> Result {
        var timed: [Shape] = []
        for var s in shapes(c, batch: batch, bptt: bptt) {
            let a = FloatBuffer(count: s.m * s.k), b = FloatBuffer(count: s.k * s.n), out = FloatBuffer(count: s.m * s.n)
            a.fill(0.01)
            b.fill(0.02)
            var best = Double.infinity
            for r in 0...max(1, repeats) {  // call 0 warms up
                let start = monotonicMilliseconds()
                GEMM.multiply(m: s.m, n: s.n, k: s.k, a.pointer, transposeA: s.transposeA, b.pointer,
                              transposeB: s.transposeB, into: out.pointer)
                if r > 0 { best = min(best, monotonicMilliseconds() - start) }
            }
            s.ms = best
            s.gflops = 2 * Double(s.m) * Double(s.n) * Double(s.k) / (best / 1000) / 1e9
            timed.append(s)
        }
        return Result(shapes: timed, msPerStep: timed.reduce(0) { $0 + Double($1.callsPerStep) * $1.ms },
                      blas: BLAS.library.report)
    }
}
