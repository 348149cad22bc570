import Logging
import Foundation

/// Throughput of the full training step and of evaluation on synthetic tokens,
/// measured the way `scripts/bench/pytorch_reference.py` measures PyTorch:
/// warm-up, then timed steps (forward, backward, clipping, SGD; fixed windows)
/// and timed evaluation windows with the decoder and loss included.
@_spi(CLI) public struct BenchmarkOptions: Sendable {
    /// The model to time (built from seed 1234).
    public var config: ModelConfig
    /// Training batch size (80).
    public var batchSize = 80
    /// Training window, fixed (70).
    public var bptt = 70
    /// Timed training steps (5).
    public var steps = 5
    /// Untimed steps first (1).
    public var warmup = 1
    /// Evaluation batch size (10).
    public var evalBatchSize = 10
    /// Timed evaluation windows (5).
    public var evalSteps = 5
    /// Gradient clipping norm (0.25).
    public var clip: Float = 0.25
    /// SGD learning rate (30).
    public var lr = 30.0
    /// AR strength α (2).
    public var alpha: Float = 2
    /// TAR strength β (1).
    public var beta: Float = 1
    /// Weight decay (1.2e-6).
    public var wdecay: Float = 1.2e-6
    /// Tokens from `ZipfDistribution` with this exponent (id = rank); nil: uniform.
    public var zipf: Double?

    /// The authors' PTB training shapes for `config`.
    public init(config: ModelConfig) { self.config = config }
}

/// What `Benchmark.run` measured; the JSON of `bench --json` (snake_case keys).
@_spi(CLI) public struct BenchmarkResult: Codable, Sendable {
    /// Trained tokens per second (the whole batch).
    public var trainTokensPerS: Double
    /// Evaluated tokens per second.
    public var evalTokensPerS: Double
    /// Milliseconds per training step.
    public var trainMsPerStep: Double
    /// Milliseconds per evaluation window.
    public var evalMsPerWindow: Double
    /// Mean per step, by part of the step.
    public var breakdown: StepTimings
    /// Mean per evaluation window, by part.
    public var evalBreakdown: StepTimings
    /// Peak resident memory of the process, in bytes.
    public var peakRSSBytes: Int
    /// The measured shapes, as in `BenchmarkOptions`.
    public var batchSize: Int
    /// The measured shapes, as in `BenchmarkOptions`.
    public var bptt: Int
    /// The measured shapes, as in `BenchmarkOptions`.
    public var evalBatchSize: Int
    /// `LSTM` or `QRNN`.
    public var model: String
    /// The model's sizes, as in `ModelConfig`.
    public var emsize: Int
    /// The model's sizes, as in `ModelConfig`.
    public var nhid: Int
    /// The model's sizes, as in `ModelConfig`.
    public var nlayers: Int
    /// The model's sizes, as in `ModelConfig`.
    public var vocab: Int
    /// The split cross-entropy's boundaries (empty: full softmax).
    public var splits: [Int]
    /// The Zipf exponent of the tokens, nil when uniform.
    public var zipf: Double?
    /// The decoder and loss (`breakdown.softmax`) as a share of the training step.
    public var softmaxShare: Double
    /// Threads of the engine's pool.
    public var threads: Int
    /// Floats in the model.
    public var parameters: Int
    /// Forward + backward FLOPs per trained token (3× the forward multiply-adds × 2).
    public var trainFlopsPerToken: Double
    /// Measured single-precision GEMM rate on a large square product (the ceiling).
    public var sgemmGflops: Double
    /// Training FLOP rate as a fraction of that ceiling.
    public var fractionOfSgemm: Double
    /// Evaluation FLOP rate (a third of the training FLOPs per token) as a fraction of the ceiling.
    public var evalFractionOfSgemm: Double
    /// The BLAS that computed (`BLASReport`): library, version, core, and how the core was chosen.
    public var blasLibrary: String
    /// As `BLASReport.version`.
    public var blasVersion: String
    /// As `BLASReport.core`.
    public var blasCore: String
    /// As `BLASReport.selection`.
    public var blasSelection: String
    /// The CPU's vector features, as /proc/cpuinfo names them.
    public var cpuFeatures: [String]
    /// Processes of a data-parallel run (`mpirun -np N`), each on `batchSize / ranks` columns;
    /// token rates count the whole batch.
    public var ranks: Int

