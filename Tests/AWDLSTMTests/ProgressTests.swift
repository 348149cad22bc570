import Foundation
import XCTest
@testable import AWDLSTM

/// What a terminal shows after `output`: `\r` returns to the start of the line,
/// `ESC [K` clears to its end, `\n` ends it. Returns the finished lines and
/// what is left on the last one.
func terminalScreen(_ output: String) -> (lines: [String], current: String) {
    var lines: [String] = []
    var line: [Character] = [], column = 0
    var rest = Substring(output)
    while let c = rest.first {
        rest = rest.dropFirst()
        switch c {
        case "\r": column = 0
        case "\n": lines.append(String(line)); (line, column) = ([], 0)
        case "\u{1B}":
            if rest.hasPrefix("[K") { line.removeSubrange(min(column, line.count)...); rest = rest.dropFirst(2) } else { line.append(c) }
        default:
            if column < line.count { line[column] = c } else { line.append(c) }
            column += 1
        }
    }
    return (lines, String(line))
}

/// Progress of the long commands, through the executable. Tests read stderr
/// through a pipe, so the terminal's mode is forced with `AWDLSTM_PROGRESS=terminal`.
final class ProgressTests: XCTestCase {
    static let trained = TrainedRun.shared(corpus: { try writeTinyCorpus($0) }, ["--epochs", "1", "--max-batches", "5"] + tinyModelFlags)

    override class func tearDown() { trained.reset() }

    /// The commands after training, each with the start of its tasks' progress text.
    func commands() throws -> [(args: [String], tasks: [String])] {
        let shared = try Self.trained.get()
        let (run, data) = (shared.run, shared.data)
        let target = ["--checkpoint", run.path, "--data", data.path]
        return [(["evaluate"] + target, ["evaluate test "]),
                (["pointer", "--window", "20", "--bptt", "20"] + target, ["pointer test "]),
                (["dynamic-eval", "--batch-size", "4"] + target, ["gradient statistics (train) ", "dynamic evaluation test "]),
                (["generate", "--checkpoint", run.path, "--words", "50"], ["generate "])]
    }

    /// On a terminal: a status line with an ETA is drawn in place and cleared
    /// before every log line and at the end, so the screen holds the log lines alone.
    func testTerminalStatusLineIsClearedBeforeLogLines() throws {
        for (args, tasks) in try commands() {
            let r = try CLI.run(args, environment: ["AWDLSTM_PROGRESS": "terminal"])
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            for task in tasks {
                XCTAssertTrue(r.stderr.contains("\r\u{1B}[K" + task), "\(args): no status line in \(r.stderr.debugDescription)")
            }
            XCTAssertTrue(r.stderr.contains("| ETA "), "\(args)")
            let screen = terminalScreen(r.stderr)
            XCTAssertEqual(screen.current, "", "\(args): the status line is left on the screen")
            for line in screen.lines {
                XCTAssertFalse(line.contains("ETA"), "\(args): a log line glued to the status line: \(line.debugDescription)")
            }
            XCTAssertTrue(screen.lines.contains { $0.hasPrefix("BLAS: ") }, "\(args): \(screen.lines)")
            XCTAssertFalse(r.stdout.contains("\r") || r.stdout.contains("ETA"), "\(args): progress on stdout")
        }
    }

    /// Off a terminal (the default through a pipe): periodic plain lines, never a
    /// control character (from the start: these tasks are shorter than the 2 s grace).
    func testLinesOffATerminal() throws {
        for (args, tasks) in try commands() {
            let r = try CLI.run(args, environment: ["AWDLSTM_PROGRESS_AFTER": "0"])
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("\r") || r.stderr.contains("\u{1B}"), "\(args): \(r.stderr.debugDescription)")
            for task in tasks {
                // A line for each tenth of the task, with its count, share and ETA.
                let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix(task) }
                XCTAssertGreaterThanOrEqual(lines.count, 5, "\(args): \(r.stderr)")
                XCTAssertTrue(lines.allSatisfy { $0.contains(" %) ") && $0.contains("| ETA ") }, "\(args): \(lines)")
            }
        }
        let run = try Self.trained.get().run
        let quiet = try CLI.run(["generate", "--checkpoint", run.path, "--words", "50"], environment: ["AWDLSTM_PROGRESS": "off"])
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertFalse(quiet.stderr.contains("generate "), quiet.stderr)
    }

    /// Training and fine-tuning: the epoch's batches with the total `--max-batches`
    /// sets, on a terminal cleared before the authors' log lines; off a terminal,
    /// batch lines with the defaults (`--log-interval 200`) in an epoch of fewer batches.
    func testTrainingProgress() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let flags = ["--data", data.path, "--epochs", "1", "--emsize", "8", "--nhid", "12", "--nlayers", "2", "--batch-size", "4", "--bptt", "10"]
        let terminal = try CLI.run(["train", "--save", dir.url.appendingPathComponent("a").path, "--max-batches", "3"] + flags,
                                   environment: ["AWDLSTM_PROGRESS": "terminal"])
        XCTAssertEqual(terminal.status, 0, terminal.stderr)
        XCTAssertTrue(terminal.stderr.contains("\r\u{1B}[Kepoch 1 1/3 batches (33 %) | lr 30.00000 | ms/batch "), terminal.stderr.debugDescription)
        // Then the validation and the final test, window by window.
        for split in ["valid", "test"] {
            XCTAssertTrue(terminal.stderr.contains("\r\u{1B}[Kevaluating \(split) 1/"), terminal.stderr.debugDescription)
        }
        let screen = terminalScreen(terminal.stderr)
        XCTAssertEqual(screen.current, "")
        XCTAssertTrue(screen.lines.contains { $0.hasPrefix("| end of epoch   1 |") }, "\(screen.lines)")
        XCTAssertFalse(screen.lines.contains { $0.contains("ETA") }, "\(screen.lines)")

        // 3000 tokens in columns of 4, windows of about 10: some 75 batches, no log-interval line.
        let run = dir.url.appendingPathComponent("b")
        let lines = try CLI.run(["train", "--save", run.path] + flags, environment: ["AWDLSTM_PROGRESS_AFTER": "0"])
        XCTAssertEqual(lines.status, 0, lines.stderr)
        XCTAssertFalse(lines.stderr.contains("\r") || lines.stderr.contains("\u{1B}"), lines.stderr.debugDescription)
        let batchLines = lines.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch 1 ") && $0.contains(" batches (") }
        XCTAssertGreaterThanOrEqual(batchLines.count, 9, lines.stderr)
        XCTAssertLessThanOrEqual(batchLines.count, 11, lines.stderr)
        // Off a terminal a validation prints a line only after 30 s: none here.
        XCTAssertFalse(lines.stderr.contains("evaluating "), lines.stderr)

        let finetune = try CLI.run(["finetune", "--checkpoint", run.path, "--data", data.path, "--epochs", "1"],
                                   environment: ["AWDLSTM_PROGRESS": "terminal"])
        XCTAssertEqual(finetune.status, 0, finetune.stderr)
        XCTAssertTrue(finetune.stderr.contains("\r\u{1B}[Kepoch 1 1/"), finetune.stderr.debugDescription)
        XCTAssertEqual(terminalScreen(finetune.stderr).current, "")
        XCTAssertFalse(terminalScreen(finetune.stderr).lines.contains { $0.contains("ETA") })
    }
}
