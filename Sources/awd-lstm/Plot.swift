import ArgumentParser
@_spi(CLI) import AWDLSTM
import Foundation

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw training_curves.svg from a run folder's metrics.jsonl.",
        discussion: "The folder is checked as every command checks it: a damaged config.json, vocab.txt or metrics.jsonl line is refused.")

    @Option(help: "Run folder.") var checkpoint: String
    @Option(help: "Output SVG file (default DIR/training_curves.svg; a FIFO or /dev/stdout is written through); other formats are refused.") var out: String?

    func run() throws {
        try reportingErrors {
            let folder = try runFolder(checkpoint, flag: "--checkpoint")
            // Read like every command that opens a run folder: a damaged config.json
            // or vocab.txt is refused, never drawn from.
            let (_, vocabulary) = try folder.readConfigAndVocabulary()
            guard folder.exists(folder.metrics) else {
                throw CLIError("\(folder.metrics.path): missing (is \(checkpoint) a run folder?)")
            }
            // A name is checked when a file is made; a FIFO or device (`--out /dev/stdout`) is written through as it is.
            if let out, URL(fileURLWithPath: out).pathExtension.lowercased() != "svg",
               AtomicFile.destination(of: URL(fileURLWithPath: out)) != .stream {
                throw CLIError("--out \(out): plot writes SVG only; give a file name ending in .svg")
            }
            let target = out.map { URL(fileURLWithPath: $0) } ?? folder.trainingCurves
            if let out { try OutputPath.check(out, flag: "--out") }
            try TrainingCurves.write(metrics: folder.metrics, to: target, bitsPerCharacter: vocabulary.isCharacterLevel)
            logLine(target.path)
        }
    }
}
