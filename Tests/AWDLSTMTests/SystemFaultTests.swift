import Foundation
import XCTest
@_spi(CLI) @testable import AWDLSTM

/// The system around a command, through the executable: SIGHUP (a closed
/// terminal) stops training in order like SIGTERM, `--threads` above the
/// cores is capped with a note, the default thread count follows a
/// container's CPU quota, a PyTorch file says how to convert it, and the
/// progress line of a narrow terminal never wraps.
final class SystemFaultTests: XCTestCase {
    static let model = FieldFaultTests.model
    static let trained = TrainedRun.shared(name: "S", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + model)

    override class func tearDown() { trained.reset() }

    /// SIGHUP saves the epoch in progress, tests the best model and exits 0.
    func testSIGHUPStopsTrainingInOrder() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let run = dir.url.appendingPathComponent("run")
        let p = try CLI.start(["train", "--data", good.data.path, "--save", run.path, "--epochs", "100000"] + Self.model.dropLast(2),
                              environment: ["AWDLSTM_PROGRESS": "lines"])
        waitUntil("the first saved state") { !p.process.isRunning || FileManager.default.fileExists(atPath: run.path + "/state.safetensors") }
        let before = try Data(contentsOf: run.appendingPathComponent("state.safetensors"))
        kill(p.process.processIdentifier, SIGHUP)
        let r = p.finish()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("SIGHUP: stopping after this batch"), r.stderr)
        XCTAssertTrue(r.stderr.contains("| End of training | test loss"), r.stderr)
        XCTAssertNotEqual(try Data(contentsOf: run.appendingPathComponent("state.safetensors")), before, "the epoch in progress was not saved")
    }

    /// `--threads` above the cores: a note, and the pool runs on the cores (the BLAS line says how many).
    func testThreadsAboveTheCoresAreCapped() throws {
        let good = try Self.trained.get()
        let cores = AvailableCores.count
        let r = try CLI.run(["evaluate", "--checkpoint", good.run.path, "--data", good.data.path, "--threads", "\(cores + 7)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("note: --threads \(cores + 7) is more than the \(cores) cores this process may use"), r.stderr)
        XCTAssertTrue(r.stderr.contains("threads \(cores)") || r.stderr.contains("\(cores) threads"), r.stderr)
    }

    /// cgroup v2's cpu.max, as a string: QUOTA / PERIOD rounded up, at least 1; no limit for "max".
    func testCgroupQuotaParser() {
        XCTAssertEqual(AvailableCores.cgroupLimit("200000 100000\n"), 2)
        XCTAssertEqual(AvailableCores.cgroupLimit("150000 100000"), 2)
        XCTAssertEqual(AvailableCores.cgroupLimit("50000 100000\n"), 1)
        XCTAssertEqual(AvailableCores.cgroupLimit("1 100000"), 1)
        XCTAssertEqual(AvailableCores.cgroupLimit("400000 100000"), 4)
        XCTAssertNil(AvailableCores.cgroupLimit("max 100000\n"))
        XCTAssertNil(AvailableCores.cgroupLimit(""))
        XCTAssertNil(AvailableCores.cgroupLimit("garbage"))
        XCTAssertNil(AvailableCores.cgroupLimit("0 100000"))
        XCTAssertNil(AvailableCores.cgroupLimit("100000 100000 extra"))
        XCTAssertGreaterThanOrEqual(AvailableCores.count, 1)
    }

    /// torch.save's zip archive and an older pickle, given to import and to
    /// train --resume: named as PyTorch files with the way to convert them.
    func testPyTorchFilesSayHowToConvert() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        var zip = Data([0x50, 0x4B, 0x03, 0x04]); zip.append(Data(repeating: 7, count: 200))
        var pickle = Data([0x80, 0x02, 0x8A, 0x0A]); pickle.append(Data(repeating: 1, count: 200))
        for (name, bytes, format) in [("model.pt", zip, "a zip archive"), ("old.pth", pickle, "a pickle")] {
            let file = dir.url.appendingPathComponent(name)
            try bytes.write(to: file)
            for args in [["import", "--from", file.path, "--format", "salesforce", "--data", good.data.path,
                          "--save", dir.url.path + "/imported-" + name],
                         ["train", "--resume", file.path, "--data", good.data.path] + Self.model] {
                let r = try CLI.run(args)
                XCTAssertEqual(r.status, 1, "\(name) \(args[0]): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains("\(file.path): a PyTorch file (torch.save, \(format)), not safetensors"), r.stderr)
                XCTAssertTrue(r.stderr.contains("save_file("), r.stderr)
                XCTAssertFalse(r.stderr.contains("header length"), r.stderr)
            }
        }
        // A safetensors file whose header length starts with the byte 0x80 is still read as one.
        let model = try SafeTensors(contentsOf: good.run.appendingPathComponent("model.safetensors"))
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        for info in model.tensors.prefix(2) { tensors.append((info.name, info.shape, try model.floats(info.name))) }
        var metadata = ["pad": ""]
        for n in 0..<1500 {
            metadata["pad"] = String(repeating: "x", count: n)
            let data = try SafeTensors.encode(tensors, metadata: metadata)
            if data.first == 0x80 && (2...5).contains(data[1]) {
                XCTAssertNoThrow(try SafeTensors(data: data))
                return
            }
        }
        XCTFail("no header of length 0x?80 made")
    }

    /// A terminal 40 columns wide (COLUMNS; stderr is a file here, so no
    /// TIOCGWINSZ): every redraw of the status line fits in 39 columns.
    func testProgressLineFitsANarrowTerminal() throws {
        let good = try Self.trained.get()
        let r = try CLI.run(["evaluate", "--checkpoint", good.run.path, "--data", good.data.path, "--batch-size", "1"],
                            environment: ["AWDLSTM_PROGRESS": "terminal", "COLUMNS": "40"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Each redraw is "\r ESC[K" and the status text, up to the next "\r ESC[K"; a clear before a log line is followed by the line and "\n".
        let redraws = r.stderr.components(separatedBy: "\r\u{1B}[K").dropFirst().filter { !$0.isEmpty && !$0.contains("\n") }
        XCTAssertFalse(redraws.isEmpty, "no status line drawn: \(r.stderr)")
        for line in redraws { XCTAssertLessThanOrEqual(line.count, 39, line) }
        XCTAssertTrue(redraws.contains { $0.hasSuffix("…") }, "\(redraws)")
    }
}
