import ArgumentParser
import AWDLSTM
import Foundation

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw training_curves.svg from a run folder's metrics.jsonl.")

    @Option(help: "Run folder.") var checkpoint: String
    @Option(help: "Output SVG file (default DIR/training_curves.svg); other formats are refused.") var out: String?

    func run() throws {
        try reportingErrors {
            let folder = RunFolder(URL(fileURLWithPath: checkpoint))
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.url.path, isDirectory: &isDirectory) else {
                throw CLIError("--checkpoint \(checkpoint): no such folder")
            }
            guard isDirectory.boolValue else { throw CLIError("--checkpoint \(checkpoint): not a folder") }
            guard folder.exists(folder.metrics) else {
                throw CLIError("\(folder.metrics.path): missing (is \(checkpoint) a run folder?)")
            }
            if let out, URL(fileURLWithPath: out).pathExtension.lowercased() != "svg" {
                throw CLIError("--out \(out): plot writes SVG only; give a file name ending in .svg")
            }
            let target = out.map { URL(fileURLWithPath: $0) } ?? folder.trainingCurves
            let parent = target.deletingLastPathComponent()
            guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIError("--out \(out ?? target.path): folder \(parent.path) does not exist")
            }
            let characters = (try? folder.readVocabulary())?.isCharacterLevel ?? false
            try TrainingCurves.write(metrics: folder.metrics, to: target, bitsPerCharacter: characters)
            logLine(target.path)
        }
    }
}
