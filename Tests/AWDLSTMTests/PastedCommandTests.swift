import Foundation
import XCTest
@testable import AWDLSTM

/// Commands the tool prints for pasting, through the executable: with a run
/// folder and a data folder whose paths hold a space and a quote, each printed
/// command (between backquotes) runs as it is in a POSIX shell.
final class PastedCommandTests: XCTestCase {
    static let model = FieldFaultTests.model
    /// A run and its data under names a shell would split or end early.
    static let trained = TrainedRun.shared(name: "my run's folder", corpus: { try smallCorpus($0, name: "the data's $HOME") },
                                           ["--max-batches", "3"] + model)

    override class func tearDown() { trained.reset() }

    /// The commands between backquotes in `text` that start with `awd-lstm`.
    func printedCommands(_ text: String) -> [String] {
        text.components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 1 }
            .map(\.element).filter { $0.hasPrefix("awd-lstm ") }
    }

    /// Runs a printed command through /bin/sh, with `awd-lstm` the binary under test and `extra` words after it.
    func paste(_ command: String, _ extra: String = "") throws -> CLI.Result {
        let line = "\"$AWD\"" + command.dropFirst("awd-lstm".count) + extra
        return try CLI.run(["-c", line], environment: ["AWD": CLI.binary.path], executable: URL(fileURLWithPath: "/bin/sh"))
    }

    /// `train --save` on a folder that holds a run prints the resume command;
    /// pasted, it resumes that run.
    func testResumeCommandPastesAsItIs() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let run = try dir.copy(good.run, as: "my run's folder")
        let refused = try CLI.run(["train", "--data", good.data.path, "--save", run.path] + Self.model)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        let commands = printedCommands(refused.stderr)
        XCTAssertEqual(commands.count, 1, refused.stderr)
        let resumed = try paste(try XCTUnwrap(commands.first), " --epochs 2 --max-batches 1")
        XCTAssertEqual(resumed.status, 0, "\(commands): \(resumed.stderr)")
        XCTAssertTrue(resumed.stderr.contains("Resuming \(run.path)"), resumed.stderr)
    }

    /// A folder with weights alone prints a finetune and a train command; both run as pasted.
    func testWeightsOnlyCommandsPasteAsTheyAre() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let run = try dir.copy(good.run, as: "it's weights")
        try FileManager.default.removeItem(at: run.appendingPathComponent("state.safetensors"))
        let refused = try CLI.run(["train", "--data", good.data.path, "--save", run.path] + Self.model)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        let commands = printedCommands(refused.stderr)
        XCTAssertEqual(commands.count, 2, refused.stderr)
        let finetune = try paste(commands[0], " --epochs 1 --max-batches 1")
        XCTAssertEqual(finetune.status, 0, "\(commands[0]): \(finetune.stderr)")
        let new = dir.url.appendingPathComponent("new run").path
        let train = try paste(commands[1].replacingOccurrences(of: " --save NEW", with: ""),
                              " --save '\(new)' --epochs 1 --max-batches 1 --emsize 16 --nhid 24 --nlayers 3 --batch-size 4 --bptt 10")
        XCTAssertEqual(train.status, 0, "\(commands[1]): \(train.stderr)")
    }

    /// The command printed after a stop (SIGTERM) continues the run when pasted.
    func testCommandAfterAStopPastesAsItIs() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let run = dir.url.appendingPathComponent("stopped 'run'")
        let p = try CLI.start(["train", "--data", good.data.path, "--save", run.path, "--epochs", "100000"] + Self.model.dropLast(2),
                              environment: ["AWDLSTM_PROGRESS": "lines"])
        waitUntil("the first saved state") { !p.process.isRunning || FileManager.default.fileExists(atPath: run.path + "/state.safetensors") }
        kill(p.process.processIdentifier, SIGTERM)
        let r = p.finish()
        XCTAssertEqual(r.status, 0, r.stderr)
        let commands = printedCommands(r.stderr).filter { $0.contains("--resume") }
        XCTAssertFalse(commands.isEmpty, r.stderr)
        for command in commands {
            let resumed = try paste(command, " --epochs 3")
            XCTAssertEqual(resumed.status, 0, "\(command): \(resumed.stderr)")
        }
    }

    /// The evaluate command printed when `--max-minutes` cuts the final test
    /// tests the kept model when pasted.
    func testCommandAfterACutTestPastesAsItIs() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let run = dir.url.appendingPathComponent("cut 'run' $HOME")
        let r = try CLI.run(["train", "--data", good.data.path, "--save", run.path, "--max-minutes", "0.0001"]
                            + Self.model)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("Final test cut"), r.stderr)
        let commands = printedCommands(r.stderr).filter { $0.hasPrefix("awd-lstm evaluate") }
        XCTAssertEqual(commands.count, 1, r.stderr)
        let tested = try paste(try XCTUnwrap(commands.first), " --json")
        XCTAssertEqual(tested.status, 0, "\(commands): \(tested.stderr)")
        XCTAssertTrue(tested.stdout.contains("\"ppl\""), tested.stdout)
    }
}
