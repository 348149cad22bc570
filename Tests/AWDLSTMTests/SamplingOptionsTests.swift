import Foundation
import XCTest
@testable import AWDLSTM

/// Generation with temperature, top-k, top-p, no_unk and a stop word, streamed.
final class SamplingOptionsTests: XCTestCase {
    func testFiltersKeepWhatTheySay() {
        // p ∝ 8, 4, 2, 1, 1 over five words; word 4 is the unknown token.
        let logp = [8.0, 4, 2, 1, 1].map { Float(log($0 / 16.0)) }
        let row = ArraySlice(logp)
        XCTAssertEqual(SamplingOptions(topK: 1).weights(row, unknown: nil), [1, 0, 0, 0, 0])
        XCTAssertEqual(SamplingOptions(topK: 2).weights(row, unknown: nil).map { $0 > 0 }, [true, true, false, false, false])
        // 8/16 < 0.6 ≤ 12/16: the nucleus is the first two words.
        XCTAssertEqual(SamplingOptions(topP: 0.6).weights(row, unknown: nil).map { $0 > 0 }, [true, true, false, false, false])
        XCTAssertEqual(SamplingOptions(topP: 1).weights(row, unknown: nil).map { $0 > 0 }, [true, true, true, true, true])
        XCTAssertEqual(SamplingOptions(noUnknown: true).weights(row, unknown: 4)[4], 0)
        XCTAssertGreaterThan(SamplingOptions(noUnknown: false).weights(row, unknown: 4)[4], 0)
        // Temperature 0.5 squares the probabilities (fastai: p^(1/T)).
        let w = SamplingOptions(temperature: 0.5).weights(row, unknown: nil)
        XCTAssertEqual(w[1] / w[0], 0.25, accuracy: 1e-6)
        for bad in [SamplingOptions(temperature: 0), SamplingOptions(topK: 0), SamplingOptions(topP: 0), SamplingOptions(topP: 1.5)] {
            XCTAssertThrowsError(try bad.validate())
        }
    }

    func testGenerationHonoursTheOptions() throws {
        let model = try LanguageModel(runFolder: LanguageModelTests.run)
        let session = model.makeSession()
        let unk = try XCTUnwrap(model.unknownToken)

        // top-k 1 is greedy: each word is the argmax of the forward pass after the words before it.
        let greedy = try session.generate(after: "the cat", count: 8, options: SamplingOptions(topK: 1, noUnknown: false))
        var ids = try model.encode("the cat").ids
        for token in greedy {
            let out = try model.makeSession().forward(ids)
            let row = out.row(out.steps - 1)
            XCTAssertEqual(Int(token.id), row.indices.max { row[$0] < row[$1] }! - row.startIndex)
            ids.append(token.id)
        }

        // no_unk never draws the unknown token, even where it is likely (temperature 5 flattens).
        let flat = try session.generate(after: "the", count: 400, options: SamplingOptions(temperature: 5, noUnknown: true, seed: 3))
        XCTAssertEqual(flat.count, 400)
        XCTAssertFalse(flat.contains { $0.id == unk })
        let withUnk = try session.generate(after: "the", count: 400, options: SamplingOptions(temperature: 5, noUnknown: false, seed: 3))
        XCTAssertTrue(withUnk.contains { $0.id == unk }, "at temperature 5 the unknown token is drawn when allowed")

        // top-p: every word drawn is in the nucleus of its step.
        var context = try model.encode("a dog").ids
        let nucleus = try session.generate(after: context, count: 30, options: SamplingOptions(topP: 0.5, seed: 9))
        for token in nucleus {
            let out = try model.makeSession().forward(context)
            let allowed = SamplingOptions(topP: 0.5).weights(out.row(out.steps - 1), unknown: unk)
            XCTAssertGreaterThan(allowed[Int(token.id)], 0)
            context.append(token.id)
        }

        // The stop word ends the generation and is not emitted.
        let stopped = try session.generate(after: "the", count: 500, options: SamplingOptions(temperature: 3, stopWord: "<eos>", seed: 1))
        let free = try session.generate(after: "the", count: 500, options: SamplingOptions(temperature: 3, seed: 1))
        let eos = try XCTUnwrap(model.vocabulary.id("<eos>"))
        let cut = try XCTUnwrap(free.firstIndex { $0.id == eos }, "an <eos> within 500 words at temperature 3")
        XCTAssertEqual(stopped, Array(free[..<cut]))
        XCTAssertThrowsError(try session.generate(after: "the", count: 5, options: SamplingOptions(stopWord: "nonword")))

        // The same seed gives the same words.
        XCTAssertEqual(try session.generate(after: "the", count: 20, options: SamplingOptions(seed: 5)),
                       try model.makeSession().generate(after: "the", count: 20, options: SamplingOptions(seed: 5)))
    }

    /// Tokens arrive one at a time, each before the next is drawn, and the
    /// stream ends when the consumer stops.
    func testStreamingDeliversTokensOneAtATime() async throws {
        let model = try LanguageModel(runFolder: LanguageModelTests.run)
        let options = SamplingOptions(seed: 4)
        let all = try model.makeSession().generate(after: "the cat", count: 12, options: options)

        var callbacks: [GeneratedToken] = []
        _ = try model.makeSession().generate(after: "the cat", count: 12, options: options) { token in
            callbacks.append(token)
            return callbacks.count < 5  // stop after five
        }
        XCTAssertEqual(callbacks, Array(all.prefix(5)))

        var streamed: [GeneratedToken] = []
        for try await token in model.stream(after: "the cat", count: 12, options: options) { streamed.append(token) }
        XCTAssertEqual(streamed, all)

        var firstThree: [GeneratedToken] = []
        for try await token in model.stream(after: "the cat", count: 10_000, options: options) {
            firstThree.append(token)
            if firstThree.count == 3 { break }
        }
        XCTAssertEqual(firstThree, Array(all.prefix(3)))

        do {
            for try await _ in model.stream(after: "the", count: 3, options: SamplingOptions(topP: 2)) {}
            XCTFail("invalid options end the stream with an error")
        } catch let error as ConfigurationError {
            XCTAssertEqual(error.field, "top_p")
        }
    }
}
