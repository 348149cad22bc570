import ArgumentParser
@_spi(CLI) import AWDLSTM
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training and evaluation throughput on synthetic tokens.",
        discussion: "Under `mpirun -np N` the batch columns are split over the ranks and the gradients averaged as in training; rank 0 reports.")

    @Option(help: "Type of recurrent net.") var model: RNNType = .lstm
    @Option(name: .customLong("batch-size"), help: "Training batch size.") var batchSize = 80
    @Option(help: "Window length in tokens.") var bptt = 70
    @Option(help: "Size of word embeddings.") var emsize = 400
    @Option(help: "Number of hidden units per layer.") var nhid = 1150
    @Option(help: "Number of layers.") var nlayers = 3
    @Option(help: "Vocabulary size of the synthetic tokens.") var vocab = 10_000
    @Option(help: ArgumentHelp("Split cross-entropy boundaries, or none (default: the authors' defaults for --vocab).",
                               valueName: "A,B,C|none")) var splits: SplitsArgument?
    @Option(help: ArgumentHelp("Draw tokens from Zipf's law with this exponent (rank = id) instead of uniformly.",
                               valueName: "s")) var zipf: Double?
    // Optional, so that one given with --gemm-shapes (which runs no steps) is refused rather than ignored.
    @Option(help: "Timed training steps (default 5).") var steps: Int?
    @Option(help: "Untimed warm-up steps (default 1).") var warmup: Int?
    @Option(name: .customLong("eval-batch-size"), help: "Evaluation batch size (default 10).") var evalBatchSize: Int?
    @Option(name: .customLong("eval-steps"), help: "Timed evaluation windows (default 5).") var evalSteps: Int?
    @Flag(name: .customLong("gemm-shapes"), help: "Time only the BLAS products of a training step, shape by shape.")
    var gemmShapes = false
    @Option(help: "With --gemm-shapes: timed calls per shape, the fastest kept (default 3).") var repeats: Int?
    @Flag(help: "Print one JSON object on stdout.") var json = false

    @OptionGroup var runtime: ThreadsFlag

    func validate() throws {
        try FlagBounds.require([("--batch-size", batchSize), ("--bptt", bptt), ("--emsize", emsize), ("--nhid", nhid),
                                ("--nlayers", nlayers), ("--vocab", vocab), ("--eval-batch-size", evalBatchSize)]
                               + (splits?.values ?? []).map { ("--splits", $0) })
        try FlagBounds.require([("--steps", steps), ("--warmup", warmup), ("--eval-steps", evalSteps), ("--repeats", repeats)],
                               atMost: FlagBounds.benchSteps)
    }

    /// Refuses, before anything is allocated, windows whose tokens and
    /// activations would not fit in memory (`--bptt 2147483647 --batch-size
    /// 2147483647`): the tokens of every timed step, and per window about
    /// bptt × batch × (vocab + emsize + 8 · nlayers · nhid) floats (logits,
    /// embeddings, the gates and states of each layer with their gradients).
    func requireMemory(warmup: Int, steps: Int, evalBatchSize: Int, evalSteps: Int) throws {
        func product(_ factors: Int...) -> Int? {
            factors.reduce(Optional(1)) { p, f in p.flatMap { p in let (r, o) = p.multipliedReportingOverflow(by: f); return o ? nil : r } }
        }
        func sum(_ terms: Int?...) -> Int? {
            terms.reduce(Optional(0)) { s, t in s.flatMap { s in t.flatMap { t in let (r, o) = s.addingReportingOverflow(t); return o ? nil : r } } }
        }
        let width = sum(vocab, emsize, product(8, nlayers, nhid))
        let floats = sum(product(bptt, warmup + steps, batchSize), product(bptt, evalSteps + 1, evalBatchSize),
                         width.flatMap { product(bptt, max(batchSize, evalBatchSize), $0) })
        let memory = ProcessInfo.processInfo.physicalMemory
        if let floats, let bytes = product(floats, 4), UInt64(bytes) <= memory { return }
        let gib = Double(memory) / 1_073_741_824
        throw CLIError(String(format: "--bptt %d × --batch-size %d (× --eval-batch-size %d, --steps, --eval-steps) needs more than this "
                              + "machine's %.0f GiB of memory for the tokens and activations; give smaller values", bptt, batchSize,
                              evalBatchSize, gib))
    }

    func run() throws {
        try reportingErrors(dataParallel: true) {
            try runtime.apply()
            let (steps, evalBatchSize, evalSteps, repeats) = (self.steps ?? 5, self.evalBatchSize ?? 10, self.evalSteps ?? 5, self.repeats ?? 3)
            for (name, v) in [("--batch-size", batchSize), ("--bptt", bptt), ("--emsize", emsize), ("--nhid", nhid),
                              ("--nlayers", nlayers), ("--vocab", vocab), ("--steps", steps), ("--eval-batch-size", evalBatchSize),
                              ("--eval-steps", evalSteps), ("--repeats", repeats)] where v < 1 {
                throw CLIError("\(name) must be at least 1 (got \(v))")
            }
            let stepFlags: [(String, Bool)] = [("--steps", self.steps != nil), ("--warmup", warmup != nil), ("--eval-batch-size", self.evalBatchSize != nil),
                                               ("--eval-steps", self.evalSteps != nil), ("--zipf", zipf != nil)]
            if gemmShapes, let (flag, _) = stepFlags.first(where: \.1) {
                throw CLIError("\(flag) and --gemm-shapes: --gemm-shapes times the BLAS products alone, so \(flag) would be unused; drop one")
            }
            if !gemmShapes && self.repeats != nil { throw CLIError("--repeats goes with --gemm-shapes (timed calls per shape); drop it") }
            let communicator = try Job.join()
            try Job.checkBatch(batchSize, communicator)
            // The BLAS belongs to the result: on stdout in text, in the fields in JSON.
            let blas = json && communicator.isRoot ? try announceBLAS() : try BLAS.prepare()
            let config = ModelConfig(vocabSize: vocab, model: model, emsize: emsize, nhid: nhid, nlayers: nlayers,
                                     splits: splits?.values ?? ModelConfig.defaultSplits(vocabSize: vocab))
            try config.validate()
            try requireMemory(warmup: max(0, warmup ?? 1), steps: steps, evalBatchSize: evalBatchSize, evalSteps: evalSteps)
            if let s = zipf { try requireFlag(s >= 0 && s.isFinite, "--zipf", s, .nonNegativeAndFinite) }
            try Job.requireAgreement(communicator, settings: config, corpus: nil, more: [
                ("--batch-size", "\(batchSize)"), ("--bptt", "\(bptt)"), ("--steps", "\(steps)"), ("--warmup", "\(warmup ?? 1)"),
                ("--eval-batch-size", "\(evalBatchSize)"), ("--eval-steps", "\(evalSteps)"), ("--zipf", zipf.map { "\($0)" } ?? "none"),
                ("--json", "\(json)")])
            var o = BenchmarkOptions(config: config)
            o.zipf = zipf
            (o.batchSize, o.bptt, o.steps, o.warmup, o.evalBatchSize, o.evalSteps) =
                (batchSize, bptt, steps, max(0, warmup ?? 1), evalBatchSize, evalSteps)
            if gemmShapes {
                guard model == .lstm else { throw CLIError("--gemm-shapes times the LSTM's products; drop --model") }
                guard communicator.size == 1 else { throw CLIError("--gemm-shapes times one process; run it without mpirun") }
                let r = GEMMShapeBenchmark.run(o.config, batch: batchSize, bptt: bptt, repeats: repeats)
                if json { return try printJSON(r) }
                print(blas.line)
                for s in r.shapes {
                    let name = s.name.padding(toLength: 36, withPad: " ", startingAt: 0)
                    print(name + String(format: " %@%@ %5d × %5d × %5d  %3d×  %8.3f ms  %6.1f GFLOP/s",
                                        s.transposeA ? "T" : "N", s.transposeB ? "T" : "N", s.m, s.n, s.k, s.callsPerStep, s.ms, s.gflops))
                }
                print(String(format: "BLAS time per training step at these rates: %.1f ms", r.msPerStep))
                return
            }
            let r = try Benchmark.run(o, communicator: communicator, logger: communicator.isRoot ? LibraryLog.logger : LibraryLog.silent)
            Job.finish(communicator)
            guard communicator.isRoot else { return }
            if json {
                try printJSON(r)
            } else {
                print(blas.line)
                let b = r.breakdown
                print(String(format: "train: %.0f tokens/s (%.1f ms/step)   eval: %.0f tokens/s (%.1f ms/window)",
                             r.trainTokensPerS, r.trainMsPerStep, r.evalTokensPerS, r.evalMsPerWindow))
                print(String(format: "step: embedding %.1f ms, \(model.rawValue) forward %.1f ms, \(model.rawValue) backward %.1f ms, softmax/loss %.1f ms, optimiser %.1f ms",
                             b.embedding, b.lstmForward, b.lstmBackward, b.softmax, b.optimizer))
                if r.ranks > 1 {
                    print(String(format: "%d ranks of %d columns: allreduce %.1f ms per step, %.1f %% of the step",
                                 r.ranks, r.batchSize / r.ranks, b.allreduce, 100 * b.allreduce / r.trainMsPerStep))
                }
                let e = r.evalBreakdown
                print(String(format: "window: embedding %.1f ms, \(model.rawValue) forward %.1f ms (time loop %.1f ms), softmax/loss %.1f ms",
                             e.embedding, e.lstmForward, e.recurrence, e.softmax))
                print(String(format: "sgemm ceiling %.0f GFLOP/s: training at %.0f %%, evaluation at %.0f %% of it",
                             r.sgemmGflops, 100 * r.fractionOfSgemm, 100 * r.evalFractionOfSgemm))
                print(String(format: "peak RSS: %.0f MiB", Double(r.peakRSSBytes) / 1_048_576))
            }
        }
    }
}