    enum CodingKeys: String, CodingKey {
        case trainTokensPerS = "train_tokens_per_s", evalTokensPerS = "eval_tokens_per_s"
        case trainMsPerStep = "train_ms_per_step", evalMsPerWindow = "eval_ms_per_window"
        case breakdown, evalBreakdown = "eval_breakdown", peakRSSBytes = "peak_rss_bytes", batchSize = "batch_size", bptt
        case evalBatchSize = "eval_batch_size", model, emsize, nhid, nlayers, vocab, splits, zipf, threads, parameters
        case softmaxShare = "softmax_share"
        case trainFlopsPerToken = "train_flops_per_token", sgemmGflops = "sgemm_gflops"
        case fractionOfSgemm = "fraction_of_sgemm", evalFractionOfSgemm = "eval_fraction_of_sgemm"
        case blasLibrary = "blas_library", blasVersion = "blas_version", blasCore = "blas_core"
        case blasSelection = "blas_selection", cpuFeatures = "cpu_features", ranks
    }
}

/// The `bench` command's measurement (see `BenchmarkOptions`).
@_spi(CLI) public enum Benchmark {
    /// With several ranks, each trains on its share of the batch columns and the
    /// gradients are averaged as in training (timed as `allreduce`); evaluation
    /// splits its columns likewise. Rates are rank 0's.
    public static func run(_ o: BenchmarkOptions, communicator: Communicator = SingleProcess(),
                           logger: Logger = LibraryLog.logger) throws -> BenchmarkResult {
        var rng = RandomSource(seed: 1234)
        let model = try AWDLSTMModel(config: o.config, rng: &rng)
        let v = UInt64(o.config.vocabSize)
        let zipf = o.zipf.map { ZipfDistribution(count: o.config.vocabSize, exponent: $0) }
        func tokens(_ n: Int) -> [Int32] {
            (0..<n).map { _ in Int32(zipf.map { $0.sample(&rng) } ?? Int(rng.next() % v)) }
        }
        let trainData = try BatchedTokens(tokens((o.bptt * (o.warmup + o.steps) + 1) * o.batchSize), batchSize: o.batchSize)
            .columns(communicator.columns(of: o.batchSize))
        let sgd = SGD(weightDecay: o.wdecay)
        model.resetHidden(batchSize: trainData.columns)

        var trainMs = 0.0
        let trainTimer = StepTimer()
        for s in 0..<(o.warmup + o.steps) {
            let batch = trainData.window(at: s * o.bptt, length: o.bptt)
            if s == o.warmup { model.observer = trainTimer }
            let start = monotonicMilliseconds()
            let loss = try model.forwardBackward(batch, alpha: o.alpha, beta: o.beta, rng: &rng)
            var t = monotonicMilliseconds()
            _ = communicator.averageGradients(model.gradients, loss: loss)
            if s >= o.warmup { trainTimer.timings.allreduce += monotonicMilliseconds() - t }
            t = monotonicMilliseconds()
            GradientClipping.clip(model.gradients, maxNorm: o.clip)
            sgd.step(weights: model.weights, gradients: model.gradients, lr: o.lr)
            if s >= o.warmup { trainTimer.timings.optimizer += monotonicMilliseconds() - t }
            t = monotonicMilliseconds()
            if s >= o.warmup { trainMs += t - start }
            logger.info("\(String(format: "train step %d: %.1f ms%@", s + 1, t - start, s < o.warmup ? " (warm-up)" : ""))")
        }
        let breakdown = trainTimer.timings.scaled(by: 1 / Double(max(1, o.steps)))
        model.observer = nil

        let evalColumns = communicator.columns(of: o.evalBatchSize)
        let evalData = try BatchedTokens(tokens((o.bptt * (o.evalSteps + 1) + 1) * o.evalBatchSize), batchSize: o.evalBatchSize)
            .columns(evalColumns.isEmpty ? 0..<1 : evalColumns)
        model.resetHidden(batchSize: evalData.columns)
        var evalMs = 0.0
        let evalTimer = StepTimer()
        for s in 0..<(o.evalSteps + 1) {
            let batch = evalData.window(at: s * o.bptt, length: o.bptt)
            if s == 1 { model.observer = evalTimer }
            let start = monotonicMilliseconds()
            _ = try model.evaluate(batch, reusePreparedWeights: s > 0)
            let t = monotonicMilliseconds()
            if s >= 1 { evalMs += t - start }
        }
        // Like an evaluation's single reduction at its end: wait for the slowest rank.
        let waitStart = monotonicMilliseconds()
        communicator.synchronize()
        evalMs += monotonicMilliseconds() - waitStart
        let evalBreakdown = evalTimer.timings.scaled(by: 1 / Double(max(1, o.evalSteps)))
        model.observer = nil
        let flops = trainingFlopsPerToken(model, zipf: o.zipf)
        // The job's ceiling: every rank's, measured at the same time.
        var ceilings = [measureSgemmGflops()]
        communicator.sum(&ceilings)
        let sgemm = ceilings[0]
        let blas = BLAS.library.report
        let trainTokens = Double(o.steps * o.bptt * o.batchSize)
        let evalTokens = Double(o.evalSteps * o.bptt * o.evalBatchSize)
        return BenchmarkResult(
            trainTokensPerS: trainTokens / (trainMs / 1000), evalTokensPerS: evalTokens / (evalMs / 1000),
            trainMsPerStep: trainMs / Double(max(1, o.steps)), evalMsPerWindow: evalMs / Double(max(1, o.evalSteps)),
            breakdown: breakdown, evalBreakdown: evalBreakdown, peakRSSBytes: peakResidentBytes(), batchSize: o.batchSize, bptt: o.bptt,
            evalBatchSize: o.evalBatchSize, model: o.config.model.rawValue, emsize: o.config.emsize, nhid: o.config.nhid, nlayers: o.config.nlayers,
            vocab: o.config.vocabSize, splits: o.config.splits, zipf: o.zipf,
            softmaxShare: breakdown.softmax / (trainMs / Double(max(1, o.steps))), threads: ParallelFor.workers,
            parameters: model.layout.entries.reduce(0) { $0 + $1.count },
            trainFlopsPerToken: flops, sgemmGflops: sgemm,
            fractionOfSgemm: trainTokens / (trainMs / 1000) * flops / (sgemm * 1e9),
            evalFractionOfSgemm: evalTokens / (evalMs / 1000) * flops / 3 / (sgemm * 1e9),
            blasLibrary: blas.library, blasVersion: blas.version, blasCore: blas.core, blasSelection: blas.selection,
            cpuFeatures: blas.cpuFeatures, ranks: communicator.size)
    }

