import Foundation
import XCTest
@_spi(CLI) @testable import AWDLSTM

/// The BLAS core decision as a pure function: the cases a user meets.
final class BLASCoreSelectionTests: XCTestCase {
    let avx2CPU: CPUFeatures = [.sse3, .sse4_2, .avx, .avx2, .fma]
    var avx512CPU: CPUFeatures { avx2CPU.union(CPUFeatures.avx512).union(.avx512bf16) }

    func decide(_ core: String, _ features: CPUFeatures, _ environment: [String: String] = [:],
                architecture: CPUFeatures.Architecture = .x86_64, dynamicArch: Bool = true) -> BLASCoreSelection.Action {
        BLASCoreSelection.decide(chosenCore: core, features: features, architecture: architecture,
                                 environment: environment, dynamicArch: dynamicArch)
    }

    func testGenericFallbackOnAnAVX512CPUSelectsSkylakeX() {
        // OpenBLAS 0.3.21 on Xeon family 6 model 207.
        XCTAssertEqual(decide("Prescott", avx512CPU), .select(core: "SkylakeX"))
        // An AVX2 core on an AVX-512 CPU (an older OpenBLAS on Zen 4) is a fallback too.
        XCTAssertEqual(decide("Zen", avx512CPU), .select(core: "SkylakeX"))
    }

    func testGenericFallbackOnAnAVX2CPUSelectsHaswell() {
        XCTAssertEqual(decide("Prescott", avx2CPU), .select(core: "Haswell"))
        XCTAssertEqual(decide("nehalem", avx2CPU), .select(core: "Haswell"))
        XCTAssertEqual(decide("Prescott", [.sse3, .avx]), .select(core: "Sandybridge"))
    }

    func testACoreSetInTheEnvironmentIsObeyed() {
        XCTAssertEqual(decide("Prescott", avx512CPU, ["OPENBLAS_CORETYPE": "Prescott"]),
                       .keep(.setByEnvironment("Prescott")))
        XCTAssertEqual(decide("Haswell", avx512CPU, ["OPENBLAS_CORETYPE": "Haswell", "AWDLSTM_BLAS_SELECT": "1"]),
                       .keep(.setByEnvironment("Haswell")))
    }

    func testACorrectDetectionIsKept() {
        XCTAssertEqual(decide("Cooperlake", avx512CPU), .keep(.matchesCPU))  // Zen 4 with OpenBLAS 0.3.21
        XCTAssertEqual(decide("SkylakeX", avx512CPU), .keep(.matchesCPU))
        XCTAssertEqual(decide("Haswell", avx2CPU), .keep(.matchesCPU))
        XCTAssertEqual(decide("Zen", avx2CPU), .keep(.matchesCPU))
        // A CPU without AVX has nothing better than the SSE cores.
        XCTAssertEqual(decide("Prescott", [.sse3]), .keep(.matchesCPU))
        // AVX-512F alone (without BW/VL) cannot run the SkylakeX kernels.
        XCTAssertEqual(decide("Haswell", avx2CPU.union(.avx512f)), .keep(.matchesCPU))
    }

    func testANonX86MachineIsLeftToTheLibrary() {
        XCTAssertEqual(decide("ARMV8", [.asimd], architecture: .aarch64), .keep(.notX86))
        XCTAssertEqual(decide("NeoverseN1", [.asimd, .asimddp], architecture: .aarch64), .keep(.notX86))
    }

    func testTheSelectionCanBeTurnedOffAndKeepsWhatItCannotJudge() {
        XCTAssertEqual(decide("Prescott", avx512CPU, ["AWDLSTM_BLAS_SELECT": "0"]), .keep(.disabled))
        XCTAssertEqual(decide("Prescott", avx512CPU, ["AWDLSTM_BLAS_SELECT": "off"]), .keep(.disabled))
        XCTAssertEqual(decide("Prescott", avx512CPU, dynamicArch: false), .keep(.fixedBuild))
        XCTAssertEqual(decide("Zen5", avx512CPU), .keep(.unknownCore))
    }
}

/// The start-up check of the BLAS: passes on the library in use and on a
/// product summed in another order, fails on a wrong product in any case.
final class BLASSelfCheckTests: XCTestCase {
    /// The library in use, through the engine's GEMM wrapper.
    let engineSgemm: BLASSelfCheck.Sgemm = { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
        GEMM.multiply(m: m, n: n, k: k, a, transposeA: ta, lda: lda, b, transposeB: tb, ldb: ldb,
                      into: c, ldc: ldc, alpha: alpha, beta: beta, parallel: false)
    }
    let engineSgemv: BLASSelfCheck.Sgemv = { trans, rows, columns, alpha, a, lda, x, beta, y in
        precondition(lda == columns)
        GEMM.multiplyVector(a, rows: rows, columns: columns, transpose: trans, x, into: y, alpha: alpha, beta: beta)
    }

