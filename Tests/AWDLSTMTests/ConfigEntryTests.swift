import Foundation
import XCTest
@testable import AWDLSTM

/// A hand-edited `config.json` whose entry has the wrong type, a value outside
/// its names, or is missing, through the executable: every command that reads
/// the folder names the key, the value found and what is allowed, exit 1.
final class ConfigEntryTests: XCTestCase {
    static let model = FieldFaultTests.model
    static let trained = TrainedRun.shared(name: "K", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + model)

    override class func tearDown() { trained.reset() }

    func testWrongTypesAndMissingKeysAreNamed() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: good.run.appendingPathComponent("config.json"))) as! [String: Any]
        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            ("nhid-string", { $0["nhid"] = "24" }, "config.json: nhid must be a whole number (got \"24\")"),
            ("model-lowercase", { $0["model"] = "lstm" }, "config.json: model must be one of \"LSTM\", \"QRNN\" (got \"lstm\")"),
            ("lr-string", { $0["lr"] = "fast" }, "config.json: lr must be a number (got \"fast\")"),
            ("nlayers-fraction", { $0["nlayers"] = 2.5 }, "config.json: nlayers must be a whole number (got 2.5)"),
            ("emsize-null", { $0["emsize"] = NSNull() }, "config.json: emsize must be a whole number (got null)"),
            ("emsize-missing", { $0.removeValue(forKey: "emsize") }, "config.json: emsize is missing (give the run's value, such as 400)"),
            ("optimizer", { $0["optimizer"] = "adamw" }, "config.json: optimizer must be one of \"sgd\", \"asgd\", \"adam\" (got \"adamw\")"),
        ]
        for (name, change, message) in cases {
            let run = try dir.copy(good.run, as: name)
            var object = original
            change(&object)
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                .write(to: run.appendingPathComponent("config.json"))
            for args in [["evaluate", "--checkpoint", run.path, "--data", good.data.path],
                         ["train", "--resume", run.path, "--data", good.data.path, "--epochs", "2"], ["plot", "--checkpoint", run.path]] {
                let r = try CLI.run(args)
                XCTAssertEqual(r.status, 1, "\(name) \(args[0]): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains("\(run.path)/\(message)"), "\(name) \(args[0]): \(r.stderr)")
            }
        }
    }

    /// A count edited beyond what the flags allow (`"bptt": 9223372036854775807`)
    /// is refused like the flag, never a trap when a window length is drawn.
    func testCountsAboveTheFlagsLimitAreRefused() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: good.run.appendingPathComponent("config.json"))) as! [String: Any]
        for key in ["bptt", "batch_size", "epochs", "log_interval", "eval_batch_size"] {
            let run = try dir.copy(good.run, as: key)
            var object = original
            object[key] = Int.max
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                .write(to: run.appendingPathComponent("config.json"))
            let r = try CLI.run(["train", "--resume", run.path, "--data", good.data.path, "--epochs", "2"])
            XCTAssertEqual(r.status, 1, "\(key): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\(run.path)/config.json: \(key) must be at most 2147483647 (got 9223372036854775807)"),
                          "\(key): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("awd-lstm: error:") }.count, 1, "\(key): \(r.stderr)")
        }
    }
}
