import Foundation
import AWDLSTM

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
        let config = ModelConfig(vocabSize: int("vocab"), emsize: int("emsize"), nhid: int("nhid"),
                                 nlayers: int("nlayers"), dropout: float("dropout"), dropouth: float("dropouth"),
                                 dropouti: float("dropouti"), dropoute: float("dropoute"), wdrop: float("wdrop"),
                                 splits: m["splits"].map { $0.split(separator: ",").map { Int($0)! } } ?? [])
        var rng = RandomSource(seed: 0)
        model = AWDLSTMModel(config: config, rng: &rng)
        try model.loadWeights(from: file, source: name)
        let steps = int("T"), b = int("B")
        model.resetHidden(batchSize: b)
        for l in 0..<config.nlayers {
            try file.read("hidden_in.\(l).h", into: model.hidden[l].tensor("h")!.buffer)
            try file.read("hidden_in.\(l).c", into: model.hidden[l].tensor("c")!.buffer)
        }
        batch = TokenBatch(inputs: try file.floats("input").map { Int32($0) },
                           targets: try file.floats("target").map { Int32($0) }, steps: steps, batchSize: b)
        masks = DropoutMasks(
            embedding: try file.floats("mask.embedding"), input: try file.floats("mask.input"),
            hidden: try (0..<(config.nlayers - 1)).map { try file.floats("mask.hidden.\($0)") },
            output: try file.floats("mask.output"),
            weightDrop: try (0..<config.nlayers).map { try file.floats("mask.weight_hh.\($0)") })
        alpha = float("alpha")
        beta = float("beta")
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
