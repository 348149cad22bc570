import Foundation
@testable import AWDLSTM

/// Files under `Tests/Fixtures/`, written by `scripts/reference/make_fixtures.py`.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    static func load(_ name: String) throws -> SafeTensors {
        try SafeTensors(contentsOf: url(name + ".safetensors"))
    }
}

/// A parity case: a model with the fixture's weights and state, its masks, batch and expected values.
/// QRNN fixtures (`make_qrnn_fixtures.py`) also hold a second window (`input2`, `mask2.*`,
/// `expected2.*`, `grad2.*`) run from the state the first one leaves.
struct ParityCase {
    let file: SafeTensors
    let model: AWDLSTMModel
    let batch: TokenBatch
    let masks: DropoutMasks
    let alpha: Float
    let beta: Float

    init(_ name: String) throws {
        let file = try Fixtures.load(name)
        self.file = file
        let m = file.metadata
        func int(_ k: String) -> Int { Int(m[k]!)! }
        func float(_ k: String) -> Float { Float(m[k]!)! }
        let config = ModelConfig(vocabSize: int("vocab"), model: RNNType(rawValue: m["model"] ?? "LSTM")!,
                                 emsize: int("emsize"), nhid: int("nhid"),
                                 nlayers: int("nlayers"), dropout: float("dropout"), dropouth: float("dropouth"),
                                 dropouti: float("dropouti"), dropoute: float("dropoute"), wdrop: float("wdrop"),
                                 splits: m["splits"].map { $0.split(separator: ",").map { Int($0)! } } ?? [])
        var rng = RandomSource(seed: 0)
        model = try AWDLSTMModel(config: config, rng: &rng)
        try model.loadWeights(from: file, source: name)
        let b = int("B")
        model.resetHidden(batchSize: b)
        for (l, state) in model.hidden.enumerated() {
            for (n, t) in state.tensors { try file.read("hidden_in.\(l).\(n)", into: t.buffer) }
        }
        batch = try Self.batch(file, suffix: "", steps: int("T"), batchSize: b)
        masks = try Self.masks(file, prefix: "mask", config: config)
        alpha = float("alpha")
        beta = float("beta")
    }

    /// The batch and masks of the second window.
    func secondWindow() throws -> (TokenBatch, DropoutMasks) {
        (try Self.batch(file, suffix: "2", steps: Int(file.metadata["T2"]!)!, batchSize: batch.batchSize),
         try Self.masks(file, prefix: "mask2", config: model.config))
    }

    static func batch(_ file: SafeTensors, suffix: String, steps: Int, batchSize: Int) throws -> TokenBatch {
        TokenBatch(inputs: try file.floats("input" + suffix).map { Int32($0) },
                   targets: try file.floats("target" + suffix).map { Int32($0) }, steps: steps, batchSize: batchSize)
    }

    static func masks(_ file: SafeTensors, prefix p: String, config: ModelConfig) throws -> DropoutMasks {
        let weight = config.model == .lstm ? "weight_hh" : "weight_raw"
        return DropoutMasks(
            embedding: try file.floats("\(p).embedding"), input: try file.floats("\(p).input"),
            hidden: try (0..<(config.nlayers - 1)).map { try file.floats("\(p).hidden.\($0)") },
            output: try file.floats("\(p).output"),
            weightDrop: try (0..<config.nlayers).map { try file.floats("\(p).\(weight).\($0)") })
    }
}

/// max |a − b| / max |b|: the error measure of the parity tests.
func scaledMaxError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    var diff = 0.0, scale = 0.0
    for (x, y) in zip(a, b) {
        diff = max(diff, Double(abs(x - y)))
        scale = max(scale, Double(abs(y)))
    }
    return scale == 0 ? diff : diff / scale
}
