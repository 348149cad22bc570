import Foundation
import SwiftProtobuf

/// The run's metrics as TensorBoard scalars: every record `metrics.jsonl`
/// gets is also written to an event file in `DIR/tensorboard/`, so that
/// `tensorboard --logdir DIR` plots the run. The file is TFRecord framing
/// (`TFRecord`) of `Event` messages (`Protos/tensorboard_event.proto`), named
/// `events.out.tfevents.<Unix seconds>.<host>` as TensorFlow names its own.
///
/// The step of every scalar is the run's global batch: the batches of the
/// epochs before plus the batch within the epoch (a `log` record's `batch`, an
/// `epoch` record's batch count); the test's step is the one after the last
/// batch, so that a resume, which tests again, drops it as `metrics.jsonl` does.
///
/// Tags, per log interval: `train/loss`, `train/ppl`, `train/bpc`, `train/lr`,
/// `train/tokens_per_s`, `train/ms_per_batch`; per epoch: `epoch/train_loss`,
/// `epoch/train_ppl`, `epoch/lr`, `epoch/seconds`, `valid/loss`, `valid/ppl`,
/// `valid/bpc`; after training: `test/loss`, `test/ppl`, `test/bpc`.
///
/// Each invocation writes a new file. A resumed run (or a fine-tuning) starts
/// its file with a session-start event at the step after the last record kept,
/// which makes TensorBoard drop what earlier files hold from that step on: the
/// batches after the checkpoint that the run repeats are never shown twice.
final class TensorBoardLog {
    /// The file this invocation writes.
    let file: URL
    /// Batches of the epochs before the current one.
    private var epochBase = 0
    /// The last global batch of the records written (or kept from before).
    private var lastBatch = 0
    /// The step of the last record written (or kept from before).
    private(set) var lastStep = 0

    /// The folder of event files in the run folder `run`.
    static func folder(run: URL) -> URL { run.appendingPathComponent("tensorboard") }

    /// Opens a new event file in `folder(run:)`. `history` is the records kept
    /// from earlier invocations (`metrics.jsonl` cut back to the checkpoint);
    /// with `resumed` false the run starts afresh and earlier event files are
    /// removed. Throws `FileError` when the folder or file cannot be written.
    init(run: URL, history: [MetricsRecord], resumed: Bool) throws {
        let fm = FileManager.default
        let dir = Self.folder(run: run)
        if !resumed, let old = try? fm.contentsOfDirectory(atPath: dir.path) {
            for name in old where name.hasPrefix("events.out.tfevents.") { try? fm.removeItem(at: dir.appendingPathComponent(name)) }
        }
        do { try fm.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw FileError.cannotCreateFolder(path: dir.path)
        }
        // Names sort by time, the order TensorBoard reads files in; a second
        // invocation within the same second takes the next second's name.
        var seconds = Int(Date().timeIntervalSince1970)
        let host = ProcessInfo.processInfo.hostName
        while fm.fileExists(atPath: dir.appendingPathComponent("events.out.tfevents.\(seconds).\(host)").path) { seconds += 1 }
        file = dir.appendingPathComponent("events.out.tfevents.\(seconds).\(host)")
        for record in history { _ = step(of: record) }
        var version = Tensorboard_Event()
        version.wallTime = Date().timeIntervalSince1970
        version.fileVersion = "brain.Event:2"
        var records = [version]
        if resumed {
            var start = Tensorboard_Event()
            start.wallTime = version.wallTime
            start.step = Int64(lastStep + 1)
            start.sessionLog.status = .start
            records.append(start)
        }
        try AtomicFile.write(Data(), to: file)
        for r in records { try write(r) }
    }

    /// Writes `record`'s scalars at its step.
    func append(_ record: MetricsRecord) throws {
        let step = step(of: record)
        let values = Self.scalars(record)
        guard !values.isEmpty else { return }
        var event = Tensorboard_Event()
        event.wallTime = Date().timeIntervalSince1970
        event.step = Int64(step)
        event.summary.value = values.map { tag, value in
            var v = Tensorboard_Summary.Value()
            v.tag = tag
            v.simpleValue = Float(value)
            return v
        }
        try write(event)
    }

    /// The step of `record`: its global batch, advancing past an epoch
    /// record's batches; a test's is the step after the last batch.
    private func step(of record: MetricsRecord) -> Int {
        let step: Int
        switch record.kind {
        case "log":
            step = epochBase + (record.batch ?? 0)
            lastBatch = max(lastBatch, step)
        case "epoch":
            step = epochBase + (record.batch ?? 0)
            epochBase = step
            lastBatch = max(lastBatch, step)
        default:
            step = lastBatch + 1
        }
        lastStep = max(lastStep, step)
        return step
    }

    /// The tags and values of `record` (see the type's description); nil fields are left out.
    static func scalars(_ r: MetricsRecord) -> [(String, Double)] {
        let fields: [(String, Double?)]
        switch r.kind {
        case "log":
            fields = [("train/loss", r.loss), ("train/ppl", r.ppl), ("train/bpc", r.bpc), ("train/lr", r.lr),
                      ("train/tokens_per_s", r.tokensPerS), ("train/ms_per_batch", r.msPerBatch)]
        case "epoch":
            fields = [("epoch/train_loss", r.loss), ("epoch/train_ppl", r.ppl), ("epoch/lr", r.lr), ("epoch/seconds", r.seconds),
                      ("valid/loss", r.valLoss), ("valid/ppl", r.valPpl), ("valid/bpc", r.valBpc)]
        case "test":
            fields = [("test/loss", r.loss), ("test/ppl", r.ppl), ("test/bpc", r.bpc)]
        default:
            fields = []
        }
        return fields.compactMap { tag, value in value.map { (tag, $0) } }
    }

    /// The events of the file `url`, read back through `TFRecord.records`.
    static func events(in url: URL) throws -> [Tensorboard_Event] {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw FileError.unreadable(path: url.path) }
        return try TFRecord.records(data).map { try Tensorboard_Event(serializedBytes: $0) }
    }

    private func write(_ event: Tensorboard_Event) throws {
        let data: Data = try event.serializedBytes()
        try AtomicFile.append(TFRecord.frame(data), to: file)
    }
}