    func testTheLoadedBLASPasses() throws {
        XCTAssertNil(BLASSelfCheck.run(sgemm: engineSgemm, sgemv: engineSgemv))
        let report = try BLAS.prepare()
        XCTAssertTrue(report.line.hasPrefix("BLAS: \(report.library) \(report.version), core \(report.core) ("), report.line)
    }

    func testAProductSummedBackwardsInFloatPasses() {
        let backwards: BLASSelfCheck.Sgemm = { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            for i in 0..<m {
                for j in 0..<n {
                    var s: Float = 0
                    for p in (0..<k).reversed() { s += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]) }
                    c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
                }
            }
        }
        XCTAssertNil(BLASSelfCheck.run(sgemm: backwards, sgemv: engineSgemv))
    }

    func testAWrongProductIsCaught() {
        // One element off by a thousandth, in the transposed-B product only.
        let wrongNT: BLASSelfCheck.Sgemm = { [engineSgemm] ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            engineSgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            if tb && m > 1 { c[(m - 1) * ldc + n - 1] += 1e-3 }
        }
        let failure = BLASSelfCheck.run(sgemm: wrongNT, sgemv: engineSgemv)
        XCTAssertEqual(failure?.product, "sgemm NT 3×5×2")
        XCTAssertGreaterThan(failure?.errorOverTolerance ?? 0, 1)

        // Writing past the n columns of C (into a row's padding) is wrong too.
        let overrun: BLASSelfCheck.Sgemm = { [engineSgemm] ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            engineSgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            if ldc > n { c[n] = 0 }
        }
        XCTAssertEqual(BLASSelfCheck.run(sgemm: overrun, sgemv: engineSgemv)?.product, "sgemm NN 67×93×131")

        let wrongGemvT: BLASSelfCheck.Sgemv = { [engineSgemv] trans, rows, columns, alpha, a, lda, x, beta, y in
            engineSgemv(trans, rows, columns, alpha, a, lda, x, beta, y)
            if trans { y[7] = -y[7] }
        }
        XCTAssertEqual(BLASSelfCheck.run(sgemm: engineSgemm, sgemv: wrongGemvT)?.product, "sgemv T 77×130")
    }
}

