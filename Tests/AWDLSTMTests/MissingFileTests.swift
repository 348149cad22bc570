import Foundation
import XCTest
@testable import AWDLSTM

/// A run folder missing one of its files, through the executable: every
/// command that reads the folder names the missing file in one line, exit 1,
/// before any work (no BLAS line, no data read); `train --resume` never ends
/// with exit 0 and nothing when its best model was deleted.
final class MissingFileTests: XCTestCase {
    static let model = FieldFaultTests.model
    static let trained = TrainedRun.shared(name: "M", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + model)

    override class func tearDown() { trained.reset() }

    func assertRefused(_ r: CLI.Result, naming text: String, _ what: String, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, "\(what): \(r.stderr)", line: line)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("awd-lstm: error:") }
        XCTAssertEqual(errors.count, 1, "\(what): \(r.stderr)", line: line)
        XCTAssertTrue(r.stderr.contains(text), "\(what): expected '\(text)' in \(r.stderr)", line: line)
        XCTAssertFalse(r.stderr.contains("BLAS"), "\(what): refused after work began: \(r.stderr)", line: line)
    }

    /// The issue's case: model.safetensors deleted, and a resume whose epochs never beat the saved best.
    func testResumeWithoutItsBestModelIsRefused() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let run = try dir.copy(good.run, as: "R")
        try FileManager.default.removeItem(at: run.appendingPathComponent("model.safetensors"))
        let state = try Data(contentsOf: run.appendingPathComponent("state.safetensors"))
        let r = try CLI.run(["train", "--resume", run.path, "--data", good.data.path, "--epochs", "2", "--max-batches", "1", "--lr", "0"])
        assertRefused(r, naming: "\(run.path)/model.safetensors: missing from the run folder", "train --resume")
        XCTAssertTrue(r.stderr.contains("state.safetensors records a best model"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("state.safetensors")), state, "nothing is written")
        for command in [["evaluate"], ["pointer"], ["dynamic-eval"], ["finetune", "--epochs", "1"]] {
            let e = try CLI.run(command + ["--checkpoint", run.path, "--data", good.data.path])
            assertRefused(e, naming: "\(run.path)/model.safetensors: missing from the run folder", command[0])
            // The state says the model was saved: never "no model saved yet".
            XCTAssertTrue(e.stderr.contains("state.safetensors records a best model"), "\(command[0]): \(e.stderr)")
        }
        let g = try CLI.run(["generate", "--checkpoint", run.path])
        assertRefused(g, naming: "\(run.path)/model.safetensors: missing from the run folder", "generate")
        XCTAssertTrue(g.stderr.contains("state.safetensors records a best model"), "generate: \(g.stderr)")
    }

    /// Each other file, deleted in turn, for each command that reads it.
    func testEveryFileIsCheckedByEveryCommand() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let data = good.data.path
        for (file, message) in [("vocab.txt", "vocab.txt: missing from the run folder"), ("config.json", "config.json: missing"),
                                ("state.safetensors", "state.safetensors: missing"), ("metrics.jsonl", "metrics.jsonl: missing")] {
            let run = try dir.copy(good.run, as: file)
            try FileManager.default.removeItem(at: run.appendingPathComponent(file))
            var commands: [[String]] = [["train", "--resume", run.path, "--data", data, "--epochs", "2"]]
            if file == "vocab.txt" || file == "config.json" {
                commands += [["evaluate", "--checkpoint", run.path, "--data", data], ["generate", "--checkpoint", run.path],
                             ["pointer", "--checkpoint", run.path, "--data", data], ["dynamic-eval", "--checkpoint", run.path, "--data", data],
                             ["finetune", "--checkpoint", run.path, "--data", data], ["plot", "--checkpoint", run.path]]
            }
            if file == "metrics.jsonl" { commands.append(["plot", "--checkpoint", run.path]) }
            for args in commands {
                assertRefused(try CLI.run(args), naming: "\(run.path)/\(message)", "\(file) / \(args[0])")
            }
        }
    }
}
