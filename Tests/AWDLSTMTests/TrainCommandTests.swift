import Foundation
import XCTest
@testable import AWDLSTM

/// The log lines of `train` and the flags and help of `finetune`, through the executable.
final class TrainCommandTests: XCTestCase {
    /// The authors' report line counts the batches the epoch really runs
    /// (--max-batches), and every event line keeps the authors' text.
    func testLogLinesFollowTheRun() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let r = try CLI.run(["train", "--data", data.path, "--save", dir.url.appendingPathComponent("run").path,
                             "--epochs", "2", "--max-batches", "5", "--when", "1"] + tinyModelFlags)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        let reports = lines.filter { $0.hasPrefix("| epoch ") }
        XCTAssertEqual(reports.count, 2, r.stderr)
        XCTAssertTrue(reports.allSatisfy { $0.contains("|     5/    5 batches | lr ") }, r.stderr)
        XCTAssertEqual(lines.filter { $0.hasPrefix("| end of epoch ") }.count, 2, r.stderr)
        XCTAssertTrue(lines.contains("Saving model (new best validation)"), r.stderr)
        XCTAssertEqual(lines.filter { $0 == "Dividing learning rate by 10" }.count, 1, r.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("| epoch   2 |     5/    5 batches | lr 3.00000 |") }, r.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("| End of training | test loss ") }, r.stderr)
    }

    /// `finetune --help` lists only what fine-tuning applies, with the run's
    /// values as defaults, and names the authors' finetune.py flags it uses;
    /// main.py's schedule flags are refused with one line.
    func testFinetuneHelpAndRefusedFlags() throws {
        let help = try CLI.run(["finetune", "--help"])
        XCTAssertEqual(help.status, 0)
        let options = help.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertFalse(options.contains { $0.hasPrefix("--optimizer") || $0.hasPrefix("--when") }, help.stdout)
        XCTAssertFalse(help.stdout.contains("(default "), "main.py's defaults do not apply: \(help.stdout)")
        let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(flat.contains("Of the authors' finetune.py flags it uses --data (a folder other than the run's only with --new-data, "
                                    + "which config.json records), --save (the run folder), --lr, --clip, --epochs,"), flat)
        XCTAssertTrue(flat.contains("Size of word embeddings (must be the run's value)"), flat)
        XCTAssertTrue(flat.contains("Also write the resumable state every N batches (default: the run's value)"), flat)
        XCTAssertTrue(flat.contains("--optimizer and --when do not apply to fine-tuning and are refused"), flat)

        let train = try CLI.run(["train", "--help"]).stdout
        XCTAssertTrue(train.contains("--optimizer <optimizer> Optimizer to use (default sgd)"), train)
        XCTAssertTrue(train.contains("--when <when>"), train)

        let dir = try TemporaryFolder()
        for (flag, message) in [(["--when", "3"], "--when: fine-tuning never divides the learning rate; drop it"),
                                (["--optimizer", "adam"], "--optimizer adam: fine-tuning always uses averaged SGD")] {
            let r = try CLI.run(["finetune", "--save", dir.url.path, "--data", dir.url.path] + flag)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
    }
}
