import Foundation
import XCTest
@testable import AWDLSTM

/// The split cross-entropy from the outside: defaults, configuration, weights on
/// disk, and the commands that need the model's distribution.
final class SplitCrossEntropyTests: XCTestCase {
    func testDefaultSplitsAreTheAuthors() {
        XCTAssertEqual(ModelConfig.defaultSplits(vocabSize: 10_000), [])
        XCTAssertEqual(ModelConfig.defaultSplits(vocabSize: 75_000), [])
        XCTAssertEqual(ModelConfig.defaultSplits(vocabSize: 267_735), [2800, 20000, 76000])
        XCTAssertEqual(ModelConfig.defaultSplits(vocabSize: 500_001), [4200, 35000, 180_000])
        XCTAssertEqual(ModelConfig.defaultSplits(vocabSize: 75_500), [2800, 20000])
    }

    func testTailParametersAreZeroAndNamedLikeTheAuthors() throws {
        var rng = RandomSource(seed: 3)
        let model = try AWDLSTMModel(config: ModelConfig(vocabSize: 50, emsize: 4, nhid: 6, nlayers: 2, splits: [10, 30]), rng: &rng)
        let names = model.namedTensors().map(\.name)
        XCTAssertEqual(Array(names.suffix(2)), ["criterion.tail_vectors", "criterion.tail_bias"])
        XCTAssertEqual(model.layout.tailVectors?.shape, [2, 4])
        XCTAssertEqual(model.layout.tailBias?.shape, [2])
        XCTAssertTrue(model.parameter(model.layout.tailVectors!).allSatisfy { $0 == 0 })
        XCTAssertNil(ParameterLayout(ModelConfig(vocabSize: 50, emsize: 4, nhid: 6, nlayers: 2)).tailVectors)
    }

    /// `train --splits` records them in config.json; evaluate, pointer, generate
    /// and dynamic-eval run on the split model; import needs the boundaries.
    func testCommandsOnASplitModel() throws {
        let tmp = try TemporaryFolder()
        let data = tmp.url.appendingPathComponent("data"), run = tmp.url.appendingPathComponent("run")
        var r = try CLI.run(["synth-corpus", "--to", data.path, "--words", "400", "--train-words", "6000",
                             "--valid-words", "800", "--test-words", "400"])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try CLI.run(["train", "--data", data.path, "--emsize", "8", "--nhid", "12", "--batch-size", "4",
                         "--bptt", "10", "--epochs", "1", "--max-batches", "3", "--splits", "20,100,250", "--save", run.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let config = try RunFolder(run).readConfig()
        XCTAssertEqual(config.model.splits, [20, 100, 250])
        XCTAssertEqual(config.model.vocabSize, 401)
        let (model, _, _) = try RunFolder(run).loadModel()
        XCTAssertEqual(model.layout.tailVectors?.shape, [3, 8])

        for args in [["evaluate", "--split", "valid"], ["pointer", "--bptt", "100", "--window", "20"],
                     ["dynamic-eval", "--max-batches", "2"]] {
            r = try CLI.run(args + ["--checkpoint", run.path, "--data", data.path])
            XCTAssertEqual(r.status, 0, "\(args[0]): \(r.stderr)")
        }
        r = try CLI.run(["generate", "--checkpoint", run.path, "--words", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(whereSeparator: { $0.isWhitespace }).count, 5, r.stdout)

        let weights = run.appendingPathComponent("model.safetensors").path
        r = try CLI.run(["import", "--from", weights, "--format", "salesforce", "--data", data.path,
                         "--save", tmp.url.appendingPathComponent("a").path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("'criterion.tail_vectors' has 3 rows"), r.stderr)
        let imported = tmp.url.appendingPathComponent("b")
        r = try CLI.run(["import", "--from", weights, "--format", "salesforce", "--data", data.path,
                         "--save", imported.path, "--splits", "20,100,250"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let (copy, _, _) = try RunFolder(imported).loadModel()
        XCTAssertEqual(copy.weights.toArray(), model.weights.toArray())

        r = try CLI.run(["train", "--data", data.path, "--splits", "20,10", "--save", tmp.url.appendingPathComponent("c").path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("--splits must be strictly increasing"), r.stderr)
    }
}
