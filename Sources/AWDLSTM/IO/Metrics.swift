import Foundation

/// One line of `metrics.jsonl`: a log interval (`kind: "log"`), an epoch
/// (`"epoch"`) or the final test evaluation (`"test"`).
public struct MetricsRecord: Codable, Equatable, Sendable {
    /// `log`, `epoch` or `test`.
    public var kind: String
    /// The epoch (1-based; fine-tuning continues the numbering).
    public var epoch: Int
    /// Batches done in the epoch (`log`); in an `epoch` record, the batches the
    /// epoch took.
    public var batch: Int?
    /// Batches expected in the epoch (`log`): `min(max_batches, rows / bptt)`,
    /// which variable BPTT (windows of random length, a little shorter than
    /// `bptt` on average) usually exceeds; `batch` of the `epoch` record is the count.
    public var batches: Int?
    /// The learning rate of the interval or epoch.
    public var lr: Double?
    /// Mean training cross-entropy in nats (`log`, `epoch`) or the test loss (`test`).
    public var loss: Double?
    /// `exp(loss)`.
    public var ppl: Double?
    /// `loss / ln 2`.
    public var bpc: Double?
    /// Milliseconds per batch over the interval (`log`).
    public var msPerBatch: Double?
    /// Training tokens per second over the interval (`log`).
    public var tokensPerS: Double?
    /// Validation loss in nats (`epoch`).
    public var valLoss: Double?
    /// `exp(valLoss)`.
    public var valPpl: Double?
    /// `valLoss / ln 2`.
    public var valBpc: Double?
    /// Wall time of the epoch in seconds (`epoch`).
    public var seconds: Double?
    /// Whether averaged SGD was on (NT-ASGD had switched).
    public var averaging: Bool?
    /// "finetune" for records written by `awd-lstm finetune`; nil for training.
    public var phase: String?

    /// A record with every optional field nil.
    public init(kind: String, epoch: Int) {
        self.kind = kind
        self.epoch = epoch
    }

    enum CodingKeys: String, CodingKey {
        case kind, epoch, batch, batches, lr, loss, ppl, bpc, averaging, seconds, phase
        case msPerBatch = "ms_per_batch", tokensPerS = "tokens_per_s"
        case valLoss = "val_loss", valPpl = "val_ppl", valBpc = "val_bpc"
    }
}

/// Appends records to `metrics.jsonl`. On resume the file is cut back to the
/// number of lines the checkpoint knew about, so a killed run never leaves
/// records of batches it is about to repeat. Every record also goes to the
/// run's TensorBoard event file (`TensorBoardLog`).
public final class MetricsLog {
    let url: URL
    private(set) var lines: Int
    let tensorBoard: TensorBoardLog

    init(url: URL, keepLines: Int? = nil) throws {
        self.url = url
        var existing: [Substring] = []
        if let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) {
            existing = text.split(separator: "\n", omittingEmptySubsequences: true)
        }
        if let keep = keepLines {
            existing = Array(existing.prefix(keep))
        } else {
            existing = []
        }
        lines = existing.count
        try AtomicFile.write(existing.map { $0 + "\n" }.joined(), to: url)
        let decoder = JSONFormat.decoder()
        tensorBoard = try TensorBoardLog(run: url.deletingLastPathComponent(),
                                         history: existing.compactMap { try? decoder.decode(MetricsRecord.self, from: Data($0.utf8)) },
                                         resumed: keepLines != nil)
    }

    func append(_ record: MetricsRecord) throws {
        // A diverged run can have an infinite perplexity: see `JSONFormat`.
        var data = try JSONFormat.encoder().encode(record)
        data.append(0x0A)
        try AtomicFile.append(data, to: url)
        lines += 1
        try tensorBoard.append(record)
    }

    /// The records of a `metrics.jsonl` that may not exist yet: none when it is
    /// missing; throws as `read(_:)` when it is there but unreadable or damaged,
    /// so that a damaged history is never taken for an empty one (and cut away).
    public static func readIfPresent(_ url: URL) throws -> [MetricsRecord] {
        FileManager.default.fileExists(atPath: url.path) ? try read(url) : []
    }

    /// The records of a `metrics.jsonl`; throws when it cannot be read or a line is not a record.
    public static func read(_ url: URL) throws -> [MetricsRecord] {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw FileError.unreadable(path: url.path)
        }
        let decoder = JSONFormat.decoder()
        return try text.split(separator: "\n").enumerated().map { (n, line) in
            do { return try decoder.decode(MetricsRecord.self, from: Data(line.utf8)) } catch {
                throw RunFolderError.malformedMetrics(path: url.path, line: n + 1)
            }
        }
    }
}
