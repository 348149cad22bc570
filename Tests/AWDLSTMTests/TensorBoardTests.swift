import Foundation
import XCTest
@testable import AWDLSTM

/// The TensorBoard event files a run writes (`TensorBoardLog`): TFRecord
/// framing with masked CRC-32C, the scalars of every metrics record at the
/// run's global batch, and a resume that starts a new file without repeating steps.
final class TensorBoardTests: XCTestCase {
    /// RFC 3720's check value, and the masked form TFRecord stores.
    func testCRC32C() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        let crc = CRC32C.checksum(Array("123456789".utf8))
        XCTAssertEqual(CRC32C.masked(Array("123456789".utf8)), ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    /// Records read back as written; a flipped byte in a length, in data or a
    /// cut file is named by the record it hits.
    func testRecordFramingRoundTripAndDamage() throws {
        let payloads = [Data("first".utf8), Data(), Data((0..<300).map { UInt8($0 % 256) })]
        var file = Data()
        for p in payloads { file.append(TFRecord.frame(p)) }
        XCTAssertEqual(file.count, payloads.reduce(0) { $0 + $1.count + 16 })
        XCTAssertEqual(try TFRecord.records(file), payloads)
        // Layout of the first record: length 5 little-endian, then its masked CRC.
        XCTAssertEqual([UInt8](file.prefix(8)), [5, 0, 0, 0, 0, 0, 0, 0])
        let lengthCRC = file[8..<12].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        XCTAssertEqual(lengthCRC, CRC32C.masked([5, 0, 0, 0, 0, 0, 0, 0] as [UInt8]))

        var badData = file
        badData[12] ^= 1  // first byte of "first"
        XCTAssertThrowsError(try TFRecord.records(badData)) { XCTAssertEqual($0 as? TFRecordError, .badDataCRC(record: 0)) }
        var badLength = file
        badLength[21] ^= 0x40  // the first length byte of the second record (the first is 21 bytes)
        XCTAssertThrowsError(try TFRecord.records(badLength)) { XCTAssertEqual($0 as? TFRecordError, .badLengthCRC(record: 1)) }
        XCTAssertThrowsError(try TFRecord.records(file.dropLast(3))) { XCTAssertEqual($0 as? TFRecordError, .truncated(record: 2)) }
    }

    static func record(_ kind: String, epoch: Int, batch: Int?, loss: Double) -> MetricsRecord {
        var r = MetricsRecord(kind: kind, epoch: epoch)
        r.batch = batch
        r.lr = 30
        if kind == "epoch" {
            (r.loss, r.ppl, r.valLoss, r.valPpl, r.seconds) = (loss, exp(loss), loss - 0.5, exp(loss - 0.5), 1.5)
        } else {
            (r.loss, r.ppl, r.bpc) = (loss, exp(loss), loss / log(2))
            if kind == "log" { (r.tokensPerS, r.msPerBatch) = (1234, 20) }
        }
        return r
    }

    /// Scalars of the given tag in the events of `file`, as (step, value).
    func scalars(_ tag: String, in file: URL) throws -> [(Int64, Float)] {
        try TensorBoardLog.events(in: file).flatMap { e in
            e.summary.value.filter { $0.tag == tag }.map { (e.step, $0.simpleValue) }
        }
    }

    /// Log and epoch records become scalars at the global batch; the first event is the file version.
    func testScalarsAtGlobalBatch() throws {
        let dir = try TemporaryFolder()
        let log = try MetricsLog(url: dir.url.appendingPathComponent("metrics.jsonl"))
        for r in [Self.record("log", epoch: 1, batch: 5, loss: 6), Self.record("log", epoch: 1, batch: 10, loss: 5),
                  Self.record("epoch", epoch: 1, batch: 12, loss: 5.5), Self.record("log", epoch: 2, batch: 5, loss: 4),
                  Self.record("epoch", epoch: 2, batch: 12, loss: 4.5), Self.record("test", epoch: 2, batch: nil, loss: 4.2)] {
            try log.append(r)
        }
        let events = try TensorBoardLog.events(in: log.tensorBoard.file)
        XCTAssertEqual(events.first?.fileVersion, "brain.Event:2")
        XCTAssertTrue(log.tensorBoard.file.lastPathComponent.hasPrefix("events.out.tfevents."))
        XCTAssertEqual(log.tensorBoard.file.deletingLastPathComponent().lastPathComponent, "tensorboard")
        let loss = try scalars("train/loss", in: log.tensorBoard.file)
        XCTAssertEqual(loss.map(\.0), [5, 10, 17])
        XCTAssertEqual(loss.map(\.1), [6, 5, 4])
        XCTAssertEqual(try scalars("train/ppl", in: log.tensorBoard.file).map(\.1), [Float(exp(6.0)), Float(exp(5.0)), Float(exp(4.0))])
        XCTAssertEqual(try scalars("train/tokens_per_s", in: log.tensorBoard.file).map(\.1), [1234, 1234, 1234])
        XCTAssertEqual(try scalars("valid/loss", in: log.tensorBoard.file).map(\.0), [12, 24])
        XCTAssertEqual(try scalars("valid/ppl", in: log.tensorBoard.file).map(\.1), [Float(exp(5.0)), Float(exp(4.0))])
        XCTAssertEqual(try scalars("epoch/lr", in: log.tensorBoard.file).map(\.1), [30, 30])
        XCTAssertEqual(try scalars("test/loss", in: log.tensorBoard.file).map { $0.0 }, [25])
    }

    /// A resume from a checkpoint that kept 2 of 4 lines writes a second file
    /// that starts with a session start at the step after the kept records, and
    /// its steps continue from there; a fresh run removes earlier files.
    func testResumeWritesNewFileFromCheckpoint() throws {
        let dir = try TemporaryFolder()
        let url = dir.url.appendingPathComponent("metrics.jsonl")
        let first = try MetricsLog(url: url)
        for r in [Self.record("log", epoch: 1, batch: 5, loss: 6), Self.record("epoch", epoch: 1, batch: 8, loss: 5.5),
                  Self.record("log", epoch: 2, batch: 5, loss: 5), Self.record("log", epoch: 2, batch: 10, loss: 4.8)] {
            try first.append(r)
        }
        let resumed = try MetricsLog(url: url, keepLines: 2)
        XCTAssertNotEqual(resumed.tensorBoard.file, first.tensorBoard.file)
        XCTAssertLessThan(first.tensorBoard.file.lastPathComponent, resumed.tensorBoard.file.lastPathComponent,
                          "TensorBoard reads files in name order")
        try resumed.append(Self.record("log", epoch: 2, batch: 5, loss: 4.9))
        let events = try TensorBoardLog.events(in: resumed.tensorBoard.file)
        XCTAssertEqual(events.count, 3)
        XCTAssertEqual(events[1].sessionLog.status, .start)
        XCTAssertEqual(events[1].step, 9)
        XCTAssertEqual(try scalars("train/loss", in: resumed.tensorBoard.file).map(\.0), [13])
        // Both files stay for TensorBoard, which drops the first one's steps from 9 on.
        let folder = TensorBoardLog.folder(run: dir.url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).count, 2)

        _ = try MetricsLog(url: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).count, 1, "a fresh run keeps no earlier event file")
    }
}

