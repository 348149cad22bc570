import Foundation
import XCTest
@_spi(CLI) @testable import AWDLSTM

/// `finetune`'s copies of the trained run (`model.pre-finetune.safetensors`,
/// `state.pre-finetune.safetensors`, `config.pre-finetune.json`), through the
/// executable: written atomically, so a full disk leaves none rather than a
/// short one, and a damaged copy already there is refused, never kept as the trained model.
final class AtomicCopyTests: XCTestCase {
    static let model = FieldFaultTests.model
    static let trained = TrainedRun.shared(name: "C", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + model)

    override class func tearDown() { trained.reset() }

    /// A file size limit (`ulimit -f`, SIGXFSZ ignored) below the model's size:
    /// finetune stops with one line, leaves no copy (whole or short) and no
    /// temporary file, and the model is untouched; without the limit it then works.
    func testFullDiskLeavesNoShortCopy() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let run = try dir.copy(good.run, as: "R")
        let model = try Data(contentsOf: run.appendingPathComponent("model.safetensors"))
        XCTAssertGreaterThan(model.count, 20 * 512, "the limit must be below the model's size")
        let args = ["finetune", "--checkpoint", run.path, "--data", good.data.path, "--epochs", "1", "--max-batches", "1"]
        let limited = try CLI.run(["-c", "trap '' XFSZ; ulimit -f 20; exec \"$0\" \"$@\"", CLI.binary.path] + args,
                                  executable: URL(fileURLWithPath: "/bin/sh"))
        XCTAssertEqual(limited.status, 1, limited.stderr)
        XCTAssertEqual(limited.stderr.split(separator: "\n").filter { $0.hasPrefix("awd-lstm: error:") }.count, 1, limited.stderr)
        XCTAssertTrue(limited.stderr.contains("model.pre-finetune.safetensors"), limited.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: run.path)
        XCTAssertFalse(files.contains("model.pre-finetune.safetensors"), "a short copy was left: \(files)")
        XCTAssertFalse(files.contains { $0.contains(".tmp-") }, "\(files)")
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("model.safetensors")), model)

        let again = try CLI.run(args)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("model.pre-finetune.safetensors")), model)
    }

    /// A copy cut short by an earlier version is refused by name before
    /// anything is written; the folder stays as it was.
    func testDamagedCopyIsNeverTrusted() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        for (name, cut) in [("model.pre-finetune.safetensors", "model.safetensors"), ("state.pre-finetune.safetensors", "state.safetensors"),
                            ("config.pre-finetune.json", "config.json")] {
            let run = try dir.copy(good.run, as: name)
            let whole = try Data(contentsOf: run.appendingPathComponent(cut))
            try whole.prefix(whole.count / 2).write(to: run.appendingPathComponent(name))
            let model = try Data(contentsOf: run.appendingPathComponent("model.safetensors"))
            let r = try CLI.run(["finetune", "--checkpoint", run.path, "--data", good.data.path, "--epochs", "1", "--max-batches", "1"])
            XCTAssertEqual(r.status, 1, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\(run.path)/\(name): damaged ("), "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("delete the damaged copy"), r.stderr)
            XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("model.safetensors")), model, name)
        }
    }
}