/// The selection, the check and the reports through the executable.
final class BLASCommandTests: XCTestCase {
    func testVersionNamesTheToolAndTheBLAS() throws {
        let r = try CLI.run(["--version"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, r.stdout)
        XCTAssertTrue(lines.first?.hasPrefix("awd-lstm ") == true, r.stdout)
        XCTAssertTrue(lines.last?.hasPrefix("BLAS: ") == true, r.stdout)
        XCTAssertTrue(r.stdout.contains("thread"), r.stdout)
    }

    /// The test hook pretends OpenBLAS fell back to Prescott, so the library is
    /// loaded again with the best core for this CPU, on any x86-64 machine.
    func testAGenericCoreIsReplacedByTheBestCoreForThisCPU() throws {
        let report = try BLAS.prepare()
        guard report.library == "OpenBLAS", CPUFeatures.architecture == .x86_64 else {
            throw XCTSkip("the selection concerns OpenBLAS on x86-64 (here \(report.library) on \(CPUFeatures.architecture))")
        }
        let environment = ProcessInfo.processInfo.environment
        let action = BLASCoreSelection.decide(chosenCore: "Prescott", features: .current, architecture: .x86_64,
                                              environment: environment, dynamicArch: true)
        let r = try CLI.run(["--version"], environment: ["AWDLSTM_BLAS_PRETEND_CORE": "Prescott"])
        XCTAssertEqual(r.status, 0, r.stderr)
        switch action {
        case .select(let core):
            XCTAssertTrue(r.stdout.contains("core \(core) (auto; the library chose Prescott)"), r.stdout)
        case .keep(.setByEnvironment(let pinned)):
            // A machine that pins a core keeps it.
            XCTAssertTrue(r.stdout.contains("(OPENBLAS_CORETYPE"), "\(pinned): \(r.stdout)")
        case .keep:
            XCTAssertTrue(r.stdout.contains("(the library's choice"), r.stdout)
        }
        let off = try CLI.run(["--version"], environment: ["AWDLSTM_BLAS_PRETEND_CORE": "Prescott", "AWDLSTM_BLAS_SELECT": "0"])
        XCTAssertEqual(off.status, 0, off.stderr)
        XCTAssertTrue(off.stdout.contains("core \(report.core) ("), off.stdout)
        XCTAssertFalse(off.stdout.contains("auto;"), off.stdout)
    }

    func testAWrongProductStopsTheCommandWithOneLine() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let run = dir.url.appendingPathComponent("run")
        let r = try CLI.run(["train", "--data", data.path, "--save", run.path, "--epochs", "1"] + tinyModelFlags,
                            environment: ["AWDLSTM_BLAS_TEST_WRONG_PRODUCT": "1"])
        XCTAssertEqual(r.status, 1)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("wrong result in the start-up check (sgemm NN 1×40×33"), r.stderr)
        XCTAssertTrue(r.stderr.contains(", core "), r.stderr)
        if (try BLAS.prepare()).library == "OpenBLAS" {
            XCTAssertTrue(r.stderr.contains("OPENBLAS_CORETYPE="), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path), "nothing is written")
    }

    func testTrainAndBenchReportTheBLAS() throws {
        let blas = try BLAS.prepare()
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let run = dir.url.appendingPathComponent("run")
        let train = try CLI.run(["train", "--data", data.path, "--save", run.path, "--epochs", "1", "--max-batches", "3"] + tinyModelFlags)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertEqual(train.stderr.split(separator: "\n").first.map(String.init), blas.line)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("config.json"))) as? [String: Any]
        let recorded = try XCTUnwrap(config?["blas"] as? [String: Any])
        XCTAssertEqual(recorded["core"] as? String, blas.core)
        XCTAssertEqual(recorded["cpu_features"] as? [String], CPUFeatures.current.names)
        XCTAssertEqual(try RunFolder(run).readConfig().blas?.library, blas.library)

        let bench = try CLI.run(["bench", "--batch-size", "2", "--bptt", "4", "--emsize", "8", "--nhid", "8", "--nlayers", "1",
                                 "--vocab", "20", "--steps", "1", "--eval-steps", "1", "--json"])
        XCTAssertEqual(bench.status, 0, bench.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["blas_core"] as? String, blas.core)
        XCTAssertEqual(json["blas_version"] as? String, blas.version)
        XCTAssertEqual(json["cpu_features"] as? [String], blas.cpuFeatures)
        XCTAssertGreaterThan(json["sgemm_gflops"] as? Double ?? 0, 0)
        XCTAssertTrue(bench.stderr.contains(blas.line), bench.stderr)
    }
}

/// The shapes `bench --gemm-shapes` times are the step's products: at a batch
/// above the packed kernel's limit they add up to the FLOP model of a training step.
final class GEMMShapeBenchmarkTests: XCTestCase {
    func testTheShapesAddUpToTheTrainingFLOPs() throws {
        let config = ModelConfig(vocabSize: 50, emsize: 6, nhid: 10, nlayers: 3)
        var rng = RandomSource(seed: 1)
        let model = try AWDLSTMModel(config: config, rng: &rng)
        let (batch, bptt) = (40, 3)
        let shapes = GEMMShapeBenchmark.shapes(config, batch: batch, bptt: bptt)
        let flops = shapes.reduce(0.0) { $0 + 2 * Double($1.m * $1.n * $1.k * $1.callsPerStep) }
        XCTAssertEqual(flops, Benchmark.trainingFlopsPerToken(model) * Double(batch * bptt), accuracy: 1e-6 * flops)
    }

    func testBenchTimesEveryShape() throws {
        let r = try CLI.run(["bench", "--gemm-shapes", "--batch-size", "2", "--bptt", "3", "--emsize", "8", "--nhid", "8",
                             "--nlayers", "2", "--vocab", "20", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let shapes = try XCTUnwrap(json["shapes"] as? [[String: Any]])
        XCTAssertEqual(shapes.count, GEMMShapeBenchmark.shapes(ModelConfig(vocabSize: 20, emsize: 8, nhid: 8, nlayers: 2),
                                                              batch: 2, bptt: 3).count)
        let total = shapes.reduce(0.0) { $0 + ($1["ms"] as? Double ?? .nan) * Double($1["calls_per_step"] as? Int ?? 0) }
        XCTAssertEqual(json["blas_ms_per_step"] as? Double ?? .nan, total, accuracy: 1e-9 + total * 1e-12)
        XCTAssertNotNil((json["blas"] as? [String: Any])?["core"] as? String)
    }
}
