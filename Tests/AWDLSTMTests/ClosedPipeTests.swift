import Foundation
import XCTest
@testable import AWDLSTM

/// Standard streams whose reader has gone, through the executable: a closed
/// pipe on stderr (`… 2>&1 | head -3`, a `tee` that died) never kills a
/// command (no SIGPIPE, exit 141): training still saves its model and state
/// and `--json` still prints. A closed stdout is output lost: one line on
/// stderr and exit status 1, as with `> /dev/full`.
final class ClosedPipeTests: XCTestCase {
    static let model = FieldFaultTests.model
    static let trained = TrainedRun.shared(name: "P", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + model)

    override class func tearDown() { trained.reset() }

    /// Runs the binary with `args`, stdout into a file, and stderr (or stdout)
    /// into a pipe whose read end is closed before it starts: every write to it fails with EPIPE.
    func runWithClosedPipe(_ args: [String], onStdout: Bool = false) throws -> CLI.Result {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = args
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let dir = try TemporaryFolder()
        let file = dir.url.appendingPathComponent(onStdout ? "err" : "out")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        if onStdout { (p.standardOutput, p.standardError) = (pipe.fileHandleForWriting, handle) }
        else { (p.standardOutput, p.standardError) = (handle, pipe.fileHandleForWriting) }
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try pipe.fileHandleForWriting.close()
        p.waitUntilExit()
        let text = try String(contentsOf: file, encoding: .utf8)
        return CLI.Result(status: p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus,
                          stdout: onStdout ? "" : text, stderr: onStdout ? text : "")
    }

    /// train, evaluate and generate with no reader on stderr: exit 0, the model
    /// and state saved, the JSON summary on stdout.
    func testClosedStderrPipeStopsNothing() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let run = dir.url.appendingPathComponent("run")
        let train = try runWithClosedPipe(["train", "--data", good.data.path, "--save", run.path, "--max-batches", "3", "--json"] + Self.model)
        XCTAssertEqual(train.status, 0, "killed by a closed stderr")
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any], train.stdout)
        for file in ["model.safetensors", "state.safetensors", "config.json", "metrics.jsonl"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), file)
        }
        let evaluate = try runWithClosedPipe(["evaluate", "--checkpoint", good.run.path, "--data", good.data.path, "--json"])
        XCTAssertEqual(evaluate.status, 0)
        XCTAssertTrue(evaluate.stdout.contains("\"ppl\""), evaluate.stdout)
        let generate = try runWithClosedPipe(["generate", "--checkpoint", good.run.path, "--words", "5"])
        XCTAssertEqual(generate.status, 0)
        XCTAssertFalse(generate.stdout.isEmpty)
        // An error with stderr closed still says so by its status.
        XCTAssertEqual(try runWithClosedPipe(["evaluate", "--checkpoint", dir.url.path + "/none"]).status, 1)
    }

    /// The user's case: stderr and stdout into `head -3`, which exits after three
    /// lines; the run goes on and saves (its status is written to a file).
    func testHeadOnStderrLetsTrainingFinish() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let run = dir.url.appendingPathComponent("run")
        let status = dir.url.appendingPathComponent("status")
        let script = "( \"$0\" \"$@\" 2>&1; echo $? > \"$STATUS\" ) | head -3 > /dev/null"
        let r = try CLI.run(["-c", script, CLI.binary.path, "train", "--data", good.data.path, "--save", run.path,
                             "--max-batches", "3", "--log-interval", "1"] + Self.model,
                            environment: ["STATUS": status.path, "AWDLSTM_PROGRESS": "lines"], executable: URL(fileURLWithPath: "/bin/sh"))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try String(contentsOf: status, encoding: .utf8), "0\n")
        XCTAssertNoThrow(try SafeTensors(contentsOf: run.appendingPathComponent("state.safetensors")))
        XCTAssertNoThrow(try SafeTensors(contentsOf: run.appendingPathComponent("model.safetensors")))
    }

    /// stdout with no reader: the output is lost, so one line on stderr and exit 1 (as `> /dev/full`), never SIGPIPE.
    func testClosedStdoutIsAnError() throws {
        let good = try Self.trained.get()
        for args in [["evaluate", "--checkpoint", good.run.path, "--data", good.data.path, "--json"],
                     ["generate", "--checkpoint", good.run.path, "--words", "5"]] {
            let r = try runWithClosedPipe(args, onStdout: true)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("cannot write the output to stdout: Broken pipe"), r.stderr)
        }
    }
}
