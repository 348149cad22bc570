import Foundation
import XCTest
@testable import AWDLSTM

/// The inference API against the PyTorch loader (`scripts/pytorch/awd_lstm.py`):
/// `Tests/Fixtures/inference/` from `scripts/reference/make_inference_fixtures.py`.
final class LanguageModelTests: XCTestCase {
    struct Expected: Decodable {
        struct Text: Decodable {
            let text: String
            let ids: [Int32]
            let log_probabilities: [Double]
        }
        struct Forward: Decodable {
            let ids: [Int32]
            let log_probabilities: [[Double]]
            let layer_outputs: [[[Double]]]
        }
        let texts: [Text]
        let forward: Forward
    }

    static let run = Fixtures.url("inference/run")

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Fixtures.url("inference/expected.json")))
    }

    func testForwardEqualsPyTorchLoader() throws {
        let model = try LanguageModel(runFolder: Self.run)
        let expected = try Self.expected().forward
        let out = try model.makeSession().forward(expected.ids, layerOutputs: true)
        XCTAssertEqual(out.steps, expected.ids.count)
        XCTAssertEqual(out.vocabularySize, 16)
        for t in 0..<out.steps {
            for w in 0..<out.vocabularySize {
                XCTAssertEqual(Double(out.logProbability(step: t, word: Int32(w))), expected.log_probabilities[t][w], accuracy: 1e-5)
            }
        }
        let layers = try XCTUnwrap(out.layerOutputs)
        XCTAssertEqual(layers.map(\.count), expected.layer_outputs.map { $0.count * $0[0].count })
        for (l, layer) in layers.enumerated() {
            let flat = expected.layer_outputs[l].flatMap { $0 }
            for i in flat.indices { XCTAssertEqual(Double(layer[i]), flat[i], accuracy: 1e-5, "layer \(l) entry \(i)") }
        }
    }

    /// Every word is scored, the first from `<eos>`, on texts of 1 to 40 words
    /// (one spanning three lines, one with a word outside the vocabulary).
    func testScoreEqualsPyTorchLoader() throws {
        let model = try LanguageModel(runFolder: Self.run)
        let session = model.makeSession()
        for text in try Self.expected().texts {
            let score = try session.score(text.text)
            XCTAssertEqual(score.ids, Array(text.ids.dropFirst()), text.text)
            XCTAssertEqual(score.tokens, score.ids.map { model.vocabulary.words[Int($0)] })
            XCTAssertEqual(score.logProbabilities.count, text.log_probabilities.count)
            for (a, b) in zip(score.logProbabilities, text.log_probabilities) { XCTAssertEqual(a, b, accuracy: 1e-5, text.text) }
            let loss = -text.log_probabilities.reduce(0, +) / Double(text.log_probabilities.count)
            XCTAssertEqual(score.loss, loss, accuracy: 1e-5)
            XCTAssertEqual(score.unknownWords, text.text.contains("zebra") ? 1 : 0)
        }
        // Words already split score the same as the text.
        let words = try session.score(words: ["the", "zebra", "sat"])
        XCTAssertEqual(words, try session.score("the zebra sat"))
    }

    /// `evaluate --file F --score-first-word --json` reports as `per_token_loss`
    /// the mean of the loader's per-token losses.
    func testEvaluatePerTokenLossIsTheMeanOfTheScores() throws {
        let tmp = try TemporaryFolder()
        let text = try Self.expected().texts[4]  // three lines, ending with a line break
        let file = try tmp.write("t.txt", text.text)
        let r = try CLI.run(["evaluate", "--checkpoint", Self.run.path, "--file", file.path, "--score-first-word", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let mean = -text.log_probabilities.reduce(0, +) / Double(text.log_probabilities.count)
        XCTAssertEqual(try XCTUnwrap(object["per_token_loss"] as? Double), mean, accuracy: 1e-5)
        XCTAssertEqual(object["scored_tokens"] as? Int, text.log_probabilities.count)
        let refused = try CLI.run(["evaluate", "--checkpoint", Self.run.path, "--data", tmp.url.path, "--score-first-word"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("--score-first-word applies to --file"), refused.stderr)
    }

    func testBatchedScoresEqualOneByOne() throws {
        let model = try LanguageModel(runFolder: Self.run)
        let texts = try Self.expected().texts.map(\.text) + ["", "dog"]
        let session = model.makeSession()
        let batched = try session.score(texts)
        XCTAssertEqual(batched.count, texts.count)
        for (text, b) in zip(texts, batched) {
            let one = try model.score(text)
            XCTAssertEqual(b.ids, one.ids)
            XCTAssertEqual(b.logProbabilities.count, one.logProbabilities.count)
            for (x, y) in zip(b.logProbabilities, one.logProbabilities) { XCTAssertEqual(x, y, accuracy: 1e-5, text) }
        }
        // The session goes on to score one text after a batch.
        XCTAssertEqual(try session.score(texts[2]).logProbabilities, try model.score(texts[2]).logProbabilities)
    }

    /// One model, 8 threads scoring at once, each with its own session: the same
    /// numbers as one thread.
    func testEightThreadsScoreAsOne() throws {
        let model = try LanguageModel(runFolder: Self.run)
        let texts = try Self.expected().texts.map(\.text)
        let sequential = try texts.map { try model.score($0).logProbabilities }
        let results = ResultsBox(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            let session = model.makeSession()
            // Each thread in its own order, so that different texts run at the same time.
            let order = (0..<(3 * texts.count)).map { ($0 + thread) % texts.count }
            results.set(thread, order.map { (try? session.score(texts[$0]).logProbabilities) ?? [] }, order: order)
        }
        for thread in 0..<8 {
            let (got, order) = results.get(thread)
            XCTAssertEqual(got.count, 3 * texts.count)
            for (k, scores) in got.enumerated() { XCTAssertEqual(scores, sequential[order[k]], "thread \(thread)") }
        }
    }

    func testNextWordsAreTheForwardPassTopK() throws {
        let model = try LanguageModel(runFolder: Self.run)
        let next = try model.nextWords(after: "the cat", count: 3)
        let out = try model.makeSession().forward(try model.encode("the cat").ids)
        let last = out.row(out.steps - 1).map(Double.init)
        let best = last.indices.sorted { last[$0] > last[$1] }.prefix(3)
        XCTAssertEqual(next.map { Int($0.id) }, Array(best))
        for w in next { XCTAssertEqual(w.probability, exp(last[Int(w.id)]), accuracy: 1e-9) }
        XCTAssertEqual(try model.nextWords(after: "the", count: 99).count, 16)
        XCTAssertThrowsError(try model.nextWords(after: "the", count: 0))
    }
}

/// Per-thread results, written once by each thread.
final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [([[Double]], [Int])]
    init(count: Int) { values = Array(repeating: ([], []), count: count) }
    func set(_ i: Int, _ v: [[Double]], order: [Int]) { lock.withLock { values[i] = (v, order) } }
    func get(_ i: Int) -> ([[Double]], [Int]) { lock.withLock { values[i] } }
}