/// The `tensorboard` package from PyPI reads the event files a run writes
/// (`scripts/reference/read_tensorboard.py`): its reader checks the CRCs and
/// applies the session start of a resumed run. Skipped when no Python with
/// `tensorboard` is found (`AWDLSTM_PYTHON`, `.venv-bench/bin/python`, then `python3`).
final class TensorBoardInteropTests: XCTestCase {
    func python() throws -> String {
        try referencePython(importing: "tensorboard.backend.event_processing.event_accumulator", repository: PyTorchInteropTests.repository)
    }

    /// `{tag: [(step, value)]}` as TensorBoard reads the folder.
    func read(_ folder: URL, python py: String) throws -> [String: [(Int, Double)]] {
        let script = PyTorchInteropTests.repository.appendingPathComponent("scripts/reference/read_tensorboard.py").path
        let out = try runPython(py, [script, folder.path])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: out) as? [String: [[Double]]])
        return object.mapValues { $0.map { (Int($0[0]), $0[1]) } }
    }

    /// A run of 2 epochs, resumed for a third: TensorBoard shows every log
    /// interval's and epoch's figures of metrics.jsonl, once each, in step order.
    func testTensorBoardReadsRunAndResume() throws {
        let py = try python()
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let run = dir.url.appendingPathComponent("run")
        let train = try CLI.run(["train", "--data", data.path, "--save", run.path, "--epochs", "2", "--max-batches", "12"] + tinyModelFlags)
        XCTAssertEqual(train.status, 0, train.stderr)
        let resume = try CLI.run(["train", "--resume", run.path, "--data", data.path, "--epochs", "3"])
        XCTAssertEqual(resume.status, 0, resume.stderr)
        let scalars = try read(TensorBoardLog.folder(run: run), python: py)
        let records = try MetricsLog.read(run.appendingPathComponent("metrics.jsonl"))
        let logs = records.filter { $0.kind == "log" }, epochs = records.filter { $0.kind == "epoch" }
        XCTAssertEqual(epochs.count, 3)
        XCTAssertGreaterThan(logs.count, 3)
        let loss = try XCTUnwrap(scalars["train/loss"])
        XCTAssertEqual(loss.count, logs.count)
        for (value, record) in zip(loss, logs) { XCTAssertEqual(value.1, record.loss!, accuracy: 1e-5 * record.loss!) }
        XCTAssertEqual(loss.map(\.0), loss.map(\.0).sorted())
        XCTAssertEqual(Set(loss.map(\.0)).count, loss.count, "no step twice")
        let valid = try XCTUnwrap(scalars["valid/ppl"])
        XCTAssertEqual(valid.count, 3)
        for (value, record) in zip(valid, epochs) { XCTAssertEqual(value.1, record.valPpl!, accuracy: 1e-5 * record.valPpl!) }
        XCTAssertEqual(valid.map(\.0), [12, 24, 36])
        XCTAssertEqual(scalars["train/lr"]?.count, logs.count)
        XCTAssertEqual(scalars["train/tokens_per_s"]?.count, logs.count)
        // The first invocation's test (step 25) is superseded by the resume, as metrics.jsonl drops it.
        XCTAssertEqual(scalars["test/loss"]?.map(\.0), [37])
    }

    /// Records after the checkpoint in an earlier file are dropped by TensorBoard
    /// itself (the session start), so a resumed run's repeated batches show once,
    /// with the resumed run's values.
    func testTensorBoardDropsStepsAfterCheckpoint() throws {
        let py = try python()
        let dir = try TemporaryFolder()
        let url = dir.url.appendingPathComponent("metrics.jsonl")
        let first = try MetricsLog(url: url)
        for r in [TensorBoardTests.record("log", epoch: 1, batch: 5, loss: 6), TensorBoardTests.record("epoch", epoch: 1, batch: 8, loss: 5.5),
                  TensorBoardTests.record("log", epoch: 2, batch: 5, loss: 5), TensorBoardTests.record("log", epoch: 2, batch: 10, loss: 4.8)] {
            try first.append(r)
        }
        let resumed = try MetricsLog(url: url, keepLines: 2)
        for r in [TensorBoardTests.record("log", epoch: 2, batch: 5, loss: 4.5), TensorBoardTests.record("log", epoch: 2, batch: 10, loss: 4.25)] {
            try resumed.append(r)
        }
        let loss = try XCTUnwrap(try read(TensorBoardLog.folder(run: dir.url), python: py)["train/loss"])
        XCTAssertEqual(loss.map(\.0), [5, 13, 18])
        XCTAssertEqual(loss.map(\.1), [6, 4.5, 4.25])
    }
}