    /// 2 FLOPs per multiply-add of the recurrent layers' products and the
    /// decoder, ×3 for forward + backward. With splits the decoder costs the head
    /// (`s₁ + k` rows) plus each tail cluster's rows weighted by the chance that a
    /// token falls in it (tokens uniform, or Zipf with exponent `zipf`).
    static func trainingFlopsPerToken(_ model: AWDLSTMModel, zipf: Double? = nil) -> Double {
        let c = model.config
        var decoderRows = Double(c.vocabSize)
        if !c.splits.isEmpty {
            let bounds = [0] + c.splits + [c.vocabSize]
            let law = zipf.map { ZipfDistribution(count: c.vocabSize, exponent: $0) }
            func below(_ w: Int) -> Double { law.map { $0.cumulativeProbability(w - 1) } ?? Double(w) / Double(c.vocabSize) }
            decoderRows = Double(c.splits[0] + c.splits.count)
            for i in 1..<(bounds.count - 1) {
                decoderRows += (below(bounds[i + 1]) - below(bounds[i])) * Double(bounds[i + 1] - bounds[i])
            }
        }
        let macs = Double(c.emsize) * decoderRows + Double(model.layers.reduce(0) { $0 + $1.multiplyAddsPerToken })
        return 3 * 2 * macs
    }

    /// GFLOP/s of a 2000×2000×2000 single-precision GEMM (best of three).
    static func measureSgemmGflops() -> Double {
        let n = 2000
        let a = FloatBuffer(count: n * n), b = FloatBuffer(count: n * n), c = FloatBuffer(count: n * n)
        a.fill(0.5); b.fill(0.25)
        var best = Double.infinity
        for _ in 0..<4 {
            let t = monotonicMilliseconds()
            GEMM.multiply(m: n, n: n, k: n, a.pointer, b.pointer, into: c.pointer)
            best = min(best, monotonicMilliseconds() - t)
        }
        return 2 * Double(n * n * n) / (best / 1000) / 1e9
    }

    /// Peak resident set size of this process.
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #else
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
        #endif
    }
}
